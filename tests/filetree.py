"""Paths of the project, its examples and the shared corpus, and file-tree helpers for tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
OUTPUT_SCHEMA = SHARED / "schemas" / "scan-output.schema.json"
FIXTURES_DIR = ROOT / "tests" / "fixtures"


def write_tree(base: Path, files: dict[str, str]) -> Path:
    """Create files (relative path -> text) under ``base``."""
    for rel, text in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return base


def touch_later(path: Path, text: str) -> None:
    """Rewrite ``path`` with ``text`` so that its mtime visibly changes (coarse clocks)."""
    import time

    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    while path.stat().st_mtime_ns == before:
        time.sleep(0.01)
        path.write_text(text, encoding="utf-8")
