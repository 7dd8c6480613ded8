"""SPEC §4 and §9 on a hostile repository: files that are not what they claim, files out of the
tree, secrets that must not be echoed, and the exit code and message of each case.

Scanned files that cannot be read are SOV900 findings (the rest is checked);
configuration inputs that cannot be read stop the run with exit 2, one line
naming the file (and the line, where there is one); nothing hangs, nothing
is read without bound, no traceback.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from filetree import write_tree
from hostile import run_sovlint

BUCKET = 'variable "region" {}\nresource "aws_s3_bucket" "b" {\n  region = var.region\n}\n'
SECRET = "hunter2-TOPSECRET"
HEREDOC_SECRET = f'token = <<EOF\n{SECRET}\nEOF\nbroken = = 1\n'
FORMATS = ("text", "json", "sarif", "junit", "github", "gitlab", "html")


def _all_formats(tmp_path: Path, *args: str) -> dict[str, str]:
    outputs = {}
    for fmt in FORMATS:
        run = run_sovlint(tmp_path, "scan", *args, "--format", fmt, "--no-cache", timeout=120)
        assert run.code in (0, 1) and "Traceback" not in run.stderr, run.stderr
        outputs[fmt] = run.stdout + run.stderr
    return outputs


def _sov900(doc: dict[str, object], path: str) -> list[str]:
    findings = doc["findings"]
    assert isinstance(findings, list)
    return [f["message"] for f in findings if f["rule"] == "SOV900" and f["path"] == path]


@pytest.mark.parametrize("special", ["fifo", "dev-zero"])
def test_an_auto_loaded_variables_file_that_is_not_a_file(tmp_path: Path, special: str) -> None:
    write_tree(tmp_path, {"tree/.git/HEAD": "", "tree/main.tf": BUCKET,
                          "tree/other/main.tf": 'resource "aws_s3_bucket" "o" {\n  region = "us-east-1"\n}\n'})
    tfvars = tmp_path / "tree" / "terraform.tfvars"
    if special == "fifo":
        os.mkfifo(tfvars)
    else:
        os.symlink("/dev/zero", tfvars)
    run = run_sovlint(tmp_path, "scan", "tree", "--format", "json", "--no-cache", timeout=60)
    assert run.code == 1 and "Traceback" not in run.stderr, run.stderr
    doc = run.json()
    (message,) = _sov900(doc, "tree/terraform.tfvars")
    assert ("a FIFO, not a regular file" if special == "fifo" else "outside the scanned tree; not followed") in message
    assert ("SOV001", "tree/other/main.tf") in {(f["rule"], f["path"]) for f in doc["findings"]}
    assert run.max_rss_kib < 300 * 1024


def test_a_variables_file_linked_out_of_the_tree_is_not_read(tmp_path: Path) -> None:
    write_tree(tmp_path, {"outside/secret.tfvars": f'region = "{SECRET}"\n' + HEREDOC_SECRET,
                          "tree/.git/HEAD": "", "tree/main.tf": BUCKET})
    os.symlink(tmp_path / "outside" / "secret.tfvars", tmp_path / "tree" / "terraform.tfvars")
    outputs = _all_formats(tmp_path, "tree")
    assert not [fmt for fmt, text in outputs.items() if SECRET in text]
    doc = json.loads(outputs["json"])
    (message,) = _sov900(doc, "tree/terraform.tfvars")
    assert "symbolic link to a file outside the scanned tree; not followed" in message
    # named on the command line, the same file is the user's choice: read
    run = run_sovlint(tmp_path, "scan", "tree", "--var-file", str(tmp_path / "outside" / "secret.tfvars"),
                      "--format", "json", "--no-cache", timeout=60)
    assert SECRET not in run.stdout  # its parse error quotes no more than a short first line
    assert any("cannot parse" in m for m in _sov900(run.json(), os.path.relpath(tmp_path / "outside" / "secret.tfvars", tmp_path)))


def test_a_parse_error_never_echoes_a_heredoc(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.tf": BUCKET, "terraform.tfvars": 'region = "eu-west-3"\n' + HEREDOC_SECRET})
    outputs = _all_formats(tmp_path, ".")
    assert not [fmt for fmt, text in outputs.items() if SECRET in text]
    (message,) = _sov900(json.loads(outputs["json"]), "terraform.tfvars")
    assert "line 5" in message or "line 4" in message, message


@pytest.mark.parametrize("args, where", [
    (("--policy", "/dev/zero"), "/dev/zero"),
    (("--baseline", "/dev/zero"), "/dev/zero"),
    (("--var-file", "pipe"), "pipe"),
    (("--policy", "pipe"), "pipe"),
    (("--config", "pipe"), "pipe"),
])
def test_a_special_configuration_input_is_a_usage_error(tmp_path: Path, args: tuple[str, ...], where: str) -> None:
    write_tree(tmp_path, {"main.tf": BUCKET})
    os.mkfifo(tmp_path / "pipe")
    run = run_sovlint(tmp_path, "scan", ".", *args, "--no-cache", timeout=60)
    assert run.code == 2, (run.code, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and where in lines[0] and "not a regular file" in lines[0], lines
    assert run.max_rss_kib < 300 * 1024


@pytest.mark.parametrize("setting, text", [
    ("var_files", "terraform:\n  var_files:\n    - /dev/zero\n"),
    ("policies", "policies:\n  - ../outside\n"),
    ("baseline", "baseline: ../outside/baseline.json\n"),
    ("catalog", "catalog:\n  - /etc/hostname\n"),
])
def test_a_config_of_the_tree_names_nothing_outside_it(tmp_path: Path, setting: str, text: str) -> None:
    write_tree(tmp_path, {"outside/baseline.json": '{"findings": []}', "outside/x.yaml": "",
                          "tree/.git/HEAD": "", "tree/main.tf": BUCKET, "tree/.sovlint.yaml": text})
    run = run_sovlint(tmp_path, "scan", "tree", "--no-cache", timeout=60)
    assert run.code == 2, run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("sovlint: tree/.sovlint.yaml:") and "outside the scanned tree" in line, line
    # given with --config, the same file is the user's own
    run = run_sovlint(tmp_path, "scan", "tree", "--config", "tree/.sovlint.yaml", "--no-cache", timeout=60)
    assert "outside the scanned tree" not in run.stderr


def test_a_fifo_named_by_the_config_is_a_usage_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"tree/.git/HEAD": "", "tree/main.tf": BUCKET,
                          "tree/.sovlint.yaml": "terraform:\n  var_files:\n    - vars.tfvars\n"})
    os.mkfifo(tmp_path / "tree" / "vars.tfvars")
    run = run_sovlint(tmp_path, "scan", "tree", "--no-cache", timeout=60)
    assert run.code == 2 and "a FIFO, not a regular file" in run.stderr, run.stderr


@pytest.mark.parametrize("text, line, reason", [
    ("id: private\nregions:\n  - code: a\n    country: FR\n  - {code: b, country: [\n", 6, "invalid catalog file"),
    ("name: no id\nregions: []\n", 1, 'needs an "id"'),
    ("id: p\nregions:\n  - country: FR\n", 3, 'needs a "code"'),
    ("id: p\nzone_patterns: ['(a']\nregions: []\n", 1, "zone_patterns: invalid regular expression: missing ): (a"),
])
def test_a_broken_catalog_file_is_a_usage_error_with_its_line(tmp_path: Path, text: str, line: int,
                                                              reason: str) -> None:
    write_tree(tmp_path, {"main.tf": BUCKET, "private.yaml": text, ".sovlint.yaml": "catalog: [private.yaml]\n"})
    run = run_sovlint(tmp_path, "scan", ".", "--no-cache", timeout=60)
    assert run.code == 2, (run.code, run.stderr)
    (message,) = run.stderr.strip().splitlines()
    assert message.startswith(f"sovlint: private.yaml:{line}: ") and reason in message, message


def test_a_bad_policy_regex_is_one_clear_line(tmp_path: Path) -> None:
    write_tree(tmp_path, {"rule.yaml": "id: X001\nname: bad-regex\nseverity: low\ntitle: t\ndescription: d\n"
                                       "match:\n  address: {matches: \"(a\"}\nassert:\n  region: {equals: x}\n"
                                       "message: m\n"})
    run = run_sovlint(tmp_path, "policy", "validate", "rule.yaml", timeout=60)
    assert run.code == 2
    assert run.stderr.strip().splitlines() == ['sovlint: rule.yaml:7: invalid regular expression "(a": missing ): (a']


def test_the_treesitter_backend_missing_is_one_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from sovlint import cli
    from sovlint.hcl import backend

    write_tree(tmp_path, {"a.tf": BUCKET, "b/main.tf": BUCKET})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOVLINT_CACHE_DIR", str(tmp_path / ".cache"))
    monkeypatch.setattr(backend, "fast_backend_available", lambda: False)
    result = CliRunner().invoke(cli.main, ["scan", ".", "--hcl-backend", "treesitter", "--no-cache"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "sovlint: the tree-sitter HCL backend is not installed on this platform or does not load: "
        "pip install 'sovlint[fast]' builds it, or use --hcl-backend hcl2"]


def test_millions_of_empty_documents_are_not_an_alias_bomb(tmp_path: Path) -> None:
    with open(tmp_path / "many.yaml", "w", encoding="utf-8") as handle:
        handle.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
        handle.write("---\n" * 2_500_000)
    write_tree(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "o" {\n  region = "us-east-1"\n}\n'})
    run = run_sovlint(tmp_path, "scan", ".", "--format", "json", "--no-cache", timeout=120)
    (message,) = _sov900(run.json(), "many.yaml")
    assert "alias" not in message and "more than 100,000 YAML documents in the file (the limit)" in message
    assert ("SOV001", "main.tf") in {(f["rule"], f["path"]) for f in run.json()["findings"]}


#: An alias bomb: lists of nine, nine levels deep (387 million values once expanded).
ALIAS_BOMB = "".join(f"{c}: &{c} [{', '.join([f'*{p}' if p else '1'] * 9)}]\n"
                     for p, c in zip(["", *"abcdefgh"], "abcdefghi"))


def test_an_alias_bomb_in_a_kustomization_or_chart_is_refused_when_planning(tmp_path: Path) -> None:
    """The scan plan reads kustomizations and charts for the directories they use: with the
    same reader and budgets as the manifests (it once walked every expanded value)."""
    write_tree(tmp_path, {"k/kustomization.yaml": ALIAS_BOMB + "resources: [*i]\n",
                          "c/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n" + ALIAS_BOMB
                          + "dependencies: [*i]\n",
                          "main.tf": 'resource "aws_s3_bucket" "o" {\n  region = "us-east-1"\n}\n'})
    run = run_sovlint(tmp_path, "scan", ".", "--format", "json", "--no-cache", timeout=60)
    assert run.code == 1 and "Traceback" not in run.stderr, run.stderr
    (message,) = _sov900(run.json(), "k/kustomization.yaml")
    assert "an alias bomb" in message
    assert ("SOV001", "main.tf") in {(f["rule"], f["path"]) for f in run.json()["findings"]}


def test_an_arm_template_with_a_bad_conversion_keeps_its_resources(tmp_path: Path) -> None:
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "resources": [{"type": "Microsoft.Storage/storageAccounts", "name": "[string(int(json('Infinity')))]",
                       "location": "westus"}]}
    write_tree(tmp_path, {"azuredeploy.json": json.dumps(template)})
    run = run_sovlint(tmp_path, "scan", ".", "--format", "json", "--no-cache", timeout=60)
    assert run.code == 1 and "internal error" not in run.stdout + run.stderr
    assert [r["region"] for r in run.json()["resources"]] == ["westus"]


def test_a_kustomization_with_helm_charts_and_no_helm_says_so(tmp_path: Path) -> None:
    import shutil

    if shutil.which("kubectl") is None and shutil.which("kustomize") is None:
        pytest.skip("neither kustomize nor kubectl on PATH")
    if shutil.which("helm") is not None:
        pytest.skip("helm is installed here")
    write_tree(tmp_path, {"kustomization.yaml": "helmCharts:\n  - name: demo\n    version: 1.0.0\n",
                          "charts/demo/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 1.0.0\n"})
    run = run_sovlint(tmp_path, "scan", ".", "--format", "json", "--no-cache", timeout=60)
    (message,) = [e["message"] for e in run.json()["errors"] if e["path"] == "kustomization.yaml"]
    assert message.startswith("kustomization not rendered: its helmCharts need helm, which is not found")


def test_worker_processes_apply_the_same_limits(tmp_path: Path) -> None:
    files = {"tree/.git/HEAD": ""}
    for index in range(4):
        files[f"tree/m{index}/main.tf"] = BUCKET
    write_tree(tmp_path, files)
    os.mkfifo(tmp_path / "tree" / "m0" / "terraform.tfvars")
    os.symlink("/dev/zero", tmp_path / "tree" / "m1" / "terraform.tfvars")
    run = run_sovlint(tmp_path, "scan", "tree", "--jobs", "2", "--format", "json", "--no-cache", timeout=120)
    assert run.code == 1 and "Traceback" not in run.stderr, run.stderr
    doc = run.json()
    assert "a FIFO, not a regular file" in _sov900(doc, "tree/m0/terraform.tfvars")[0]
    assert "outside the scanned tree" in _sov900(doc, "tree/m1/terraform.tfvars")[0]
