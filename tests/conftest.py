"""Shared fixtures: paths to the project, the shipped examples and the shared corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from filetree import CORPUS, EXAMPLES, OUTPUT_SCHEMA, ROOT, SHARED, write_tree  # noqa: F401


@pytest.fixture
def run_cli(tmp_path: Path) -> Any:
    """Run ``sovlint`` in a subprocess: (exit code, stdout, stderr)."""

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
        proc = subprocess.run([sys.executable, "-m", "sovlint", *args], cwd=cwd or tmp_path,
                              capture_output=True, text=True, env=full_env, timeout=600)
        return proc.returncode, proc.stdout, proc.stderr

    return run


@pytest.fixture
def scan_json(run_cli: Any) -> Any:
    """``sovlint scan ... --format json`` parsed."""

    def run(*args: str, cwd: Path | None = None) -> tuple[int, dict[str, Any]]:
        code, out, err = run_cli("scan", *args, "--format", "json", cwd=cwd)
        assert code in (0, 1), err
        return code, json.loads(out)

    return run
