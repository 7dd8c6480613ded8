"""Choose the HCL backend: python-hcl2 (reference) or tree-sitter-hcl (``sovlint[fast]``).

Both give identical syntax trees (``tests/hcl/test_backends_differential.py``
checks it on the whole corpus). ``auto``, the default, uses tree-sitter when
it is installed and python-hcl2 otherwise. The choice comes from, in order:
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
    """Whether tree-sitter and tree-sitter-hcl are installed (without importing them)."""
    return all(importlib.util.find_spec(name) is not None for name in ("tree_sitter", "tree_sitter_hcl"))


def check_available() -> None:
    """Raise ``ValueError`` (a usage error for the CLI) when the chosen backend is not installed."""
    if backend_name() == "treesitter" and not fast_backend_available():
        raise ValueError("the tree-sitter HCL backend is not installed: pip install 'sovlint[fast]', "
                         "or use --hcl-backend hcl2 (or auto)")


def backend_name() -> str:
    """The HCL backend this process uses: ``hcl2`` or ``treesitter``."""
    name = _configured["name"] or os.environ.get(BACKEND_ENV) or "auto"
    if name not in BACKENDS:
        raise ValueError(f"{BACKEND_ENV}={name!r} is not one of {', '.join(BACKENDS)}")
    if name == "auto":
        return "treesitter" if fast_backend_available() else "hcl2"
    return name


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
