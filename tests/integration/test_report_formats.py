"""Every report format from one real scan of the shipped examples agrees with the JSON report."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema

PROJECT = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = PROJECT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


def test_all_formats_from_one_scan(run_cli: Any, tmp_path: Path) -> None:
    out = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "sarif", "junit", "gitlab", "github", "html")}
    args = [a for fmt, path in out.items() for a in ("--format", f"{fmt}:{path}")]
    code, stdout, stderr = run_cli("scan", "examples", *args, cwd=PROJECT)
    assert code == 1, stderr  # the examples hold findings
    assert stdout == ""
    report = json.loads(out["json"].read_text(encoding="utf-8"))
    findings = report["findings"]
    active = [f for f in findings if not f["suppressed"]]
    assert active, "the examples should give findings"

    sarif = json.loads(out["sarif"].read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")),
                               format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert [r["partialFingerprints"]["sovlint/v1"] for r in results] == [f["fingerprint"] for f in findings]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == \
        [f["path"] for f in findings]  # run from the repository root: paths unchanged

    gitlab = json.loads(out["gitlab"].read_text(encoding="utf-8"))
    assert [i["fingerprint"] for i in gitlab] == [f["fingerprint"] for f in active]

    github = out["github"].read_text(encoding="utf-8").splitlines()
    assert len([line for line in github if line.startswith("::")]) == len(active) + len(report["errors"])

    junit = ET.fromstring(out["junit"].read_bytes())
    assert int(junit.get("failures") or 0) == len({(f["rule"], f["path"], f["address"]) for f in active})

    page = out["html"].read_text(encoding="utf-8")
    total = re.search(r'id="total-findings" data-value="(\d+)"', page)
    assert total and int(total.group(1)) == report["summary"]["findings"] == len(active)
    resources = re.search(r'id="total-resources" data-value="(\d+)"', page)
    assert resources and int(resources.group(1)) == report["summary"]["resources"]
