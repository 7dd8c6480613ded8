"""Terragrunt units read as Terragrunt reads them, and evaluated as the Terraform roots they are."""
