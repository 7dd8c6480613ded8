"""``--format junit``: JUnit XML, as GitLab (``artifacts:reports:junit``) and Jenkins
(``junit`` step) read it.

Layout:

- one ``<testsuite name="RULE">`` per rule of the scan;
- one ``<testcase classname="RULE" name="ADDRESS (PATH)">`` per rule x resource
  that has findings, failing with ``<failure type="SEVERITY">`` whose text is
  ``path:line: message`` (several findings of one rule on one resource, e.g.
  two replicas, are listed in the same failure); a suppressed one is
  ``<skipped>`` with the reason;
- one passing ``<testcase classname="RULE" name="no finding">`` for a rule that
  found nothing.

sovlint does not record which resources a rule *looked at* without finding
anything (rules match by data class and category), so passing rule x
resource pairs are not listed one by one: a passing rule is one passing
testcase. Problems that are not one file's content (``errors`` of the JSON
report) go to a last ``<testsuite name="sovlint">`` as ``<error>`` testcases.

The document is always well-formed XML 1.0: characters XML forbids (C0
controls but tab, LF and CR; lone surrogates; U+FFFE/U+FFFF) are written as
visible ``\\xNN``/``\\uNNNN`` escapes; CR, LF and tab inside attributes as
character references so readers keep them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sovlint.engine import ScanResult
from sovlint.model import Finding
from sovlint.quoting import visible

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def xml_text(text: str) -> str:
    """``text`` escaped for element content."""
    text = _FORBIDDEN.sub(_visible, visible(text, keep_whitespace=True))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def xml_attr(text: str) -> str:
    """``text`` escaped for a double-quoted attribute value (whitespace kept as references)."""
    return (xml_text(text).replace('"', "&quot;").replace("\n", "&#10;")
            .replace("\t", "&#9;"))


def _where(finding: Finding) -> str:
    return f"{finding.source.path}:{finding.source.line}" if finding.source.line else finding.source.path


def _testcase(rule: str, findings: list[Finding]) -> tuple[str, bool, bool]:
    """(xml, failed, skipped) for one rule x resource."""
    first = findings[0]
    address = first.address or first.source.path
    attrs = (f'classname="{xml_attr(rule)}" name="{xml_attr(f"{address} ({first.source.path})")}" '
             f'file="{xml_attr(first.source.path)}"')
    if first.source.line:
        attrs += f' line="{first.source.line}"'
    active = [f for f in findings if not f.suppressed]
    if not active:
        reasons = sorted({f.suppression_reason or "no reason given" for f in findings})
        return (f'    <testcase {attrs}>\n'
                f'      <skipped message="{xml_attr("suppressed: " + "; ".join(reasons))}"/>\n'
                f'    </testcase>\n', False, True)
    worst = max(active, key=lambda f: f.severity)
    message = worst.message if len(active) == 1 else f"{worst.message} (and {len(active) - 1} more)"
    body = "\n".join(f"{_where(f)}: [{f.severity.label}] {f.message}" for f in active)
    remediation = next((f.remediation for f in active if f.remediation), None)
    if remediation:
        body += f"\n\nHow to fix: {remediation.strip()}"
    return (f'    <testcase {attrs}>\n'
            f'      <failure message="{xml_attr(message)}" type="{worst.severity.label}">'
            f'{xml_text(body)}</failure>\n'
            f'    </testcase>\n', True, False)


def render(result: ScanResult, options: dict[str, Any]) -> str:
    """The JUnit XML report."""
    names = {p.id: p.name for p in result.policies}
    grouped: dict[str, dict[tuple[str, str], list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in result.findings:
        names.setdefault(finding.rule, finding.name)
        grouped[finding.rule][(finding.source.path, finding.address or "")].append(finding)
    suites: list[str] = []
    totals = [0, 0, 0, 0]  # tests, failures, errors, skipped
    for rule in sorted(names):
        cases: list[str] = []
        failures = skipped = 0
        by_resource = grouped.get(rule, {})
        for key in sorted(by_resource, key=lambda k: (k[0], by_resource[k][0].source.line or 0, k[1])):
            xml, failed, was_skipped = _testcase(rule, by_resource[key])
            cases.append(xml)
            failures += failed
            skipped += was_skipped
        if not by_resource:
            cases.append(f'    <testcase classname="{xml_attr(rule)}" name="no finding"/>\n')
        suites.append(
            f'  <testsuite name="{xml_attr(f"{rule} {names[rule]}")}" tests="{len(cases)}" '
            f'failures="{failures}" errors="0" skipped="{skipped}">\n' + "".join(cases)
            + "  </testsuite>\n")
        totals[0] += len(cases)
        totals[1] += failures
        totals[3] += skipped
    if result.errors:
        cases = []
        for error in result.errors:
            where = f"{error.path}:{error.line}" if error.line else error.path
            cases.append(f'    <testcase classname="sovlint" name="{xml_attr(where)}">\n'
                         f'      <error message="{xml_attr(error.message)}" type="error">'
                         f'{xml_text(f"{where}: {error.message}")}</error>\n'
                         f'    </testcase>\n')
        suites.append(f'  <testsuite name="sovlint" tests="{len(cases)}" failures="0" '
                      f'errors="{len(cases)}" skipped="0">\n' + "".join(cases) + "  </testsuite>\n")
        totals[0] += len(cases)
        totals[2] += len(cases)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name="sovlint" tests="{totals[0]}" failures="{totals[1]}" '
            f'errors="{totals[2]}" skipped="{totals[3]}">\n' + "".join(suites) + "</testsuites>\n")
