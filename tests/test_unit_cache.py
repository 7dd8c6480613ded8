"""The work-unit cache: a warm run reuses results only while nothing they read changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from filetree import ROOT, touch_later, write_tree


def _scan(cwd: Path, cache: Path, *args: str) -> dict:  # type: ignore[type-arg]
    env = {**os.environ, "SOVLINT_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "sovlint", "scan", *args, "--format", "json"],
                          cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def _regions(doc: dict) -> dict[str, str | None]:  # type: ignore[type-arg]
    return {r["address"]: r["region"] for r in doc["resources"]}


def test_edits_anywhere_the_unit_read_invalidate_it(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    work = write_tree(tmp_path / "work", {
        "root/main.tf": 'variable "r" { default = "eu-west-3" }\n'
                        'module "m" {\n  source = "../mod"\n  region = var.r\n}\n',
        "mod/main.tf": 'variable "region" {}\nresource "aws_s3_bucket" "b" {\n  region = var.region\n}\n',
    })
    assert _regions(_scan(work, cache, "root", "mod")) == {"module.m.aws_s3_bucket.b": "eu-west-3"}
    assert _regions(_scan(work, cache, "root", "mod")) == {"module.m.aws_s3_bucket.b": "eu-west-3"}
    # a new variables file beside the root
    touch_later(work / "root" / "terraform.tfvars", 'r = "us-east-1"\n')
    assert _regions(_scan(work, cache, "root", "mod")) == {"module.m.aws_s3_bucket.b": "us-east-1"}
    # an edit inside the called module
    touch_later(work / "mod" / "main.tf", 'variable "region" {}\nresource "aws_s3_bucket" "c" {\n'
                                           '  region = var.region\n}\n')
    assert _regions(_scan(work, cache, "root", "mod")) == {"module.m.aws_s3_bucket.c": "us-east-1"}
    # a new file in the module directory
    touch_later(work / "mod" / "more.tf", 'resource "aws_s3_bucket" "d" {\n  region = "eu-central-1"\n}\n')
    assert _regions(_scan(work, cache, "root", "mod")) == {
        "module.m.aws_s3_bucket.c": "us-east-1", "module.m.aws_s3_bucket.d": "eu-central-1"}


def test_no_cache_and_var_flags_are_part_of_the_key(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    work = write_tree(tmp_path / "work", {
        "main.tf": 'variable "r" {}\nresource "aws_s3_bucket" "b" {\n  region = var.r\n}\n'})
    assert _regions(_scan(work, cache, ".", "--var", "r=eu-west-3")) == {"aws_s3_bucket.b": "eu-west-3"}
    assert _regions(_scan(work, cache, ".", "--var", "r=us-west-2")) == {"aws_s3_bucket.b": "us-west-2"}
    _scan(work, tmp_path / "other-cache", ".", "--no-cache")
    # nothing of the scanned files is cached; only the built-in data, compiled once (like .pyc),
    # and the installed rule plugins (kept while the folders of sys.path do not change)
    kinds = {p.name for p in (tmp_path / "other-cache").glob("*/*")}
    assert kinds and all(k in {"alternatives", "catalog", "categories", "locations", "policies", "profile",
                               "entry-points"} or k.startswith("data-") for k in kinds), kinds


def test_a_manifest_result_follows_its_siblings(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    work = write_tree(tmp_path / "work", {
        ".sovlint.yaml": "kubernetes:\n  clusters:\n    - paths: ['k8s/*']\n      provider: ovh\n      region: GRA\n",
        "k8s/pvc.yaml": "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n"
                        "spec:\n  storageClassName: fast\n",
        "k8s/class.yaml": "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\n"
                          "provisioner: ebs.csi.aws.com\nparameters:\n  region: eu-west-3\n",
    })

    def pvc(doc: dict) -> tuple[str | None, str | None]:  # type: ignore[type-arg]
        found = next(r for r in doc["resources"] if r["address"] == "PersistentVolumeClaim/data")
        return found["provider"], found["country"]

    assert pvc(_scan(work, cache, "k8s")) == ("aws", "FR")
    assert pvc(_scan(work, cache, "k8s")) == ("aws", "FR")
    # the class in a sibling file now provisions elsewhere: the claim's cached result must not be reused
    touch_later(work / "k8s" / "class.yaml", "apiVersion: storage.k8s.io/v1\nkind: StorageClass\n"
                 "metadata:\n  name: fast\nprovisioner: ebs.csi.aws.com\nparameters:\n  region: us-east-1\n")
    assert pvc(_scan(work, cache, "k8s")) == ("aws", "US")


def test_a_claim_result_follows_storage_classes_of_other_folders(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    work = write_tree(tmp_path / "work", {
        "apps/pvc.yaml": "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n"
                         "spec:\n  storageClassName: fast\n",
        "storage/class.yaml": "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\n"
                              "provisioner: ebs.csi.aws.com\nparameters:\n  region: eu-west-3\n",
    })

    def pvc(doc: dict) -> tuple[str | None, str | None]:  # type: ignore[type-arg]
        found = next(r for r in doc["resources"] if r["address"] == "PersistentVolumeClaim/data")
        return found["provider"], found["country"]

    assert pvc(_scan(work, cache, ".")) == ("aws", "FR")
    assert pvc(_scan(work, cache, ".", "--jobs", "2")) == ("aws", "FR")
    # the class in another folder now provisions elsewhere: the claim's cached result is not reused
    touch_later(work / "storage" / "class.yaml", "apiVersion: storage.k8s.io/v1\nkind: StorageClass\n"
                 "metadata:\n  name: fast\nprovisioner: ebs.csi.aws.com\nparameters:\n  region: us-east-1\n")
    assert pvc(_scan(work, cache, ".")) == ("aws", "US")
    # a second class of the same name in a new folder: two locations, none is assumed
    (work / "more").mkdir()
    touch_later(work / "more" / "class.yaml", "apiVersion: storage.k8s.io/v1\nkind: StorageClass\n"
                 "metadata:\n  name: fast\nprovisioner: ebs.csi.aws.com\nparameters:\n  region: eu-west-3\n")
    assert pvc(_scan(work, cache, ".", "--jobs", "2")) == ("aws", None)


def test_other_versions_entries_are_pruned_after_a_week(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    old, recent = cache / "v0.0.1-old", cache / "v0.0.2-recent"
    for directory in (old, recent):
        (directory / "units").mkdir(parents=True)
        (directory / "units" / "entry.pickle").write_bytes(b"x")
    week_and_a_day = time.time() - 8 * 86400
    os.utime(old, (week_and_a_day, week_and_a_day))
    work = write_tree(tmp_path / "work", {"main.tf": 'resource "aws_s3_bucket" "b" {\n  region = "eu-west-3"\n}\n'})
    _scan(work, cache, ".")
    assert not old.exists() and recent.exists()
    assert [p for p in cache.iterdir() if p not in (recent,)]  # this version's own directory
