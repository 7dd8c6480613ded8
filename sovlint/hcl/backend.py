"""Choose the HCL backend: tree-sitter-hcl (the default) or python-hcl2 (the reference).

Both give identical syntax trees (``tests/hcl/test_backends_differential.py``
checks it on the whole corpus). ``auto``, the default, uses tree-sitter when
it can be imported and python-hcl2 otherwise: tree-sitter is a base
dependency only on the platforms where it ships binary wheels (see
``pyproject.toml``), and an installed copy that fails to load (a broken
binary) must not stop a scan. The choice comes from, in order:
``--hcl-backend`` (:func:`configure`), ``SOVLINT_HCL_BACKEND``, ``auto``.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the syntax tree's dataclasses are imported when a file is parsed
    from sovlint.hcl.syntax import HclFile

#: ``SOVLINT_HCL_BACKEND=auto|hcl2|treesitter`` chooses a backend (tests compare them).
BACKEND_ENV = "SOVLINT_HCL_BACKEND"
BACKENDS = ("auto", "hcl2", "treesitter")

_configured: dict[str, str | None] = {"name": None}


def configure(name: str | None) -> None:
    """Set this process's backend (``None``: back to the environment / ``auto``)."""
    if name is not None and name not in BACKENDS:
        raise ValueError(f"unknown HCL backend {name!r} (choose from {', '.join(BACKENDS)})")
    _configured["name"] = name


@functools.lru_cache(maxsize=1)
def fast_backend_available() -> bool:
    """Whether tree-sitter and tree-sitter-hcl are installed and load (imported on the first call,
    that is when the first HCL file is parsed: ``sovlint --version`` does not pay for it)."""
    if any(importlib.util.find_spec(name) is None for name in ("tree_sitter", "tree_sitter_hcl")):
        return False
    from sovlint.hcl.treesitter_backend import load_tools

    try:
        load_tools()
    except Exception:  # an incompatible or broken binary: python-hcl2 reads the same trees
        return False
    return True


def backend_name() -> str:
    """The HCL backend this process uses: ``hcl2`` or ``treesitter``."""
    name = _configured["name"] or os.environ.get(BACKEND_ENV) or "auto"
    if name not in BACKENDS:
        raise ValueError(f"{BACKEND_ENV}={name!r} is not one of {', '.join(BACKENDS)}")
    if name == "auto":
        return "treesitter" if fast_backend_available() else "hcl2"
    return name


def missing_forced_backend() -> str | None:
    """Why the backend asked for by name cannot be used (``None`` when it can, or for ``auto``)."""
    name = _configured["name"] or os.environ.get(BACKEND_ENV) or "auto"
    if name == "treesitter" and not fast_backend_available():
        return ("the tree-sitter HCL backend is not installed on this platform or does not load: "
                "pip install 'sovlint[fast]' builds it, or use --hcl-backend hcl2")
    return None


def parse_hcl(text: str, path: str) -> HclFile:
    """Parse HCL native syntax with the configured backend."""
    if backend_name() == "treesitter":
        from sovlint.hcl.treesitter_backend import parse_hcl as parse_fast

        return parse_fast(text, path)
    from sovlint.hcl.hcl2_backend import parse_hcl as parse_reference

    return parse_reference(text, path)


def parse_hcl_json(text: str, path: str) -> HclFile:
    """Parse Terraform JSON syntax; its ``${...}`` strings go through the configured backend."""
    if backend_name() == "treesitter":
        from sovlint.hcl.treesitter_backend import parse_hcl_json as parse_fast_json

        return parse_fast_json(text, path)
    from sovlint.hcl.hcl2_backend import parse_hcl_json as parse_reference_json

    return parse_reference_json(text, path)
