"""tree-sitter is the default HCL backend where it is installed; python-hcl2 where it is not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from filetree import ROOT, write_tree

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from packaging.requirements import Requirement

MAIN_TF = """\
provider "aws" {
  region = "us-east-1"
}

resource "aws_s3_bucket" "reports" {
  bucket = "reports"
}
"""


def _dependencies() -> dict[str, Requirement]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {Requirement(text).name: Requirement(text) for text in data["project"]["dependencies"]}


@pytest.mark.parametrize("machine,platform,implementation,installed", [
    ("x86_64", "linux", "CPython", True),
    ("aarch64", "linux", "CPython", True),
    ("arm64", "darwin", "CPython", True),
    ("x86_64", "darwin", "CPython", True),
    ("AMD64", "win32", "CPython", True),
    ("ARM64", "win32", "CPython", True),
    ("i686", "linux", "CPython", False),
    ("armv7l", "linux", "CPython", False),
    ("ppc64le", "linux", "CPython", False),
    ("s390x", "linux", "CPython", False),
    ("x86_64", "linux", "PyPy", False),
    ("amd64", "freebsd14", "CPython", False),
])
def test_tree_sitter_is_a_base_dependency_where_it_has_wheels(
        machine: str, platform: str, implementation: str, installed: bool) -> None:
    dependencies = _dependencies()
    assert "python-hcl2" in dependencies and dependencies["python-hcl2"].marker is None
    environment = {"platform_machine": machine, "sys_platform": platform,
                   "platform_python_implementation": implementation}
    for name in ("tree-sitter", "tree-sitter-hcl"):
        marker = dependencies[name].marker
        assert marker is not None
        assert marker.evaluate(environment) is installed, (name, environment)


def _scan_json(tmp_path: Path, env: dict[str, str], *extra: str) -> tuple[int, dict, str]:
    proc = subprocess.run([sys.executable, "-m", "sovlint", "scan", "infra", "--format", "json",
                           "--no-cache", *extra], cwd=tmp_path, env=env, capture_output=True, text=True)
    return proc.returncode, json.loads(proc.stdout) if proc.stdout else {}, proc.stderr


def _env_without_tree_sitter(tmp_path: Path) -> dict[str, str]:
    """An environment in which ``import tree_sitter`` fails, as on a platform where the
    installed package's binary does not load."""
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "tree_sitter.py").write_text("raise ImportError('no binary for this platform')\n")
    env = {k: v for k, v in os.environ.items() if k != "SOVLINT_HCL_BACKEND"}
    env["PYTHONPATH"] = os.pathsep.join([str(broken), str(ROOT)])
    env["SOVLINT_CACHE_DIR"] = str(tmp_path / "cache")
    return env


def test_a_tree_sitter_that_does_not_load_falls_back_to_python_hcl2(tmp_path: Path) -> None:
    write_tree(tmp_path / "infra", {"main.tf": MAIN_TF})
    env = _env_without_tree_sitter(tmp_path)
    probe = subprocess.run([sys.executable, "-c",
                            "from sovlint.hcl.backend import backend_name; print(backend_name())"],
                           env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "hcl2"
    code, report, stderr = _scan_json(tmp_path, env)
    assert code == 1, stderr
    assert [f["rule"] for f in report["findings"]] == ["SOV001", "SOV002"]
    assert report["errors"] == []


def test_auto_is_tree_sitter_where_it_loads(tmp_path: Path) -> None:
    pytest.importorskip("tree_sitter_hcl")
    env = {k: v for k, v in os.environ.items() if k != "SOVLINT_HCL_BACKEND"}
    env["PYTHONPATH"] = str(ROOT)
    probe = subprocess.run([sys.executable, "-c",
                            "from sovlint.hcl.backend import backend_name; print(backend_name())"],
                           env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "treesitter"


def test_forcing_a_tree_sitter_that_does_not_load_is_a_usage_error(tmp_path: Path) -> None:
    write_tree(tmp_path / "infra", {"main.tf": MAIN_TF})
    env = _env_without_tree_sitter(tmp_path)
    code, report, stderr = _scan_json(tmp_path, env, "--hcl-backend", "treesitter")
    assert code == 2
    assert "tree-sitter" in stderr and "--hcl-backend hcl2" in stderr
    assert "Traceback" not in stderr
