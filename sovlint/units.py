"""Work units: the independent pieces a scan is split into, and what each yields.

Every normaliser takes a :class:`WorkUnit` and returns a :class:`UnitResult`;
the engine plans the units, runs them (in worker processes, through the
cache) and reviews their results. Both are plain picklable data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence, overload

from sovlint.model import Finding, Resource, ScanError

if TYPE_CHECKING:
    from sovlint.normalise.kubernetes_index import ScanIndex


class FolderFiles(Sequence[str]):
    """Display paths of files of one folder, kept as the folder and the file names: the
    files of a Terraform directory, each path made when asked (a large tree has many files,
    and its names repeat from folder to folder: ``main.tf``). It equals, hashes and reads
    (``repr``: cache keys) as the tuple of its paths."""

    __slots__ = ("folder", "names")

    def __init__(self, folder: str, names: tuple[str, ...]) -> None:
        self.folder = folder
        self.names = names

    def __len__(self) -> int:
        return len(self.names)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            return tuple(self.folder + os.sep + name for name in self.names[index])
        return self.folder + os.sep + self.names[index]

    def __iter__(self) -> Iterator[str]:
        for name in self.names:
            yield self.folder + os.sep + name

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FolderFiles):
            return (self.folder, self.names) == (other.folder, other.names)
        return isinstance(other, tuple) and tuple(self) == other

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[type[FolderFiles], tuple[str, tuple[str, ...]]]:
        return FolderFiles, (self.folder, self.names)


class SharedNames:
    """File names, and tuples of them, kept once for all the folders of a scan."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._tuples: dict[tuple[str, ...], tuple[str, ...]] = {}

    def name(self, name: str) -> str:
        """The string kept for ``name``."""
        return self._names.setdefault(name, name)

    def names(self, names: Iterable[str]) -> tuple[str, ...]:
        """The tuple kept for these names."""
        kept = tuple(self._names.setdefault(name, name) for name in names)
        return self._tuples.setdefault(kept, kept)


def folder_files(paths: Sequence[str], folder: str | None = None,
                 shared: SharedNames | None = None) -> Sequence[str]:
    """``paths`` as :class:`FolderFiles` when they are all files of one folder (``folder``:
    the string kept for it, when it is that folder), else as a tuple."""
    cut = paths[0].rfind(os.sep) if paths else -1
    if cut < 0:
        return tuple(paths)
    stem = paths[0][:cut + 1]
    if any(not path.startswith(stem) or os.sep in path[cut + 1:] for path in paths):
        return tuple(paths)
    names = (shared or SharedNames()).names(path[cut + 1:] for path in paths)
    where = stem[:-1]
    if folder is not None and folder == where:
        where = folder
    return FolderFiles(where, names)


@dataclass(frozen=True, slots=True)
class WorkUnit:
    """An independent piece of work: a Terraform root directory or a single file."""

    kind: str  # terraform | a discover format
    path: str
    reported: Sequence[str]  # display paths whose resources/findings are reported (a tuple, FolderFiles)
    # Kubernetes manifests: the cluster-wide objects of the whole scan (part of the cache key)
    scan_index: ScanIndex | None = None


@dataclass
class Judgement:
    """What the review decided about a unit's resources, where the unit ran (a worker
    process): the resources resolved (in the unit's order), each finding with the index of
    its resource there, and each rule that failed (its id and error)."""

    resources: list[Resource] = field(default_factory=list)
    findings: list[tuple[int, Finding]] = field(default_factory=list)
    errors: list[tuple[str, ScanError]] = field(default_factory=list)


@dataclass
class UnitResult:
    """What one work unit yields (picklable, for worker processes and the cache)."""

    resources: list[Resource] = field(default_factory=list)
    failures: list[tuple[str, int | None, str]] = field(default_factory=list)  # SOV900
    errors: list[ScanError] = field(default_factory=list)
    judgement: Judgement | None = None  # made by a worker process (never cached)
