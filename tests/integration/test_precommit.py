"""The pre-commit hook, run by the real pre-commit (``try-repo``) on a throwaway repository.

The hook repository is a copy of this working tree committed into a temporary
git repository (``try-repo`` clones a commit), so the test checks the files
as they are now, committed or not. pre-commit installs it into its own
virtualenv with pip, as users get it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

PROJECT = Path(__file__).resolve().parents[2]
HAS_PRE_COMMIT = importlib.util.find_spec("pre_commit") is not None
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(not HAS_PRE_COMMIT, reason="pre-commit is not installed"),
]

NON_COMPLIANT = """\
provider "aws" {
  region = var.region
}

resource "aws_s3_bucket" "reports" {
  bucket = "acme-reports"
}
"""
VARIABLES = """\
variable "region" {
  default = "us-east-1"
}
"""
COMPLIANT = """\
provider "aws" {
  region = var.region
}

resource "aws_s3_bucket" "reports" {
  bucket = "acme-reports"
  tags = {
    data_classification = "public"
  }
}
"""
COPY_IGNORE = shutil.ignore_patterns(".git", "__pycache__", "*.pyc", ".pytest_cache",
                                     ".mypy_cache", ".hypothesis", "test-artifacts", "build",
                                     "dist", "*.egg-info", ".venv")


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree, committed in a repository of its own."""
    repo = tmp_path_factory.mktemp("hook") / "sovlint"
    shutil.copytree(PROJECT, repo, ignore=COPY_IGNORE)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "hook under test")
    return repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit store for the module: the hook's virtualenv is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A user's repository with one Terraform module directory."""
    _git(tmp_path, "init", "-q")
    yield tmp_path


def _try_repo(project: Path, hook_repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    _git(project, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("PYTHONPATH", None)  # the hook must run from its own install
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "sovlint",
                           "--color=never", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=900)


def test_non_compliant_fails_then_compliant_passes(project: Path, hook_repo: Path,
                                                   pre_commit_home: Path) -> None:
    infra = project / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(NON_COMPLIANT)
    (infra / "variables.tf").write_text(VARIABLES)
    failed = _try_repo(project, hook_repo, pre_commit_home, "--all-files")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "SOV001" in output and "us-east-1" in output, output

    (infra / "main.tf").write_text(COMPLIANT)
    passed = _try_repo(project, hook_repo, pre_commit_home, "--all-files")
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert "Passed" in output, output


def test_a_single_file_is_evaluated_with_its_module(project: Path, hook_repo: Path,
                                                    pre_commit_home: Path) -> None:
    """Only main.tf is passed; the region comes from variables.tf next to it."""
    infra = project / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(NON_COMPLIANT)
    (infra / "variables.tf").write_text(VARIABLES)
    result = _try_repo(project, hook_repo, pre_commit_home, "--files", "infra/main.tf")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "SOV001" in output and "us-east-1" in output, output
    assert "SOV004" not in output, output
