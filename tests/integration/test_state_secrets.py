"""No value of a Terraform state that is not a location reaches any output (SPEC §8).

The states plant secrets where states hold them — a database password, a
storage account key and connection string, a cluster's client key in a nested
block, sensitive outputs, a tag — and where sovlint reads values: the id of a
parent that is not in the state, a replication destination that is not either,
files that cannot be read (truncated, an old format version). Every report
format of ``scan`` and ``inventory``, the baseline and stderr are searched.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from state_shapes import show_json

PROJECT = Path(__file__).resolve().parents[2]
STATES = PROJECT / "tests" / "fixtures" / "terraform_state"
SECRET = "HUNTER2"  # every planted secret starts with it


def _tree(base: Path) -> Path:
    base.mkdir()
    cloud = STATES / "cloud.tfstate"
    shutil.copy(cloud, base / "terraform.tfstate")
    shutil.copy(cloud, base / "terraform.tfstate.backup")
    (base / "show.json").write_text(json.dumps(show_json(json.loads(cloud.read_text(encoding="utf-8")))),
                                    encoding="utf-8")
    real = base / "real"
    real.mkdir()
    shutil.copy(STATES / "terraform-data" / "terraform.tfstate", real / "terraform.tfstate")
    shutil.copy(STATES / "terraform-data" / "show.json", real / "state.json")
    (base / "truncated.tfstate").write_text(
        cloud.read_text(encoding="utf-8").split('"password": "HUNTER2')[0] + '"password": "HUNTER2-PLAN',
        encoding="utf-8")
    (base / "old.tfstate").write_text(json.dumps(
        {"version": 3, "serial": 1, "lineage": "x",
         "modules": [{"path": ["root"], "resources": {"aws_db_instance.x": {
             "primary": {"attributes": {"password": "HUNTER2-PLANTED-SECRET"}}}}}]}), encoding="utf-8")
    for text in cloud.read_text(encoding="utf-8"), (base / "show.json").read_text(encoding="utf-8"):
        assert SECRET in text
    return base


def test_no_secret_of_a_state_in_any_output(run_cli: Any, tmp_path: Path) -> None:
    tree = _tree(tmp_path / "tree")
    reports = tmp_path / "reports"
    reports.mkdir()
    formats = ("json", "sarif", "junit", "github", "gitlab", "html")
    targets = [a for fmt in formats for a in ("--format", f"{fmt}:{reports / ('scan.' + fmt)}")]
    paths = [str(tree), str(tree / "terraform.tfstate.backup")]  # a backup is read when named
    code, text, stderr = run_cli("scan", *paths, "--no-cache", "--format", "text", *targets)
    assert code == 1, stderr
    outputs = {"scan text": text, "scan stderr": stderr}
    code, _, stderr = run_cli("scan", *paths, "--no-cache", "--write-baseline",
                              str(reports / "baseline.json"))
    assert code == 0, stderr
    outputs["baseline stderr"] = stderr
    for fmt in ("text", "json", "csv", "html"):
        code, out, err = run_cli("inventory", *paths, "--no-cache", "--format", fmt)
        assert code == 0, err
        outputs[f"inventory {fmt}"] = out
        outputs[f"inventory {fmt} stderr"] = err
    for path in reports.iterdir():
        outputs[path.name] = path.read_text(encoding="utf-8")
    assert sorted(outputs) == sorted(["scan text", "scan stderr", "baseline.json", "baseline stderr",
                                      *(f"scan.{fmt}" for fmt in formats),
                                      *(f"inventory {f}{s}" for f in ("text", "json", "csv", "html")
                                        for s in ("", " stderr"))])
    leaked = {name: output.count(SECRET) for name, output in outputs.items() if SECRET in output}
    assert leaked == {}

    # the states were read: findings at their resources, unresolved parents and copies said
    # without their values, the files that cannot be read reported
    report = json.loads(outputs["scan.json"])
    where = {(f["path"].rsplit("/", 1)[-1], f["rule"], f["address"]) for f in report["findings"]}
    for name in ("terraform.tfstate", "terraform.tfstate.backup", "show.json"):
        assert (name, "SOV001", "aws_s3_bucket.reports") in where
        assert (name, "SOV004", "azurerm_storage_container.orphan") in where
    assert {(f["path"].rsplit("/", 1)[-1], f["rule"]) for f in report["findings"]} >= {
        ("truncated.tfstate", "SOV900"), ("old.tfstate", "SOV900")}
    messages = [f["message"] for f in report["findings"]]
    assert ("azurerm_storage_container.orphan holds strategic data, but where it is hosted is unknown: "
            "storage_account_id = (value not shown): the resource it refers to is not in this "
            "configuration, so its location is unknown") in messages
    assert any("S3 replication destination (value not shown) carries no region" in m for m in messages)
    inventory = json.loads(outputs["inventory json"])
    assert {r["path"].rsplit("/", 1)[-1] for r in inventory["resources"]} >= {
        "terraform.tfstate", "terraform.tfstate.backup", "show.json", "state.json"}
