"""The provider catalog: who hosts, where, under which law, with which certifications.

The facts live in ``policies/catalog/*.yaml`` (see docs/catalog-format.md);
this module loads them, matches region names as people write them (zones,
aliases, display names) and answers the questions rules ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from sovlint.datafiles import load_yaml_file, policies_dir
from sovlint.policy.regex import compile_re2

#: EU member states plus Iceland, Liechtenstein and Norway (EEA), ISO 3166-1 alpha-2.
EEA_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)


def normalise_name(name: str) -> str:
    """Compare region names the way people write them: case, spaces, ``_`` and ``-`` ignored."""
    return re.sub(r"[\s_\-]+", "", name).lower()


@dataclass(frozen=True, slots=True)
class Region:
    """One region of one provider."""

    provider: str
    code: str
    country: str | None
    city: str | None = None
    paired: str | None = None
    exposures: tuple[str, ...] | None = None  # overrides the provider's when set
    hds: bool | None = None  # overrides the provider's HDS status when set
    source: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SecNumCloudOffer:
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
    zone_patterns: tuple[Any, ...]  # RE2 programs: a catalog file of the user's is untrusted too
    terraform: Mapping[str, Any]
    operators: tuple[Mapping[str, Any], ...]
    source_file: str
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)
    _index: dict[str, Region] = field(repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        for region in self.regions:
            for name in (region.code, *region.aliases):
                self._index.setdefault(normalise_name(name), region)

    def find_region(self, name: str) -> Region | None:
        """The region that ``name`` designates: a code, an alias, or a zone of a region."""
        if not name:
            return None
        found = self._index.get(normalise_name(name))
        if found is not None:
            return found
        for pattern in self.zone_patterns:
            match = pattern.match(name.strip())
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
        if source.startswith("registry.terraform.io/"):
            source = source[len("registry.terraform.io/") :]
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
            source=r.get("source"),
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
        zone_patterns=tuple(compile_re2(str(p)) for p in data.get("zone_patterns") or ()),
        terraform=data.get("terraform") or {},
        operators=tuple(data.get("operators") or (data.get("terraform") or {}).get("operators") or ()),
        source_file=source_file,
        raw=data,
    )


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
