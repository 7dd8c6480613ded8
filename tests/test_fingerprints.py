"""Fingerprints that follow the data (SPEC §7): where the data is, and the root it is evaluated through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from filetree import write_tree


def _bucket(region: str, provider: str = "aws") -> str:
    return f'provider "{provider}" {{\n  region = "{region}"\n}}\n' \
           'resource "aws_s3_bucket" "patients" {\n  bucket = "patients"\n}\n'


def _prints(doc: dict[str, Any]) -> dict[str, str]:
    return {f["rule"]: f["fingerprint"] for f in doc["findings"]}


def test_a_region_change_inside_one_country_keeps_the_fingerprint(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": _bucket("us-east-1")})
    _, before = scan_json(".", cwd=tmp_path)
    write_tree(tmp_path, {"main.tf": _bucket("us-west-2")})
    _, after = scan_json(".", cwd=tmp_path)
    assert _prints(before) == _prints(after)
    assert {"SOV001", "SOV002"} <= set(_prints(after))


def test_data_that_moves_country_is_a_new_finding_a_baseline_does_not_hide(
        tmp_path: Path, run_cli: Any, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": _bucket("eu-west-1")})
    assert run_cli("scan", ".", "--write-baseline", "baseline.json")[0] == 0
    assert json.loads((tmp_path / "baseline.json").read_text())["version"] == 2
    code, doc = scan_json(".", "--baseline", "baseline.json", cwd=tmp_path)
    assert code == 0 and all(f["suppressed"] for f in doc["findings"])
    write_tree(tmp_path, {"main.tf": _bucket("cn-north-1")})  # Ireland -> China
    code, doc = scan_json(".", "--baseline", "baseline.json", cwd=tmp_path)
    assert code == 1
    active = {f["rule"]: f for f in doc["findings"] if not f["suppressed"]}
    assert {"SOV001", "SOV002"} <= set(active)
    assert "CN-NIL" in active["SOV002"]["message"]


def test_a_copy_that_moves_country_is_a_new_sov003(tmp_path: Path, scan_json: Any) -> None:
    table = ('provider "aws" {\n  region = "eu-west-3"\n}\n'
             'resource "aws_dynamodb_table" "cases" {\n  name = "cases"\n'
             '  replica {\n    region_name = "%s"\n  }\n}\n')
    prints = []
    for region in ("us-east-1", "us-west-2", "ap-northeast-1"):
        write_tree(tmp_path, {"main.tf": table % region})
        _, doc = scan_json(".", cwd=tmp_path)
        prints.append(_prints(doc)["SOV003"])
    assert prints[0] == prints[1] != prints[2]


def test_two_roots_calling_one_module_give_distinct_findings_naming_the_root(
        tmp_path: Path, scan_json: Any) -> None:
    module = 'resource "aws_s3_bucket" "data" {\n  bucket = "data"\n}\n'
    root = 'provider "aws" {\n  region = "%s"\n}\nmodule "store" {\n  source = "../../modules/store"\n}\n'
    write_tree(tmp_path, {"modules/store/main.tf": module,
                          "envs/prod/main.tf": root % "us-east-1",
                          "envs/staging/main.tf": root % "us-east-1"})
    _, doc = scan_json(".", cwd=tmp_path)
    sov001 = [f for f in doc["findings"] if f["rule"] == "SOV001"]
    assert sorted(f["root"] for f in sov001) == [str(Path("envs/prod")), str(Path("envs/staging"))]
    assert len({f["fingerprint"] for f in sov001}) == 2
    assert all(f"(through root {f['root']})" in f["message"] for f in sov001)


def test_an_older_baseline_is_read_with_a_warning_and_hides_nothing(
        tmp_path: Path, run_cli: Any, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": _bucket("us-east-1")})
    _, doc = scan_json(".", cwd=tmp_path)
    old = {"version": 1, "findings": [{"rule": f["rule"], "address": f["address"], "path": f["path"],
                                       "fingerprint": "0123456789abcdef"} for f in doc["findings"]]}
    (tmp_path / "old.json").write_text(json.dumps(old))
    code, out, _ = run_cli("scan", ".", "--baseline", "old.json", "--format", "json")
    doc = json.loads(out)
    assert code == 1 and not any(f["suppressed"] for f in doc["findings"])
    assert any("--write-baseline" in e["message"] and "earlier sovlint" in e["message"]
               for e in doc["errors"])
