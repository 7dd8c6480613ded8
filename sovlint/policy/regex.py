"""Regular expressions from policy files, matched in linear time.

Policies are untrusted input: a pattern such as ``(a+)+$`` must not hang the
linter. RE2 (google-re2) guarantees linear-time matching; where it is not
installed, Python's engine is used on input truncated to ``MAX_INPUT`` and
patterns with nested quantifiers are refused.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Callable

MAX_PATTERN = 1000
MAX_INPUT = 4096
_NESTED_QUANTIFIER = re.compile(r"\([^()]*[+*}][^()]*\)\s*[+*{]")


class RegexError(ValueError):
    """A pattern that cannot be used safely."""


@functools.lru_cache(maxsize=512)
def compile_safe(pattern: str) -> Callable[[str], bool]:
    """Compile ``pattern`` into a search function that cannot take super-linear time."""
    if len(pattern) > MAX_PATTERN:
        raise RegexError(f"pattern longer than {MAX_PATTERN} characters")
    try:
        import re2  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - google-re2 is a dependency
        re2 = None
    if re2 is not None:
        try:
            compiled: Any = re2.compile(pattern)
        except Exception as exc:  # re2.error has no stable public base class
            raise RegexError(str(exc)) from None
        return lambda text: compiled.search(text) is not None
    if _NESTED_QUANTIFIER.search(pattern):  # pragma: no cover
        raise RegexError("nested quantifiers can take exponential time")
    try:  # pragma: no cover
        fallback = re.compile(pattern)
    except re.error as exc:  # pragma: no cover
        raise RegexError(str(exc)) from None
    return lambda text: fallback.search(text[:MAX_INPUT]) is not None  # pragma: no cover
