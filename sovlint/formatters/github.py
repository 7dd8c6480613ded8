"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

``::error file=F,line=L,endLine=E,title=T::message`` — ``error`` for high and
critical, ``warning`` for medium, ``notice`` for low and info. Suppressed
findings are not annotated. Paths are relative to the repository root (what
GitHub expects). Escaping follows the runner's own rules (``toolkit/core``
``escapeData``/``escapeProperty``): in the message ``%``, CR and LF become
``%25``, ``%0D``, ``%0A``; in properties ``:`` and ``,`` also become ``%3A``
and ``%2C``. Other control characters (ESC, BEL...) and invisible format
characters are written as ``\\x1b``-style escapes before that.

GitHub shows at most 10 annotations of each level per step (50 per job): the
SARIF upload to code scanning is the complete view (docs/ci.md).
"""

from __future__ import annotations

from typing import Any

from sovlint.engine import ScanResult
from sovlint.formatters.source_paths import repository_path, repository_root
from sovlint.model import Severity
from sovlint.quoting import visible

COMMANDS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    """Escape a workflow command's message (control characters made visible first: the log is
    a terminal, and an escape sequence from a file name must not reach it)."""
    return visible(text, keep_whitespace=True).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, properties: list[tuple[str, str]], message: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{kind} {props}::{escape_data(message)}" if props else f"::{kind}::{escape_data(message)}"


def render(result: ScanResult, options: dict[str, Any]) -> str:
    """One workflow command per unsuppressed finding and per scan error."""
    root = repository_root(options)
    paths: dict[str, str] = {}
    lines: list[str] = []
    for finding in result.findings:
        if finding.suppressed:
            continue
        path = paths.get(finding.source.path)
        if path is None:
            path = paths[finding.source.path] = repository_path(finding.source.path, root)
        properties = [("file", path)]
        if finding.source.line:
            properties.append(("line", str(finding.source.line)))
            if finding.source.end_line and finding.source.end_line >= finding.source.line:
                properties.append(("endLine", str(finding.source.end_line)))
        properties.append(("title", f"{finding.rule} {finding.name} ({finding.severity.label})"))
        lines.append(_command(COMMANDS[finding.severity], properties, finding.message))
    for error in result.errors:
        properties = [("file", repository_path(error.path, root))]
        if error.line:
            properties.append(("line", str(error.line)))
        properties.append(("title", "sovlint error"))
        lines.append(_command("error", properties, error.message))
    return "".join(line + "\n" for line in lines)
