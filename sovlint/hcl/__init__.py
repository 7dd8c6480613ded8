"""HCL parsing behind sovlint's own syntax tree (sovlint.hcl.syntax)."""
