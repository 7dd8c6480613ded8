"""Opening the files sovlint reads: regular files within a size limit, never through a link out of the tree.

Every file sovlint reads — scanned files, variables files, policies,
catalogs, baselines, configuration files — comes through :func:`read_bytes`:

- it must be a regular file: a FIFO, a socket or a device is refused before
  it is opened (a FIFO would block the scan, ``/dev/zero`` never ends), and
  the open itself never blocks (``O_NONBLOCK``);
- it must hold at most ``limit`` bytes (checked on the open file, and again
  while reading, so that a file growing meanwhile cannot exceed it);
- given a :class:`Tree`, a symbolic link (the file or one of its folders)
  that leads out of the scanned tree is not followed, unless its target was
  named on the command line.

A refusal is an :class:`UnreadableFile` whose ``reason`` says why, for the
caller to report (SOV900 for a scanned file, exit 2 for a configuration input).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

#: Bytes a configuration input (config, policy, catalog, baseline file) may hold.
MAX_CONFIG_FILE_SIZE = 32 * 1024 * 1024
#: Bytes a scanned file may hold unless the scan says otherwise (--max-file-size).
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024

_READ_CHUNK = 1024 * 1024
_VCS_MARKERS = (".git", ".hg", ".svn")


class UnreadableFile(Exception):
    """A file sovlint does not read, and why (``reason``: a short sentence without the path)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


@dataclass(frozen=True)
class Tree:
    """The scanned tree: real paths of its roots, and of the files named on the command line."""

    roots: tuple[str, ...] = ()
    named: tuple[str, ...] = ()

    def holds(self, path: str | os.PathLike[str]) -> bool:
        """Whether the real location of ``path`` is inside a root or is a named file."""
        real = os.path.realpath(path)
        if real in self.named:
            return True
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots)

    def check_link(self, path: str | os.PathLike[str]) -> None:
        """Raise :class:`UnreadableFile` when ``path`` goes through a symbolic link out of the tree.

        A path without any symbolic link is read as written (a module source
        ``../modules/x`` is followed, as Terraform follows it); one whose real
        location differs is followed only into the tree or to a named file.
        """
        if not self.roots:
            return
        absolute = os.path.abspath(path)
        real = os.path.realpath(path)
        if real != absolute and not self.holds(real):
            raise UnreadableFile("a symbolic link to a file outside the scanned tree; not followed "
                                 "(name the target on the command line to read it)")


def special_file(path: str | os.PathLike[str], directories: bool = False) -> str | None:
    """Why ``path`` cannot be read as a configuration input (a FIFO, a device...), or ``None``
    (a regular file, a folder when ``directories``, or nothing there: its reader says so)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or directories and stat.S_ISDIR(mode):
        return None
    return f"{_kind(mode)}, not a regular file; not read"


def repository_root(path: Path) -> Path | None:
    """The nearest folder at or above ``path`` that holds a ``.git``/``.hg``/``.svn`` entry."""
    start = path if path.is_dir() else path.parent
    for directory in (start, *start.parents):
        if any(os.path.lexists(directory / marker) for marker in _VCS_MARKERS):
            return directory
    return None


def scanned_tree(paths: Iterable[Path], extra_roots: Iterable[Path] = (),
                 named: Iterable[Path] = ()) -> Tree:
    """The tree a scan of ``paths`` may read: each path's repository (or the path itself:
    a folder, or a file's folder), the ``extra_roots`` (the folder of the config file found),
    and the ``named`` files (given on the command line)."""
    roots: list[str] = []
    for given in paths:
        absolute = Path(os.path.abspath(given))
        root = repository_root(Path(os.path.realpath(absolute))) or repository_root(absolute)
        if root is None:
            root = absolute if absolute.is_dir() else absolute.parent
        roots.append(os.path.realpath(root))
    roots.extend(os.path.realpath(p) for p in extra_roots)
    return Tree(tuple(dict.fromkeys(roots)), tuple(dict.fromkeys(os.path.realpath(p) for p in named)))


def read_bytes(path: str | os.PathLike[str], limit: int, tree: Tree | None = None) -> bytes:
    """The content of a regular file of at most ``limit`` bytes (see the module docstring).

    Raises :class:`UnreadableFile` with the reason, for anything else (an
    ``OSError`` too: its message becomes the reason).
    """
    if tree is not None:
        tree.check_link(path)
    try:
        before = os.stat(path)
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(before.st_mode):
        raise UnreadableFile(f"{_kind(before.st_mode)}, not a regular file; not read")
    if before.st_size > limit:
        raise UnreadableFile(f"larger than the limit ({before.st_size} > {limit} bytes); not read")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None
    try:
        opened = os.fstat(descriptor)
        if not stat.S_ISREG(opened.st_mode):  # replaced between the two looks
            raise UnreadableFile(f"{_kind(opened.st_mode)}, not a regular file; not read")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(descriptor, min(_READ_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise UnreadableFile(f"larger than the limit (over {limit} bytes); not read")
        return b"".join(chunks)
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(descriptor)


#: The limits of the scan running in this process (:func:`configure`).
_scan: dict[str, object] = {"limit": DEFAULT_MAX_FILE_SIZE, "tree": None}


def configure(limit: int, tree: Tree | None) -> None:
    """Set the size limit and the tree of the scan this process runs (workers too)."""
    _scan["limit"] = limit
    _scan["tree"] = tree


def scan_tree() -> Tree | None:
    """The tree of the scan this process runs (``None`` outside a scan)."""
    tree = _scan["tree"]
    return tree if isinstance(tree, Tree) else None


def read_scanned(path: str | os.PathLike[str]) -> bytes:
    """A file of the scanned code (or one it names): :func:`read_bytes` with the scan's limits."""
    limit = _scan["limit"]
    tree = _scan["tree"]
    return read_bytes(path, limit if isinstance(limit, int) else DEFAULT_MAX_FILE_SIZE,
                      tree if isinstance(tree, Tree) else None)
