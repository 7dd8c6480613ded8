"""Location semantics as data: how each resource type places its data (``policies/locations/``).

One file per provider says, for each data-bearing Terraform resource type,
which argument holds its location, what applies when it is absent, which
copies the service makes and where, and whether it keeps its data on a single
site. Entries cite the provider documentation they come from. The same entry
serves every input format: CloudFormation and ARM equivalents translate the
argument paths into their own syntax, Kubernetes-declared resources name the
Terraform type they stand for. Format: docs/location-semantics.md.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from sovlint.datafiles import load_yaml_file, policies_dir
from sovlint.records import Record

PROVIDER_REGION = "provider-region"
PROVIDER_ZONE = "provider-zone"
ANY_REGION = "any-region"
PAIRED_REGION = "paired-region"
OTHER_REGION = "other-region"
SAME_AS_RESOURCE = "same-as-resource"
NO_COPY = "none"


@dataclass(frozen=True, slots=True)
class Fallback(Record):
    """Where data is when nothing is written: a keyword, a fixed name, the nearest set, or unknown."""

    kind: str  # provider-region | provider-zone | any-region | fixed | nearest | unknown | paired-region | ...
    name: str | None = None  # fixed: the location name; nearest: the scope
    scope: str | None = None  # fixed: the scope of the name
    reason: str | None = None  # unknown: why


@dataclass(frozen=True, slots=True)
class Reader(Record):
    """One place a location may be written (the first one set wins)."""

    argument: str | None = None  # a name or a list of names
    parent: str | None = None  # refers to another resource: located where it is
    present: str | None = None  # its presence gives ``gives``
    gives: str | None = None
    scope: str | None = None
    pattern: str | None = None
    each: str | None = None  # read ``argument`` in each of these items...
    when: "Condition | None" = None  # ...for which this holds (an order's `label = "dc"` item)
    when_unknown: str | None = None  # parent: "next" = an unknown value gives way to the next reader


@dataclass(frozen=True, slots=True)
class Condition(Record):
    """A test on arguments (``kind`` test, or ``all``/``any``/``not`` of ``parts``)."""

    kind: str  # test | all | any | not
    argument: str | None = None
    op: str | None = None  # equals | not_equals | in | not_in | present | count_at_most | matches
    operand: Any = None
    default: Any = None
    has_default: bool = False
    parts: tuple["Condition", ...] = ()


@dataclass(frozen=True, slots=True)
class Destination(Record):
    """Where a copy is: an argument (with a fallback), a reference, or a fallback alone."""

    argument: str | None = None
    reference: str | None = None
    peers: str | None = None  # the other resources whose same argument refers to the same one
    scope: str | None = None
    pattern: str | None = None
    absent: Fallback | None = None  # for ``argument``; alone when no argument, reference or peers


@dataclass(frozen=True, slots=True)
class CopySpec(Record):
    """A copy the service makes (replicas, backups, geo-redundant pairs...)."""

    via: str
    to: Destination
    each: str | None = None
    when: Condition | None = None
    of: str | None = None
    source: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SingleSite(Record):
    """SOV009: the resource keeps its data on one site when ``when`` holds."""

    when: Condition
    reason: str


@dataclass(frozen=True, slots=True)
class Equivalent(Record):
    """The same service in another format, with its argument paths translated."""

    format: str  # cloudformation | arm
    type: str
    paths: Mapping[str, str]


@dataclass(frozen=True)
class TypeSemantics:
    """How one resource type places its data."""

    provider: str
    resource_type: str
    readers: tuple[Reader, ...]
    absent: Fallback
    copies: tuple[CopySpec, ...] = ()
    single_site: SingleSite | None = None
    equivalents: tuple[Equivalent, ...] = ()
    source: tuple[str, ...] = ()

    def paths_for(self, input_format: str, resource_type: str) -> Mapping[str, str] | None:
        """The argument translation of an equivalent type in another format (``None``: identity)."""
        for equivalent in self.equivalents:
            if equivalent.format == input_format and equivalent.type.lower() == resource_type.lower():
                return equivalent.paths
        return None


@dataclass(frozen=True, slots=True)
class TagSpec(Record):
    """Where tags are written and how: a map, namespaced keys, ``key=value`` strings, pairs."""

    argument: str
    form: str  # map | namespaced-map | strings | pairs
    separators: tuple[str, ...] = ("=", ":")
    key: str = "key"
    value: str = "value"


@dataclass(frozen=True, slots=True)
class AttachedTags(Record):
    """A resource type that tags another resource, named by a reference in ``target``."""

    resource_type: str
    target: str
    specs: tuple[TagSpec, ...]


@dataclass(frozen=True)
class ProviderTags:
    """How a provider's resources carry tags, per input format, and what its configuration adds."""

    resource: tuple[TagSpec, ...]
    provider: tuple[TagSpec, ...] = ()
    effective: tuple[TagSpec, ...] = ()  # a deployed resource's own tags and those it inherits
    by_format: Mapping[str, tuple[TagSpec, ...]] = field(default_factory=dict)
    attached: tuple[AttachedTags, ...] = ()  # Terraform: tags set by another resource

    def for_format(self, input_format: str) -> tuple[TagSpec, ...]:
        """The specs of a format (CloudFormation, ARM), else the Terraform ones."""
        return self.by_format.get(input_format, self.resource)


@dataclass(frozen=True, slots=True)
class DataSourceSemantics(Record):
    """A data source whose attributes list the zones of a region, read at plan time."""

    zones_of_region: tuple[str, ...]
    region_argument: str | None = None


@dataclass(frozen=True)
class LocationSemantics:
    """Every type's semantics, indexed by Terraform type and by the equivalents' types."""

    types: Mapping[str, TypeSemantics]
    by_equivalent: Mapping[tuple[str, str], TypeSemantics] = field(default_factory=dict)
    data_sources: Mapping[str, DataSourceSemantics] = field(default_factory=dict)
    tags: Mapping[str, ProviderTags] = field(default_factory=dict)  # per catalog provider
    #: per catalog provider: where a deployed resource's attributes (a state) record its region
    deployed: Mapping[str, tuple[Reader, ...]] = field(default_factory=dict)

    def get(self, resource_type: str) -> TypeSemantics | None:
        """The semantics of a Terraform type (``None``: no entry, the generic rule applies)."""
        return self.types.get(resource_type)

    def for_format(self, input_format: str, resource_type: str) -> TypeSemantics | None:
        """The semantics of a CloudFormation or ARM type, through the entries' equivalents."""
        return self.by_equivalent.get((input_format, resource_type.lower()))


def _sources(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value or ())


def _fallback(value: Any) -> Fallback:
    if isinstance(value, str):
        return Fallback(kind=value)
    if "fixed" in value:
        return Fallback(kind="fixed", name=str(value["fixed"]), scope=value.get("scope"))
    if "nearest" in value:
        return Fallback(kind="nearest", name=str(value["nearest"]))
    return Fallback(kind="unknown", reason=str(value["unknown"]))


def _reader(value: Mapping[str, Any]) -> Reader:
    return Reader(argument=value.get("argument"), parent=value.get("parent"),
                  present=value.get("present"), gives=value.get("gives"),
                  scope=value.get("scope"), pattern=value.get("pattern"), each=value.get("each"),
                  when=_condition(value["when"]) if "when" in value else None,
                  when_unknown=value.get("when_unknown"))


_TESTS = ("equals", "not_equals", "in", "not_in", "present", "count_at_most", "matches")


def _condition(value: Mapping[str, Any]) -> Condition:
    for kind in ("all", "any"):
        if kind in value:
            return Condition(kind=kind, parts=tuple(_condition(v) for v in value[kind]))
    if "not" in value:
        return Condition(kind="not", parts=(_condition(value["not"]),))
    op = next(name for name in _TESTS if name in value)
    return Condition(kind="test", argument=str(value["argument"]), op=op, operand=value[op],
                     default=value.get("default"), has_default="default" in value)


def _destination(value: Any) -> Destination:
    if isinstance(value, str) or "fixed" in value or "nearest" in value:
        return Destination(absent=_fallback(value))
    if "reference" in value:
        return Destination(reference=str(value["reference"]))
    if "peers" in value:
        return Destination(peers=str(value["peers"]))
    absent = value.get("absent")
    return Destination(argument=str(value["argument"]), scope=value.get("scope"),
                       pattern=value.get("pattern"),
                       absent=_fallback(absent) if absent is not None else Fallback(kind=NO_COPY))


def _copy(value: Mapping[str, Any]) -> CopySpec:
    return CopySpec(via=str(value["via"]), to=_destination(value["to"]), each=value.get("each"),
                    when=_condition(value["when"]) if "when" in value else None,
                    of=value.get("of"), source=_sources(value.get("source")))


def _tag_specs(items: Any) -> tuple[TagSpec, ...]:
    return tuple(TagSpec(argument=str(i["argument"]), form=str(i["form"]),
                         separators=tuple(i.get("separators") or ("=", ":")),
                         key=str(i.get("key", "key")), value=str(i.get("value", "value")))
                 for i in items or ())


def _provider_tags(raw: Mapping[str, Any]) -> ProviderTags:
    return ProviderTags(resource=_tag_specs(raw.get("resource")), provider=_tag_specs(raw.get("provider")),
                        effective=_tag_specs(raw.get("effective")),
                        by_format={fmt: _tag_specs(raw[fmt]) for fmt in ("cloudformation", "arm")
                                   if raw.get(fmt)},
                        attached=tuple(AttachedTags(str(a["type"]), str(a["target"]), _tag_specs(a["tags"]))
                                       for a in raw.get("attached") or ()))


def _entry(provider: str, resource_type: str, raw: Mapping[str, Any],
           patterns: Mapping[str, Mapping[str, Any]]) -> TypeSemantics:
    merged: dict[str, Any] = {}
    if "like" in raw:
        merged.update(patterns[raw["like"]])
    merged.update(raw)
    single = merged.get("single_site")
    equivalents = tuple(
        Equivalent(format=fmt, type=str(item["type"]), paths=dict(item.get("paths") or {}))
        for fmt, items in (merged.get("equivalents") or {}).items() for item in items
    )
    return TypeSemantics(
        provider=provider,
        resource_type=resource_type,
        readers=tuple(_reader(r) for r in merged.get("location") or ()),
        absent=_fallback(merged.get("absent", PROVIDER_REGION)),
        copies=tuple(_copy(c) for c in merged.get("copies") or ()),
        single_site=SingleSite(_condition(single["when"]), str(single["reason"])) if single else None,
        equivalents=equivalents,
        source=_sources(raw.get("source")) + _sources(patterns.get(raw.get("like", ""), {}).get("source")),
    )


def semantics_files() -> list[Path]:
    """The shipped semantics files, one per provider."""
    return sorted((policies_dir() / "locations").glob("*.yaml"))


def build_semantics(files: list[Path]) -> LocationSemantics:
    """Read and index the semantics files (their shape is checked by the test suite)."""
    types: dict[str, TypeSemantics] = {}
    by_equivalent: dict[tuple[str, str], TypeSemantics] = {}
    data_sources: dict[str, DataSourceSemantics] = {}
    tags: dict[str, ProviderTags] = {}
    deployed: dict[str, tuple[Reader, ...]] = {}
    for path in files:
        data = load_yaml_file(path) or {}
        provider = str(data.get("provider", path.stem))
        patterns = data.get("patterns") or {}
        if data.get("tags"):
            tags[provider] = _provider_tags(data["tags"])
        if data.get("deployed"):
            deployed[provider] = tuple(_reader(r) for r in data["deployed"]["location"])
        for name, raw in (data.get("data_sources") or {}).items():
            data_sources[name] = DataSourceSemantics(tuple(raw["zones_of_region"]),
                                                     raw.get("region_argument"))
        for resource_type, raw in (data.get("types") or {}).items():
            entry = _entry(provider, resource_type, raw or {}, patterns)
            types[resource_type] = entry
            for equivalent in entry.equivalents:
                by_equivalent.setdefault((equivalent.format, equivalent.type.lower()), entry)
    return LocationSemantics(types=types, by_equivalent=by_equivalent, data_sources=data_sources,
                             tags=tags, deployed=deployed)


@functools.lru_cache(maxsize=1)
def location_semantics() -> LocationSemantics:
    """The shipped location semantics, compiled once into the cache like the catalog."""
    from sovlint.parse_cache import cached_load

    files = semantics_files()
    return cached_load("locations", files, lambda: build_semantics(files))


def tag_specs(items: Any) -> tuple[TagSpec, ...]:
    """Tag specs as the data files write them (``tags:`` sections, Kubernetes cloud objects)."""
    return _tag_specs(items)
