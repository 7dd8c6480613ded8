"""Paths of the project, its examples and the shared corpus, and a file-tree writer for tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
OUTPUT_SCHEMA = SHARED / "schemas" / "scan-output.schema.json"


def write_tree(base: Path, files: dict[str, str]) -> Path:
    """Create files (relative path -> text) under ``base``."""
    for rel, text in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return base
