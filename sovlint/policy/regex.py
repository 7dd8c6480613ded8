"""Regular expressions from untrusted input, matched in linear time (RE2).

Policy files, catalog files and the scanned code are untrusted input: a
pattern such as ``(a+)+$`` must not hang the linter. RE2 (google-re2)
guarantees linear-time matching. A pattern RE2 refuses is a
:class:`RegexError` whose message is RE2's own reason as text (RE2 is told
not to print it on standard error as well).
"""

from __future__ import annotations

import functools
from typing import Any, Callable

MAX_PATTERN = 1000


class RegexError(ValueError):
    """A pattern that cannot be used safely."""


def compile_re2(pattern: str | bytes) -> Any:
    """An RE2 program for ``pattern`` (a ``bytes`` pattern matches bytes), or :class:`RegexError`."""
    import re2  # type: ignore[import-not-found]

    options = re2.Options()
    options.log_errors = False  # the reason is in the exception; nothing on standard error
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else str(exc)
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise RegexError(str(detail)) from None


@functools.lru_cache(maxsize=512)
def compile_safe(pattern: str) -> Callable[[str], bool]:
    """Compile ``pattern`` into a search function that cannot take super-linear time."""
    if len(pattern) > MAX_PATTERN:
        raise RegexError(f"pattern longer than {MAX_PATTERN} characters")
    compiled = compile_re2(pattern)
    return lambda text: compiled.search(text) is not None
