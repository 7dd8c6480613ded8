"""The command line as users and CI see it: outputs, exit codes, errors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from filetree import EXAMPLES, OUTPUT_SCHEMA, write_tree

NONCOMPLIANT = """
provider "aws" {
  region = "us-east-1"
}
resource "aws_s3_bucket" "reports" {
  bucket = "reports"
}
"""

COMPLIANT = """
resource "ovh_cloud_project_database" "db" {
  service_name = "x"
  engine       = "postgresql"
  nodes {
    region = "GRA"
  }
  nodes {
    region = "GRA"
  }
}
"""


def test_examples_json_matches_the_output_schema(scan_json: Any) -> None:
    code, doc = scan_json(str(EXAMPLES))
    assert code == 1
    if OUTPUT_SCHEMA.exists():
        schema = json.loads(OUTPUT_SCHEMA.read_text())
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
        assert errors == []
    assert doc["schema_version"] == 1
    assert doc["summary"]["resources"] == len(doc["resources"])


def test_examples_show_each_rule_where_the_readme_says(scan_json: Any) -> None:
    _, doc = scan_json(str(EXAMPLES))
    fired = {(f["rule"], f["address"]) for f in doc["findings"]}
    assert ("SOV002", "aws_s3_bucket.archives") in fired
    assert ("SOV001", "aws_s3_bucket.archives") not in fired
    assert ("SOV001", "aws_s3_bucket.archives_copy") in fired
    assert ("SOV002", "aws_s3_bucket.archives_copy") in fired
    assert ("SOV004", "aws_s3_bucket.exports") in fired
    assert ("SOV006", "scaleway_rdb_instance.occupational_health") in fired
    assert not [f for f in fired if f[1] == "aws_s3_bucket.website"]
    assert not [f for f in fired if f[1] == "outscale_volume.case_files"]
    assert not [f for f in fired if f[1] == "ovh_cloud_project_database.loans" and f[0] != "SOV009"]
    exports = next(f for f in doc["findings"]
                   if f["address"] == "aws_s3_bucket.exports" and f["rule"] == "SOV004")
    assert "var.export_region" in exports["message"]
    assert exports["region"] is None and exports["country"] is None


def test_exit_code_zero_when_compliant(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {"main.tf": COMPLIANT})
    code, out, err = run_cli("scan", ".")
    assert code == 0, out + err


def test_exit_code_one_on_findings_and_fail_on_threshold(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {"main.tf": NONCOMPLIANT})
    assert run_cli("scan", ".")[0] == 1
    assert run_cli("scan", ".", "--fail-on", "critical")[0] == 0
    assert run_cli("scan", ".", "--fail-on", "never")[0] == 0


def test_disable_and_enable(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": NONCOMPLIANT})
    _, doc = scan_json(".", "--disable", "SOV001", "--disable", "SOV002", cwd=tmp_path)
    assert not {f["rule"] for f in doc["findings"]} & {"SOV001", "SOV002"}


def test_unknown_option_is_a_usage_error(run_cli: Any) -> None:
    code, _, err = run_cli("scan", "--no-such-flag")
    assert code == 2
    assert "no-such-flag" in err


def test_invalid_policy_file_stops_with_file_line_and_reason(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {"main.tf": COMPLIANT, "bad.yaml": (
        "id: ORG001\nname: bad\nseverity: extreme\ntitle: t\nassert: {category: storage}\nmessage: m\n")})
    code, out, err = run_cli("scan", ".", "--policy", "bad.yaml")
    assert code == 2
    assert "bad.yaml:3" in err and "severity" in err
    assert "Traceback" not in err


def test_parse_error_is_sov900_and_other_files_are_checked(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"a/broken.tf": 'resource "aws_s3_bucket" "x" {\n  bucket = \n',
                          "b/main.tf": NONCOMPLIANT})
    code, doc = scan_json(".", cwd=tmp_path)
    assert code == 1
    sov900 = [f for f in doc["findings"] if f["rule"] == "SOV900"]
    assert len(sov900) == 1 and sov900[0]["path"] == "a/broken.tf" and sov900[0]["line"]
    assert any(f["rule"] == "SOV001" and f["path"] == "b/main.tf" for f in doc["findings"])


def test_binary_and_non_utf8_files_are_sov900(tmp_path: Path, scan_json: Any) -> None:
    (tmp_path / "bin.tf").write_bytes(b"\x7fELF\x00\x00\x01")
    (tmp_path / "latin1").mkdir()
    (tmp_path / "latin1" / "x.tf").write_bytes(b'locals {\n  a = "caf\xe9"\n}\n')
    code, doc = scan_json(".", cwd=tmp_path)
    messages = {f["path"]: f["message"] for f in doc["findings"] if f["rule"] == "SOV900"}
    assert "NUL" in messages["bin.tf"]
    assert "UTF-8" in messages["latin1/x.tf"]
    assert code == 1


def test_single_file_run_keeps_module_context(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {
        "mod/providers.tf": 'provider "aws" {\n  region = var.region\n}\n'
                            'variable "region" {\n  default = "us-east-1"\n}\n',
        "mod/buckets.tf": 'resource "aws_s3_bucket" "a" {\n  bucket = "a"\n}\n',
        "mod/other.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n',
    })
    _, doc = scan_json("mod/buckets.tf", cwd=tmp_path)
    assert {r["address"] for r in doc["resources"]} == {"aws_s3_bucket.a"}
    assert doc["resources"][0]["region"] == "us-east-1"
    assert {f["path"] for f in doc["findings"]} == {"mod/buckets.tf"}


def test_rules_explain_catalog_and_schema_commands(run_cli: Any) -> None:
    code, out, _ = run_cli("rules")
    assert code == 0 and "SOV001" in out and "SOV005" not in out
    code, out, _ = run_cli("explain", "SOV002")
    assert code == 0 and "CLOUD Act" in out and "Fails" in out and "Passes" in out
    assert run_cli("explain", "NOPE1")[0] == 2
    code, out, _ = run_cli("catalog", "aws", "eu-west-3a")
    assert code == 0 and "FR" in out and "US-CLOUD-Act" in out
    code, out, _ = run_cli("catalog", "azurerm", "France Central")
    assert code == 0 and "francecentral" in out
    code, out, _ = run_cli("catalog", "google", "EUR4")  # a location set, in every scope using it
    assert code == 0 and "countries: FI, NL" in out and "storage" in out
    code, out, _ = run_cli("catalog", "google")
    assert code == 0 and "location sets" in out
    code, out, _ = run_cli("catalog", "ovh", "GRA")  # a region with several sources
    assert code == 0 and "source: ovh-region-thirdparty" in out and "source: ovh-api-schema" in out
    code, out, _ = run_cli("policy", "schema")
    assert code == 0 and json.loads(out)["title"] == "sovlint policy file"


def test_no_command_prints_help(run_cli: Any) -> None:
    code, out, _ = run_cli()
    assert code == 0 and "scan" in out


def test_text_output_groups_by_file_and_summarises(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {"main.tf": NONCOMPLIANT})
    code, out, _ = run_cli("scan", ".")
    assert out.splitlines()[0] == "main.tf"
    assert "SOV001" in out and "1 files, 1 resources" in out
    assert "\x1b[" not in out  # not a terminal: no colour


def test_format_with_output_file(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {"main.tf": NONCOMPLIANT})
    code, out, _ = run_cli("scan", ".", "--format", "json", "--output", "r.json", "--format", "text")
    assert code == 1
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["findings"] >= 1
    assert "SOV001" in out and not out.lstrip().startswith("{")
