"""The one interpreter of location semantics, for every input format.

A normaliser gives it the type's semantics (``sovlint.placement.semantics``),
the resource's arguments through an :class:`Arguments` view of its own syntax
(HCL blocks, plan JSON values, CloudFormation properties, ARM bodies,
Kubernetes specs), and a :class:`Context` that knows the provider's
configuration and the other resources of the same configuration. It answers
where the data is (:class:`Placement`), which copies the service makes
(:class:`CopyDecl`) and whether the resource sits on a single site.

Nothing is guessed: what cannot be evaluated is a placement with
``unresolved`` naming the expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Protocol, Sequence

from sovlint.model import Replica, SourceSpan
from sovlint.placement.semantics import (ANY_REGION, NO_COPY, PROVIDER_REGION, PROVIDER_ZONE,
                                         Condition, CopySpec, Fallback, Reader, TypeSemantics)

_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]*):")


class _Missing:
    """An argument that is not written (and has no value)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A value that cannot be known statically, and why (the accessor's own unknowns map to it).

    ``within`` is set when the value is known to be a zone (or zones) of that
    region: the zones a data source lists, read at plan time.
    """

    reason: str
    within: str | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    """Where data is, as the source says it, before the catalog turns names into countries."""

    names: tuple[str, ...] = ()  # regions, zones or location-set codes; every one holds data
    scope: str | None = None  # the catalog scope in which location-set names are read
    any_region: bool = False  # the service stores the data in whichever region it chooses
    relative: str | None = None  # paired-region | other-region | nearest:<scope> | same-as-resource
    unresolved: str | None = None  # why the location is unknown, naming the expression
    origin: str | None = None  # how it was decided when not written on the resource
    region_source: str | None = None  # a provider region from the deploy environment: which setting

    @property
    def known(self) -> bool:
        """Whether the placement says where the data is (possibly as a relation)."""
        return bool(self.names) or self.any_region or self.relative is not None


def location_fields(placement: Placement) -> dict[str, Any]:
    """The ``Resource`` fields that say where its data is, from a placement."""
    names = placement.names
    return {"region": names[0] if len(names) == 1 else None,
            "region_set": names if len(names) > 1 else (),
            "location_scope": placement.scope, "any_region": placement.any_region,
            "location_origin": placement.origin, "region_source": placement.region_source,
            "unresolved": (placement.unresolved,) if placement.unresolved else ()}


def as_replica(via: str, placement: Placement, declared_at: SourceSpan | None) -> Replica:
    """A copy, as the model holds it, from where the interpreter says it is."""
    names = placement.names
    return Replica(via=via, region=names[0] if len(names) == 1 else None,
                   region_set=names if len(names) > 1 else (), scope=placement.scope,
                   any_region=placement.any_region, relative=placement.relative,
                   unresolved=placement.unresolved, declared_at=declared_at)


@dataclass(frozen=True, slots=True)
class CopyDecl:
    """A copy a resource's configuration makes: of itself, or of the resource ``of`` refers to."""

    via: str
    placement: Placement
    of: Any = None  # a handle of the copied resource (from ``Arguments.reference``), None: itself
    line: int | None = None  # where the copy is declared, when the format knows nested lines


class Arguments(Protocol):
    """A resource's arguments as the semantics name them (Terraform paths, dotted)."""

    def value(self, path: str) -> Any:
        """The evaluated value (``MISSING`` when not written, ``Unresolved`` when unknown);
        through repeated blocks, the first one's."""

    def values(self, path: str) -> list[Any] | Unresolved:
        """Every value at ``path`` across repeated blocks, lists flattened (``[]``: not written)."""

    def present(self, path: str) -> Any:
        """Whether a block or argument is written (``Unresolved`` when that is unknown)."""

    def items(self, path: str) -> Sequence["Arguments"] | Unresolved:
        """The nested blocks or list items at ``path``, each as arguments of its own."""

    def describe(self, path: str) -> str:
        """The expression as written, for messages."""

    def excerpt(self, value: Any) -> str:
        """A value as messages may quote it (a Terraform state's values are never quoted)."""

    def reference(self, path: str) -> Any:
        """A handle of the resource the argument refers to (``None``: not a reference)."""


class Context(Protocol):
    """What a placement depends on beyond the resource: its provider, the other resources."""

    def provider_location(self, zone: bool) -> Placement:
        """The provider configuration's region (or zone), or why it is unknown."""

    def locate(self, handle: Any) -> Placement | None:
        """Where a referenced resource is (``None``: not a resource of this configuration)."""

    def peers(self, path: str, handle: Any) -> list[Placement]:
        """Where the other resources are whose argument ``path`` refers to ``handle``."""


def _names(values: list[Any], pattern: str | None) -> tuple[str, ...] | None:
    """Location names in a list of values (``None`` when one of them is not a name).

    With a ``pattern``, a value it does not match names no location (an
    identifier where an ARN would carry a region).
    """
    names: list[str] = []
    for item in values:
        if not isinstance(item, str) or not item.strip():
            return None
        text = item.strip()
        if pattern:
            match = re.match(pattern, text)
            if not match or not match.group("location"):
                continue
            text = match.group("location")
        if text not in names:
            names.append(text)
    return tuple(names)


def _written(args: Arguments, path: str, pattern: str | None,
             scope: str | None, what: str = "") -> Placement | None:
    """The names an argument holds (``None``: not written)."""
    values = args.values(path)
    if isinstance(values, Unresolved):
        if values.within:
            return Placement(names=(values.within,), origin=values.reason)
        return Placement(unresolved=f"{what}{path} = {args.describe(path)} ({values.reason})")
    values = [v for v in values if v != ""]
    if not values:
        return None
    names = _names(values, pattern)
    if names is None:
        return Placement(unresolved=f"{what}{path} = {args.describe(path)} is not a location name")
    return Placement(names=names, scope=scope) if names else None


def _read(reader: Reader, args: Arguments, context: Context) -> Placement | None:
    """What one reader says (``None``: not written, try the next one)."""
    if reader.present is not None:
        present = args.present(reader.present)
        if isinstance(present, Unresolved):
            return Placement(unresolved=f"{reader.present}: {present.reason}")
        if present and reader.gives == ANY_REGION:
            return Placement(any_region=True, origin=f"{reader.present} lets the service choose the region")
        return None
    if reader.each is not None:
        return _read_items(reader, args)
    if reader.argument is not None:
        return _written(args, reader.argument, reader.pattern, reader.scope)
    path = str(reader.parent)
    handle = args.reference(path)  # an id known only after apply still names its resource
    located = context.locate(handle) if handle is not None else None
    if located is None:
        value = args.value(path)
        if value is MISSING or value is None or value == "":
            return None
        if isinstance(value, Unresolved):
            if reader.when_unknown == "next":  # the request's own region must be the parent's
                return None
            return Placement(unresolved=f"{path} = {args.describe(path)} ({value.reason})")
        if reader.pattern is not None:  # an identifier that carries its region (fr-par/<id>, an ARN)
            return _written(args, path, reader.pattern, reader.scope)
        return Placement(unresolved=f"{path} = {args.describe(path)}: the resource it refers to "
                                    "is not in this configuration, so its location is unknown")
    if located.unresolved:
        return Placement(unresolved=f"{path} = {args.describe(path)}: {located.unresolved}")
    return replace(located, origin=f"where its {path} is")


def _read_items(reader: Reader, args: Arguments) -> Placement | None:
    """The argument of the first item of ``each`` for which ``when`` holds and that sets it."""
    each, argument = str(reader.each), str(reader.argument)
    items = args.items(each)
    if isinstance(items, Unresolved):
        return Placement(unresolved=f"{each} ({items.reason})")
    for item in items:
        if reader.when is not None:
            result = holds(reader.when, item)
            if isinstance(result, _UnknownResult):
                return Placement(unresolved=f"{each}: {result.detail}")
            if not result:
                continue
        found = _written(item, argument, reader.pattern, reader.scope, f"{each}.")
        if found is not None:
            return found
    return None


def fallback_placement(fallback: Fallback, context: Context, what: str) -> Placement:
    """Where data is when nothing is written (``what`` names the resource type for messages)."""
    if fallback.kind in (PROVIDER_REGION, PROVIDER_ZONE):
        return context.provider_location(zone=fallback.kind == PROVIDER_ZONE)
    if fallback.kind == "fixed":
        return Placement(names=(str(fallback.name),), scope=fallback.scope,
                         origin=f"the default of {what} when no location is written")
    if fallback.kind == ANY_REGION:
        return Placement(any_region=True, origin=f"{what}: the service chooses the region")
    if fallback.kind == "nearest":
        return Placement(relative=f"nearest:{fallback.name}")
    if fallback.kind == "unknown":
        return Placement(unresolved=str(fallback.reason))
    return Placement(relative=fallback.kind)  # paired-region, other-region, same-as-resource


def read_location(semantics: TypeSemantics, args: Arguments, context: Context,
                  skip: Callable[[Reader], bool] = lambda reader: False) -> Placement | None:
    """What the first written reader says (``None``: no reader is written); ``skip`` leaves some out."""
    for reader in semantics.readers:
        if skip(reader):
            continue
        found = _read(reader, args, context)
        if found is not None:
            return found
    return None


def place(semantics: TypeSemantics, args: Arguments, context: Context) -> Placement:
    """Where a resource's data is: the first reader that is written, else the fallback."""
    found = read_location(semantics, args, context)
    if found is not None:
        return found
    return fallback_placement(semantics.absent, context, semantics.resource_type)


# ----------------------------------------------------------------------------- conditions
class _UnknownResult:
    def __init__(self, detail: str):
        self.detail = detail


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "false", "enabled", "disabled"):
            return lowered in ("true", "enabled")
        return lowered
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def holds(condition: Condition, args: Arguments) -> bool | _UnknownResult:
    """Evaluate a condition: ``True``, ``False``, or unknown (with the expression)."""
    if condition.kind in ("all", "any"):
        decisive = condition.kind == "any"
        unknown: _UnknownResult | None = None
        for part in condition.parts:
            result = holds(part, args)
            if result is decisive:
                return decisive
            if isinstance(result, _UnknownResult):
                unknown = unknown or result
        return unknown if unknown is not None else not decisive
    if condition.kind == "not":
        result = holds(condition.parts[0], args)
        return result if isinstance(result, _UnknownResult) else not result
    path = str(condition.argument)
    value = args.value(path)
    if isinstance(value, Unresolved):
        return _UnknownResult(f"{path} = {args.describe(path)} ({value.reason})")
    if value is None or value is MISSING:
        value = condition.default if condition.has_default else MISSING
    op, operand = condition.op, condition.operand
    if op == "present":
        return (value is not MISSING) == bool(operand)
    if op == "count_at_most":
        if value is MISSING:
            return True
        return isinstance(value, (list, tuple)) and len(value) <= int(operand)
    if value is MISSING:
        return op in ("not_equals", "not_in")
    if op == "matches":
        return isinstance(value, str) and re.search(str(operand), value) is not None
    if op in ("equals", "not_equals"):
        equal = _normal(value) == _normal(operand)
        return equal if op == "equals" else not equal
    member = _normal(value) in [_normal(v) for v in operand]
    return member if op == "in" else not member


def single_site(semantics: TypeSemantics, args: Arguments) -> dict[str, Any]:
    """The SOV009 facts of a resource (empty when unknown or not a setting of this type)."""
    spec = semantics.single_site
    if spec is None:
        return {}
    result = holds(spec.when, args)
    if isinstance(result, _UnknownResult):
        return {}
    if result:
        return {"single_site": True, "single_site_reason": spec.reason}
    return {"single_site": False}


# ----------------------------------------------------------------------------- copies
def _arn_placement(value: Any, path: str, args: Arguments, via: str) -> Placement:
    if isinstance(value, str):
        match = _ARN_REGION.match(value)
        if match and match.group(1):
            return Placement(names=(match.group(1),))
        if match:
            return Placement(unresolved=f"{via} destination {args.excerpt(value)} carries no region")
    return Placement(unresolved=f"{via} destination {path} = {args.describe(path)} "
                                "is neither a resource of this configuration nor an ARN with a region")


def _destination(spec: CopySpec, args: Arguments, context: Context) -> Placement | None:
    to = spec.to
    if to.reference is not None:
        value = args.value(to.reference)
        if value is MISSING or value is None:
            return None
        handle = args.reference(to.reference)
        located = context.locate(handle) if handle is not None else None
        if located is not None:
            if located.unresolved:
                return Placement(unresolved=f"{spec.via} destination {args.describe(to.reference)}: "
                                            f"{located.unresolved}")
            return located
        if isinstance(value, Unresolved):
            return Placement(unresolved=f"{spec.via} destination {to.reference} = "
                                        f"{args.describe(to.reference)} ({value.reason})")
        return _arn_placement(value, to.reference, args, spec.via)
    if to.argument is not None:
        written = _written(args, to.argument, to.pattern, to.scope, f"{spec.via}: ")
        if written is not None:
            return written
    fallback = to.absent or Fallback(kind=NO_COPY)
    if fallback.kind == NO_COPY:
        return None
    return fallback_placement(fallback, context, spec.via)


def copies(semantics: TypeSemantics, args: Arguments, context: Context) -> list[CopyDecl]:
    """The copies a resource's configuration makes, each with where it is."""
    found: list[CopyDecl] = []
    for spec in semantics.copies:
        of = None
        if spec.of is not None:
            of = args.reference(spec.of)
            if of is None:
                continue  # a copy of something this configuration does not manage
        items = args.items(spec.each) if spec.each is not None else [args]
        if isinstance(items, Unresolved):
            found.append(CopyDecl(spec.via, Placement(
                unresolved=f"{spec.via}: {spec.each} ({items.reason})"), of))
            continue
        if spec.to.peers is not None:
            handle = args.reference(spec.to.peers)
            for peer in context.peers(spec.to.peers, handle) if handle is not None else ():
                found.append(CopyDecl(spec.via, peer, of))
            continue
        for item in items:
            if spec.when is not None:
                result = holds(spec.when, item)
                if isinstance(result, _UnknownResult):
                    found.append(CopyDecl(spec.via, Placement(
                        unresolved=f"whether {spec.via} is made is unknown: {result.detail}"), of))
                    continue
                if not result:
                    continue
            placement = _destination(spec, item, context)
            if placement is not None:
                found.append(CopyDecl(spec.via, placement, of, getattr(item, "line", None)))
    return found
