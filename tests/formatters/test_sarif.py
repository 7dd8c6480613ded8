"""SARIF 2.1.0 output: schema-valid, GitHub-ready rules, repository-relative encoded URIs."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sovlint.engine import ScanResult
from sovlint.formatters import sarif
from sovlint.model import ScanError, Severity
from scan_results import ODD_PATHS, large_result, suppressed_twice
from scan_results import empty_result, odd_result, realistic_result  # noqa: F401 (fixtures)

from filetree import SHARED

SCHEMA_PATH = SHARED / "schemas" / "sarif-schema-2.1.0.json"
#: RFC 3986 URI-reference characters, with ``%`` only as the start of a percent-encoding.
URI_REFERENCE = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#]|%[0-9A-F]{2})*$")


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("http://json-schema.org/draft-07/")
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def _render(result: ScanResult, root: Path | None = None) -> dict[str, Any]:
    text = sarif.render(result, {"repository_root": root if root is not None else Path.cwd()})
    return json.loads(text)


def _assert_valid(log: dict[str, Any]) -> None:
    if not SCHEMA_PATH.exists():
        pytest.fail(f"{SCHEMA_PATH} is missing: the SARIF schema is part of the test setup")
    errors = sorted(_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def _uris(log: dict[str, Any]) -> list[str]:
    return [loc["physicalLocation"]["artifactLocation"]["uri"]
            for result in log["runs"][0]["results"] for loc in result["locations"]]


def test_realistic_result_validates(realistic_result: ScanResult) -> None:
    log = _render(realistic_result)
    _assert_valid(log)
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "sovlint"
    assert len(run["results"]) == len(realistic_result.findings)
    assert run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"] == \
        "not rendered: helm not found"


def test_empty_run_validates(empty_result: ScanResult) -> None:
    log = _render(empty_result)
    _assert_valid(log)
    run = log["runs"][0]
    assert run["results"] == []
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [p.id for p in empty_result.policies]


def test_odd_paths_are_percent_encoded_and_validate(odd_result: ScanResult) -> None:
    log = _render(odd_result)
    _assert_valid(log)
    uris = sorted(set(_uris(log)))
    for uri in uris:
        assert URI_REFERENCE.match(uri), uri
    assert "infra/odd%20dir/100%25%20main.tf" in uris
    assert "infra/donn%C3%A9es/r%C3%A9gion%3A%C3%A9%2Cx.tf" in uris
    assert "infra/a%3Cb%3E%26%27%22q.tf" in uris
    assert len(uris) == len(ODD_PATHS)
    # the message keeps its text: JSON escapes it, nothing is lost
    message = log["runs"][0]["results"][0]["message"]["text"]
    assert message.endswith("\nsecond line: 50%, a,b\r\x01\x1b[31m<&>")


def test_suppressions_inline_and_baseline(realistic_result: ScanResult) -> None:
    result = suppressed_twice(realistic_result)
    log = _render(result)
    _assert_valid(log)
    by_reason = {f.suppression_reason: r.get("suppressions")
                 for r, f in zip(log["runs"][0]["results"], result.findings)}
    assert by_reason["in baseline"] == [{"kind": "external", "justification": "in baseline"}]
    assert by_reason["approved exception, ticket SEC-42"] == [
        {"kind": "inSource", "justification": "approved exception, ticket SEC-42"}]
    # the factory's inline ignore (aws_db_instance.patients, SOV002), applied by suppress.py
    assert by_reason["hosting contract with EU sovereign clause"] == [
        {"kind": "inSource", "justification": "hosting contract with EU sovereign clause"}]
    assert by_reason[None] is None
    assert sum(1 for f in result.findings if f.suppressed) == 3


def test_rules_levels_and_security_severity(realistic_result: ScanResult) -> None:
    log = _render(realistic_result)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    sov001 = rules["SOV001"]
    assert sov001["name"] == "data-outside-france"
    assert sov001["shortDescription"]["text"] == "Protected data hosted outside France"
    assert sov001["defaultConfiguration"]["level"] == "error"
    assert sov001["properties"]["security-severity"] == "8.0"
    assert sov001["helpUri"].startswith("https://")
    assert "SREN" in sov001["help"]["markdown"] and "How to fix" in sov001["help"]["text"]
    assert rules["SOV004"]["defaultConfiguration"]["level"] == "warning"
    assert rules["SOV004"]["properties"]["security-severity"] == "5.5"
    for result in log["runs"][0]["results"]:
        rule = log["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]


@pytest.mark.parametrize("severity, level, score", [
    (Severity.CRITICAL, "error", "9.5"),
    (Severity.HIGH, "error", "8.0"),
    (Severity.MEDIUM, "warning", "5.5"),
    (Severity.LOW, "note", "3.0"),
    (Severity.INFO, "note", "1.0"),
])
def test_severity_mapping(realistic_result: ScanResult, severity: Severity, level: str,
                          score: str) -> None:
    policies = [dataclasses.replace(p, severity=severity) for p in realistic_result.policies]
    findings = [dataclasses.replace(f, severity=severity) for f in realistic_result.findings]
    log = _render(dataclasses.replace(realistic_result, policies=policies, findings=findings))
    run = log["runs"][0]
    assert {r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]} == {level}
    assert {r["properties"]["security-severity"] for r in run["tool"]["driver"]["rules"]} == {score}
    assert {r["level"] for r in run["results"]} == {level}


def test_locations_fingerprints_and_logical_address(realistic_result: ScanResult) -> None:
    log = _render(realistic_result)
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    for result, finding in zip(run["results"], realistic_result.findings):
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": finding.source.path, "uriBaseId": "%SRCROOT%"}
        assert physical["region"]["startLine"] == finding.source.line
        assert result["partialFingerprints"] == {"sovlint/v1": finding.fingerprint}
        assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == finding.address


def test_paths_are_relative_to_the_repository_root(realistic_result: ScanResult, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    work = tmp_path / "teams" / "data"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    log = json.loads(sarif.render(realistic_result, {}))  # root found from the cwd
    assert _uris(log)[0] == "teams/data/" + realistic_result.findings[0].source.path
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    _assert_valid(log)


def test_outside_any_repository_the_path_is_kept(realistic_result: ScanResult) -> None:
    log = json.loads(sarif.render(realistic_result, {"repository_root": None}))
    assert _uris(log)[0] == realistic_result.findings[0].source.path
    assert "originalUriBaseIds" not in log["runs"][0]
    _assert_valid(log)


def test_lines_unknown_and_errors_without_line(realistic_result: ScanResult) -> None:
    finding = dataclasses.replace(realistic_result.findings[0],
                                  source=dataclasses.replace(realistic_result.findings[0].source,
                                                             line=None, end_line=None))
    result = dataclasses.replace(realistic_result, findings=[finding],
                                 errors=[ScanError("x", "boom", None), ScanError("y", "bad", 3)])
    log = _render(result)
    _assert_valid(log)
    assert "region" not in log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]


def test_rule_missing_from_policies_gets_a_descriptor(realistic_result: ScanResult) -> None:
    stray = dataclasses.replace(realistic_result.findings[0], rule="ACME001", name="acme-rule")
    log = _render(dataclasses.replace(realistic_result, findings=[stray]))
    _assert_valid(log)
    result = log["runs"][0]["results"][0]
    assert log["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "ACME001"


def test_deterministic(realistic_result: ScanResult) -> None:
    options = {"repository_root": Path.cwd()}
    assert sarif.render(realistic_result, options) == sarif.render(realistic_result, dict(options))


def test_large_result_validates() -> None:
    log = _render(large_result(2000))
    _assert_valid(log)
    assert len(log["runs"][0]["results"]) == 2000


def test_results_one_per_line_and_marker_in_a_policy_text(realistic_result: ScanResult) -> None:
    text = sarif.render(realistic_result, {"repository_root": Path.cwd()})
    lines = [line for line in text.splitlines() if line.startswith('        {"ruleId"')]
    assert len(lines) == len(realistic_result.findings)
    odd = [dataclasses.replace(p, description=sarif._RESULTS) for p in realistic_result.policies]
    log = _render(dataclasses.replace(realistic_result, policies=odd))
    _assert_valid(log)
    assert len(log["runs"][0]["results"]) == len(realistic_result.findings)
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["fullDescription"]["text"] == sarif._RESULTS
