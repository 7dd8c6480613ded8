"""The Terraform evaluator: variables, locals, functions, providers, modules."""
