"""Module calls sovlint cannot read are reported, never guessed; --fetch-modules; --workspace."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from filetree import write_tree

TERRAFORM = shutil.which("terraform")
needs_terraform = pytest.mark.skipif(TERRAFORM is None or shutil.which("git") is None,
                                     reason="terraform and git are needed to fetch modules")

ISSUE_EXAMPLE = """\
provider "aws" { region = "us-east-1" }
module "bucket" {
  source = "terraform-aws-modules/s3-bucket/aws"
  bucket = "patients"
}
"""


def _findings(doc: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return sorted((f["rule"], f["address"], f["path"], f["line"]) for f in doc["findings"])


def test_a_registry_module_not_fetched_is_reported_on_the_call(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {"infra/main.tf": ISSUE_EXAMPLE})
    code, out, err = run_cli("scan", "infra", "--format", "json")
    doc = json.loads(out)
    assert code == 1, err
    (finding,) = doc["findings"]
    assert (finding["rule"], finding["address"], finding["path"], finding["line"]) == (
        "SOV004", "module.bucket", "infra/main.tf", 2)
    message = finding["message"]
    assert 'registry module "terraform-aws-modules/s3-bucket/aws" was not fetched' in message
    assert "`terraform init` (or `tofu init`) in infra" in message and "--fetch-modules" in message
    (call,) = doc["resources"]
    # nothing inside is guessed: no provider, no region; what it creates is unknown
    assert (call["resource_type"], call["category"], call["provider"], call["region"]) == (
        "module", "unknown", None, None)
    assert call["data_class"] == "strategic"
    # the text report says the same
    code, out, _ = run_cli("scan", "infra")
    assert code == 1 and "module.bucket" in out and "SOV004" in out


def test_every_remote_form_and_a_missing_local_module(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {
        "main.tf": """\
provider "aws" { region = "eu-west-3" }

module "network" {
  source = "./modules/network"
}

module "typo" {
  source = "./modules/netwrok"
}

module "http" {
  source = "https://example.com/vpc-module.zip"
}

module "s3" {
  source = "s3::https://s3-eu-west-1.amazonaws.com/examplecorp-terraform-modules/vpc.zip"
}

module "gcs" {
  source = "gcs::https://www.googleapis.com/storage/v1/modules/foomodule.zip"
}

module "hg" {
  source = "hg::http://example.com/vpc.hg"
}

module "bitbucket" {
  source = "bitbucket.org/hashicorp/terraform-consul-aws"
}
""",
        "modules/network/main.tf": """\
resource "aws_s3_bucket" "flow_logs" {}

module "peering" {
  source = "git::https://example.com/peering.git?ref=v1.2.0"
}
""",
    })
    _, doc = scan_json(".", cwd=tmp_path)
    sov004 = {f["address"]: f for f in doc["findings"] if f["rule"] == "SOV004"}
    assert set(sov004) == {"module.typo", "module.http", "module.s3", "module.gcs", "module.hg",
                           "module.bitbucket", "module.network.module.peering"}
    # nested: the call inside the local module, at its own file and line
    nested = sov004["module.network.module.peering"]
    assert (nested["path"], nested["line"]) == ("modules/network/main.tf", 3)
    assert 'git repository "git::https://example.com/peering.git?ref=v1.2.0"' in nested["message"]
    assert 'local module "./modules/netwrok" does not exist' in sov004["module.typo"]["message"]
    # no location rule fires on a call: SOV004 alone, never a guessed SOV001/SOV002
    assert {f["rule"] for f in doc["findings"] if f["address"].startswith(tuple(sov004))} == {"SOV004"}
    assert ("SOV002", "module.network.aws_s3_bucket.flow_logs") in {
        (f["rule"], f["address"]) for f in doc["findings"]}


def test_installed_copy_of_another_source_is_not_read(tmp_path: Path, scan_json: Any) -> None:
    # the source was changed after `terraform init`: Terraform itself refuses to plan
    write_tree(tmp_path, {
        "main.tf": 'provider "aws" { region = "eu-west-3" }\n'
                   'module "store" {\n  source = "terraform-aws-modules/s3-bucket/aws"\n}\n',
        ".terraform/modules/modules.json": json.dumps({"Modules": [
            {"Key": "", "Source": "", "Dir": "."},
            {"Key": "store", "Source": "registry.terraform.io/terraform-aws-modules/vpc/aws",
             "Version": "5.8.1", "Dir": ".terraform/modules/store"}]}),
        ".terraform/modules/store/main.tf": 'resource "aws_vpc" "this" {}\n',
    })
    _, doc = scan_json(".", cwd=tmp_path)
    (finding,) = doc["findings"]
    assert (finding["rule"], finding["address"]) == ("SOV004", "module.store")
    assert "is not the source installed in .terraform/modules" in finding["message"]


def test_a_call_can_be_suppressed_or_classified_like_a_resource(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": """\
# sovlint:ignore SOV004 -- reviewed: the module only creates IAM roles
module "roles" {
  source = "terraform-aws-modules/iam/aws//modules/iam-assumable-role"
}

module "site" {
  source = "terraform-aws-modules/s3-bucket/aws"
  tags = {
    data_classification = "public"
  }
}
"""})
    code, doc = scan_json(".", cwd=tmp_path)
    (finding,) = doc["findings"]
    assert (finding["address"], finding["suppressed"]) == ("module.roles", True)
    assert finding["suppression_reason"] == "reviewed: the module only creates IAM roles"
    assert code == 0
    assert {r["address"]: r["data_class"] for r in doc["resources"]}["module.site"] == "public"


WORKSPACE_ROOT = """\
locals {
  regions = {
    dev  = "us-east-1"
    prod = "eu-west-3"
  }
}
provider "aws" {
  region = lookup(local.regions, terraform.workspace, "eu-west-3")
}
resource "aws_s3_bucket" "reports" {}
"""


def test_the_workspace_is_unknown_unless_given(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": WORKSPACE_ROOT})
    _, doc = scan_json(".", cwd=tmp_path)
    (bucket,) = doc["resources"]
    assert bucket["region"] is None
    (sov004,) = [f for f in doc["findings"] if f["rule"] == "SOV004"]
    assert "terraform.workspace" in sov004["message"] and "--workspace NAME" in sov004["message"]
    _, doc = scan_json(".", "--workspace", "dev", cwd=tmp_path)
    assert [(r["region"], r["country"]) for r in doc["resources"]] == [("us-east-1", "US")]
    assert "SOV001" in {f["rule"] for f in doc["findings"]}
    # from the configuration file too
    (tmp_path / ".sovlint.yaml").write_text("terraform:\n  workspace: prod\n")
    _, doc = scan_json(".", cwd=tmp_path)
    assert [(r["region"], r["country"]) for r in doc["resources"]] == [("eu-west-3", "FR")]


# ----- --fetch-modules ------------------------------------------------------------------------

MODULE_MAIN = """\
variable "name" {
  type = string
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}

module "queue" {
  source = "./queue"
}
"""
QUEUE_MAIN = """\
resource "aws_sqs_queue" "this" {
  name = "events"
}
"""


def _module_repository(base: Path) -> Path:
    """A git repository holding a module (and a local submodule), as a team would publish it."""
    repo = base / "modules-repo"
    write_tree(repo, {"main.tf": MODULE_MAIN, "queue/main.tf": QUEUE_MAIN})
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for argv in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "module"]):
        subprocess.run(argv, cwd=repo, env=env, check=True, capture_output=True)
    return repo


def _root(base: Path, repo: Path) -> Path:
    return write_tree(base / "infra", {"main.tf": f"""\
provider "aws" {{
  region = "us-east-1"
}}

module "bucket" {{
  source = "git::file://{repo}"
  name   = "patients"
}}
"""})


def _tree_hashes(root: Path) -> dict[str, str]:
    """Every file and folder of a tree with the hash of its content."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        found[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return found


def _cache_env(base: Path) -> dict[str, str]:
    return {"SOVLINT_CACHE_DIR": str(base / "cache")}


@needs_terraform
def test_fetch_modules_reads_them_and_writes_nothing_in_the_tree(tmp_path: Path, run_cli: Any) -> None:
    root = _root(tmp_path, _module_repository(tmp_path))
    before = _tree_hashes(root)
    code, out, err = run_cli("scan", ".", "--format", "json", cwd=root)
    assert [f["address"] for f in json.loads(out)["findings"]] == ["module.bucket"]
    code, out, err = run_cli("scan", ".", "--fetch-modules", "--format", "json", cwd=root,
                             env=_cache_env(tmp_path))
    doc = json.loads(out)
    assert code == 1, err
    assert doc["errors"] == []
    assert _findings(doc) == [
        ("SOV001", "module.bucket.aws_s3_bucket.this", ".terraform/modules/bucket/main.tf", 5),
        ("SOV001", "module.bucket.module.queue.aws_sqs_queue.this",
         ".terraform/modules/bucket/queue/main.tf", 1),
        ("SOV002", "module.bucket.aws_s3_bucket.this", ".terraform/modules/bucket/main.tf", 5),
        ("SOV002", "module.bucket.module.queue.aws_sqs_queue.this",
         ".terraform/modules/bucket/queue/main.tf", 1),
    ]
    assert _tree_hashes(root) == before  # not one file written, changed or added in the tree
    assert list((tmp_path / "cache" / "terraform-data").glob("*/modules/modules.json"))
    # the fetched modules are reused: the repository may go away
    shutil.rmtree(tmp_path / "modules-repo")
    code, out, err = run_cli("scan", ".", "--fetch-modules", "--format", "json", cwd=root,
                             env=_cache_env(tmp_path))
    assert _findings(json.loads(out)) == _findings(doc)


@needs_terraform
def test_fetch_modules_equals_a_real_terraform_init(tmp_path: Path, run_cli: Any) -> None:
    """Differential: findings with --fetch-modules are those after the user's own module install."""
    root = _root(tmp_path, _module_repository(tmp_path))
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    # `terraform get` installs the modules as `terraform init` does (no provider needed, offline)
    subprocess.run([str(TERRAFORM), "get", "-no-color"], cwd=copy, env=env, check=True,
                   capture_output=True, timeout=300)
    assert (copy / ".terraform" / "modules" / "modules.json").is_file()
    _, installed, _ = run_cli("scan", ".", "--format", "json", cwd=copy, env=_cache_env(tmp_path))
    _, fetched, _ = run_cli("scan", ".", "--fetch-modules", "--format", "json", cwd=root,
                            env=_cache_env(tmp_path))
    by_init, by_fetch = json.loads(installed), json.loads(fetched)
    assert by_init["findings"] and by_fetch["findings"] == by_init["findings"]  # fingerprints too
    assert by_fetch["resources"] == by_init["resources"]


@needs_terraform
def test_a_fetch_that_fails_is_said_and_the_call_stays_reported(tmp_path: Path, run_cli: Any) -> None:
    root = _root(tmp_path, tmp_path / "no-such-repository")
    code, out, err = run_cli("scan", ".", "--fetch-modules", "--format", "json", cwd=root,
                             env=_cache_env(tmp_path))
    doc = json.loads(out)
    assert code == 1, err
    (error,) = doc["errors"]
    assert error["path"] == "." and error["message"].startswith("--fetch-modules: terraform get failed:")
    (finding,) = doc["findings"]
    assert finding["address"] == "module.bucket"
    assert "--fetch-modules could not fetch it" in finding["message"]


def test_fetch_modules_without_terraform_or_tofu_is_a_usage_error(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {"main.tf": ISSUE_EXAMPLE, ".sovlint.yaml": "terraform:\n  fetch_modules: true\n"})
    empty = tmp_path / "empty-path"
    empty.mkdir()
    code, out, err = run_cli("scan", ".", env={"PATH": str(empty), **_cache_env(tmp_path)})
    assert code == 2, (out, err)
    assert "--fetch-modules needs terraform or tofu on PATH" in err and "module.bucket" in err
    assert "Traceback" not in err
