"""A scan's results as they come: deduplicated, kept on disk, read back in report order.

Memory stays flat however large the scanned tree: past the first
``MEMORY_RECORDS`` records (kept as they are: a small scan encodes nothing),
each resource and finding is written to a temporary file as soon as its work
unit is reviewed, and only its place in the report order is kept in memory
(numbers: the place of its path, its line, its offset). The file holds each
record in the lossless form that every output format is rendered from
(:func:`encode_record`); the JSON reports of ``--shard`` jobs carry the same
form, so that ``sovlint merge`` rebuilds exactly what one scan would have
rendered.

Two records that encode alike are one record: a module reached from two
roots, or a finding made twice, is reported once, whichever job or unit
produced it first.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import operator
import tempfile
from array import array
from typing import IO, Any, Callable, Generic, Iterable, Iterator, Sequence, TypeVar, overload

from sovlint.model import (Alternative, Finding, Replica, Resource, ScanError, Severity,
                           SourceSpan, Suppression)

T = TypeVar("T")

#: Resource fields no output format shows: left out of the stored form (and of deduplication).
_RESOURCE_INTERNAL = frozenset({"attributes", "tags", "inherited_tags", "suppressions"})

_NESTED: dict[str, type] = {"source": SourceSpan, "declared_at": SourceSpan, "span": SourceSpan}


#: Values stored as they are (exact types: ``Severity`` is an ``int`` stored by its label).
_PLAIN = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """The field names of a dataclass, computed once per class (every record is encoded)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is Severity:
        return value.label
    if hasattr(kind, "__dataclass_fields__"):
        return {name: _encode(getattr(value, name)) for name in _field_names(kind)}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def encode_record(record: Resource | Finding | ScanError) -> dict[str, Any]:
    """The stored form of a resource, finding or error (JSON data, lossless for every output)."""
    internal = _RESOURCE_INTERNAL if isinstance(record, Resource) else frozenset()
    return {name: _encode(getattr(record, name)) for name in _field_names(type(record))
            if name not in internal}


def _tuple_of(cls: type, items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(_decode_dataclass(cls, item) for item in items)


def _decode_dataclass(cls: Any, data: dict[str, Any]) -> Any:
    values: dict[str, Any] = {}
    for name in _field_names(cls):
        if name not in data:
            continue
        value = data[name]
        if value is not None and name in _NESTED:
            value = _NESTED[name](**value)
        elif name == "replicas":
            value = _tuple_of(Replica, value)
        elif name == "alternatives":
            value = _tuple_of(Alternative, value)
        elif name == "settings" and cls is Alternative:
            value = tuple(tuple(pair) for pair in value)
        elif name == "severity":
            value = Severity.parse(value)
        elif isinstance(value, list):
            value = tuple(value)
        values[name] = value
    return cls(**values)


#: A resource's field values in constructor order (a ``Record``'s slots), and where the
#: fields the store does not keep are among them.
_RESOURCE_VALUES = operator.attrgetter(*Resource.__slots__)
_RESOURCE_INTERNAL_AT = tuple(Resource.__slots__.index(name) for name in sorted(_RESOURCE_INTERNAL))


def stored_resource(resource: Resource) -> Resource:
    """A resource as the store gives it back: without the fields it does not keep (their
    defaults instead; built positionally, three times quicker than ``dataclasses.replace``)."""
    if not (resource.attributes or resource.tags or resource.inherited_tags or resource.suppressions):
        return resource
    values = list(_RESOURCE_VALUES(resource))
    for index in _RESOURCE_INTERNAL_AT:
        values[index] = () if Resource.__slots__[index] == "suppressions" else {}
    return Resource(*values)


def decode_resource(data: dict[str, Any]) -> Resource:
    """A resource back from its stored form."""
    return _decode_dataclass(Resource, data)  # type: ignore[no-any-return]


def decode_finding(data: dict[str, Any]) -> Finding:
    """A finding back from its stored form."""
    return _decode_dataclass(Finding, data)  # type: ignore[no-any-return]


def decode_error(data: dict[str, Any]) -> ScanError:
    """An error back from its stored form."""
    return ScanError(data["path"], data["message"], data.get("line"))


def resource_order(resource: Resource) -> tuple[Any, ...]:
    """Where a resource comes in a report."""
    return (resource.source.path, resource.source.line or 0, resource.address, resource.instances)


def finding_order(finding: Finding) -> tuple[Any, ...]:
    """Where a finding comes in a report."""
    return (finding.source.path, finding.source.line or 0, finding.rule, finding.address or "",
            finding.discriminator)


def error_order(error: ScanError) -> tuple[Any, ...]:
    """Where an error comes in a report."""
    return (error.path, error.line or 0, error.message)


class PathNumbers:
    """The paths records are at, each a number that orders as its path: a path of ``known``
    (sorted, each once: a scan's reported files) its place there, another path one given
    when first seen (and its string kept). A record keeps a number, not a string."""

    def __init__(self, known: Sequence[str] = ()) -> None:
        self._known = known
        self._others: dict[str, int] = {}

    def number(self, path: str) -> int:
        """The number of a path."""
        try:
            return self._known.index(path)
        except ValueError:
            return self._others.setdefault(path, len(self._known) + len(self._others))

    def ranks(self) -> array[int] | None:
        """Each number's place in path order (``None``: the number itself, every path known)."""
        if not self._others:
            return None
        count = len(self._known)
        # another path comes before the first known one that is greater
        others = sorted((bisect.bisect_left(self._known, path), path, number)
                        for path, number in self._others.items())
        places = array("I", (place for place, _, _ in others))
        ranks = array("I", (index + bisect.bisect_right(places, index) for index in range(count)))
        ranks.extend(0 for _ in others)
        for position, (place, _, number) in enumerate(others):
            ranks[number] = place + position
        return ranks


#: Records a store keeps as objects before it moves them all to its temporary file.
MEMORY_RECORDS = 1000


class SortedRecords(Sequence[T], Generic[T]):
    """Records kept in memory while they are few, then in a temporary file, read back in
    order (a read-only sequence). A record comes back as decoding its stored form gives it
    back, whichever way it was kept."""

    def __init__(self, encode: Callable[[T], str], decode: Callable[[dict[str, Any]], T],
                 order: Callable[[T], tuple[Any, ...]],
                 stored: Callable[[T], T] = lambda record: record,
                 paths: PathNumbers | None = None) -> None:
        self._encode = encode
        self._decode = decode
        self._order = order
        self._stored = stored
        self._objects: list[T] | None = []  # None once the records are in the file
        self._file: IO[bytes] | None = None
        self._size = 0
        self._offsets = array("q")
        self._numbers = paths or PathNumbers()
        self._paths = array("I")  # per record, its path's number (for the order)
        self._lines = array("q")
        self._sorted: array[int] | None = None

    def add(self, record: T, path: str, line: int) -> None:
        """Keep a record."""
        if self._objects is not None and len(self._objects) < MEMORY_RECORDS:
            self._objects.append(self._stored(record))
        else:
            if self._objects is not None:
                self._move_to_file()
            self._write(self._encode(record))
        self._paths.append(self._numbers.number(path))
        self._lines.append(line)
        self._sorted = None

    def _move_to_file(self) -> None:
        assert self._objects is not None
        objects, self._objects = self._objects, None
        for record in objects:
            self._write(self._encode(record))

    def _write(self, encoded: str) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="sovlint-")
        data = encoded.encode("utf-8") + b"\n"
        self._file.seek(self._size)
        self._file.write(data)
        self._offsets.append(self._size)
        self._size += len(data)

    def _line(self, index: int) -> bytes:
        """The stored form of a record (JSON text), by which two records are the same one."""
        if self._objects is not None:
            return self._encode(self._objects[index]).encode("utf-8")
        assert self._file is not None
        self._file.seek(self._offsets[index])
        return self._file.readline()

    def _read(self, index: int) -> T:
        if self._objects is not None:
            return self._objects[index]
        return self._decode(json.loads(self._line(index)))

    def _ordered(self) -> array[int]:
        if self._sorted is None:
            paths, lines = self._paths, self._lines
            ranks = self._numbers.ranks()
            if ranks is not None:  # numbers in path order
                paths = array("I", (ranks[number] for number in paths))
            # by path, then line, then as added: two stable sorts (no tuple per record: a
            # large scan's records are many)
            rough = sorted(range(len(paths)), key=lines.__getitem__)
            rough.sort(key=paths.__getitem__)
            final = array("q")
            start = 0
            while start < len(rough):  # records on one line: ordered by their full key
                end = start + 1
                while end < len(rough) and paths[rough[end]] == paths[rough[start]] \
                        and lines[rough[end]] == lines[rough[start]]:
                    end += 1
                group = rough[start:end]
                if len(group) > 1:  # the same record twice is kept once
                    unique: dict[bytes, int] = {}
                    for index in group:
                        unique.setdefault(self._line(index), index)
                    keyed = []
                    for line, index in unique.items():
                        record = self._read(index)
                        keyed.append((self._order(record), line, index))
                    group = [index for *_, index in sorted(keyed)]
                final.extend(group)
                start = end
            self._sorted = final
        return self._sorted

    def __len__(self) -> int:
        return len(self._ordered())

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        order = self._ordered()
        if isinstance(index, slice):
            return [self._read(order[i]) for i in range(*index.indices(len(order)))]
        return self._read(order[index])

    def __iter__(self) -> Iterator[T]:
        for index in self._ordered():
            yield self._read(index)

    def __repr__(self) -> str:
        return f"SortedRecords({len(self)} records)"


def _encoded(record: Resource | Finding | ScanError) -> str:
    return json.dumps(encode_record(record), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class ResultStore:
    """Resources, findings and errors of a scan (or of merged scans), deduplicated."""

    def __init__(self, known: Sequence[str] = ()) -> None:
        """``known``: the paths most records are at, sorted, each once (a scan's reported
        files): the store keeps a number per record, not a string (:class:`PathNumbers`)."""
        paths = PathNumbers(known)
        self.resources: SortedRecords[Resource] = SortedRecords(_encoded, decode_resource,
                                                                resource_order, stored_resource, paths)
        self.findings: SortedRecords[Finding] = SortedRecords(_encoded, decode_finding,
                                                              finding_order, paths=paths)
        self._errors: dict[str, ScanError] = {}

    def add_resource(self, resource: Resource) -> None:
        """Keep a resource (the same one kept twice is listed once)."""
        self.resources.add(resource, resource.source.path,
                           resource.source.line or 0)

    def add_finding(self, finding: Finding) -> None:
        """Keep a finding (the same one kept twice is listed once)."""
        self.findings.add(finding, finding.source.path,
                          finding.source.line or 0)

    def add_error(self, error: ScanError) -> None:
        """Keep an error unless the same one is kept already."""
        self._errors.setdefault(_encoded(error), error)

    def errors(self) -> list[ScanError]:
        """The errors, in report order."""
        return sorted(self._errors.values(), key=error_order)
