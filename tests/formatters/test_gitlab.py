"""GitLab Code Quality JSON: fields, severity mapping, unique fingerprints."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from sovlint.engine import ScanResult
from sovlint.formatters import gitlab
from sovlint.model import Severity, SourceSpan
from scan_results import empty_result, realistic_result  # noqa: F401 (fixtures)


def _issues(result: ScanResult) -> list[dict[str, Any]]:
    return json.loads(gitlab.render(result, {"repository_root": Path.cwd()}))


def test_issues(realistic_result: ScanResult) -> None:
    issues = _issues(realistic_result)
    active = [f for f in realistic_result.findings if not f.suppressed]
    assert len(issues) == len(active)
    first = next(i for i in issues if i["check_name"] == "SOV001")
    finding = next(f for f in active if f.rule == "SOV001")
    assert first == {
        "type": "issue",
        "description": f"SOV001 {finding.message}",
        "check_name": "SOV001",
        "fingerprint": finding.fingerprint,
        "severity": "critical",
        "categories": ["Security"],
        "location": {"path": "infra/storage.tf", "lines": {"begin": 12}},
    }
    assert len({i["fingerprint"] for i in issues}) == len(issues)


@pytest.mark.parametrize("severity, label", [
    (Severity.INFO, "info"), (Severity.LOW, "minor"), (Severity.MEDIUM, "major"),
    (Severity.HIGH, "critical"), (Severity.CRITICAL, "blocker"),
])
def test_severity_mapping(realistic_result: ScanResult, severity: Severity, label: str) -> None:
    finding = dataclasses.replace(realistic_result.findings[1], severity=severity)
    (issue,) = _issues(dataclasses.replace(realistic_result, findings=[finding]))
    assert issue["severity"] == label


def test_suppressed_excluded_and_repeats_unique(realistic_result: ScanResult) -> None:
    finding = realistic_result.findings[1]
    suppressed = dataclasses.replace(finding, suppressed=True, suppression_reason="x")
    no_line = dataclasses.replace(finding, source=SourceSpan("odd %:,é.tf"))
    issues = _issues(dataclasses.replace(realistic_result,
                                         findings=[suppressed, finding, finding, no_line]))
    assert [i["fingerprint"] for i in issues] == [
        finding.fingerprint, finding.fingerprint + "-2", no_line.fingerprint]
    assert issues[2]["location"] == {"path": "odd %:,é.tf", "lines": {"begin": 1}}


def test_empty_result(empty_result: ScanResult) -> None:
    assert _issues(empty_result) == []


def test_deterministic(realistic_result: ScanResult) -> None:
    options = {"repository_root": Path.cwd()}
    assert gitlab.render(realistic_result, options) == gitlab.render(realistic_result, options)
