"""What Kubernetes objects say about their hosting, from the shipped data files.

``policies/kubernetes-signals.yaml`` (storage provisioners, load-balancer
annotations, topology labels, cloud-resource controllers),
``policies/kubernetes-types.yaml`` (the Terraform type a cloud object's API
group and kind stand for) and ``policies/registries.yaml`` (container
registries), loaded once per process. The Kubernetes normaliser asks
questions; the answers are data.
"""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass
from typing import Any, Mapping

from sovlint.catalog import EEA_COUNTRIES
from sovlint.datafiles import load_yaml_file, policies_dir
from sovlint.parse_cache import load_shipped_yaml
from sovlint.placement.semantics import TagSpec, location_semantics, tag_specs
from sovlint.placement.trees import camel_case


@dataclass(frozen=True, slots=True)
class Controller:
    """A controller that creates cloud resources from Kubernetes objects (Crossplane, ACK...)."""

    name: str
    api_group_suffixes: tuple[str, ...]
    provider: str
    region_fields: tuple[str, ...]
    annotations: tuple[str, ...]
    namespace_annotations: tuple[str, ...]
    when_unset: str  # what decides the region when the object states none


@dataclass(frozen=True, slots=True)
class CloudType:
    """What a cloud object's API group and kind stand for (``policies/kubernetes-types.yaml``)."""

    family: str  # controller family (crossplane-upjet-aws, aws-controllers-k8s...)
    terraform_type: str | None  # None: the Terraform provider has no such resource
    category: str | None  # said only when there is no Terraform type
    arm_type: str | None  # Azure Service Operator: the ARM resource type


@dataclass(frozen=True, slots=True)
class LocationDefault:
    """A location field's default, applied by the API server when the field is absent."""

    field: str  # dotted path, e.g. spec.location
    value: str


@dataclass(frozen=True, slots=True)
class Registry:
    """Who runs the registry an image comes from."""

    host: str
    vendor: str
    vendor_country: str
    exposures: tuple[str, ...]
    provider: str | None

    @property
    def foreign(self) -> bool:
        """Run by a company under non-EU law (or outside the EEA)."""
        return bool(self.exposures) or self.vendor_country not in EEA_COUNTRIES


@functools.lru_cache(maxsize=1)
def _signals() -> dict[str, Any]:
    return load_shipped_yaml("kubernetes-signals.yaml") or {}


@functools.lru_cache(maxsize=1)
def _registries() -> dict[str, Any]:
    return load_shipped_yaml("registries.yaml") or {}


def load_tables() -> None:
    """Load every data table the Kubernetes normaliser reads (once per process)."""
    from sovlint.normalise.saas import saas_endpoints

    _signals(), _registries(), controllers(), _type_tables(), _cloud_object_tags(), saas_endpoints()


def provider_for_provisioner(provisioner: str) -> str | None:
    """The catalog provider of a StorageClass provisioner or CSI driver name."""
    for entry in _signals().get("storage_provisioners") or ():
        if entry.get("provisioner") == provisioner:
            return str(entry["provider"])
    return None


def provider_for_annotations(annotations: Mapping[str, Any]) -> str | None:
    """The provider whose load-balancer annotations an object carries (longest prefix wins)."""
    best: tuple[int, str] | None = None
    for entry in _signals().get("load_balancer_annotation_prefixes") or ():
        prefix = str(entry.get("prefix", ""))
        if any(isinstance(k, str) and k.startswith(prefix) for k in annotations):
            if best is None or len(prefix) > best[0]:
                best = (len(prefix), str(entry["provider"]))
    return best[1] if best else None


def provider_for_volume_source(spec: Mapping[str, Any]) -> str | None:
    """The provider of a PersistentVolume's in-tree volume source (``awsElasticBlockStore``...)."""
    for entry in _signals().get("in_tree_volume_sources") or ():
        if entry.get("key") in spec:
            return str(entry["provider"])
    return None


def provider_for_node_labels(labels: Mapping[str, Any]) -> str | None:
    """The provider whose managed node-pool label a node selector uses."""
    for entry in _signals().get("node_pool_labels") or ():
        if entry.get("key") in labels:
            return str(entry["provider"])
    return None


def region_label_keys() -> tuple[str, ...]:
    """Node label keys whose value is a region."""
    return tuple(str(e["key"]) for e in _signals().get("node_region_labels") or ())


def zone_label_keys() -> tuple[str, ...]:
    """Node label keys whose value is a zone."""
    return tuple(str(e["key"]) for e in _signals().get("node_zone_labels") or ())


def storage_class_zone_parameters() -> tuple[tuple[str, str], ...]:
    """``(parameter key, kind)`` of StorageClass parameters that name zones or regions."""
    return tuple((str(e["key"]), str(e.get("kind", "zone")))
                 for e in _signals().get("storage_class_zone_parameters") or ())


@functools.lru_cache(maxsize=1)
def controllers() -> tuple[Controller, ...]:
    """The cloud-resource controllers the data file knows."""
    return tuple(
        Controller(
            name=str(e["name"]),
            api_group_suffixes=tuple(str(s) for s in e.get("api_group_suffixes") or ()),
            provider=str(e["provider"]),
            region_fields=tuple(str(f) for f in e.get("region_fields") or ()),
            annotations=tuple(str(a) for a in e.get("annotations") or ()),
            namespace_annotations=tuple(str(a) for a in e.get("namespace_annotations") or ()),
            when_unset=str(e.get("when_unset") or "the controller decides at deploy time"),
        )
        for e in _signals().get("infrastructure_controllers") or ()
    )


def api_group(api_version: str) -> str:
    """The API group of an ``apiVersion`` (empty for the core group)."""
    return api_version.split("/", 1)[0] if "/" in api_version else ""


#: (family, Terraform type, category, ARM type) of a kind.
_TypeRow = tuple[str, str | None, str | None, str | None]
#: The rows and the location defaults (field, value), by "group/Kind".
_TypeTables = tuple[dict[str, _TypeRow], dict[str, tuple[str, str]]]


@functools.lru_cache(maxsize=1)
def _type_tables() -> _TypeTables:
    from sovlint.parse_cache import cached_load

    path = policies_dir() / "kubernetes-types.yaml"
    return cached_load("data-kubernetes-types", [path], lambda: _read_type_tables(load_yaml_file(path)))


def _read_type_tables(data: Any) -> _TypeTables:
    """Flatten the families of the data file into lookup tables (plain tuples: cached as pickles)."""
    types: dict[str, _TypeRow] = {}
    defaults: dict[str, tuple[str, str]] = {}
    for name, family in ((data or {}).get("families") or {}).items():
        for key, entry in (family.get("kinds") or {}).items():
            if isinstance(entry, str):
                types[key] = (name, entry, None, None)
            else:
                types[key] = (name, entry.get("terraform"), entry.get("category"), entry.get("arm"))
        for key, default in (family.get("location_defaults") or {}).items():
            defaults[key] = (str(default["field"]), str(default["value"]))
    return types, defaults


def cloud_type(api_version: str, kind: str) -> CloudType | None:
    """The Terraform type (or category) of a cloud object's group and kind; None when unknown."""
    found = _type_tables()[0].get(f"{api_group(api_version)}/{kind}")
    return CloudType(*found) if found is not None else None


def location_default(api_version: str, kind: str) -> LocationDefault | None:
    """The default of a cloud object's location field (a CRD schema default), when it has one."""
    found = _type_tables()[1].get(f"{api_group(api_version)}/{kind}")
    return LocationDefault(*found) if found is not None else None


@functools.lru_cache(maxsize=1)
def _cloud_object_tags() -> tuple[tuple[str, tuple[str, ...], tuple[TagSpec, ...]], ...]:
    """(family, API group suffixes, tag specs with paths in the object) of each controller family."""
    families = []
    for entry in _signals().get("cloud_object_tags") or ():
        specs = list(tag_specs(entry.get("tags")))
        syntax = location_semantics().tags.get(str(entry.get("terraform", "")))
        resource_specs = syntax.resource if syntax is not None else ()
        for under in entry.get("under") or ():
            specs.extend(TagSpec(argument=f"{under}.{camel_case(s.argument)}", form=s.form,
                                 separators=s.separators, key=str(camel_case(s.key)),
                                 value=str(camel_case(s.value)))
                         for s in resource_specs)
        families.append((str(entry["family"]), tuple(str(g) for g in entry["api_group_suffixes"]),
                         tuple(specs)))
    return tuple(families)


def cloud_object_tag_specs(api_version: str) -> tuple[TagSpec, ...]:
    """Where a cloud object of this ``apiVersion`` carries its tags or labels (paths in the
    object), by its controller family; none for a group no family claims."""
    group = "." + api_group(api_version)
    for _family, suffixes, specs in _cloud_object_tags():
        if any(group.endswith(suffix) for suffix in suffixes):
            return specs
    return ()


def tag_families() -> tuple[str, ...]:
    """The controller families whose tag syntax the data says."""
    return tuple(family for family, _, _ in _cloud_object_tags())


def controller_for(api_version: str) -> Controller | None:
    """The controller that owns objects of this ``apiVersion`` (by API group suffix)."""
    group = api_group(api_version)
    if not group:
        return None
    for controller in controllers():
        if any(("." + group).endswith(suffix) for suffix in controller.api_group_suffixes):
            return controller
    return None


def _api_group(api_version: str) -> str:
    """``apps/v1`` -> ``apps``; ``v1`` -> ``""`` (the core group)."""
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def is_cluster_object(api_version: str, kind: str, annotations: Mapping[str, Any]) -> bool:
    """Whether a document with ``apiVersion``/``kind`` is an object sent to a cluster.

    Tool configuration and metadata that borrow the shape (blueprint
    metadata, kubeconfig, Kptfile, component configuration...) are not, nor
    is an object annotated as local configuration.
    """
    local = (_signals().get("local_config_annotation") or {}).get("annotation")
    if local and local in annotations and str(annotations[local]).lower() != "false":
        return False
    return not _tool_configuration(_api_group(api_version), kind)


@functools.lru_cache(maxsize=1024)
def _tool_configuration(group: str, kind: str) -> bool:
    """Whether the data lists objects of this API group and kind as not sent to a cluster."""
    for entry in _signals().get("not_cluster_objects") or ():
        if not fnmatch.fnmatchcase(group, str(entry.get("api_group", ""))):
            continue
        kinds = entry.get("kinds")
        if not kinds or kind in kinds:
            return True
    return False


def image_registry_host(image: str) -> str:
    """The registry host of an image reference (Docker Hub when none is written)."""
    default = str(_registries().get("default_registry", "docker.io"))
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first.split(":")[0].lower()
    return default


def registry_of(image: str) -> Registry | None:
    """Who runs the registry of ``image``; ``None`` for a registry the data does not know."""
    return _registry_at(image_registry_host(image))


@functools.lru_cache(maxsize=1024)
def _registry_at(host: str) -> Registry | None:
    for entry in _registries().get("registries") or ():
        if any(fnmatch.fnmatchcase(host, str(p).lower()) for p in entry.get("hosts") or ()):
            return Registry(host=host, vendor=str(entry.get("vendor", "")),
                            vendor_country=str(entry.get("vendor_country", "")),
                            exposures=tuple(str(x) for x in entry.get("exposures") or ()),
                            provider=entry.get("provider"))
    return None
