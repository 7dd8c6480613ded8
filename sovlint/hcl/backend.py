"""Choose the HCL backend: python-hcl2 (reference) or tree-sitter-hcl (``sovlint[fast]``)."""

from __future__ import annotations

import os

from sovlint.hcl.syntax import HclFile

#: ``SOVLINT_HCL_BACKEND=hcl2|treesitter`` forces a backend (tests compare them).
BACKEND_ENV = "SOVLINT_HCL_BACKEND"


def backend_name() -> str:
    """The HCL backend this process uses."""
    return os.environ.get(BACKEND_ENV, "hcl2")


def parse_hcl(text: str, path: str) -> HclFile:
    """Parse HCL native syntax with the configured backend."""
    choice = os.environ.get(BACKEND_ENV, "hcl2")
    if choice == "treesitter":
        from sovlint.hcl.treesitter_backend import parse_hcl as parse_fast

        return parse_fast(text, path)
    from sovlint.hcl.hcl2_backend import parse_hcl as parse_reference

    return parse_reference(text, path)
