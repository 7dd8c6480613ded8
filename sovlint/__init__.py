"""sovlint: a policy-as-code linter for data sovereignty."""

__version__ = "0.1.0"

from sovlint import dataclass_code  # noqa: E402  (before any module of sovlint defines a dataclass)

dataclass_code.install()
