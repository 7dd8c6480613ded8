"""``--format text``: findings grouped by file, then a summary by rule and severity.

Colour only when ``options["color"]`` is true (the CLI decides: a terminal,
no ``NO_COLOR``, no ``--no-color``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterator

from sovlint.engine import ScanResult
from sovlint.model import Finding, Severity

_COLOURS = {
    Severity.CRITICAL: "\x1b[1;35m",
    Severity.HIGH: "\x1b[1;31m",
    Severity.MEDIUM: "\x1b[33m",
    Severity.LOW: "\x1b[36m",
    Severity.INFO: "\x1b[2m",
}
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"


def _clean(text: str) -> str:
    """Control characters from file names or values never reach the terminal raw."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _line(finding: Finding, color: bool) -> str:
    where = f"{finding.source.line}" if finding.source.line else "-"
    severity = finding.severity.label
    if color:
        severity = f"{_COLOURS[finding.severity]}{severity}{_RESET}"
    text = f"  {where:>5}  {severity:<8} {finding.rule} {_clean(finding.message)}"
    if finding.suppressed:
        reason = f": {finding.suppression_reason}" if finding.suppression_reason else ""
        text += f"  [suppressed{_clean(reason)}]"
    return text


def _remediation_line(finding: Finding) -> str | None:
    """The indented ``→`` line under a finding (``--show-remediation``)."""
    if not finding.remediation:
        return None
    return "         \u2192 " + _clean(" ".join(finding.remediation.split()))


#: About how many characters of report :func:`chunks` hands out at a time.
CHUNK = 1 << 16


def render(result: ScanResult, options: dict[str, Any]) -> str:
    """Human-readable report; ``options["show_remediation"]`` adds the way out under each finding."""
    return "".join(chunks(result, options))


def chunks(result: ScanResult, options: dict[str, Any]) -> Iterator[str]:
    """The report of :func:`render`, in pieces of about :data:`CHUNK` characters: a large
    scan's report is written as it is made, never held whole."""
    color = bool(options.get("color"))
    show_remediation = bool(options.get("show_remediation"))
    show_suppressed = bool(options.get("show_suppressed", False))
    quiet = bool(options.get("quiet"))
    out: list[str] = []
    size = 0
    # one pass over the findings, which come in report order (by file): a large scan's
    # findings are read from disk one at a time, never all held at once
    counts: Counter[tuple[str, str, Severity]] = Counter()
    active = suppressed = 0
    current: str | None = None
    for finding in result.findings:
        if finding.suppressed:
            suppressed += 1
            if not show_suppressed:
                continue
        else:
            active += 1
            counts[(finding.rule, finding.name, finding.severity)] += 1
        if finding.source.path != current:
            if current is not None:
                out.append("")
            current = finding.source.path
            out.append(f"{_BOLD}{_clean(current)}{_RESET}" if color else _clean(current))
        out.append(_line(finding, color))
        way_out = _remediation_line(finding) if show_remediation else None
        if way_out:
            out.append(way_out)
        size += len(out[-1])
        if size >= CHUNK:  # lines joined with the newline of the next piece's first line
            yield "\n".join(out) + "\n"
            out, size = [], 0
    if current is not None:
        out.append("")
    for error in result.errors:
        where = f"{error.path}:{error.line}" if error.line else error.path
        out.append(f"error: {_clean(where)}: {_clean(error.message)}")
    if result.errors:
        out.append("")
    if active and not quiet:
        out.append(f"{'rule':<8} {'name':<28} {'severity':<9} {'count':>5}")
        for (rule, name, severity), count in sorted(counts.items(), key=lambda kv: (-kv[0][2], kv[0][0])):
            out.append(f"{_clean(rule):<8} {_clean(name):<28} {severity.label:<9} {count:>5}")
        out.append("")
    by_sev: Counter[str] = Counter()
    for (_rule, _name, severity), count in counts.items():
        by_sev[severity.label] += count
    detail = ", ".join(f"{by_sev[s.label]} {s.label}" for s in sorted(Severity, reverse=True)
                       if by_sev[s.label])
    summary = (f"{len(result.files)} files, {len(result.resources)} resources, "
               f"{active} findings" + (f" ({detail})" if detail else "")
               + (f", {suppressed} suppressed" if suppressed else ""))
    out.append(summary)
    yield "\n".join(out) + "\n"
