"""Nothing is skipped with exit 0: missing paths, files over the size limit, files without their tool."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from filetree import write_tree

LIMIT = 10 * 1024 * 1024
BUCKET = 'provider "aws" {\n  region = "us-east-1"\n}\n\nresource "aws_s3_bucket" "patients" {}\n'


@pytest.mark.parametrize("command", ["scan", "inventory"])
def test_a_path_that_does_not_exist_is_a_usage_error(tmp_path: Path, run_cli: Any, command: str) -> None:
    write_tree(tmp_path, {"main.tf": BUCKET})
    code, out, err = run_cli(command, "main.tf", "does-not-exist")
    assert code == 2, (out, err)
    assert "does-not-exist: no such file or directory" in err and "Traceback" not in err


def test_a_terraform_file_just_over_the_size_limit(tmp_path: Path, run_cli: Any) -> None:
    # a bucket in us-east-1, then a long comment: 10 MB and a few bytes
    text = BUCKET + "# " + "x" * (LIMIT - len(BUCKET)) + "\n"
    write_tree(tmp_path, {"infra/main.tf": text})
    assert (tmp_path / "infra" / "main.tf").stat().st_size > LIMIT
    code, out, err = run_cli("scan", "infra", "--format", "json")
    doc = json.loads(out)
    assert code == 1, err
    (finding,) = doc["findings"]
    assert (finding["rule"], finding["path"]) == ("SOV900", "infra/main.tf")
    assert f"over the {LIMIT}-byte limit" in finding["message"] and "--max-file-size" in finding["message"]
    # how to include it: raise the limit, and the bucket is checked
    code, out, err = run_cli("scan", "infra", "--format", "json", "--max-file-size", str(2 * LIMIT))
    assert ("SOV001", "aws_s3_bucket.patients") in {(f["rule"], f["address"])
                                                     for f in json.loads(out)["findings"]}


def test_an_oversized_file_next_to_others_is_not_read_through_its_module(
        tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {"big.tf": BUCKET + "#" * 2000 + "\n",
                          "small.tf": 'resource "aws_s3_bucket" "other" {\n  region = "eu-west-3"\n}\n'})
    code, out, _ = run_cli("scan", ".", "--format", "json", "--max-file-size", "1000")
    doc = json.loads(out)
    assert [(f["rule"], f["path"]) for f in doc["findings"] if f["path"] == "big.tf"] == [("SOV900", "big.tf")]
    assert "aws_s3_bucket.patients" not in {r["address"] for r in doc["resources"]}


def test_only_infrastructure_code_over_the_limit_is_reported(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {
        "package-lock.json": json.dumps({"name": "site", "packages": {"x": "y" * 3000}}),
        "stack.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Logs:\n"
                      "    Type: AWS::S3::Bucket\n" + "# padding\n" * 300,
    })
    code, out, _ = run_cli("scan", ".", "--format", "json", "--max-file-size", "1000")
    doc = json.loads(out)
    assert code == 1
    assert [(f["rule"], f["path"]) for f in doc["findings"]] == [("SOV900", "stack.yaml")]


def test_bicep_files_without_bicep(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {
        "main.bicep": "param location string = 'eastus'\nmodule storage 'modules/storage.bicep' = {\n"
                      "  name: 'storage'\n  params: {\n    location: location\n  }\n}\n",
        "modules/storage.bicep": "param location string\nresource sa 'Microsoft.Storage/storageAccounts"
                                 "@2023-01-01' = {\n  name: 'patients'\n  location: location\n"
                                 "  sku: {\n    name: 'Standard_LRS'\n  }\n  kind: 'StorageV2'\n}\n",
    })
    empty = tmp_path / "no-tools"
    empty.mkdir()
    code, out, err = run_cli("scan", ".", "--format", "json", env={"PATH": str(empty)})
    doc = json.loads(out)
    assert code == 1, err
    assert sorted((f["rule"], f["path"]) for f in doc["findings"]) == [
        ("SOV900", "main.bicep"), ("SOV900", "modules/storage.bicep")]
    assert all("not rendered: bicep not found" in f["message"] and "install the Bicep CLI" in f["message"]
               for f in doc["findings"])


def test_a_helm_chart_without_helm_says_what_to_install(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {"chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
                          "chart/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\n"
                                                             "metadata:\n  name: {{ .Release.Name }}\n"})
    empty = tmp_path / "no-tools"
    empty.mkdir()
    code, out, _ = run_cli("scan", ".", "--format", "json", env={"PATH": str(empty)})
    (finding,) = json.loads(out)["findings"]
    assert code == 1 and (finding["rule"], finding["path"]) == ("SOV900", "chart/Chart.yaml")
    assert "not rendered: helm not found" in finding["message"] and "install helm" in finding["message"]
