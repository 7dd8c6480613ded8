"""Parsed files and loaded data files, memoised in the process and cached on disk by content hash.

The disk cache lives in the user's cache directory (``$SOVLINT_CACHE_DIR``,
else ``$XDG_CACHE_HOME/sovlint``, else ``~/.cache/sovlint``), one pickle per
(content hash, parser, sovlint version): a new version or a changed file never
reads a stale entry. Entries are written to a temporary file and renamed, so
concurrent runs never see a half-written entry; an unreadable entry is
ignored. Only objects sovlint itself wrote there are unpickled. When a
version starts its directory, those of other versions untouched for a week
are removed.

The compiled policies and catalog are cached the same way
(:func:`cached_load`), keyed by the content of every file they come from, so
that a pre-commit run does not parse and schema-validate them again. Data
compiled from the shipped files only is kept even under ``--no-cache``, as
Python keeps its ``.pyc`` files: it depends on no input of the user's.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

from sovlint import __version__
from sovlint.cache_home import cache_home

T = TypeVar("T")

#: Parsed files of this process, the most recently used last; at most ``MAX_MEMORY_ENTRIES``
#: (a scan reads each file once or a few times in a row: memory must not grow with the tree).
_memory: OrderedDict[tuple[str, int, int, str], Any] = OrderedDict()
MAX_MEMORY_ENTRIES = 256
_settings = {"disk": True}


#: (mtime, size) of the paths checked during this scan: the shipped data files and
#: shared folders are dependencies of every unit, but are looked at once a scan.
_scan_stamps: dict[str, tuple[int, int] | None] = {}


_real_paths_this_scan: dict[str, str] = {}
MAX_REAL_PATHS = 1024


def configure(disk: bool) -> None:
    """Turn the on-disk cache on or off for this process (``--no-cache``); a scan starts."""
    _settings["disk"] = disk
    _scan_stamps.clear()
    _real_paths_this_scan.clear()


def disk_cache_on() -> bool:
    """Whether this scan reads and writes the disk cache (not ``--no-cache``)."""
    return _settings["disk"]


def real_path(path: str | os.PathLike[str]) -> str:
    """``os.path.realpath``, computed once per path in a scan (the tree does not change meanwhile)."""
    key = os.fspath(path)
    found = _real_paths_this_scan.get(key)
    if found is None:
        if len(_real_paths_this_scan) >= MAX_REAL_PATHS:  # bounded: memory must not grow with the tree
            _real_paths_this_scan.clear()
        found = _real_paths_this_scan[key] = os.path.realpath(key)
    return found


def cache_dir() -> Path:
    """Where cache entries are kept."""
    return Path(cache_home())


_code_stamps: list[str] = []


def _code_stamp() -> str:
    """sovlint's version and the state of its own code: a changed checkout never reads old entries."""
    if not _code_stamps:
        latest, folders = 0, [os.path.dirname(os.path.abspath(__file__))]
        while folders:  # os.scandir: a third of the time of Path.rglob, on every run
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    if entry.name.endswith(".py") and entry.is_file():
                        latest = max(latest, entry.stat().st_mtime_ns)
                    elif entry.is_dir() and entry.name != "__pycache__":
                        folders.append(entry.path)
        _code_stamps.append(f"v{__version__}-{latest:x}")
    return _code_stamps[0]


def _entry(digest: str, kind: str) -> Path:
    return cache_dir() / _code_stamp() / kind / digest[:2] / f"{digest}.pickle"


def cached_parse(path: Path, kind: str, read: Callable[[], bytes | None],
                 parse: Callable[[bytes | None], Any]) -> Any:
    """``parse(content)`` of a file, from memory, from the disk cache, or computed.

    ``read`` returns the file's bytes (``None`` when unreadable: then ``parse``
    decides what a failure looks like and nothing is cached).
    """
    try:
        st = os.stat(path)
        key = (real_path(path), st.st_mtime_ns, st.st_size, kind)
    except OSError:
        key = None
    if key is not None and key in _memory:
        _memory.move_to_end(key)
        return _memory[key]
    data = read()
    if data is None:
        return parse(None)
    digest = hashlib.sha256(data).hexdigest()
    entry = _entry(digest, kind) if _settings["disk"] else None
    value: Any = None
    found = False
    if entry is not None:
        try:
            with open(entry, "rb") as handle:
                value = pickle.load(handle)
            found = True
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
                ValueError, TypeError, IndexError):
            found = False
    if not found:
        value = parse(data)
        if entry is not None:
            _store(entry, value)
    if key is not None:
        _memory[key] = value
        while len(_memory) > MAX_MEMORY_ENTRIES:
            _memory.popitem(last=False)
    return value


def cached_load(kind: str, files: Sequence[Path], build: Callable[[], T]) -> T:
    """``build()``, whose result depends only on ``files``: from the disk cache when none changed.

    The key is the hash of every file's path and content (and the sovlint
    version, through the entry's directory). Errors raised by ``build`` are
    never cached, so a broken file is reported on every run. ``--no-cache``
    turns this off unless every file is a shipped one.
    """
    if not _settings["disk"]:
        from sovlint.datafiles import is_shipped

        if not files or not all(is_shipped(path) for path in files):
            return build()
    from sovlint.files import MAX_CONFIG_FILE_SIZE, UnreadableFile, read_bytes

    digest = hashlib.sha256(kind.encode())
    for path in files:
        try:
            content = read_bytes(path, MAX_CONFIG_FILE_SIZE)
        except UnreadableFile:
            return build()  # let build() report the unreadable file
        digest.update(b"\0" + os.fsencode(os.path.abspath(path)) + b"\0" + hashlib.sha256(content).digest())
    entry = _entry(digest.hexdigest(), kind)
    return _entry_or_built(entry, build)


def _entry_or_built(entry: Path, build: Callable[[], T]) -> T:
    """The value kept in ``entry``, else ``build()``, kept there."""
    try:
        with open(entry, "rb") as handle:
            return pickle.load(handle)  # type: ignore[no-any-return]
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
            ValueError, TypeError, IndexError):
        pass
    value = build()
    _store(entry, value)
    return value


#: Days after which the entries of other sovlint versions (or other states of a checkout)
#: are removed, when this version starts its own directory.
STALE_DAYS = 7


def _prune_other_versions(current: Path) -> None:
    """Remove the sibling version directories untouched for ``STALE_DAYS`` (best effort)."""
    import shutil
    import time

    limit = time.time() - STALE_DAYS * 86400
    try:
        siblings = [p for p in current.parent.iterdir() if p.name.startswith("v") and p != current]
    except OSError:
        return
    for sibling in siblings:
        try:
            if sibling.is_dir() and not sibling.is_symlink() and sibling.stat().st_mtime < limit:
                shutil.rmtree(sibling, ignore_errors=True)
        except OSError:
            continue


def _store(entry: Path, value: Any) -> None:
    try:
        version_dir = cache_dir() / _code_stamp()
        if not version_dir.exists():
            version_dir.mkdir(parents=True, exist_ok=True)
            _prune_other_versions(version_dir)
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
    except (OSError, pickle.PicklingError, RecursionError):
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass


def file_stamp(path: str) -> tuple[int, int] | None:
    """(mtime in ns, size) of a file or directory; ``None`` when it does not exist."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _stamp_this_scan(path: str) -> tuple[int, int] | None:
    if path not in _scan_stamps:
        _scan_stamps[path] = file_stamp(path)
    return _scan_stamps[path]


def cached_unit(key: Sequence[object], compute: Callable[[], tuple[T, Sequence[str]]]) -> T:
    """A work unit's result, reused while none of the files and folders it read changed.

    ``compute`` returns (result, paths it depends on). The entry records the
    stamp (mtime, size) of every dependency; a later run reuses the result only
    if every stamp is the same — a new, removed or edited file in any folder it
    read invalidates it. Without the disk cache, ``compute`` simply runs.
    """
    if not _settings["disk"]:
        return compute()[0]
    digest = hashlib.sha256(repr((__version__, *key)).encode("utf-8")).hexdigest()
    entry = _entry(digest, "units")
    try:
        with open(entry, "rb") as handle:
            stamps, value = pickle.load(handle)
        if all(_stamp_this_scan(path) == stamp for path, stamp in stamps):
            return value  # type: ignore[no-any-return]
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
            ValueError, TypeError, IndexError):
        pass
    value, dependencies = compute()
    stamps = [(path, file_stamp(path)) for path in sorted(set(dependencies))]
    _store(entry, (stamps, value))
    return value


def cached_by_stamps(kind: str, paths: Sequence[str], build: Callable[[], T]) -> T:
    """``build()``, whose result depends only on ``paths`` (files or folders) as they are:
    kept in the cache directory (also under ``--no-cache``: nothing scanned is part of it)
    while the stamp (mtime, size) of every one stays the same."""
    stamps = [(path, file_stamp(path)) for path in paths]
    digest = hashlib.sha256(repr((kind, stamps)).encode("utf-8", "surrogatepass")).hexdigest()
    entry = _entry(digest, kind)
    return _entry_or_built(entry, build)


def load_shipped_yaml(name: str) -> Any:
    """A shipped data file (``policies/<name>``), compiled once into the cache like the catalog."""
    from sovlint.datafiles import load_yaml_file, policies_dir

    path = policies_dir() / name
    return cached_load(f"data-{Path(name).stem}", [path], lambda: load_yaml_file(path))
