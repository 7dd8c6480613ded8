"""``--jobs N`` gives the same report as one process, local modules included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from filetree import write_tree

TREE = {
    "root/main.tf": 'module "store" {\n  source = "./modules/store"\n  region = "us-east-1"\n}\n',
    "root/modules/store/main.tf": (
        'variable "region" {}\nprovider "aws" {\n  region = var.region\n}\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
    ),
    "other/main.tf": 'provider "aws" {\n  region = "eu-west-3"\n}\nresource "aws_s3_bucket" "c" {\n  bucket = "c"\n}\n',
}


def test_jobs_report_equals_one_process(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, TREE)
    _, serial = scan_json(".", "--no-cache", "--jobs", "1", cwd=tmp_path)
    _, parallel = scan_json(".", "--no-cache", "--jobs", "2", cwd=tmp_path)
    assert parallel == serial
    keys = [(r["path"], r["line"], r["address"]) for r in serial["resources"]]
    assert keys and len(keys) == len(set(keys))  # a called module is not reported twice


def test_batches_cover_every_unit_once_and_keep_a_repository_together() -> None:
    """Ten repositories of two module folders, two workers: each repository in one batch."""
    from sovlint.engine import plan_batches
    from sovlint.units import WorkUnit

    units = [WorkUnit("terraform", f"/scan/repo{r}/dir{d}", tuple(f"f{i}.tf" for i in range(3)))
             for r in range(10) for d in range(2)]
    units.append(WorkUnit("kubernetes", "/scan/k8s/a.yaml", ("a.yaml",)))
    batches = plan_batches(units, 2)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(len(units)))
    assert len(batches) >= 4  # every worker gets several
    for repo in range(10):
        members = {i for i, u in enumerate(units) if f"/repo{repo}/" in u.path}
        assert any(members <= set(b) for b in batches)
