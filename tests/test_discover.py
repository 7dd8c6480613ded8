"""Discovery: formats by content, skipped folders, excludes, special files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from filetree import write_tree
from sovlint.discover import discover


def _formats(base: Path, **kwargs: object) -> dict[str, str]:
    cwd = os.getcwd()
    os.chdir(base)
    try:
        found = discover([Path(".")], **kwargs)  # type: ignore[arg-type]
    finally:
        os.chdir(cwd)
    return {f.display: f.format for f in found.files}


def test_formats_decided_by_content(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "main.tf": "",
        "vars.tfvars": "",
        "stack.json": '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}',
        "azuredeploy.json": '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"}',
        "azuredeploy.parameters.json": '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"}',
        "plan.json": '{"format_version": "1.2", "planned_values": {}}',
        "package.json": '{"name": "not-iac"}',
        "deploy.yaml": "apiVersion: v1\nkind: Pod\n",
        "template.yaml": "Resources:\n  B:\n    Type: AWS::S3::Bucket\n",
        "docker-compose.yml": "services:\n  web: {}\n",
        "main.tf.json": '{"resource": {}}',
    })
    assert _formats(tmp_path) == {
        "main.tf": "terraform",
        "vars.tfvars": "tfvars",
        "stack.json": "cloudformation",
        "azuredeploy.json": "arm",
        "azuredeploy.parameters.json": "arm-parameters",
        "plan.json": "terraform-plan",
        "deploy.yaml": "kubernetes",
        "template.yaml": "cloudformation",
        "main.tf.json": "terraform-json",
    }


def test_terraform_states(tmp_path: Path) -> None:
    state = '{\n  "version": 4,\n  "terraform_version": "1.11.4",\n  "serial": 3,\n  "lineage": "x",\n'
    write_tree(tmp_path, {
        "terraform.tfstate": state + '  "resources": []\n}',
        "terraform.tfstate.backup": state + '  "resources": []\n}',
        "terraform.tfstate.d/prod/terraform.tfstate": state + '  "resources": []\n}',
        "pulled.json": state + '  "resources": []\n}',  # terraform state pull > pulled.json
        "show.json": '{"format_version":"1.0","terraform_version":"1.11.4","values":{"root_module":{}}}',
        "plan.json": '{"format_version": "1.2", "planned_values": {}, "prior_state": {"values": {}}}',
        "providers.json": '{"format_version": "1.0", "provider_schemas": {}}',
        ".terraform/terraform.tfstate": state + '  "backend": {}\n}',
    })
    assert _formats(tmp_path) == {
        "terraform.tfstate": "terraform-state",
        "terraform.tfstate.d/prod/terraform.tfstate": "terraform-state",
        "pulled.json": "terraform-state",
        "show.json": "terraform-state",
        "plan.json": "terraform-plan",
    }
    # the state before the last apply only when named (walked after its folder, or alone)
    found = discover([tmp_path, tmp_path / "terraform.tfstate.backup"])
    assert {f.path.name: f.format for f in found.files}["terraform.tfstate.backup"] == "terraform-state"


def test_skipped_folders_and_excludes(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        ".terraform/modules/x/main.tf": "",
        ".git/config.tf": "",
        "envs/prod/main.tf": "",
        "envs/test/main.tf": "",
        "node_modules/a/main.tf": "",
    })
    assert set(_formats(tmp_path)) == {"envs/prod/main.tf", "envs/test/main.tf"}
    assert set(_formats(tmp_path, excludes=["envs/test/**"])) == {"envs/prod/main.tf"}
    assert set(_formats(tmp_path, excludes=["**/test/*"])) == {"envs/prod/main.tf"}


def test_symlinks_not_followed_and_fifos_skipped(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write_tree(outside, {"secret.tf": ""})
    tree = tmp_path / "tree"
    write_tree(tree, {"main.tf": ""})
    (tree / "link").symlink_to(outside, target_is_directory=True)
    (tree / "loop").symlink_to(tree, target_is_directory=True)
    (tree / "file-link.tf").symlink_to(outside / "secret.tf")
    os.mkfifo(tree / "pipe.tf")
    assert set(_formats(tree)) == {"main.tf"}


def test_large_file_is_skipped_and_reported(tmp_path: Path) -> None:
    write_tree(tmp_path, {"big.tf": "#" * 2000, "small.tf": ""})
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        found = discover([Path(".")], max_file_size=1000)
    finally:
        os.chdir(cwd)
    assert [f.display for f in found.files] == ["small.tf"]
    assert found.skipped[0].path == "big.tf" and "max-file-size" in found.skipped[0].message


def test_unreadable_directory_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"locked/main.tf": "", "open/main.tf": ""})
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:  # the tests run as root: simulate EACCES
        if str(path).rstrip("/").endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    found = discover([Path(".")])
    assert [f.display for f in found.files] == ["open/main.tf"]
    assert [e.path for e in found.errors] == ["locked"]
    assert "cannot read directory" in found.errors[0].message


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    found = discover([tmp_path / "nope"])
    assert found.errors and "no such file" in found.errors[0].message


@pytest.mark.parametrize("given", ["absolute", "relative", "here"])
def test_a_directory_below_here_keeps_one_string_per_file(tmp_path: Path, given: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """However a directory below the current one is named, each file keeps one string of
    its own, its display (a large tree's paths are many); its location is as given."""
    write_tree(tmp_path, {"infra/main.tf": "", "infra/modules/db/main.tf": "",
                          "infra/k8s/deploy.yaml": "apiVersion: v1\nkind: Pod\n"})
    monkeypatch.chdir(tmp_path if given != "here" else tmp_path / "infra")
    path = {"absolute": tmp_path / "infra", "relative": Path("infra"), "here": Path(".")}[given]
    found = discover([path])
    prefix = "" if given == "here" else "infra/"
    assert [(f.display, f.format) for f in found.files] == [
        (f"{prefix}k8s/deploy.yaml", "kubernetes"), (f"{prefix}main.tf", "terraform"),
        (f"{prefix}modules/db/main.tf", "terraform")]
    if given != "absolute":  # as given: relative
        assert all(f.location is f.display for f in found.files)
    else:  # as given, absolute: kept as the display and a shared prefix
        assert [f.location for f in found.files] == [str(tmp_path / f.display) for f in found.files]
        assert all(f._where is found.files[0]._where for f in found.files)


def test_a_directory_elsewhere_keeps_its_absolute_path(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"infra/main.tf": ""})
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    found = discover([tmp_path / "infra"])
    assert [(f.location, f.display) for f in found.files] == [
        (str(tmp_path / "infra" / "main.tf"), os.path.join("..", "infra", "main.tf"))]
