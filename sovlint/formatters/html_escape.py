"""Text from a scan (untrusted) made safe for HTML content and quoted attributes."""

from __future__ import annotations

import html
import re

from sovlint.quoting import visible

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def escape(value: object) -> str:
    """Text for HTML content or a quoted attribute; control and invisible characters, and those
    HTML forbids, shown as escapes (``\\xNN``)."""
    text = visible("" if value is None else str(value), keep_whitespace=True)
    text = _FORBIDDEN.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                          else f"\\u{ord(m.group()):04x}", text)
    return html.escape(text, quote=True)


def breakable(value: object, after: str = "/") -> str:
    """Escaped text with line-break opportunities after ``/`` (paths) or ``.`` (addresses)."""
    return re.sub(f"([{re.escape(after)}])(?=.)", r"\1<wbr>", escape(value))
