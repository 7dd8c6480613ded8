"""Where the shipped data lives, and how data files are read (safely, with libyaml)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any


@functools.lru_cache(maxsize=1)
def policies_dir() -> Path:
    """The shipped ``policies/`` directory: inside the wheel, or the source checkout's."""
    packaged = Path(__file__).parent / "_policies"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "policies"


def is_shipped(path: Path) -> bool:
    """Whether ``path`` is one of the shipped data files (validated by the test suite, not per scan)."""
    try:
        return Path(path).resolve().is_relative_to(_shipped_root())
    except OSError:
        return False


@functools.lru_cache(maxsize=1)
def _shipped_root() -> Path:
    return policies_dir().resolve()


def yaml_loader() -> Any:
    """The fastest safe YAML loader available (libyaml's when PyYAML was built with it)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_file(path: Path) -> Any:
    """Parse one trusted-shape data file with a safe loader (no Python object tags)."""
    import yaml

    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=yaml_loader())
