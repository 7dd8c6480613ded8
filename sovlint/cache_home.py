"""Where sovlint keeps what it compiles and caches: ``$SOVLINT_CACHE_DIR``, else
``$XDG_CACHE_HOME/sovlint``, else ``~/.cache/sovlint`` (read at every call: a test or
a caller may change the environment)."""

from __future__ import annotations

import os


def cache_home() -> str:
    """The cache directory (it may not exist yet)."""
    explicit = os.environ.get("SOVLINT_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "sovlint")
