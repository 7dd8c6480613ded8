"""Resolve normalised resources through the catalog: category, data class, country, law.

The normalisers say what the source says; this stage adds what the shipped
data knows. It never guesses: a region the catalog does not know leaves the
country ``None`` and is recorded in ``unresolved``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import re
from pathlib import Path
from typing import Any, Mapping

from sovlint.catalog import Location, Provider, ProviderCatalog
from sovlint.datafiles import load_yaml_file, policies_dir
from sovlint.model import DATA_CLASSES, Replica, Resource

#: Tag keys that carry a data class, compared case-insensitively with ``-``/``_`` removed.
DATA_CLASS_KEYS = frozenset(
    {"dataclassification", "classification", "sovlint:dataclass", "sovlint.io/dataclass"}
)
BUILTIN_SYNONYMS: Mapping[str, str] = {
    "confidential": "sensitive",
    "restricted": "sensitive",
    "diffusion-restreinte": "sensitive",
    "diffusionrestreinte": "sensitive",
    "dr": "sensitive",
    "secret": "sensitive",
    "phi": "health",
    "sante": "health",
    "santé": "health",
    "medical": "health",
    "pii": "personal",
    "personnel": "personal",
    "personnelle": "personal",
    "personal-data": "personal",
    "rgpd": "personal",
    "gdpr": "personal",
    "open": "public",
    "publique": "public",
    "interne": "internal",
    "strategique": "strategic",
    "stratégique": "strategic",
    "sensible": "sensitive",
}


@functools.lru_cache(maxsize=1)
def category_map() -> dict[str, dict[str, str]]:
    """The shipped resource-type -> category map, per input family."""
    from sovlint.parse_cache import cached_load

    path = policies_dir() / "categories.yaml"
    return cached_load("categories", [path], lambda: _read_category_map(path))


def _read_category_map(path: Path) -> dict[str, dict[str, str]]:
    data = load_yaml_file(path) or {}
    result = {key: dict(value or {}) for key, value in data.items() if isinstance(value, dict)}
    if "arm" in result:
        result["arm"] = {k.lower(): v for k, v in result["arm"].items()}
    return result


#: The type table each input format reads its resource types in (policies/categories.yaml).
FORMAT_FAMILIES = {"terraform": "terraform", "terraform-plan": "terraform", "terraform-state": "terraform",
                   "cloudformation": "cloudformation", "aws": "cloudformation", "arm": "arm",
                   "azure": "arm", "kubernetes": "kubernetes"}


def category_of(resource: Resource) -> str:
    """The category of a resource type (``other`` when the map does not know it).

    A cloud resource declared as a Kubernetes object (it names its ``controller``)
    carries the Terraform type it stands for (``attributes["terraform_type"]``): its
    category is Terraform's, never the kind name's (the same kind name means
    different things in different API groups).
    """
    if "category" in resource.attributes:
        return str(resource.attributes["category"])
    if (resource.input_format == "kubernetes" and "controller" in resource.attributes) \
            or resource.input_format == "gcp":  # the Terraform type it stands for
        terraform_type = resource.attributes.get("terraform_type")
        return category_map().get("terraform", {}).get(str(terraform_type), "other")
    family = FORMAT_FAMILIES.get(resource.input_format, resource.input_format)
    table = category_map().get(family, {})
    key = resource.resource_type.lower() if family == "arm" else resource.resource_type
    return table.get(key, "other")


def _key(name: str) -> str:
    return re.sub(r"[-_\s]", "", name).lower()


@dataclasses.dataclass(frozen=True)
class DataClassSettings:
    """How data classes are decided (SPEC §1): synonyms, path globs, default."""

    default: str = "strategic"
    synonyms: Mapping[str, str] = dataclasses.field(default_factory=dict)
    paths: tuple[tuple[str, str], ...] = ()  # (glob relative to cwd, class)

    def canonical(self, value: str) -> str | None:
        """The data class a tag value designates, or ``None`` if it names none."""
        lowered = value.strip().lower()
        if lowered in self.synonyms:
            return self.synonyms[lowered]
        if lowered in DATA_CLASSES:
            return lowered
        return BUILTIN_SYNONYMS.get(lowered)


def _from_tags(tags: Mapping[str, Any], settings: DataClassSettings) -> str | None:
    for key, value in tags.items():
        if isinstance(key, str) and _key(key) in DATA_CLASS_KEYS and isinstance(value, str):
            found = settings.canonical(value)
            if found is not None:
                return found
    return None


def data_class_of(resource: Resource, settings: DataClassSettings) -> str:
    """Own tag, then inherited tag, then config path, then the default (fail closed)."""
    found = _from_tags(resource.tags, settings) or _from_tags(resource.inherited_tags, settings)
    if found:
        return found
    path = resource.source.path.replace("\\", "/")
    for pattern, data_class in settings.paths:
        if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern.rstrip("/*") + "/*"):
            return data_class
    return settings.default


def _names(region: str | None, region_set: tuple[str, ...]) -> tuple[str, ...]:
    return region_set or ((region,) if region else ())


def _relative(replica: Replica, provider: Provider | None, primary: Location | None,
              catalog: ProviderCatalog) -> Location | str:
    """A copy placed relative to the primary: its paired region, another region, the nearest set."""
    relation = str(replica.relative)
    if provider is None:
        return f"{replica.via}: the provider is not in the catalog"
    if primary is None or primary.single is None:
        return f"{replica.via}: where the primary is, which decides where the copy is, is unknown"
    region = primary.single
    if relation == "paired-region":
        if not region.paired:
            return f"{region.code} has no paired region in the catalog"
        located = catalog.locate(provider.id, [region.paired])
        return located
    if relation == "other-region":
        others = tuple(r for r in provider.regions if r.code != region.code and r.country)
        if not others:
            return f"{provider.name} has no region other than {region.code} in the catalog"
        return Location(label=f"a region of {provider.name} other than {region.code}", code=None,
                        countries=tuple(sorted({r.country for r in others if r.country})),
                        regions=others)
    if relation.startswith("nearest:"):
        scope = relation.split(":", 1)[1]
        found = provider.nearest_set(scope, region)
        if found is None:
            return (f"{replica.via}: the provider's documentation does not say which {scope} "
                    f"location is nearest to {region.code}")
        return catalog.locate(provider.id, [found.code], scope)
    return f"{replica.via}: unknown relation {relation!r}"


def _resolve_replica(replica: Replica, provider_id: str | None, catalog: ProviderCatalog,
                     primary: Location | None) -> Replica | None:
    """The copy with its countries, or ``None`` when it is where the primary already is."""
    if replica.unresolved is not None:
        return replica
    provider_key = replica.provider or provider_id
    names = _names(replica.region, replica.region_set)
    if replica.relative is not None:
        located = _relative(replica, catalog.get(provider_key), primary, catalog)
    elif names or replica.any_region:
        located = catalog.locate(provider_key, names, replica.scope, replica.any_region)
    else:
        return replica
    if isinstance(located, str):
        if names and not replica.relative:
            located = f"replica location {', '.join(names)!r}: {located}"
        return dataclasses.replace(replica, unresolved=located)
    if primary is not None and located.code is not None and located.code == primary.code \
            and located.countries == primary.countries:
        return None  # a copy in the primary's own region or set: no new place
    return dataclasses.replace(replica, country=located.country, countries=located.countries,
                               region=located.code, label=located.label)


def resolve_resource(resource: Resource, catalog: ProviderCatalog,
                     settings: DataClassSettings) -> Resource:
    """Fill the catalog-derived fields of one normalised resource."""
    category = category_of(resource)
    unresolved = list(resource.unresolved)
    provider_id = resource.provider
    names = _names(resource.region, resource.region_set)
    if len(names) == 1:
        operator = catalog.operator_for_region(provider_id, names[0])
        if operator is not None:  # another operator runs this region (Google -> S3NS)
            provider_id = operator
    provider = catalog.get(provider_id)
    location: Location | None = None
    if names or resource.any_region:
        found = catalog.locate(provider_id, names, resource.location_scope, resource.any_region)
        if isinstance(found, str):
            if not unresolved:
                unresolved.append(found)
        else:
            location = found
    elif not unresolved and category != "other" and resource.input_format != "sovlint":
        unresolved.append("no region or location is set")
    replicas = [r for r in (_resolve_replica(r, resource.provider, catalog, location)
                            for r in resource.replicas) if r is not None]
    return dataclasses.replace(
        resource,
        provider=provider_id,
        category=category,
        data_class=data_class_of(resource, settings),
        country=location.country if location is not None else None,
        countries=location.countries if location is not None else (),
        canonical_region=location.code if location is not None else None,
        location_label=location.label if location is not None else None,
        unresolved=tuple(unresolved),
        replicas=tuple(replicas),
        exposures=provider.exposures_at(location) if provider is not None else (),
        exposures_known=provider is not None,
        hds=provider.is_hds_host_at(location) if provider is not None else None,
        secnumcloud=provider.is_secnumcloud_at(location, resource.resource_type)
        if provider is not None else None,
    )
