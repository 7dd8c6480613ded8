"""Pure evaluation: (policy, resolved resource) -> findings.

Conditions are three-valued: a field that is unknown (a region that could
not be resolved) makes a test UNKNOWN, and the rule's ``on_unknown`` decides
whether that is a finding. No state is kept between calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sovlint.catalog import EEA_COUNTRIES
from sovlint.model import Finding, Resource, SourceSpan
from sovlint.policy.load import AllOf, AnyOf, Condition, FieldTest, NotOf, Policy
from sovlint.policy.regex import compile_safe


class _Unknown:
    """The value of a field that exists but could not be determined."""

    _instance: "_Unknown | None" = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
_MISSING = object()


def _countries_value(countries: tuple[str, ...]) -> Any:
    """A location's country as policies see it: one country, the set when several, or unknown."""
    if not countries:
        return UNKNOWN
    return countries[0] if len(countries) == 1 else list(countries)


def resource_view(resource: Resource, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The resource as the field paths of policy files see it.

    A location that spans several countries shows them all in ``country``
    (and ``countries``); :func:`evaluate` judges each of them in turn.
    """
    located = bool(resource.countries)
    replicas = []
    for replica in resource.replicas:
        known = bool(replica.countries)
        replicas.append({
            "via": replica.via,
            "region": (replica.label or replica.region) if known else
            (replica.region if replica.region is not None else UNKNOWN),
            "country": _countries_value(replica.countries),
            "countries": list(replica.countries) if known else UNKNOWN,
            "eea": all(c in EEA_COUNTRIES for c in replica.countries) if known else UNKNOWN,
            "unresolved": replica.unresolved,
            "declared_at": (
                f"{replica.declared_at.path}:{replica.declared_at.line}"
                if replica.declared_at and replica.declared_at.line else
                (replica.declared_at.path if replica.declared_at else None)
            ),
        })
    return {
        "address": resource.address,
        "type": resource.resource_type,
        "resource_type": resource.resource_type,
        "format": resource.input_format,
        "provider": resource.provider if resource.provider is not None else UNKNOWN,
        "category": resource.category,
        "data_class": resource.data_class,
        "module": resource.module,
        "location": {
            "region": (resource.location_label or resource.canonical_region or resource.region)
            if located else UNKNOWN,
            "country": _countries_value(resource.countries),
            "countries": list(resource.countries) if located else UNKNOWN,
            "eea": all(c in EEA_COUNTRIES for c in resource.countries) if located else UNKNOWN,
            "origin": resource.location_origin,
            "note": f" ({resource.location_origin})" if resource.location_origin and located else None,
        },
        "exposures": list(resource.exposures) if resource.exposures_known else UNKNOWN,
        "certifications": {
            "hds": UNKNOWN if resource.hds is None else resource.hds,
            "secnumcloud": UNKNOWN if resource.secnumcloud is None else resource.secnumcloud,
        },
        "replicas": replicas,
        "unresolved": list(resource.unresolved)
        + [r.unresolved for r in resource.replicas if r.unresolved],
        "attributes": dict(resource.attributes),
        "settings": dict(settings),
    }


def _members(place: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A location judged one country at a time (itself when it has one country or none)."""
    countries = place.get("countries")
    if not isinstance(countries, list) or len(countries) < 2:
        return [place]
    return [{**place, "country": country, "countries": [country], "eea": country in EEA_COUNTRIES}
            for country in countries]


def _judged(view: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every view to judge: one per country of the location (and of the current ``item``)."""
    views: list[Mapping[str, Any]] = [view]
    location = view.get("location")
    if isinstance(location, Mapping):
        places = _members(location)
        if len(places) > 1:
            views = [{**view, "location": place} for place in places]
    item = view.get("item")
    if isinstance(item, Mapping):
        members = _members(item)
        if len(members) > 1:
            views = [{**v, "item": member} for v in views for member in members]
    return views


_PATHS: dict[str, tuple[str, ...]] = {}


def _get(view: Mapping[str, Any], path: str) -> Any:
    parts = _PATHS.get(path)
    if parts is None:
        parts = _PATHS[path] = tuple(path.split("."))
    node: Any = view
    for part in parts:
        if node is UNKNOWN:
            return UNKNOWN
        if (type(node) is dict or isinstance(node, Mapping)) and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


def _operand(value: Any, view: Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping) and "ref" in value:
        found = _get(view, str(value["ref"]))
        return [] if found is _MISSING or found is None else found
    return value


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]


def _test(test: FieldTest, view: Mapping[str, Any]) -> Any:
    value = _get(view, test.field)
    if test.op == "exists":
        if value is UNKNOWN:
            return UNKNOWN
        present = value is not _MISSING and value is not None
        return present == bool(test.operand)
    if value is UNKNOWN:
        return UNKNOWN
    if value is _MISSING:
        value = None
    operand = _operand(test.operand, view)
    if test.op == "equals":
        return value == operand
    if test.op == "in":
        return value in _as_list(operand)
    if test.op == "not_in":
        return value not in _as_list(operand)
    if test.op == "contains":
        if isinstance(value, str):
            return str(operand) in value
        return operand in _as_list(value) if value is not None else False
    if test.op == "none_of":
        if value is None:
            return True
        return not set(map(str, _as_list(value))) & set(map(str, _as_list(operand)))
    if test.op == "matches":
        if value is None:
            return False
        return compile_safe(str(test.operand))(str(value))  # compiled once (lru_cache)
    if test.op in ("gt", "ge", "lt", "le"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False
        return {"gt": value > operand, "ge": value >= operand,
                "lt": value < operand, "le": value <= operand}[test.op]
    raise ValueError(f"unknown operator {test.op!r}")  # the schema forbids this


def holds(condition: Condition, view: Mapping[str, Any]) -> Any:
    """Evaluate a condition: ``True``, ``False`` or ``UNKNOWN``."""
    kind = type(condition)
    if kind is FieldTest:
        return _test(condition, view)  # type: ignore[arg-type]
    if kind is AllOf:  # False wins over UNKNOWN, UNKNOWN over True
        return _combine(condition.conditions, view, False)  # type: ignore[union-attr]
    if kind is AnyOf:  # True wins over UNKNOWN, UNKNOWN over False
        return _combine(condition.conditions, view, True)  # type: ignore[union-attr]
    if isinstance(condition, NotOf):
        result = holds(condition.condition, view)
        return result if result is UNKNOWN else not result
    raise TypeError(condition)


def _combine(conditions: tuple[Condition, ...], view: Mapping[str, Any], decisive: bool) -> Any:
    """``decisive`` as soon as one condition is; else UNKNOWN if one is; else ``not decisive``."""
    unknown = False
    for part in conditions:
        result = holds(part, view)
        if result is decisive:
            return decisive
        unknown = unknown or result is UNKNOWN
    return UNKNOWN if unknown else not decisive


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)(\??)\}")
#: Characters of one value a message shows.
MAX_FIELD = 500


def render_message(template: str, view: Mapping[str, Any]) -> str:
    """Fill ``{field.path}`` placeholders from the view (never Python attribute access);
    ``{field.path?}`` is left out when the field has no value."""

    from sovlint.quoting import shortened

    def fill(match: re.Match[str]) -> str:
        value = _get(view, match.group(1))
        if value is UNKNOWN or value is _MISSING or value is None:
            return "" if match.group(2) else "unknown"
        if isinstance(value, (list, tuple)):
            return shortened(", ".join(str(v) for v in value[:50]), MAX_FIELD) if value else "none"
        return shortened(str(value), MAX_FIELD)  # values come from scanned files: never megabytes

    return _PLACEHOLDER.sub(fill, template)


def _finding(policy: Policy, resource: Resource, view: Mapping[str, Any],
             discriminator: str, item: Mapping[str, Any] | None = None) -> Finding:
    countries = item.get("countries") if item is not None else list(resource.countries)
    message = render_message(policy.message, view)
    if resource.region_source and resource.region:  # --deploy-env: say where the region came from
        message += f" (region {resource.region} from {resource.region_source})"
    if resource.root and not _inside(resource.source.path, resource.root):
        message += f" (through root {resource.root})"  # a module's, or a Terragrunt unit's, root
    return Finding(
        rule=policy.id,
        name=policy.name,
        severity=policy.severity,
        message=message,
        source=resource.source,
        address=resource.address,
        resource_type=resource.resource_type,
        provider=resource.provider,
        region=resource.canonical_region or resource.region,
        country=resource.country,
        countries=resource.countries,
        data_class=resource.data_class,
        discriminator=discriminator,
        root=resource.root,
        location_key=f"{resource.provider or ''}|{','.join(countries) if isinstance(countries, list) else ''}",
        remediation=render_message(policy.remediation, view) if policy.remediation else None,
        region_source=resource.region_source,
    )


def _inside(path: str, directory: str) -> bool:
    """Whether a (display) path is in a directory: a root's own files are not named."""
    import os

    return directory in ("", ".") or path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


Prefilter = tuple[tuple[str, tuple[Any, ...]], ...]


def match_prefilter(policy: Policy) -> Prefilter:
    """The ``in``/``equals`` tests of a rule's ``match`` on top-level fields of the view.

    They are checked first, with dictionary lookups: a resource that fails
    one cannot match, so the rule is not evaluated on it (most resources are
    networks and identities that no rule matches).
    """
    if policy.plugin is not None or policy.match is None:
        return ()
    parts = policy.match.conditions if isinstance(policy.match, AllOf) else (policy.match,)
    quick = []
    for part in parts:
        if (isinstance(part, FieldTest) and "." not in part.field and part.op in ("in", "equals")
                and not isinstance(part.operand, Mapping)):
            allowed = tuple(_as_list(part.operand)) if part.op == "in" else (part.operand,)
            quick.append((part.field, allowed))
    return tuple(quick)


def cannot_match(prefilter: Prefilter, view: Mapping[str, Any]) -> bool:
    """Whether a test of ``match_prefilter`` fails (or is unknown) for ``view``: no finding then."""
    for field, allowed in prefilter:
        value = view.get(field)
        if value is UNKNOWN or value not in allowed:
            return True
    return False


def _passes(policy: Policy, result: Any) -> bool:
    return result is True or (result is UNKNOWN and policy.on_unknown == "skip")


def evaluate(policy: Policy, resource: Resource, view: Mapping[str, Any]) -> Iterator[Finding]:
    """The findings of one policy on one resource (``view`` from ``resource_view``)."""
    if policy.plugin is not None:
        if resource.resource_type != "sovlint::file":
            yield from policy.plugin.findings(policy, resource)
        return
    if policy.match is not None and not any(holds(policy.match, v) is True for v in _judged(view)):
        return  # a location spanning several countries matches when one of them does
    group = ",".join(resource.instances)
    items = view.get(policy.each, []) if policy.each else [None]
    for item in items:
        scoped = view if item is None else {**view, "item": item}
        if all(_passes(policy, holds(policy.assertion, v)) for v in _judged(scoped)):
            continue  # ... and passes only when every one of them does
        discriminator = group
        if item is not None:  # the copy's location is in the location key
            discriminator = f"{group}|{item.get('via')}"
        yield _finding(policy, resource, scoped, discriminator, item)
