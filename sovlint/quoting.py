"""Quoting untrusted text: control characters made visible, excerpts kept short.

File names, manifest values and file contents come from the scanned tree,
which is untrusted input (SPEC §9). Whatever of them reaches a message or an
output goes through :func:`visible` (no raw control character: no terminal
escape sequence, no bidirectional override, no forged log line) and, when it
is a piece of a file, :func:`excerpt` (at most a short first line of it: a
parse error never echoes a secret that follows).
"""

from __future__ import annotations

import re

#: The longest piece of a file a message quotes.
EXCERPT_LENGTH = 40

#: C0 and C1 controls, DEL, and the invisible format characters that reorder or hide text
#: (bidirectional embeddings, overrides and isolates; zero-width joiners; the BOM).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                        "\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]")
_INVISIBLE_BUT_WHITESPACE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e"
                                     "\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
                                     "\ufff9-\ufffb\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x09:
        return "\\t"
    if code == 0x0A:
        return "\\n"
    if code == 0x0D:
        return "\\r"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, keep_whitespace: bool = False) -> str:
    """``text`` with every control or invisible format character written as an escape
    (``\\x1b``, ``\\u202e``); tabs and line breaks kept when ``keep_whitespace``."""
    pattern = _INVISIBLE_BUT_WHITESPACE if keep_whitespace else _INVISIBLE
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape, text)


#: What ``json.dumps(..., ensure_ascii=False)`` leaves raw but a terminal or a viewer would act on.
_JSON_INVISIBLE = re.compile("[\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069"
                             "\ufeff\ufff9-\ufffb]")


def json_text(dumped: str) -> str:
    """JSON text with the invisible characters ``json.dumps`` keeps raw written as ``\\uXXXX``
    escapes (the same JSON value; nothing a terminal or an editor could act on)."""
    if _JSON_INVISIBLE.search(dumped) is None:
        return dumped
    return _JSON_INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def csv_cell(text: str) -> str:
    """A CSV cell: made visible, and a leading ``=``, ``+``, ``-`` or ``@`` (a formula for a
    spreadsheet) neutralised with a quote, unless the cell is a number."""
    text = visible(text)
    if text[:1] in ("=", "+", "-", "@"):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def shortened(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (``…`` marks the cut); nothing else changes."""
    return text if len(text) <= limit else text[:limit] + "\u2026"


def excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """The first line of ``text``, cut to ``limit`` characters (``…`` marks a cut), made visible."""
    first, newline, _ = text.partition("\n")
    cut = len(first) > limit or bool(newline and text.strip("\n") != first)
    shown = first[:limit]
    return visible(shown) + ("\u2026" if cut else "")
