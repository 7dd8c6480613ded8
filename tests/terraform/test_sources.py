"""Module sources: local or installed, the way Terraform reads them; manifests; comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovlint.terraform.sources import (classify_source, fetch_data_dir, manifest_key, read_manifest,
                                       same_source)


# Every example of Terraform's module sources documentation
# (https://developer.hashicorp.com/terraform/language/modules/sources), with the kind it is.
@pytest.mark.parametrize("source, kind", [
    ("./consul", "local"),
    ("../modules/network", "local"),
    (".\\windows\\style", "local"),
    ("hashicorp/consul/aws", "registry"),
    ("app.terraform.io/example-corp/k8s-cluster/azurerm", "registry"),
    ("hashicorp/consul/aws//modules/consul-cluster", "registry"),
    ("github.com/hashicorp/example", "github"),
    ("git@github.com:hashicorp/example.git", "github"),
    ("bitbucket.org/hashicorp/terraform-consul-aws", "bitbucket"),
    ("git::https://example.com/vpc.git", "git"),
    ("git::ssh://username@example.com/storage.git", "git"),
    ("git::https://example.com/vpc.git?ref=v1.2.0", "git"),
    ("git::username@example.com:storage.git", "git"),
    ("git::file:///srv/modules/vpc", "git"),
    ("hg::http://example.com/vpc.hg", "hg"),
    ("https://example.com/vpc-module.zip", "http"),
    ("https://example.com/vpc-module?archive=zip", "http"),
    ("s3::https://s3-eu-west-1.amazonaws.com/examplecorp-terraform-modules/vpc.zip", "s3"),
    ("examplecorp-terraform-modules.s3-eu-west-1.amazonaws.com/vpc.zip", "s3"),
    ("gcs::https://www.googleapis.com/storage/v1/modules/foomodule.zip", "gcs"),
    ("/srv/terraform/modules/vpc", "path"),
    ("consul", "remote"),  # not ./consul: Terraform does not read it as a local path either
])
def test_each_documented_source_form(source: str, kind: str) -> None:
    found = classify_source(source)
    assert found.kind == kind
    assert found.is_local == (kind == "local")


@pytest.mark.parametrize("written, recorded, same", [
    # what `terraform init` writes in modules.json for what users write
    ("terraform-aws-modules/s3-bucket/aws", "registry.terraform.io/terraform-aws-modules/s3-bucket/aws", True),
    ("terraform-aws-modules/s3-bucket/aws//modules/notification",
     "registry.terraform.io/terraform-aws-modules/s3-bucket/aws//modules/notification", True),
    ("github.com/hashicorp/example?ref=v1.0.0", "git::https://github.com/hashicorp/example.git?ref=v1.0.0", True),
    ("github.com/org/repo//modules/db?ref=v2", "git::https://github.com/org/repo.git?ref=v2//modules/db", True),
    ("git@github.com:hashicorp/example.git", "git::ssh://git@github.com/hashicorp/example.git", True),
    ("git::file:///srv/modules/vpc", "git::file:///srv/modules/vpc", True),
    # a source changed since `terraform init`: the installed copy is another module
    ("terraform-aws-modules/s3-bucket/aws", "registry.terraform.io/terraform-aws-modules/vpc/aws", False),
    ("git::https://example.com/vpc.git?ref=v2.0.0", "git::https://example.com/vpc.git?ref=v1.0.0", False),
])
def test_installed_source_compared_with_the_written_one(written: str, recorded: str, same: bool) -> None:
    assert same_source(written, recorded) is same


def test_manifest_keys_and_entries(tmp_path: Path) -> None:
    assert manifest_key("module.a") == "a"
    assert manifest_key("module.amodule.module.b") == "amodule.b"
    manifest = tmp_path / "modules.json"
    manifest.write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "net", "Source": "registry.terraform.io/terraform-aws-modules/vpc/aws",
         "Version": "5.8.1", "Dir": ".terraform/modules/net"},
        {"Key": "bad"}, "not an entry"]}))
    modules = read_manifest(manifest, tmp_path)
    assert modules is not None and list(modules) == ["net"]
    assert modules["net"].version == "5.8.1"
    assert modules["net"].directory == tmp_path / ".terraform" / "modules" / "net"
    manifest.write_text("{not json")
    assert read_manifest(manifest, tmp_path) is None
    assert read_manifest(tmp_path / "absent.json", tmp_path) is None


def test_each_root_has_its_own_data_directory(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    cache = tmp_path / "cache"
    first, second = fetch_data_dir(tmp_path / "a", cache), fetch_data_dir(tmp_path / "b", cache)
    assert first != second and first.parent == second.parent == cache / "terraform-data"
    assert fetch_data_dir(tmp_path / "a" / ".." / "a", cache) == first
