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


#: Enough work units for two workers (UNITS_PER_WORKER each): Terraform roots, one with an
#: inline suppression, and a folder of manifests whose claim binds to a sibling StorageClass.
WORKER_TREE = {
    **{f"roots/r{i}/main.tf": (f'provider "aws" {{\n  region = "{region}"\n}}\n'
                               f'resource "aws_db_instance" "db" {{\n  identifier = "db{i}"\n}}\n')
       for i, region in enumerate(["us-east-1", "eu-west-3", "us-west-2", "eu-central-1"])},
    "roots/quiet/main.tf": ('provider "aws" {\n  region = "us-east-1"\n}\n'
                            '# sovlint:ignore SOV001 reason: test data only\n'
                            'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'),
    "k8s/sc.yaml": ("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: gp3\n"
                    "provisioner: ebs.csi.aws.com\nallowedTopologies:\n- matchLabelExpressions:\n"
                    "  - key: topology.ebs.csi.aws.com/zone\n    values: [us-east-1a]\n"),
    "k8s/pvc.yaml": ("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n"
                     "spec:\n  storageClassName: gp3\n  accessModes: [ReadWriteOnce]\n"),
    "k8s/deploy.yaml": ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
                        "  template:\n    spec:\n      containers:\n      - name: web\n"
                        "        image: public.ecr.aws/nginx/nginx:1\n"),
}


def test_workers_judging_their_units_give_the_one_process_report(tmp_path: Path, scan_json: Any) -> None:
    """With two workers, each judges its units (rules, ways out, suppressions, a baseline)
    and the main process keeps the results: the report is the one process's."""
    write_tree(tmp_path, WORKER_TREE)
    _, first = scan_json(".", "--no-cache", "--jobs", "1", cwd=tmp_path)
    baseline = [f for f in first["findings"] if f["path"] == "roots/r0/main.tf"]
    assert baseline
    scan_json(".", "--no-cache", "--jobs", "1", "--write-baseline", "base.json", cwd=tmp_path)
    (tmp_path / "roots" / "r9").mkdir()
    (tmp_path / "roots" / "r9" / "main.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\nresource "aws_s3_bucket" "n" {\n  bucket = "n"\n}\n')
    _, serial = scan_json(".", "--no-cache", "--jobs", "1", "--baseline", "base.json", cwd=tmp_path)
    _, parallel = scan_json(".", "--no-cache", "--jobs", "2", "--baseline", "base.json", cwd=tmp_path)
    assert parallel == serial
    rules = {(f["path"], f["rule"], f["suppressed"]) for f in serial["findings"]}
    assert ("roots/r9/main.tf", "SOV001", False) in rules  # new: not in the baseline
    assert ("roots/r0/main.tf", "SOV001", True) in rules  # in the baseline
    assert ("roots/quiet/main.tf", "SOV001", True) in rules  # inline suppression
    assert any(r["path"] == "k8s/pvc.yaml" and r["region"] for r in serial["resources"])


def test_a_folder_of_manifests_is_one_batch() -> None:
    from sovlint.engine import plan_batches
    from sovlint.units import WorkUnit

    units = [WorkUnit("kubernetes", f"/scan/app{a}/m{m}.yaml", (f"app{a}/m{m}.yaml",))
             for a in range(6) for m in range(5)]
    batches = plan_batches(units, 2)
    assert sorted(i for b in batches for i in b) == list(range(len(units)))
    for app in range(6):
        members = {i for i, u in enumerate(units) if f"/app{app}/" in u.path}
        assert any(members <= set(b) for b in batches)
