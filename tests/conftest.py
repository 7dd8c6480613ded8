"""Shared fixtures: paths to the project, the shipped examples and the shared corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
OUTPUT_SCHEMA = SHARED / "schemas" / "scan-output.schema.json"


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


def write_tree(base: Path, files: dict[str, str]) -> Path:
    """Create files (relative path -> text) under ``base``."""
    for rel, text in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return base
