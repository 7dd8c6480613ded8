"""The provider catalog: who hosts, where, under which law, with which certifications.

The facts live in ``policies/catalog/*.yaml`` (see docs/catalog-format.md);
this module loads them, matches region names as people write them (zones,
aliases, display names) and answers the questions rules ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from sovlint.datafiles import load_yaml_file, policies_dir
from sovlint.policy.regex import compile_re2
from sovlint.records import Record

#: EU member states plus Iceland, Liechtenstein and Norway (EEA), ISO 3166-1 alpha-2.
EEA_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)


def normalise_name(name: str) -> str:
    """Compare region names the way people write them: case, spaces, ``_`` and ``-`` ignored."""
    return re.sub(r"[\s_\-]+", "", name).lower()


@dataclass(frozen=True, slots=True)
class Region(Record):
    """One region of one provider."""

    provider: str
    code: str
    country: str | None
    city: str | None = None
    paired: str | None = None
    exposures: tuple[str, ...] | None = None  # overrides the provider's when set
    hds: bool | None = None  # overrides the provider's HDS status when set
    source: str | tuple[str, ...] | None = None  # keys of sources.yaml (one or several)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LocationSet(Record):
    """A location name that spans several regions or countries (multi-region, dual-region,
    instance configuration), as the services of ``scopes`` use it."""

    code: str
    scopes: frozenset[str]
    kind: str  # multi-region | dual-region | configuration | global
    label: str
    regions: tuple[str, ...]  # member region codes, where the documentation names them
    countries: tuple[str, ...]  # every country the data may be in
    nearest_for: frozenset[str] = frozenset()
    aliases: tuple[str, ...] = ()
    source: Any = None


@dataclass(frozen=True, slots=True)
class Location(Record):
    """A resolved location: one region, a location set, several regions, or any region.

    ``countries`` holds every country the data may be in; ``regions`` the
    catalog regions involved, when known (for exposures and certifications).
    """

    label: str  # how messages name it: eu-west-3, "EU multi-region", "any region of Google Cloud"
    code: str | None  # a region or location-set code; None for several regions or any region
    countries: tuple[str, ...]
    regions: tuple[Region, ...] = ()
    single: Region | None = None  # set when the location is exactly one region

    @property
    def country(self) -> str | None:
        """The country, when there is exactly one."""
        return self.countries[0] if len(self.countries) == 1 else None


@dataclass(frozen=True, slots=True)
class SecNumCloudOffer(Record):
    """A SecNumCloud-qualified offer, tied to region codes and/or resource types."""

    offer: str
    regions: frozenset[str]
    resource_types: frozenset[str]
    source: str | None


@dataclass(frozen=True)
class Provider:
    """One provider (operator) of the catalog."""

    id: str
    name: str
    country: str | None
    exposures: tuple[str, ...]
    hds_status: str  # certified | not_certified | unknown
    hds_eea_only: bool
    secnumcloud_status: str
    secnumcloud_offers: tuple[SecNumCloudOffer, ...]
    regions: tuple[Region, ...]
    zone_patterns: tuple[str, ...]  # checked by RE2 when read: a user's catalog file is untrusted too
    terraform: Mapping[str, Any]
    operators: tuple[Mapping[str, Any], ...]
    source_file: str
    location_sets: tuple[LocationSet, ...] = ()
    _index: dict[str, Region] = field(repr=False, default_factory=dict)
    _sets: dict[str, list[LocationSet]] = field(repr=False, default_factory=dict)
    _programs: list[Any] = field(repr=False, compare=False, default_factory=list)

    def __post_init__(self) -> None:
        for region in self.regions:
            for name in (region.code, *region.aliases):
                self._index.setdefault(normalise_name(name), region)
        for location_set in self.location_sets:
            for name in (location_set.code, *location_set.aliases):
                self._sets.setdefault(normalise_name(name), []).append(location_set)

    def find_set(self, name: str, scope: str | None) -> LocationSet | None:
        """The location set ``name`` designates for the services of ``scope``."""
        if scope is None:
            return None
        for candidate in self._sets.get(normalise_name(name), ()):
            if scope in candidate.scopes:
                return candidate
        return None

    def nearest_set(self, scope: str, region: Region) -> LocationSet | None:
        """The set of ``scope`` that the documentation names as the default for ``region``."""
        for candidate in self.location_sets:
            if scope in candidate.scopes and region.code in candidate.nearest_for:
                return candidate
        return None

    def every_country(self) -> tuple[str, ...]:
        """Every country where this provider has a region ("any region")."""
        return tuple(sorted({r.country for r in self.regions if r.country}))

    def find_region(self, name: str) -> Region | None:
        """The region that ``name`` designates: a code, an alias, or a zone of a region."""
        if not name:
            return None
        found = self._index.get(normalise_name(name))
        if found is not None:
            return found
        if self.zone_patterns and not self._programs:  # compiled on first use (RE2 loads then)
            self._programs.extend(compile_re2(p) for p in self.zone_patterns)
        for program in self._programs:
            match = program.match(name.strip())
            if match:
                found = self._index.get(normalise_name(match.group("region")))
                if found is not None:
                    return found
        return None

    def exposures_in(self, region: Region | None) -> tuple[str, ...]:
        """Extraterritorial exposures of hosting in ``region`` (the provider's default if unknown)."""
        if region is not None and region.exposures is not None:
            return region.exposures
        return self.exposures

    def exposures_at(self, location: Location | None) -> tuple[str, ...]:
        """Exposures of hosting anywhere in ``location``: those of every region involved."""
        if location is None or not location.regions:
            return self.exposures_in(location.single if location else None)
        found: list[str] = []
        for region in location.regions:
            for exposure in self.exposures_in(region):
                if exposure not in found:
                    found.append(exposure)
        return tuple(found)

    def is_hds_host_at(self, location: Location | None) -> bool | None:
        """Whether every place of ``location`` is an HDS host (``None`` when unknown)."""
        if location is None:
            return self.is_hds_host(None)
        if location.single is not None:
            return self.is_hds_host(location.single)
        if location.regions and {r.country for r in location.regions} == set(location.countries):
            results = [self.is_hds_host(r) for r in location.regions]
        else:  # an area named by countries: the provider's own status in each
            results = [self.is_hds_host(Region(self.id, "", country)) for country in location.countries]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True

    def is_secnumcloud_at(self, location: Location | None, resource_type: str) -> bool | None:
        """Whether every place of ``location`` is on a SecNumCloud-qualified offer."""
        if location is None or location.single is not None:
            return self.is_secnumcloud(location.single if location else None, resource_type)
        if not location.regions or {r.country for r in location.regions} != set(location.countries):
            return False if self.secnumcloud_status not in ("qualified", "qualified_offers") else None
        results = [self.is_secnumcloud(r, resource_type) for r in location.regions]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True

    def is_hds_host(self, region: Region | None) -> bool | None:
        """Whether hosting in ``region`` is HDS-certified; ``None`` when the region is unknown.

        A status the catalog does not confirm counts as absent (fail closed), and
        HDS v2 covers EEA hosting only.
        """
        if region is None:
            # no region of an uncertified provider is an HDS host; otherwise it depends
            certified_somewhere = self.hds_status == "certified" or any(r.hds for r in self.regions)
            return None if certified_somewhere else False
        if region.hds is not None:
            certified = region.hds
        else:
            certified = self.hds_status == "certified"
        if certified and self.hds_eea_only and region.country not in EEA_COUNTRIES:
            return False
        return certified

    def is_secnumcloud(self, region: Region | None, resource_type: str) -> bool | None:
        """Whether ``resource_type`` in ``region`` is on a SecNumCloud-qualified offer."""
        if self.secnumcloud_status not in ("qualified", "qualified_offers"):
            return False
        if region is None:
            return None
        for offer in self.secnumcloud_offers:
            region_ok = not offer.regions or region.code in offer.regions
            type_ok = not offer.resource_types or resource_type in offer.resource_types
            if region_ok and type_ok and (offer.regions or offer.resource_types):
                return True
        return False


class ProviderCatalog:
    """All providers, indexed by id and by Terraform type prefix."""

    def __init__(self, providers: Iterable[Provider], sources: Mapping[str, Any]):
        self.providers: dict[str, Provider] = {}
        for provider in providers:
            self.providers[provider.id] = provider  # a later file (user catalog) wins
        self.sources = dict(sources)
        prefixes: list[tuple[str, str]] = []
        for provider in self.providers.values():
            for prefix in provider.terraform.get("type_prefixes", []) or []:
                prefixes.append((prefix, provider.id))
        # longest prefix first, so that e.g. ``google_`` and a hypothetical ``google_x_`` do not clash
        self._prefixes = sorted(prefixes, key=lambda p: -len(p[0]))
        self._sources_to_provider: dict[str, str] = {}
        for provider in self.providers.values():
            for source in provider.terraform.get("sources", []) or []:
                self._sources_to_provider[source.lower()] = provider.id

    def get(self, provider_id: str | None) -> Provider | None:
        """The provider with this id, if the catalog has it."""
        if provider_id is None:
            return None
        return self.providers.get(provider_id)

    def provider_for_type(self, resource_type: str) -> str | None:
        """The provider id that owns a Terraform resource type, by prefix."""
        for prefix, provider_id in self._prefixes:
            if resource_type.startswith(prefix):
                return provider_id
        return None

    def provider_for_source(self, source: str) -> str | None:
        """The provider id for a ``required_providers`` source address."""
        source = source.lower()
        for registry in ("registry.terraform.io/", "registry.opentofu.org/"):  # the public registries
            if source.startswith(registry):
                source = source[len(registry):]
        return self._sources_to_provider.get(source)

    def resolve_region(self, provider_id: str | None, name: str) -> Region | None:
        """The catalog region for ``name``; with no provider, only when every provider agrees.

        SPEC §2: a bare region name gives a country only when every provider
        using that name puts it in the same country.
        """
        if provider_id is not None:
            provider = self.providers.get(provider_id)
            return provider.find_region(name) if provider else None
        matches = [r for p in self.providers.values() if (r := p.find_region(name)) is not None]
        countries = {r.country for r in matches}
        if len(matches) >= 1 and len(countries) == 1 and None not in countries:
            return Region(provider="", code=matches[0].code, country=matches[0].country)
        return None

    def locate(self, provider_id: str | None, names: Iterable[str], scope: str | None = None,
               any_region: bool = False) -> Location | str:
        """Where ``names`` put data (a region, a location set, several of them, or any region);
        a string says why the catalog cannot tell."""
        provider = self.providers.get(provider_id) if provider_id is not None else None
        if any_region:
            if provider is None:
                return "the service chooses the region, and its provider is not in the catalog"
            return Location(label=f"any region of {provider.name}", code=None,
                            countries=provider.every_country(), regions=provider.regions)
        parts: list[Location] = []
        for name in names:
            found = self._locate_one(provider_id, provider, name, scope)
            if isinstance(found, str):
                return found
            parts.append(found)
        if not parts:
            return "no region or location is set"
        if len(parts) == 1:
            return parts[0]
        regions = tuple({r.code: r for part in parts for r in part.regions}.values())
        countries = tuple(sorted({c for part in parts for c in part.countries}))
        return Location(label=", ".join(p.label for p in parts), code=None, countries=countries,
                        regions=regions)

    def _locate_one(self, provider_id: str | None, provider: Provider | None, name: str,
                    scope: str | None) -> Location | str:
        if provider_id is not None and provider is None:
            return f"provider {provider_id} is not in the catalog"
        region = provider.find_region(name) if provider is not None else self.resolve_region(None, name)
        if region is not None:
            if region.country is None:
                return f"region {region.code!r} has no country in the catalog"
            return Location(label=region.code, code=region.code, countries=(region.country,),
                            regions=(region,) if provider is not None else (), single=region)
        found = provider.find_set(name, scope) if provider is not None else None
        if found is not None:
            members = tuple(r for code in found.regions if (r := provider.find_region(code)) is not None)  # type: ignore[union-attr]
            return Location(label=found.label, code=found.code, countries=found.countries,
                            regions=members)
        where = f" of provider {provider_id}" if provider_id else ""
        what = f"a region or {scope} location" if scope else "a region"
        return f"{name!r} is not {what}{where} in the catalog"

    def operator_for_region(self, provider_id: str | None, name: str) -> str | None:
        """Another operator running this region with the provider's technology (Google -> S3NS).

        ``name`` is matched in the operator's own regions (zones included).
        """
        provider = self.providers.get(provider_id or "")
        if provider is None:
            return None
        for operator in provider.operators:
            target = self.providers.get(str(operator.get("provider")))
            code = operator.get("region")
            if target is None or not code:
                continue
            found = target.find_region(name)
            if found is not None and found.code == code:
                return target.id
        return None

    def operator_for_url(self, provider_id: str, url: str) -> str | None:
        """For a generic provider (openstack), the operator its endpoint URL designates."""
        provider = self.providers.get(provider_id)
        if provider is None:
            return None
        host = re.sub(r"^[a-z]+://", "", url.strip().lower()).split("/")[0].split(":")[0]
        for operator in provider.operators:
            pattern = str(operator.get("auth_url") or operator.get("host") or "").lower()
            regex = "^" + re.escape(pattern).replace(r"\*", r"[^/]*") + "$"
            if pattern and compile_re2(regex).match(host):  # the host comes from the scanned code
                return str(operator.get("provider"))
        return None


def _provider_from_data(data: Mapping[str, Any], source_file: str) -> Provider:
    certs = data.get("certifications") or {}
    hds = certs.get("hds") or {}
    snc = certs.get("secnumcloud") or {}
    regions = tuple(
        Region(
            provider=data["id"],
            code=str(r["code"]),
            country=r.get("country"),
            city=r.get("city"),
            paired=r.get("paired"),
            exposures=tuple(r["exposures"]) if r.get("exposures") is not None else None,
            hds=r.get("hds"),
            source=tuple(r["source"]) if isinstance(r.get("source"), list) else r.get("source"),
            aliases=tuple(str(a) for a in r.get("aliases") or ()),
        )
        for r in data.get("regions") or ()
    )
    offers = tuple(
        SecNumCloudOffer(
            offer=str(o.get("offer", "")),
            regions=frozenset(str(x) for x in o.get("regions") or ()),
            resource_types=frozenset(str(x) for x in o.get("resource_types") or ()),
            source=o.get("source"),
        )
        for o in snc.get("offers") or ()
    )
    by_code = {region.code: region for region in regions}
    location_sets = tuple(
        LocationSet(
            code=str(item["code"]),
            scopes=frozenset(str(x) for x in item.get("scopes") or ()),
            kind=str(item.get("kind", "multi-region")),
            label=str(item.get("label", item["code"])),
            regions=tuple(str(x) for x in item.get("regions") or ()),
            countries=tuple(sorted(set(item.get("countries") or ())
                                   | {c for code in item.get("regions") or ()
                                      if (c := getattr(by_code.get(code), "country", None))})),
            nearest_for=frozenset(str(x) for x in item.get("nearest_for") or ()),
            aliases=tuple(str(x) for x in item.get("aliases") or ()),
            source=item.get("source"),
        )
        for item in data.get("location_sets") or ()
    )
    return Provider(
        id=str(data["id"]),
        name=str(data.get("name", data["id"])),
        country=data.get("country"),
        exposures=tuple(data.get("exposures") or ()),
        hds_status=str(hds.get("status", "unknown")),
        hds_eea_only=bool(hds.get("eea_only", True)),
        secnumcloud_status=str(snc.get("status", "unknown")),
        secnumcloud_offers=offers,
        regions=regions,
        zone_patterns=tuple(_checked_pattern(str(p)) for p in data.get("zone_patterns") or ()),
        terraform=data.get("terraform") or {},
        operators=tuple(data.get("operators") or (data.get("terraform") or {}).get("operators") or ()),
        source_file=source_file,
        location_sets=location_sets,
    )


def _checked_pattern(pattern: str) -> str:
    """A zone pattern, once RE2 accepts it (RegexError otherwise)."""
    compile_re2(pattern)
    return pattern


def load_catalog(extra_files: Iterable[Path] = ()) -> ProviderCatalog:
    """Load the shipped catalog, then the user's files (which add or replace providers)."""
    from sovlint.parse_cache import cached_load

    files = [*sorted((policies_dir() / "catalog").glob("*.yaml")), *extra_files]
    return cached_load("catalog", files, lambda: _build_catalog(files))


def _build_catalog(files: Iterable[Path]) -> ProviderCatalog:
    from sovlint.datafiles import is_shipped

    sources: dict[str, Any] = {}
    providers: list[Provider] = []
    for path in files:
        shipped = is_shipped(path)
        data = load_yaml_file(path) if shipped else _read_user_file(path)
        if not isinstance(data, dict):
            continue
        if "sources" in data and "id" not in data:
            sources.update(data["sources"] or {})
            continue
        docs = data.get("providers") if "providers" in data else [data]
        for doc in docs if isinstance(docs, list) else [docs]:
            if shipped and isinstance(doc, dict):
                providers.append(_provider_from_data(doc, str(path)))
            elif not shipped:
                providers.append(_user_provider(doc, path, getattr(data, "line", None)))
    return ProviderCatalog(providers, sources)


def _read_user_file(path: Path) -> Any:
    """A catalog file of the user's: read safely, parsed with lines; a problem is a
    :class:`~sovlint.config.ConfigError` (exit 2) with the file and line."""
    from sovlint.config import ConfigError
    from sovlint.parsers.text import read_input_text
    from sovlint.parsers.yaml_marks import YamlError, load_documents

    text = read_input_text(path)
    if isinstance(text, tuple):
        raise ConfigError(f"cannot read catalog file: {text[0]}", str(path), text[1])
    try:
        documents = [d for d in load_documents(text) if d is not None]
    except YamlError as exc:
        raise ConfigError(f"invalid catalog file: {exc.message}", str(path), exc.line) from None
    if len(documents) > 1:
        raise ConfigError("a catalog file holds one YAML document", str(path), getattr(documents[1], "line", None))
    if documents and not isinstance(documents[0], dict):
        raise ConfigError("a catalog file must be a mapping (docs/catalog-format.md)", str(path), 1)
    return documents[0] if documents else None


def _user_provider(doc: Any, path: Path, line: int | None) -> Provider:
    """A provider of a user's catalog file, or a ConfigError saying what is wrong and where."""
    from sovlint.config import ConfigError
    from sovlint.policy.regex import RegexError

    where = getattr(doc, "line", None) or line
    if not isinstance(doc, dict):
        raise ConfigError("a provider entry must be a mapping (docs/catalog-format.md)", str(path), where)
    if not isinstance(doc.get("id"), str) or not doc["id"]:
        raise ConfigError("a provider needs an \"id\" (docs/catalog-format.md)", str(path), where)
    regions = doc.get("regions")
    for region in regions if isinstance(regions, list) else []:
        if not isinstance(region, dict) or "code" not in region:
            raise ConfigError("each region needs a \"code\"", str(path), getattr(region, "line", None) or where)
    try:
        return _provider_from_data(doc, str(path))
    except RegexError as exc:
        raise ConfigError(f"zone_patterns: invalid regular expression: {exc}", str(path), where) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"invalid provider entry ({type(exc).__name__}: {exc})", str(path), where) from None


_CATALOGS: dict[tuple[str, ...], ProviderCatalog] = {}


def cached_catalog(extra: Sequence[str]) -> ProviderCatalog:
    """The catalog (shipped + user files), loaded once per process."""
    key = tuple(extra)
    if key not in _CATALOGS:
        _CATALOGS[key] = load_catalog([Path(p) for p in extra])
    return _CATALOGS[key]
