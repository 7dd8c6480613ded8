"""Finding paths as CI systems want them: relative to the repository root.

sovlint reports paths relative to the current directory (SPEC §5). GitHub
code scanning, GitHub annotations and GitLab Code Quality place a finding by
its path from the repository root, which differs when sovlint runs in a
subdirectory. The root is found by walking up from the current directory to
the first ``.git`` (a directory, or a file in a git worktree/submodule), as
git itself does; formatters take it from ``options["repository_root"]`` when
the caller already knows it (tests, the CLI), so that rendering stays a pure
function of its arguments.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote


def find_repository_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` that holds ``.git``, or ``None``."""
    current = start.resolve()
    for directory in (current, *current.parents):
        if (directory / ".git").exists():
            return directory
    return None


def repository_root(options: dict[str, Any]) -> Path | None:
    """``options["repository_root"]`` when given (``None`` there means "no repository"), else found from the cwd."""
    if "repository_root" in options:
        given = options["repository_root"]
        return Path(given) if given is not None else None
    return find_repository_root(Path.cwd())


def repository_path(path: str, root: Path | None, cwd: Path | None = None) -> str:
    """``path`` (relative to ``cwd``, or absolute) relative to ``root``, with ``/`` separators.

    Falls back to the path as given when there is no root or the file lies outside it.
    """
    if root is None:
        return path
    base = cwd if cwd is not None else Path.cwd()
    absolute = Path(os.path.normpath(base / path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        try:
            relative = absolute.resolve().relative_to(root.resolve())
        except (ValueError, OSError, RuntimeError):  # RuntimeError: a symbolic link loop
            return path
    return PurePosixPath(*relative.parts).as_posix() if relative.parts else "."


def uri_reference(path: str) -> str:
    """A path as an RFC 3986 URI reference: every byte outside the unreserved set and ``/`` is
    percent-encoded from UTF-8 (spaces, ``%``, ``#``, ``?``, ``:``, non-ASCII letters...).

    Absolute paths become ``file://`` URIs.
    """
    posix = path.replace(os.sep, "/") if os.sep != "/" else path
    encoded = quote(posix, safe="/")
    if posix.startswith("/"):
        return "file://" + encoded
    return encoded


def directory_uri(directory: Path) -> str:
    """A directory as an absolute ``file://`` URI ending in ``/`` (SARIF ``originalUriBaseIds``)."""
    uri = "file://" + quote(directory.resolve().as_posix(), safe="/")
    return uri if uri.endswith("/") else uri + "/"
