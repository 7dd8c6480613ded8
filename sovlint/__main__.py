"""Allow ``python -m sovlint``."""

from sovlint.cli import main

main()
