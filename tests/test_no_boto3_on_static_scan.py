"""A static scan imports only what it needs, so that pre-commit starts fast.

- a warm run on one Terragrunt unit (pre-commit on a staged ``terragrunt.hcl``)
  takes its result from the unit cache: it imports neither the Terragrunt and
  Terraform evaluators nor an HCL parser, and starts no executor;

- boto3/botocore: only ``sovlint aws`` imports them; the Azure SDK (``azure``) and
  the Google Cloud libraries (``google``) only ``sovlint azure`` and ``sovlint gcp``;
- jsonschema: only user files (config, policies, profiles) are validated per
  run; the shipped rules, profiles and alternatives are validated by the test
  suite (``test_shipped_data_is_valid`` below), not on every scan.

Run in a subprocess: the test session itself imports boto3 and jsonschema.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from filetree import ROOT

HEAVY = ("boto3", "botocore", "jsonschema", "azure", "google")

PROBE = """
import json, sys
from click.testing import CliRunner
import sovlint.cli
heavy = %r
def loaded():
    return sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy})
after_import = loaded()
result = CliRunner().invoke(sovlint.cli.main, ['scan', sys.argv[1], '--format', 'json', '--no-cache'])
after_scan = loaded()
help_result = CliRunner().invoke(sovlint.cli.main, ['aws', '--help'])
for command in ('azure', 'gcp'):
    assert CliRunner().invoke(sovlint.cli.main, [command, '--help']).exit_code == 0
after_help = loaded()
print(json.dumps({"import": after_import, "scan": after_scan, "help": after_help,
                  "code": result.exit_code, "help_code": help_result.exit_code,
                  "findings": len(json.loads(result.output)["findings"])}))
""" % (HEAVY,)


def _probe(tmp_path: Path, target: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, str(target)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                               "SOVLINT_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_static_scan_imports_no_boto3_nor_jsonschema(tmp_path: Path) -> None:
    target = tmp_path / "infra"
    shutil.copytree(ROOT / "examples" / "terraform", target)  # without the examples' config file
    report = _probe(tmp_path, target)
    assert report["code"] == 1 and report["findings"] > 0  # the scan really ran the rules
    assert (report["import"], report["scan"], report["help"]) == ([], [], [])
    assert report["help_code"] == 0


WARM_PROBE = """
import json, sys
from click.testing import CliRunner
import sovlint.cli
result = CliRunner().invoke(sovlint.cli.main, ['scan', sys.argv[1], '--format', 'json'])
print(json.dumps({"code": result.exit_code, "report": json.loads(result.output),
                  "modules": sorted(sys.modules)}))
"""
#: What a warm run on a Terragrunt unit alone does not need.
NOT_WHEN_WARM = ("sovlint.terragrunt.unit", "sovlint.terragrunt.config", "sovlint.normalise.terraform",
                 "sovlint.terraform.evaluator", "sovlint.hcl.treesitter_backend", "sovlint.hcl.hcl2_backend",
                 "tree_sitter", "hcl2", "concurrent.futures", "sovlint.shards")


def test_warm_terragrunt_unit_imports_no_evaluator(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "tests" / "fixtures" / "terragrunt", tree)
    unit = "live/prod/eu-west-3/database/terragrunt.hcl"
    runs = [subprocess.run([sys.executable, "-c", WARM_PROBE, unit], cwd=tree, capture_output=True,
                           text=True, timeout=120,
                           env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                "SOVLINT_CACHE_DIR": str(tmp_path / "cache")}) for _ in range(2)]
    assert all(run.returncode == 0 for run in runs), runs[0].stderr + runs[1].stderr
    cold, warm = (json.loads(run.stdout.strip().splitlines()[-1]) for run in runs)
    assert cold["code"] == warm["code"] == 1
    assert [f["rule"] for f in warm["report"]["findings"]] == ["SOV002"]
    assert warm["report"]["findings"] == cold["report"]["findings"]
    assert "sovlint.terragrunt.unit" in cold["modules"]  # the first run did evaluate the unit
    assert [m for m in NOT_WHEN_WARM if m in warm["modules"]] == []


def test_user_policy_files_are_still_validated(tmp_path: Path) -> None:
    """Only the shipped files skip validation: a user's policy file is checked against the schema."""
    policy = tmp_path / "mine.yaml"
    policy.write_text("id: ORG001\nseverity: loud\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sovlint", "policy", "validate", str(policy)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                               "SOVLINT_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "mine.yaml" in done.stdout + done.stderr


def _schema(relative: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "sovlint" / relative).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


RULE_FILES = sorted([*(ROOT / "policies" / "rules").glob("*.yaml"),
                     *(ROOT / "policies" / "profiles").glob("*/*.yaml")])
PROFILE_FILES = sorted((ROOT / "policies" / "profiles").glob("*.yaml"))


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_shipped_rule_files_are_valid(path: Path) -> None:
    errors = list(_schema("policy/schema.json").iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert errors == []


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.name)
def test_shipped_profiles_are_valid(path: Path) -> None:
    errors = list(_schema("policy/profile_schema.json").iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert errors == []


def test_shipped_file_lists_are_not_empty() -> None:
    assert len(RULE_FILES) >= 11 and len(PROFILE_FILES) >= 3
