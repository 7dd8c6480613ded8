"""Renderers run side by side under ``--jobs``; a kustomize base is built through the overlays
that use it, not once more on its own."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from filetree import ROOT, write_tree

#: A renderer standing for the user's kustomize: logs its folder, then waits (up to 30 s) until
#: as many renders as $RENDERS_TOGETHER have started, so that it succeeds only if they overlap.
STUB = """#!/bin/sh
echo "$PWD" >> "{log}"
wanted=${{RENDERS_TOGETHER:-1}}
tries=0
while [ "$(wc -l < "{log}")" -lt "$wanted" ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 300 ]; then echo "renders did not overlap" >&2; exit 1; fi
  sleep 0.1
done
name=$(basename "$PWD")
cat <<END
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data-$name
END
"""


def _tools(tmp_path: Path) -> tuple[Path, Path]:
    tools = tmp_path / "tools"
    tools.mkdir()
    log = tmp_path / "renders.log"
    stub = tools / "kustomize"
    stub.write_text(STUB.format(log=log), encoding="utf-8")
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    return tools, log


def _scan(tmp_path: Path, work: Path, tools: Path, *args: str,
          together: int = 1) -> dict[str, Any]:
    env = {"PATH": f"{tools}:/usr/bin:/bin", "PYTHONPATH": str(ROOT), "RENDERS_TOGETHER": str(together),
           "SOVLINT_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "sovlint", "scan", ".", "--no-cache", "--format", "json",
                           *args], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_renders_run_side_by_side_under_jobs(tmp_path: Path) -> None:
    tools, log = _tools(tmp_path)
    work = write_tree(tmp_path / "work", {
        f"apps/{name}/kustomization.yaml": "resources:\n  - pvc.yaml\n" for name in ("a", "b", "c")})
    for name in ("a", "b", "c"):
        (work / f"apps/{name}/pvc.yaml").write_text(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n")
    report = _scan(tmp_path, work, tools, "--jobs", "3", together=3)
    assert report["errors"] == []
    rendered = {r["address"] for r in report["resources"] if r["path"].endswith("kustomization.yaml")}
    assert rendered == {"PersistentVolumeClaim/data-a", "PersistentVolumeClaim/data-b",
                        "PersistentVolumeClaim/data-c"}
    assert len(log.read_text().splitlines()) == 3


def test_a_shared_base_is_built_through_its_overlays_only(tmp_path: Path) -> None:
    tools, log = _tools(tmp_path)
    work = write_tree(tmp_path / "work", {
        "base/kustomization.yaml": "resources:\n  - pvc.yaml\n",
        "base/pvc.yaml": "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n",
        "overlays/prod/kustomization.yaml": "resources:\n  - ../../base\nnamePrefix: prod-\n",
        "overlays/staging/kustomization.yaml": "bases:\n  - ../../base\nnamePrefix: staging-\n",
    })
    report = _scan(tmp_path, work, tools)
    renders = sorted(Path(line).name for line in log.read_text().splitlines())
    assert renders == ["prod", "staging"]  # the base is not built on its own
    paths = {r["path"] for r in report["resources"]}
    assert paths == {"base/pvc.yaml", "overlays/prod/kustomization.yaml",
                     "overlays/staging/kustomization.yaml"}
    # a base scanned without its overlays is built on its own
    log.unlink()
    _scan(tmp_path, work / "base", tools)
    assert [Path(line).name for line in log.read_text().splitlines()] == ["base"]
