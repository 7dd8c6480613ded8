"""``--format gitlab``: GitLab Code Quality JSON (``artifacts:reports:codequality``).

A list of Code Climate issues: ``description``, ``check_name`` (the rule id),
``fingerprint``, ``severity`` (info -> info, low -> minor, medium -> major,
high -> critical, critical -> blocker) and ``location`` (path from the
repository root, ``lines.begin``). Suppressed findings are left out: the
merge-request widget shows what needs fixing. GitLab compares fingerprints
between the branch and its target, so they must be unique in a report: the
finding fingerprint (rule + address + path), with ``-2``, ``-3``... on the
rare repeats. Scan errors that are not one file's content are not Code
Quality issues; the JUnit report carries them.
"""

from __future__ import annotations

import json
from typing import Any

from sovlint.engine import ScanResult
from sovlint.formatters.source_paths import repository_path, repository_root
from sovlint.model import Severity

SEVERITIES = {
    Severity.INFO: "info",
    Severity.LOW: "minor",
    Severity.MEDIUM: "major",
    Severity.HIGH: "critical",
    Severity.CRITICAL: "blocker",
}


def render(result: ScanResult, options: dict[str, Any]) -> str:
    """The Code Quality report."""
    root = repository_root(options)
    paths: dict[str, str] = {}
    issues: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for finding in result.findings:
        if finding.suppressed:
            continue
        fingerprint = finding.fingerprint
        seen[fingerprint] = seen.get(fingerprint, 0) + 1
        if seen[fingerprint] > 1:
            fingerprint = f"{fingerprint}-{seen[fingerprint]}"
        path = paths.get(finding.source.path)
        if path is None:
            path = paths[finding.source.path] = repository_path(finding.source.path, root)
        issues.append({
            "type": "issue",
            "description": f"{finding.rule} {finding.message}",
            "check_name": finding.rule,
            "fingerprint": fingerprint,
            "severity": SEVERITIES[finding.severity],
            "categories": ["Security"],
            "location": {
                "path": path,
                "lines": {"begin": finding.source.line or 1},
            },
        })
    if not issues:
        return "[]\n"
    # one issue per line: the C encoder (indent= would run the slow pure-Python one)
    from sovlint.quoting import json_text

    return json_text("[\n" + ",\n".join("  " + json.dumps(i, ensure_ascii=False) for i in issues) + "\n]\n")
