"""``scan --changed-since REF`` scans what the changes can affect, reported as a full scan
reports it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from filetree import write_tree
from monorepo import commit, git, make_monorepo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _report(run_cli: Any, cwd: Path, *args: str) -> dict[str, Any]:
    code, out, err = run_cli("scan", ".", "--format", "json", *args, cwd=cwd)
    assert code in (0, 1), err
    assert "Traceback" not in err
    return json.loads(out)  # type: ignore[no-any-return]


def _same_as_full_scan(run_cli: Any, repository: Path, unaffected: list[str]) -> dict[str, Any]:
    """The changed-since report, checked against a full scan of the affected roots alone: the
    same tree without the ``unaffected`` roots and files."""
    changed = _report(run_cli, repository, "--changed-since", "main")
    alone = repository.parent / "affected-alone"
    shutil.copytree(repository, alone, ignore=shutil.ignore_patterns(".git"))
    for name in unaffected:
        target = alone / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
    full = _report(run_cli, alone)
    for key in ("findings", "resources", "errors"):
        assert changed[key] == full[key], key
    assert changed["summary"] == full["summary"]
    return changed


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    return make_monorepo(tmp_path / "repo")


def test_a_changed_module_scans_every_root_that_calls_it_at_any_depth(run_cli: Any,
                                                                       repository: Path) -> None:
    path = repository / "modules/database/main.tf"
    path.write_text(path.read_text().replace('"postgres"', '"mysql"'))
    commit(repository)
    changed = _same_as_full_scan(run_cli, repository, ["envs/staging", "standalone", "k8s"])
    addresses = {r["address"] for r in changed["resources"]}
    # through envs/prod (us-east-1) and apps/billing (eu-central-1), the module of the module
    assert "module.storage.module.database.aws_db_instance.this" in addresses
    regions = {r["region"] for r in changed["resources"] if r["path"] == "modules/database/main.tf"}
    assert regions == {"us-east-1", "eu-central-1"}
    # modules/queue is read by envs/prod, so reported with it; staging and standalone are not scanned
    assert "modules/queue/main.tf" in {r["path"] for r in changed["resources"]}
    assert "aws_dynamodb_table.sessions" not in addresses
    assert not any(f["path"].startswith(("k8s/", "standalone/", "envs/staging/"))
                   for f in changed["findings"])
    assert changed["summary"]["files"] == 5  # the .tf files of the roots and of what they read


def test_uncommitted_and_untracked_changes_count(run_cli: Any, repository: Path) -> None:
    write_tree(repository, {"envs/dev/main.tf": 'provider "aws" {\n  region = "ap-south-1"\n}\n'
                                                'module "queue" {\n  source = "../../modules/queue"\n}\n'})
    changed = _same_as_full_scan(run_cli, repository, [
        "envs/prod", "envs/staging", "apps", "standalone", "k8s", "modules/storage", "modules/database"])
    assert {r["address"] for r in changed["resources"]} == {"module.queue.aws_sqs_queue.this"}
    assert {r["region"] for r in changed["resources"]} == {"ap-south-1"}


def test_a_deleted_file_is_not_an_error(run_cli: Any, repository: Path) -> None:
    (repository / "standalone/main.tf").unlink()
    (repository / "k8s/apps/cache.yaml").unlink()
    changed = _report(run_cli, repository, "--changed-since", "main")
    assert changed["errors"] == []
    # the folder of the deleted manifest is scanned again: its other manifests
    assert {r["path"] for r in changed["resources"]} == {"k8s/apps/worker.yaml"}


def test_a_changed_kustomize_base_scans_its_overlays(run_cli: Any, repository: Path) -> None:
    path = repository / "k8s/base/deployment.yaml"
    path.write_text(path.read_text().replace("nginx:1.25", "nginx:1.27"))
    commit(repository)
    changed = _same_as_full_scan(run_cli, repository, ["envs", "apps", "standalone", "modules",
                                                       "k8s/apps"])
    assert "k8s/base/deployment.yaml" in {r["path"] for r in changed["resources"]}
    assert not any(r["path"].startswith("k8s/apps/") for r in changed["resources"])


def test_nothing_changed_scans_nothing(run_cli: Any, repository: Path) -> None:
    code, out, err = run_cli("scan", ".", "--changed-since", "main", "--format", "json", cwd=repository)
    assert code == 0, err
    report = json.loads(out)
    assert report["findings"] == [] and report["resources"] == [] and report["summary"]["files"] == 0


def test_a_change_to_sovlint_own_config_scans_everything(run_cli: Any, repository: Path) -> None:
    (repository / ".sovlint.yaml").write_text("fail_on: high\n")
    changed = _report(run_cli, repository, "--changed-since", "main")
    full = _report(run_cli, repository)
    assert changed == full


def test_merge_base_not_the_tip_of_ref(run_cli: Any, repository: Path) -> None:
    """Changes made on REF after the branch was made are not this branch's."""
    git(repository, "checkout", "-q", "main")
    path = repository / "standalone/main.tf"
    path.write_text(path.read_text().replace("eu-west-1", "us-west-2"))
    commit(repository, "on main")
    git(repository, "checkout", "-q", "feature")
    changed = _report(run_cli, repository, "--changed-since", "main")
    assert changed["resources"] == []


def test_an_unknown_revision_is_a_usage_error(run_cli: Any, repository: Path) -> None:
    code, _, err = run_cli("scan", ".", "--changed-since", "no-such-branch", cwd=repository)
    assert code == 2
    assert "no-such-branch" in err and "Traceback" not in err


def test_outside_a_repository_or_without_git_is_a_usage_error(run_cli: Any, tmp_path: Path) -> None:
    write_tree(tmp_path / "plain", {"main.tf": 'resource "aws_s3_bucket" "b" {}\n'})
    code, _, err = run_cli("scan", ".", "--changed-since", "main", cwd=tmp_path / "plain")
    assert code == 2 and "Traceback" not in err
    empty = tmp_path / "empty-path"
    empty.mkdir()
    code, _, err = run_cli("scan", ".", "--changed-since", "main", cwd=tmp_path / "plain",
                           env={"PATH": str(empty)})
    assert code == 2 and "git" in err and "Traceback" not in err


def test_in_a_subdirectory_of_the_repository(run_cli: Any, repository: Path) -> None:
    path = repository / "modules/queue/main.tf"
    path.write_text(path.read_text().replace('"events"', '"jobs"'))
    commit(repository)
    envs = repository / "envs"
    changed = _report(run_cli, envs, "--changed-since", "main")
    full = _report(run_cli, envs)
    # envs/prod and envs/staging call the changed module: both scanned; the module's own
    # file is outside the scanned folder, so (as in a full scan of it) not reported
    assert changed["summary"]["files"] == 2
    assert changed == full


def _early_evaluated_caller(repository: Path) -> None:
    """On main, envs/eu calls modules/archive through a source built from a variable and a
    local; on the branch, the module changes."""
    git(repository, "checkout", "-q", "main")  # the caller and its module exist before the change
    write_tree(repository, {"envs/eu/main.tofu": '''
variable "flavour" {
  default = "archive"
}
locals {
  modules = "../../modules"
}
provider "aws" {
  region = "eu-west-3"
}
module "archive" {
  source = "${local.modules}/${var.flavour}"
}
''', "modules/archive/main.tf": 'resource "aws_s3_bucket" "this" {}\n'})
    commit(repository, "eu environment")
    git(repository, "checkout", "-q", "feature")
    git(repository, "merge", "-q", "main")
    path = repository / "modules/archive/main.tf"
    path.write_text(path.read_text() + 'resource "aws_s3_bucket" "copy" {}\n')
    commit(repository)


def test_a_module_called_through_an_early_evaluated_source(run_cli: Any, repository: Path) -> None:
    """OpenTofu evaluates variables and locals in module sources before anything else: the
    caller of a changed module is found through them too (a .tofu file is configuration)."""
    _early_evaluated_caller(repository)
    changed = _report(run_cli, repository, "--changed-since", "main")
    # evaluated through envs/eu, whose call no literal path names
    assert sorted((r["address"], r["region"]) for r in changed["resources"]) == [
        ("module.archive.aws_s3_bucket.copy", "eu-west-3"),
        ("module.archive.aws_s3_bucket.this", "eu-west-3")]


def test_git_without_perl_compatible_patterns_finds_the_same_references(
        repository: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sovlint import changes

    _early_evaluated_caller(repository)
    _, usual = changes.read_repository("main", str(repository))
    real_git = changes._git

    def git_without_pcre(where: str, *args: str) -> str:
        if "-P" in args:
            raise changes.ChangesError("git grep: cannot use Perl-compatible regexes when not "
                                       "compiled with USE_LIBPCRE")
        return real_git(where, *args)

    monkeypatch.setattr(changes, "_git", git_without_pcre)
    _, fallback = changes.read_repository("main", str(repository))
    eu = os.path.realpath(repository / "envs/eu")
    assert fallback._candidates == usual._candidates and usual._candidates
    assert fallback.graph.computed_references("terraform") == \
        usual.graph.computed_references("terraform") == {eu}
