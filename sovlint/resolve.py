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

from sovlint.catalog import ProviderCatalog, Region
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


_FAMILY = {"terraform": "terraform", "terraform-plan": "terraform", "cloudformation": "cloudformation",
           "aws": "cloudformation", "arm": "arm", "kubernetes": "kubernetes"}


def category_of(resource: Resource) -> str:
    """The category of a resource type (``other`` when the map does not know it).

    A cloud resource declared as a Kubernetes object (it names its ``controller``)
    carries the Terraform type it stands for (``attributes["terraform_type"]``): its
    category is Terraform's, never the kind name's (the same kind name means
    different things in different API groups).
    """
    if "category" in resource.attributes:
        return str(resource.attributes["category"])
    if resource.input_format == "kubernetes" and "controller" in resource.attributes:
        terraform_type = resource.attributes.get("terraform_type")
        return category_map().get("terraform", {}).get(str(terraform_type), "other")
    family = _FAMILY.get(resource.input_format, resource.input_format)
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


def _resolve_replica(replica: Replica, provider_id: str | None,
                     catalog: ProviderCatalog) -> Replica:
    if replica.region is None:
        return replica
    region = catalog.resolve_region(replica.provider or provider_id, replica.region)
    if region is None:
        return dataclasses.replace(
            replica,
            unresolved=replica.unresolved
            or f"replica region {replica.region!r} is not in the catalog"
            + (f" for {replica.provider or provider_id}" if (replica.provider or provider_id) else ""),
        )
    return dataclasses.replace(replica, country=region.country, region=region.code,
                               countries=(region.country,) if region.country else ())


def resolve_resource(resource: Resource, catalog: ProviderCatalog,
                     settings: DataClassSettings) -> Resource:
    """Fill the catalog-derived fields of one normalised resource."""
    category = category_of(resource)
    unresolved = list(resource.unresolved)
    provider = catalog.get(resource.provider)
    region: Region | None = None
    provider_id = resource.provider
    if resource.region is not None:
        operator = catalog.operator_for_region(provider_id, resource.region)
        region = catalog.resolve_region(provider_id, resource.region)
        if operator is not None:
            provider_id = operator
            provider = catalog.get(operator)
            region = catalog.resolve_region(operator, resource.region)
        if region is None and not unresolved:
            where = f" of provider {resource.provider}" if resource.provider else ""
            unresolved.append(f"region {resource.region!r} is not in the catalog{where}")
    elif not unresolved and category != "other" and resource.input_format != "sovlint":
        unresolved.append("no region or location is set")
    replicas = [_resolve_replica(r, resource.provider, catalog) for r in resource.replicas]
    if region is not None and resource.attributes.get("geo_redundant"):
        if region.paired:
            paired = catalog.resolve_region(resource.provider, region.paired)
            replicas.append(Replica(via="geo-redundant storage pair", region=region.paired,
                                    country=paired.country if paired else None,
                                    countries=(paired.country,) if paired and paired.country else (),
                                    declared_at=resource.source))
        else:
            replicas.append(Replica(via="geo-redundant storage pair", region=None,
                                    unresolved=f"{region.code} has no paired region in the catalog",
                                    declared_at=resource.source))
    exposures: tuple[str, ...] = ()
    exposures_known = False
    if provider is not None:
        exposures = provider.exposures_in(region)
        exposures_known = True
    return dataclasses.replace(
        resource,
        provider=provider_id,
        category=category,
        data_class=data_class_of(resource, settings),
        country=region.country if region is not None else None,
        countries=(region.country,) if region is not None and region.country else (),
        canonical_region=region.code if region is not None else None,
        unresolved=tuple(unresolved),
        replicas=tuple(replicas),
        exposures=exposures,
        exposures_known=exposures_known,
        hds=provider.is_hds_host(region) if provider is not None else None,
        secnumcloud=provider.is_secnumcloud(region, resource.resource_type)
        if provider is not None else None,
    )
