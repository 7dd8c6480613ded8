#!/usr/bin/env python3
"""How long does ``sovlint scan`` take on a large Terraform state?

    python bench/state_scan.py [--instances 10000] [--runs 3]

Writes a synthetic format-4 state of ``--instances`` managed resource
instances, shaped as providers write them (AWS buckets with ``region`` and
``count`` instances in two regions, RDS instances located by their ARN,
DynamoDB tables with replicas in module instances, Azure storage accounts and
the containers that name them by id, BigQuery datasets, Scaleway databases and
the instances they name by regional id, IAM roles with no region; each with a
password or key and ``sensitive_attributes``), then times ``sovlint scan
STATE --format json`` in a child process: cold (``--no-cache``) and warm (cache
filled), median of ``--runs``, with the child's peak RSS. The state is over
the default 10 MB file limit, so ``--max-file-size`` is raised for it (a
real large state needs the same).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
AZURE = 'provider["registry.terraform.io/hashicorp/azurerm"]'
GOOGLE = 'provider["registry.terraform.io/hashicorp/google"]'
SCALEWAY = 'provider["registry.terraform.io/scaleway/scaleway"]'
SECRET = "bench-secret-value-not-real"


def _resource(provider: str, kind: str, name: str, instances: list[tuple[Any, dict[str, Any]]],
              module: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"mode": "managed", "type": kind, "name": name, "provider": provider,
                             "instances": []}
    if module:
        entry = {"module": module, **entry}
    for key, attributes in instances:
        instance: dict[str, Any] = {"schema_version": 0, "attributes": attributes,
                                    "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]]}
        if key is not None:
            instance = {"index_key": key, **instance}
        entry["instances"].append(instance)
    return entry


def _group(i: int) -> list[dict[str, Any]]:
    """Twenty instances of eleven resources, as one team's stack writes them."""
    tags = {"data_classification": ["strategic", "personal", "public"][i % 3]}
    bucket = f"acme-{i}"
    account = f"/subscriptions/0000/resourceGroups/rg{i}/providers/Microsoft.Storage/storageAccounts/st{i}"
    instance = f"fr-par/{i:08d}-1111-1111-1111-111111111111"
    return [
        _resource(AWS, "aws_s3_bucket", f"data_{i}", [
            (n, {"arn": f"arn:aws:s3:::{bucket}-{n}", "bucket": f"{bucket}-{n}", "id": f"{bucket}-{n}",
                 "region": "eu-west-3" if n % 2 else "us-east-1", "tags": tags, "tags_all": tags,
                 "replication_configuration": [], "password": SECRET}) for n in range(4)]),
        _resource(AWS, "aws_s3_bucket_versioning", f"data_{i}", [
            (n, {"bucket": f"{bucket}-{n}", "id": f"{bucket}-{n}",
                 "versioning_configuration": [{"status": "Enabled"}]}) for n in range(4)]),
        _resource(AWS, "aws_db_instance", f"db_{i}", [(None, {
            "arn": f"arn:aws:rds:eu-central-1:123456789012:db:db-{i}", "engine": "postgres",
            "identifier": f"db-{i}", "multi_az": False, "password": SECRET, "replicate_source_db": "",
            "tags": tags, "tags_all": tags})]),
        _resource(AWS, "aws_dynamodb_table", "this", [(None, {
            "arn": f"arn:aws:dynamodb:eu-west-3:123456789012:table/t{i}", "id": f"t{i}", "name": f"t{i}",
            "region": "eu-west-3", "replica": [{"region_name": "eu-west-1"}], "tags": {}, "tags_all": {}})],
                  module=f'module.tables["t{i}"]'),
        _resource(AWS, "aws_iam_role", f"role_{i}", [(None, {
            "arn": f"arn:aws:iam::123456789012:role/r{i}", "id": f"r{i}", "name": f"r{i}"})]),
        _resource(AZURE, "azurerm_storage_account", f"st_{i}", [(None, {
            "id": account, "name": f"st{i}", "location": "francecentral", "account_replication_type": "GRS",
            "primary_access_key": SECRET, "primary_connection_string": f"AccountKey={SECRET}",
            "tags": tags})]),
        _resource(AZURE, "azurerm_storage_container", f"c_{i}", [(None, {
            "id": f"https://st{i}.blob.core.windows.net/c", "name": "c", "storage_account_id": account})]),
        _resource(GOOGLE, "google_bigquery_dataset", f"ds_{i}", [(None, {
            "dataset_id": f"ds{i}", "id": f"projects/p/datasets/ds{i}", "location": "EU", "labels": {},
            "terraform_labels": {}})]),
        _resource(GOOGLE, "google_bigquery_table", f"t_{i}", [(None, {
            "dataset_id": f"ds{i}", "id": f"projects/p/datasets/ds{i}/tables/t", "table_id": "t"})]),
        _resource(SCALEWAY, "scaleway_rdb_instance", f"rdb_{i}", [(None, {
            "id": instance, "region": "fr-par", "password": SECRET, "backup_same_region": False,
            "is_ha_cluster": False, "tags": ["data_classification=strategic"]})]),
        _resource(SCALEWAY, "scaleway_rdb_database", f"app_{i}", [(None, {
            "id": f"{instance}/app", "instance_id": instance, "name": "app"})]),
    ]


def write_state(path: Path, instances: int) -> int:
    """A state of about ``instances`` managed instances; returns how many it has."""
    resources: list[dict[str, Any]] = []
    count = 0
    i = 0
    while count < instances:
        for entry in _group(i):
            resources.append(entry)
            count += len(entry["instances"])
        i += 1
    state = {"version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "bench",
             "outputs": {}, "resources": resources, "check_results": None}
    path.write_text(json.dumps(state, indent=2), encoding="utf-8")
    return count


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, dict[str, Any]]:
    """(seconds, peak RSS in MB of the children so far, the JSON report)."""
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {proc.stderr}")
    # the largest child so far (Linux: KiB): the cold runs come first
    return elapsed, peak / 1024, json.loads(proc.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sovlint-state-bench-") as tmp:
        work = Path(tmp)
        state = work / "terraform.tfstate"
        count = write_state(state, args.instances)
        size = state.stat().st_size
        env = {**os.environ, "SOVLINT_CACHE_DIR": str(work / "cache")}
        base = [sys.executable, "-m", "sovlint", "scan", state.name, "--format", "json",
                "--max-file-size", str(size + 1)]
        print(f"state: {count} managed instances, {size / 1e6:.1f} MB ({state.name})")
        cold = [timed([*base, "--no-cache"], env, work) for _ in range(args.runs)]
        timed(base, env, work)  # fills the cache
        warm = [timed(base, env, work) for _ in range(args.runs)]
        report = cold[0][2]
        findings: dict[str, int] = {}
        for finding in report["findings"]:
            findings[finding["rule"]] = findings.get(finding["rule"], 0) + 1
        leaked = SECRET in json.dumps(report)
        print(f"$ sovlint scan terraform.tfstate --format json --max-file-size {size + 1} --no-cache")
        print(f"  cold: median {statistics.median(t for t, _, _ in cold):.2f} s "
              f"(runs: {', '.join(f'{t:.2f}' for t, _, _ in cold)}), peak RSS {max(m for _, m, _ in cold):.0f} MB")
        print(f"$ sovlint scan terraform.tfstate --format json --max-file-size {size + 1}   (warm cache)")
        print(f"  warm: median {statistics.median(t for t, _, _ in warm):.2f} s "
              f"(runs: {', '.join(f'{t:.2f}' for t, _, _ in warm)})")
        print(f"  resources {report['summary']['resources']}, findings {report['summary']['findings']} "
              f"{dict(sorted(findings.items()))}, errors {len(report['errors'])}, secret in report: {leaked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
