"""The way out of a finding: sovereign offers that satisfy the rule that fired.

The offers, the service kinds and the resource type -> kind map live in
``policies/alternatives.yaml`` (schema ``sovlint/alternatives_schema.json``,
format in docs/alternatives.md). Every certification an offer is proposed
with is checked against the catalog at run time (``is_hds_host``,
``is_secnumcloud``), so a user catalog that withdraws a certification
withdraws the proposal too. Offers marked ``verified: false`` are never
proposed. Everything here is a pure function of (data, catalog, resource).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from sovlint.catalog import ProviderCatalog
from sovlint.datafiles import load_yaml_file, policies_dir
from sovlint.model import Alternative, Finding, Resource
from sovlint.resolve import FORMAT_FAMILIES

#: What each constraint reads, for messages.
CONSTRAINT_LABELS = {
    "hds": "HDS-certified",
    "secnumcloud": "SecNumCloud-qualified",
    "france": "in France",
    "no_exposure": "no extraterritorial exposure",
}
#: Input format -> the family of the type map (as ``sovlint.resolve`` reads categories).


@dataclass(frozen=True)
class Offer:
    """One offer of ``policies/alternatives.yaml``."""

    id: str
    provider: str
    offer: str
    resource_types: tuple[str, ...]
    regions: tuple[str, ...]
    hds_regions: frozenset[str]
    secnumcloud_regions: frozenset[str]
    settings: tuple[tuple[str, str], ...] = ()
    source: tuple[str, ...] = ()
    verified: bool = True
    note: str | None = None


@dataclass(frozen=True)
class ServiceKind:
    """A kind of service (object storage, managed PostgreSQL...) and its offers."""

    id: str
    title: str
    offers: tuple[str, ...]
    gap: str | None = None


@dataclass(frozen=True)
class AlternativesData:
    """The whole of ``policies/alternatives.yaml``, loaded and validated."""

    rules: frozenset[str]
    always: tuple[str, ...]
    by_rule: Mapping[str, tuple[str, ...]]
    by_data_class: Mapping[str, tuple[str, ...]]
    by_profile: Mapping[str, tuple[str, ...]]
    offers: Mapping[str, Offer]
    kinds: Mapping[str, ServiceKind]
    service_kinds: Mapping[str, Mapping[str, str]]
    no_equivalent: Mapping[str, Mapping[str, str]]


class AlternativesError(ValueError):
    """The alternatives data file does not match its schema."""


@functools.lru_cache(maxsize=1)
def alternatives_schema() -> dict[str, Any]:
    """The JSON Schema of ``policies/alternatives.yaml`` (read once, when first needed)."""
    path = Path(__file__).parent / "alternatives_schema.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def parse_alternatives(data: Mapping[str, Any], origin: str = "policies/alternatives.yaml",
                       validate: bool = True) -> AlternativesData:
    """Validate ``data`` against the schema (unless told it is the shipped, tested file) and
    build the typed view of it."""
    errors: list[Any] = []
    if validate:
        import jsonschema

        errors = sorted(jsonschema.Draft202012Validator(alternatives_schema()).iter_errors(data),
                        key=lambda e: list(map(str, e.path)))
    if errors:
        first = errors[0]
        where = "/".join(map(str, first.path)) or "(top)"
        raise AlternativesError(f"{origin}: {where}: {first.message}")
    offers: dict[str, Offer] = {}
    for raw in data["offers"]:
        certs = raw.get("certifications") or {}
        offers[raw["id"]] = Offer(
            id=raw["id"], provider=raw["provider"], offer=raw["offer"],
            resource_types=_tuple(raw["resource_types"]), regions=_tuple(raw["regions"]),
            hds_regions=frozenset(_tuple(certs.get("hds"))),
            secnumcloud_regions=frozenset(_tuple(certs.get("secnumcloud"))),
            settings=tuple(sorted((str(k), str(v)) for k, v in (raw.get("settings") or {}).items())),
            source=_tuple(raw["source"]), verified=bool(raw.get("verified", True)), note=raw.get("note"),
        )
    kinds = {key: ServiceKind(id=key, title=value["title"], offers=_tuple(value["offers"]), gap=value.get("gap"))
             for key, value in data["kinds"].items()}
    for kind in kinds.values():
        unknown = [o for o in kind.offers if o not in offers]
        if unknown:
            raise AlternativesError(f"{origin}: kinds/{kind.id}: unknown offer(s) {', '.join(unknown)}")
    service_kinds = {family: dict(table or {}) for family, table in (data.get("service_kinds") or {}).items()}
    if "arm" in service_kinds:
        service_kinds["arm"] = {k.lower(): v for k, v in service_kinds["arm"].items()}
    for family, table in service_kinds.items():
        unknown = sorted({k for k in table.values() if k not in kinds})
        if unknown:
            raise AlternativesError(f"{origin}: service_kinds/{family}: unknown kind(s) {', '.join(unknown)}")
    req = data["requirements"]
    return AlternativesData(
        rules=frozenset(req["rules"]), always=_tuple(req["always"]),
        by_rule={k: _tuple(v) for k, v in (req.get("by_rule") or {}).items()},
        by_data_class={k: _tuple(v) for k, v in (req.get("by_data_class") or {}).items()},
        by_profile={k: _tuple(v) for k, v in (req.get("by_profile") or {}).items()},
        offers=offers, kinds=kinds, service_kinds=service_kinds,
        no_equivalent={f: dict(t or {}) for f, t in (data.get("no_equivalent") or {}).items()},
    )


@functools.lru_cache(maxsize=1)
def load_alternatives() -> AlternativesData:
    """The shipped ``policies/alternatives.yaml`` (the test suite validates it), loaded once per process."""
    from sovlint.parse_cache import cached_load

    path = policies_dir() / "alternatives.yaml"
    return cached_load("alternatives", [path],
                       lambda: parse_alternatives(load_yaml_file(path) or {}, str(path), validate=False))


def service_kind_of(resource_type: str, input_format: str, data: AlternativesData | None = None) -> str | None:
    """The service kind of a resource type (``None`` when the map does not know it)."""
    data = data or load_alternatives()
    family = FORMAT_FAMILIES.get(input_format, input_format)
    key = resource_type.lower() if family == "arm" else resource_type
    found = data.service_kinds.get(family, {}).get(key)
    if found is None and family == "terraform":
        found = _offer_kinds(data).get(resource_type)
    return found


def _offer_kinds(data: AlternativesData) -> dict[str, str]:
    """The types of the offers themselves -> the first kind that lists them (SOV006 at OVH, Scaleway...)."""
    table: dict[str, str] = {}
    for kind in data.kinds.values():
        for offer_id in kind.offers:
            for resource_type in data.offers[offer_id].resource_types:
                table.setdefault(resource_type, kind.id)
    return table


def constraints_for(rule_id: str | None, data_class: str | None, profile: str | None,
                    data: AlternativesData | None = None) -> tuple[str, ...]:
    """What a proposed offer must satisfy for this rule, data class and profile, in a fixed order."""
    data = data or load_alternatives()
    wanted = set(data.always)
    wanted.update(data.by_rule.get(rule_id or "", ()))
    wanted.update(data.by_data_class.get(data_class or "", ()))
    wanted.update(data.by_profile.get(profile or "", ()))
    return tuple(c for c in ("hds", "secnumcloud", "france", "no_exposure") if c in wanted)


def _region_ok(offer: Offer, code: str, constraints: Sequence[str], catalog: ProviderCatalog) -> bool:
    provider = catalog.get(offer.provider)
    if provider is None:
        return False
    region = provider.find_region(code)
    if region is None:
        return False
    for constraint in constraints:
        if constraint == "france" and region.country != "FR":
            return False
        if constraint == "no_exposure" and (provider.exposures is None or provider.exposures_in(region)):
            return False
        if constraint == "hds" and not (code in offer.hds_regions and provider.is_hds_host(region) is True):
            return False
        if constraint == "secnumcloud" and not (
                code in offer.secnumcloud_regions
                and any(provider.is_secnumcloud(region, t) is True for t in offer.resource_types)):
            return False
    return True


def offer_alternative(offer: Offer, constraints: Sequence[str], catalog: ProviderCatalog) -> Alternative | None:
    """The offer restricted to the regions that satisfy ``constraints``; ``None`` when none does."""
    if not offer.verified:
        return None
    regions = tuple(code for code in offer.regions if _region_ok(offer, code, constraints, catalog))
    if not regions:
        return None
    provider = catalog.get(offer.provider)
    certifications = []
    if all(_region_ok(offer, code, ("hds",), catalog) for code in regions):
        certifications.append("HDS")
    if all(_region_ok(offer, code, ("secnumcloud",), catalog) for code in regions):
        certifications.append("SecNumCloud")
    return Alternative(
        offer_id=offer.id, provider=offer.provider,
        provider_name=provider.name if provider is not None else offer.provider,
        offer=offer.offer, resource_types=offer.resource_types, regions=regions,
        certifications=tuple(certifications), settings=offer.settings,
    )


def kind_alternatives(kind_id: str | None, constraints: Sequence[str], catalog: ProviderCatalog,
                      data: AlternativesData | None = None) -> list[Alternative]:
    """Every proposable offer of a service kind under ``constraints``, in the data file's order."""
    data = data or load_alternatives()
    kind = data.kinds.get(kind_id or "")
    if kind is None:
        return []
    found = []
    for offer_id in kind.offers:
        alternative = offer_alternative(data.offers[offer_id], constraints, catalog)
        if alternative is not None:
            found.append(alternative)
    return found


def alternatives_for(resource: Resource, rule_id: str | None, profile: str | None,
                     catalog: ProviderCatalog, data: AlternativesData | None = None) -> list[Alternative]:
    """The offers that would satisfy ``rule_id`` for ``resource`` under ``profile``."""
    data = data or load_alternatives()
    kind = service_kind_of(resource.resource_type, resource.input_format, data)
    return kind_alternatives(kind, constraints_for(rule_id, resource.data_class, profile, data), catalog, data)


def describe_constraints(constraints: Sequence[str]) -> str:
    """``HDS-certified, in France, no extraterritorial exposure``."""
    return ", ".join(CONSTRAINT_LABELS[c] for c in constraints)


def alternative_label(alternative: Alternative) -> str:
    """``OVHcloud Public Cloud Object Storage (S3 API): ovh_cloud_project_storage in GRA, SBG``."""
    types = ", ".join(alternative.resource_types)
    settings = ", ".join(f'{k} = "{v}"' for k, v in alternative.settings)
    what = f"{types} ({settings})" if settings else types
    certs = f" [{', '.join(alternative.certifications)}]" if alternative.certifications else ""
    return (f"{alternative.provider_name} {alternative.offer}{certs}: {what} "
            f"in {', '.join(alternative.regions)}")


def remediation_text(kind: ServiceKind | None, alternatives: Sequence[Alternative],
                     constraints: Sequence[str]) -> str | None:
    """The remediation sentence naming the ways out; ``None`` when there is no kind to speak of."""
    if kind is None:
        return None
    wanted = describe_constraints(constraints)
    if not alternatives:
        gap = f" ({kind.gap})" if kind.gap else ""
        return (f"No {kind.title} offer in sovlint's alternatives data is {wanted}{gap}; "
                "see `sovlint explain` for the general way out.")
    return (f"Sovereign options for {kind.title} ({wanted}): "
            + "; ".join(alternative_label(a) for a in alternatives) + ".")


def attach_remediation(findings: Sequence[Finding], resources: Iterable[Resource],
                       catalog: ProviderCatalog, profile: str | None,
                       data: AlternativesData | None = None) -> list[Finding]:
    """Findings of the rules in ``requirements.rules`` with their concrete ways out.

    The policy's own remediation text is kept where no service kind is known
    for the resource type.
    """
    data = data or load_alternatives()
    by_key: dict[tuple[str, str], Resource] = {}
    for resource in resources:
        by_key.setdefault((resource.source.path, resource.address), resource)
    cache: dict[tuple[str, tuple[str, ...]], tuple[Alternative, ...]] = {}
    out = []
    for finding in findings:
        found = by_key.get((finding.source.path, finding.address or ""))
        if finding.rule not in data.rules or found is None:
            out.append(finding)
            continue
        kind_id = service_kind_of(found.resource_type, found.input_format, data)
        if kind_id is None:
            out.append(finding)
            continue
        constraints = constraints_for(finding.rule, found.data_class, profile, data)
        key = (kind_id, constraints)
        if key not in cache:
            cache[key] = tuple(kind_alternatives(kind_id, constraints, catalog, data))
        text = remediation_text(data.kinds[kind_id], cache[key], constraints)
        out.append(dataclasses.replace(finding, remediation=text or finding.remediation,
                                       alternatives=cache[key]))
    return out


@dataclass(frozen=True)
class WayOut:
    """One service kind in use at foreign-law providers, and the sovereign options for it."""

    kind: str
    title: str
    resources: int
    health_resources: int
    options: tuple[Alternative, ...]
    hds_options: tuple[Alternative, ...]
    gap: str | None = None


def way_out(resources: Iterable[Resource], catalog: ProviderCatalog, profile: str | None,
            data: AlternativesData | None = None) -> list[WayOut]:
    """Per service kind, the data-bearing resources at a provider with exposures and their options.

    ``options`` satisfy the profile's requirements (SecNumCloud under the
    ``secnumcloud`` profile); ``hds_options`` add HDS, for health data.
    """
    data = data or load_alternatives()
    counts: dict[str, list[int]] = {}
    for resource in resources:
        if not resource.is_data_bearing or not resource.exposures:
            continue
        kind = service_kind_of(resource.resource_type, resource.input_format, data)
        if kind is None:
            continue
        tally = counts.setdefault(kind, [0, 0])
        tally[0] += 1
        tally[1] += resource.data_class == "health"
    result = []
    base = constraints_for(None, None, profile, data)
    health = constraints_for(None, "health", profile, data)
    for kind_id in sorted(counts, key=lambda k: (-counts[k][0], k)):
        service = data.kinds[kind_id]
        result.append(WayOut(
            kind=kind_id, title=service.title, resources=counts[kind_id][0],
            health_resources=counts[kind_id][1],
            options=tuple(kind_alternatives(kind_id, base, catalog, data)),
            hds_options=tuple(kind_alternatives(kind_id, health, catalog, data)),
            gap=service.gap,
        ))
    return result


def rule_way_out(rule_id: str, profile: str | None, catalog: ProviderCatalog,
                 data: AlternativesData | None = None) -> list[tuple[ServiceKind, list[Alternative]]]:
    """For ``sovlint explain``: per service kind, the offers that satisfy ``rule_id`` in general.

    Empty for rules the alternatives do not cover.
    """
    data = data or load_alternatives()
    if rule_id not in data.rules:
        return []
    constraints = constraints_for(rule_id, None, profile, data)
    return [(kind, kind_alternatives(kind.id, constraints, catalog, data))
            for kind in data.kinds.values()]


def alternative_dict(alternative: Alternative) -> dict[str, Any]:
    """One alternative as JSON/SARIF write it."""
    return {
        "id": alternative.offer_id,
        "provider": alternative.provider,
        "provider_name": alternative.provider_name,
        "offer": alternative.offer,
        "resource_types": list(alternative.resource_types),
        "settings": dict(alternative.settings),
        "regions": list(alternative.regions),
        "certifications": list(alternative.certifications),
    }
