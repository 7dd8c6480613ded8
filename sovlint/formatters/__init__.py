"""One module per output format, each a pure function ``render(result, options) -> str``
(and, for a report written as it is made, ``chunks(result, options)`` giving its pieces).

``FORMATTERS`` maps a format name to the module that renders it; modules are
imported only when their format is asked for.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any, Callable, Iterable

from sovlint.engine import ScanResult

FORMATTERS: dict[str, str] = {
    "text": "sovlint.formatters.text",
    "json": "sovlint.formatters.json_report",
    "sarif": "sovlint.formatters.sarif",
    "junit": "sovlint.formatters.junit",
    "github": "sovlint.formatters.github",
    "gitlab": "sovlint.formatters.gitlab",
    "html": "sovlint.formatters.html",
}


def formatter(name: str) -> Callable[[ScanResult, dict[str, Any]], str]:
    """The ``render`` function of a format."""
    module = importlib.import_module(FORMATTERS[name])
    return module.render  # type: ignore[no-any-return]


def report_chunks(name: str, result: ScanResult, options: dict[str, Any]) -> Iterable[str]:
    """The report of a format in pieces: written as made where the format can, else whole."""
    module = importlib.import_module(FORMATTERS[name])
    chunks = getattr(module, "chunks", None)
    if chunks is not None:
        return chunks(result, options)  # type: ignore[no-any-return]
    return [formatter(name)(result, options)]


def available_formats() -> list[str]:
    """Formats whose module is present in this build."""
    names = []
    for name, module in FORMATTERS.items():
        if importlib.util.find_spec(module) is not None:
            names.append(name)
    return names
