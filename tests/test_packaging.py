"""The built wheel carries the shipped policies, catalog and schemas."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from filetree import ROOT


@pytest.mark.slow
def test_wheel_contains_policies_and_installed_cli_finds_them(tmp_path: Path) -> None:
    wheel_dir = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheel_dir), str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheel_dir.glob("sovlint-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "sovlint/_policies/rules/SOV001-data-outside-france.yaml" in names
    assert "sovlint/_policies/catalog/aws.yaml" in names
    assert "sovlint/_policies/categories.yaml" in names
    assert "sovlint/policy/schema.json" in names
    assert {"sovlint/formatters/world/countries-110m.json", "sovlint/formatters/world/NOTICE.md"} <= names
    # install it (no dependencies: reuse this interpreter's) and run it away from the source tree
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # the dependencies come from this interpreter's site-packages (a .pth line: the
    # editable install of the source tree there is not activated by it)
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "sovlint-test-deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site,
                    str(wheel)], check=True, capture_output=True)
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples", work / "examples")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(python), "-m", "sovlint", "rules"], cwd=work,
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "_policies" in proc.stdout and str(ROOT) not in proc.stdout
    proc = subprocess.run([str(python), "-m", "sovlint", "scan", "examples", "-q"], cwd=work,
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 1 and "SOV002" in proc.stdout, proc.stderr
