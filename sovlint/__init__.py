"""sovlint: a policy-as-code linter for data sovereignty."""

__version__ = "0.1.0"
