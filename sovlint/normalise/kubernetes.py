"""Kubernetes manifests -> Resources.

Every object of a manifest (multi-document YAML or JSON, ``List`` kinds
expanded) becomes one resource addressed ``Kind/namespace/name`` (or
``Kind/name``), typed by its kind. Files that only borrow the shape of an
object (blueprint metadata, kubeconfig, Kptfile, component configuration,
objects annotated as local configuration: ``policies/kubernetes-signals.yaml``)
are not resources. Where it is hosted comes, in order, from:

- what the object itself says: a StorageClass provisioner or CSI driver, cloud
  load-balancer annotations, node selectors and affinity on the topology
  labels, the region fields of cloud resources declared through Crossplane,
  ACK, Config Connector or Azure Service Operator (a Config Connector field's
  CRD default when it is absent; an Azure Service Operator child resource's
  owner when it has no location of its own);
- for a PVC, its StorageClass (or bound PersistentVolume) when the manifest
  set or, failing that, another folder of the same scan declares it;
- the cluster the manifests are deployed to: config ``kubernetes.clusters``
  (path globs), or an eksctl ``ClusterConfig`` in the same directory.

The *manifest set* of a file is every Kubernetes manifest in its directory
(or the whole rendered stream of a Helm chart or kustomization): StorageClasses,
ConfigMaps, Namespaces and the workloads that use ConfigMaps are looked up there.
StorageClasses, PersistentVolumes, Namespaces and Azure Service Operator owners
missing from it are looked up in the scan index (``kubernetes_scan``): the
whole scan's, restricted to the files of the same cluster.

A cloud resource declared as a Kubernetes object (Crossplane, ACK, Config
Connector, Azure Service Operator) is typed by its API group and kind:
``policies/kubernetes-types.yaml`` gives the Terraform type it stands for
(``attributes["terraform_type"]``), whose category is Terraform's.

A resource's source line is the first line of its object: the first key of
the document (``apiVersion:`` as usually written), or of the ``List`` item /
``volumeClaimTemplates`` entry. ``# sovlint:ignore`` comments in the comment
block just above that line, or inside the object, suppress; so does the
annotation ``sovlint.io/ignore: "SOV002: reason"``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sovlint.config import Config
from sovlint.model import Resource, SourceSpan, Suppression
from sovlint.normalise import kubernetes_signals as signals
from sovlint.normalise.documents import (ParseFailure, SourceDocuments, comment_suppressions,
                                         load_source)
from sovlint.normalise.saas import endpoints_in, saas_attributes
from sovlint.placement.interpret import (Placement, as_replica, copies, location_fields, place,
                                         single_site)
from sovlint.placement.semantics import SAME_AS_RESOURCE, TypeSemantics, location_semantics
from sovlint.placement.tags import read_tags
from sovlint.placement.trees import TreeArguments, camel_case
from sovlint.suppress import parse_suppression_text

if TYPE_CHECKING:
    from sovlint.normalise.kubernetes_index import ScanIndex

INPUT_FORMAT = "kubernetes"
NO_CLUSTER = "no cluster location: map these manifests in kubernetes.clusters"
NO_CLUSTER_REGION = "no cluster region: set the region of these manifests in kubernetes.clusters"
IGNORE_ANNOTATION = "sovlint.io/ignore"
DEFAULT_CLASS_ANNOTATIONS = ("storageclass.kubernetes.io/is-default-class",
                             "storageclass.beta.kubernetes.io/is-default-class")
#: The API group of CSI volume snapshots (VolumeSnapshot, VolumeSnapshotContent, VolumeSnapshotClass).
SNAPSHOT_GROUP = "snapshot.storage.k8s.io"
#: How many owners up an Azure Service Operator resource's location is looked for.
MAX_OWNER_DEPTH = 6

#: Kinds that run pods, with the path to their pod template.
WORKLOAD_TEMPLATES: Mapping[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


@dataclass(frozen=True)
class KubeObject:
    """One Kubernetes object with where it is written."""

    data: Mapping[str, Any]
    path: str
    line: int | None
    end_line: int | None
    source: SourceDocuments | None = None  # for comment suppressions
    rendered_from: str | None = None  # template file of a rendered chart

    @property
    def kind(self) -> str:
        """The object's kind (empty when absent)."""
        kind = self.data.get("kind")
        return kind if isinstance(kind, str) else ""

    @property
    def api_version(self) -> str:
        """The object's apiVersion (empty when absent)."""
        value = self.data.get("apiVersion")
        return value if isinstance(value, str) else ""

    @property
    def metadata(self) -> Mapping[str, Any]:
        """The object's metadata mapping (empty when absent)."""
        meta = self.data.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        """``metadata.name`` (or ``generateName``), as text."""
        name = self.metadata.get("name") or self.metadata.get("generateName") or ""
        return str(name)

    @property
    def namespace(self) -> str | None:
        """``metadata.namespace`` when written."""
        namespace = self.metadata.get("namespace")
        return str(namespace) if namespace not in (None, "") else None


@dataclass(frozen=True)
class ClusterLocation:
    """Where the cluster of some manifests runs, and what said so."""

    provider: str | None
    region: str | None
    origin: str


@dataclass
class ManifestSet:
    """What objects of one manifest set tell about each other."""

    storage_classes: dict[str, KubeObject] = field(default_factory=dict)
    default_storage_class: KubeObject | None = None
    volumes: dict[str, KubeObject] = field(default_factory=dict)
    config_maps: dict[tuple[str | None, str], KubeObject] = field(default_factory=dict)
    used_config_maps: set[tuple[str | None, str]] = field(default_factory=set)
    namespaces: dict[str, KubeObject] = field(default_factory=dict)
    cloud_objects: list[KubeObject] = field(default_factory=list)  # with an ARM type (owners)
    cluster: ClusterLocation | None = None

    def add(self, obj: KubeObject) -> None:
        """Index one object of the set."""
        kind = obj.kind
        if kind == "StorageClass":
            self.storage_classes[obj.name] = obj
            annotations = mapping_of(obj.metadata.get("annotations"))
            if any(str(annotations.get(k)).lower() == "true" for k in DEFAULT_CLASS_ANNOTATIONS):
                self.default_storage_class = obj
        elif kind == "PersistentVolume":
            self.volumes[obj.name] = obj
        elif kind == "ConfigMap":
            self.config_maps[(obj.namespace, obj.name)] = obj
        elif kind == "Namespace":
            self.namespaces[obj.name] = obj
        elif kind == "ClusterConfig" and obj.api_version.startswith("eksctl.io/"):
            region = obj.metadata.get("region")
            if isinstance(region, str) and self.cluster is None:
                self.cluster = ClusterLocation("aws", region, f"eksctl ClusterConfig in {obj.path}")
        elif signals.controller_for(obj.api_version) is not None:
            cloud = signals.cloud_type(obj.api_version, kind)
            if cloud is not None and cloud.arm_type is not None:
                self.cloud_objects.append(obj)
        pod = _pod_spec(obj)
        if pod is not None:
            for name in _config_map_refs(pod):
                self.used_config_maps.add((obj.namespace, name))

    def config_map(self, namespace: str | None, name: str) -> KubeObject | None:
        """A ConfigMap of the set by namespace and name (an unset namespace matches any)."""
        found = self.config_maps.get((namespace, name))
        if found is None:
            for (ns, n), obj in self.config_maps.items():
                if n == name and (ns is None or namespace is None):
                    return obj
        return found

    def is_used(self, config_map: KubeObject) -> bool:
        """Whether a workload of the set reads this ConfigMap."""
        return any(name == config_map.name and (ns == config_map.namespace or ns is None
                                                or config_map.namespace is None)
                   for ns, name in self.used_config_maps)


# --------------------------------------------------------------------------- reading


def mapping_of(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one (the scanned tree is untrusted)."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _get(data: Any, *path: str) -> Any:
    for step in path:
        if not isinstance(data, dict):
            return None
        data = data.get(step)
    return data


def objects_of(source: SourceDocuments, rendered_from: Sequence[str | None] = ()) -> list[KubeObject]:
    """The Kubernetes objects of a parsed file (``List`` items expanded)."""
    found: list[KubeObject] = []
    for index, document in enumerate(source.documents):
        origin = rendered_from[index] if index < len(rendered_from) else None
        found.extend(_expand(document, source, origin))
    return found


def _expand(document: Any, source: SourceDocuments, origin: str | None) -> Iterator[KubeObject]:
    if not isinstance(document, dict):
        return
    kind = document.get("kind")
    items = document.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        lines = getattr(items, "item_lines", [])
        for index, item in enumerate(items):
            if isinstance(item, dict) and _sent_to_a_cluster(item):
                line = getattr(item, "line", None) or (lines[index] if index < len(lines) else None)
                yield KubeObject(item, source.path, line, getattr(item, "end_line", None), source, origin)
        return
    if isinstance(kind, str) and kind and _sent_to_a_cluster(document):
        yield KubeObject(document, source.path, getattr(document, "line", None),
                         getattr(document, "end_line", None), source, origin)


def _sent_to_a_cluster(document: Mapping[str, Any]) -> bool:
    """Not tool configuration or metadata in the shape of an object (``BlueprintMetadata``...)."""
    api_version, kind = document.get("apiVersion"), document.get("kind")
    annotations = mapping_of(mapping_of(document.get("metadata")).get("annotations"))
    return signals.is_cluster_object(api_version if isinstance(api_version, str) else "",
                                     kind if isinstance(kind, str) else "", annotations)


@functools.lru_cache(maxsize=64)
def _directory_set(directory: str, stamp: tuple[tuple[str, float], ...]) -> ManifestSet:
    from sovlint.discover import KUBERNETES, sniff_format, SNIFF_BYTES

    manifests = ManifestSet()
    for name, _ in stamp:
        path = Path(directory) / name
        try:
            with open(path, "rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError:
            continue
        if sniff_format(path, head) != KUBERNETES:
            continue
        loaded = load_source(path, str(path))
        if isinstance(loaded, ParseFailure):
            continue
        for obj in objects_of(loaded):
            manifests.add(obj)
    return manifests


def directory_manifest_set(directory: Path) -> ManifestSet:
    """The manifest set of a directory: its Kubernetes files, read once per process."""
    stamp = []
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return ManifestSet()
    for entry in entries:
        lower = entry.name.lower()
        if not lower.endswith((".yaml", ".yml", ".json")) or lower.startswith("kustomization"):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.st_size > 2 * 1024 * 1024:
            continue
        stamp.append((entry.name, stat.st_mtime))
    return _directory_set(str(directory), tuple(stamp))


def cluster_for(display: str, config: Config, manifests: ManifestSet) -> ClusterLocation | None:
    """Where the manifests of ``display`` run: config clusters first, then eksctl."""
    found = _config_cluster(display, config)
    if found is not None:
        cluster = config.clusters[found[0]]
        return ClusterLocation(cluster.provider, cluster.region, f"kubernetes.clusters {found[1]}")
    return manifests.cluster


# --------------------------------------------------------------------------- pods


def _pod_template(obj: KubeObject) -> Mapping[str, Any] | None:
    if obj.kind == "Pod":
        return obj.data
    path = WORKLOAD_TEMPLATES.get(obj.kind)
    if path is None:
        return None
    template = _get(obj.data, *path)
    return template if isinstance(template, dict) else None


def _pod_spec(obj: KubeObject) -> Mapping[str, Any] | None:
    template = _pod_template(obj)
    if template is None:
        return None
    spec = template.get("spec")
    return spec if isinstance(spec, dict) else None


def _containers(pod: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in _list(pod.get(key)):
            if isinstance(container, dict):
                yield container


def _config_map_refs(pod: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for container in _containers(pod):
        for source in _list(container.get("envFrom")):
            name = _get(source, "configMapRef", "name")
            if isinstance(name, str):
                names.append(name)
        for env in _list(container.get("env")):
            name = _get(env, "valueFrom", "configMapKeyRef", "name")
            if isinstance(name, str):
                names.append(name)
    for volume in _list(pod.get("volumes")):
        name = _get(volume, "configMap", "name")
        if isinstance(name, str):
            names.append(name)
        for projected in _list(_get(volume, "projected", "sources")):
            name = _get(projected, "configMap", "name")
            if isinstance(name, str):
                names.append(name)
    return names


def _string_values(mapping: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in mapping_of(mapping).items()
            if isinstance(v, (str, int, float, bool)) and not isinstance(k, (dict, list))}


def _node_location(pod: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(region, provider hint, unresolved) from node selectors and required node affinity."""
    region_keys = signals.region_label_keys()
    zone_keys = signals.zone_label_keys()
    selector = _string_values(pod.get("nodeSelector"))
    constraints: dict[str, list[str]] = {k: [v] for k, v in selector.items()}
    terms = _list(_get(pod, "affinity", "nodeAffinity",
                       "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"))
    for term in terms:
        for expression in _list(_get(term, "matchExpressions")):
            key = _get(expression, "key")
            operator = _get(expression, "operator")
            values = [str(v) for v in _list(_get(expression, "values"))]
            if isinstance(key, str) and operator == "In" and values:
                constraints.setdefault(key, [])
                constraints[key].extend(v for v in values if v not in constraints[key])
    provider = signals.provider_for_node_labels(constraints)
    for keys in (region_keys, zone_keys):
        for key in keys:
            values = constraints.get(key) or []
            if not values:
                continue
            if len(values) == 1:
                return values[0], provider, None
            return None, provider, f"node affinity {key} allows several values: {', '.join(values)}"
    return None, provider, None


# --------------------------------------------------------------------------- normalising


@dataclass(frozen=True)
class _Location:
    provider: str | None
    region: str | None
    unresolved: tuple[str, ...] = ()


def _cluster_location(cluster: ClusterLocation | None) -> _Location:
    if cluster is None:
        return _Location(None, None, (NO_CLUSTER,))
    if cluster.region is None:
        return _Location(cluster.provider, None, (NO_CLUSTER_REGION,))
    return _Location(cluster.provider, cluster.region)


def _with_region(base: _Location, provider: str | None, region: str | None,
                 unresolved: str | None = None) -> _Location:
    """Refine the cluster location with what the object says."""
    provider = provider or base.provider
    if region is not None:
        return _Location(provider, region)
    if unresolved is not None:
        return _Location(provider, None, (unresolved,))
    return _Location(provider, base.region, base.unresolved)


def _tags(meta: Mapping[str, Any]) -> dict[str, str]:
    tags = _string_values(meta.get("annotations"))
    tags.update(_string_values(meta.get("labels")))
    return tags


def _suppressions(obj: KubeObject, meta: Mapping[str, Any], span: SourceSpan) -> tuple[Suppression, ...]:
    found: list[Suppression] = []
    annotation = mapping_of(meta.get("annotations")).get(IGNORE_ANNOTATION)
    if isinstance(annotation, str):
        for part in annotation.split(";"):
            parsed = parse_suppression_text(f"sovlint:ignore {part.strip()}", span)
            if parsed is not None:
                found.append(parsed)
    if obj.source is not None and span.line:
        found.extend(comment_suppressions(obj.source, span.line, span.end_line))
    return tuple(found)


def _address(kind: str, namespace: str | None, name: str) -> str:
    return f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"


def manifest_address(obj: KubeObject) -> str | None:
    """The address the resource of an object gets when its manifest is scanned (``None``
    for an object with no name)."""
    return _address(obj.kind, obj.namespace, obj.name) if obj.name else None


def storage_class_location(sc: KubeObject) -> tuple[str | None, str | None]:
    """(provider, region or zone) a StorageClass declares."""
    provisioner = sc.data.get("provisioner")
    provider = signals.provider_for_provisioner(provisioner) if isinstance(provisioner, str) else None
    topology_keys = (*signals.region_label_keys(), *signals.zone_label_keys())
    for term in _list(sc.data.get("allowedTopologies")):
        for expression in _list(_get(term, "matchLabelExpressions")):
            key = _get(expression, "key")
            values = [str(v) for v in _list(_get(expression, "values"))]
            if key in topology_keys and len(values) >= 1:
                return provider, values[0]
    parameters = _string_values(sc.data.get("parameters"))
    for key, kind in signals.storage_class_zone_parameters():
        value = parameters.get(key)
        if value:
            return provider, value.split(",")[0].strip() if kind == "zone-list" else value
    return provider, None


def volume_location(pv: KubeObject, manifests: ManifestSet) -> tuple[str | None, str | None]:
    """(provider, region or zone) a PersistentVolume declares (its CSI driver, node affinity, class)."""
    spec = mapping_of(pv.data.get("spec"))
    driver = _get(spec, "csi", "driver")
    provider = signals.provider_for_provisioner(driver) if isinstance(driver, str) else None
    provider = provider or signals.provider_for_volume_source(spec)
    region = None
    topology_keys = (*signals.region_label_keys(), *signals.zone_label_keys())
    for term in _list(_get(spec, "nodeAffinity", "required", "nodeSelectorTerms")):
        for expression in _list(_get(term, "matchExpressions")):
            values = [str(v) for v in _list(_get(expression, "values"))]
            if _get(expression, "key") in topology_keys and values:
                region = values[0]
    class_name = spec.get("storageClassName")
    if isinstance(class_name, str) and class_name in manifests.storage_classes:
        sc_provider, sc_region = storage_class_location(manifests.storage_classes[class_name])
        provider = provider or sc_provider
        region = region or sc_region
    return provider, region


@dataclass(frozen=True)
class _Found:
    """An object a resource refers to, found in the manifest set or elsewhere in the scan."""

    name: str
    provider: str | None
    region: str | None
    origin: str | None = None  # the file it was found in, when outside the manifest set
    conflict: str | None = None  # declared differently in several files: nothing is assumed

    def refine(self, base: _Location) -> _Location:
        """The cluster location refined with what the found object says."""
        if self.conflict is not None:
            return _Location(self.provider or base.provider, None, (self.conflict,))
        return _with_region(base, self.provider, self.region)


@dataclass(frozen=True)
class _Owner:
    """An Azure Service Operator object that may own a resource, and where it is."""

    region: str | None
    region_from: str | None
    owner: str | None  # its own spec.owner.name
    found: str  # Kind/name, or name and file


@dataclass
class Scope:
    """Where the objects a resource refers to are looked up: its manifest set first, then the
    scan index (other folders of the same scan), restricted to files of the same cluster."""

    manifests: ManifestSet
    index: ScanIndex | None = None
    config: Config | None = None
    display: str = ""

    def _same_cluster(self, display: str) -> bool:
        if self.config is None or not self.config.clusters:
            return True
        mine, theirs = _config_cluster(self.display, self.config), _config_cluster(display, self.config)
        return (mine[0] if mine else None) == (theirs[0] if theirs else None)

    def _pick(self, what: str, name: str, found: Sequence[tuple[str, str | None, str | None]]) -> _Found | None:
        """One location out of the scan's candidates ``(display, provider, region)``."""
        candidates = [c for c in found if self._same_cluster(c[0])]
        if not candidates:
            return None
        places = sorted({c[0] for c in candidates})
        locations = {(c[1], c[2]) for c in candidates}
        if len(locations) > 1:
            providers = {c[1] for c in candidates}
            return _Found(name, providers.pop() if len(providers) == 1 else None, None, None,
                          f"{what} {name!r} is declared with different locations in {', '.join(places)}")
        provider, region = next(iter(locations))
        return _Found(name, provider, region, places[0])

    def storage_class(self, name: str | None) -> _Found | None:
        """The StorageClass ``name`` (the default class when None)."""
        local = self.manifests.storage_classes.get(name) if name is not None \
            else self.manifests.default_storage_class
        if local is not None:
            return _Found(local.name, *storage_class_location(local))
        if self.index is None:
            return None
        classes = self.index.storage_classes(name)
        if name is None:
            names = {c.name for c in classes if self._same_cluster(c.display)}
            if len(names) > 1:
                return _Found("", None, None, None,
                              f"several default StorageClasses in the scan: {', '.join(sorted(names))}")
            name = next(iter(names), "")
        return self._pick("StorageClass", name, [(c.display, c.provider, c.region) for c in classes])

    def volume(self, name: str) -> _Found | None:
        """The PersistentVolume ``name``."""
        local = self.manifests.volumes.get(name)
        if local is not None:
            return _Found(name, *volume_location(local, self.manifests))
        if self.index is None:
            return None
        return self._pick("PersistentVolume", name,
                          [(v.display, v.provider, v.region) for v in self.index.volumes(name)])

    def namespace_annotation(self, namespace: str, keys: Sequence[str]) -> tuple[str | None, str]:
        """(value, where) of the first of ``keys`` annotated on the Namespace ``namespace``."""
        local = self.manifests.namespaces.get(namespace)
        annotations: list[tuple[str, Mapping[str, Any]]] = []
        if local is not None:
            annotations.append(("", mapping_of(local.metadata.get("annotations"))))
        elif self.index is not None:
            annotations.extend((f" in {n.display}", dict(n.annotations))
                               for n in self.index.namespaces(namespace) if self._same_cluster(n.display))
        for key in keys:
            values = {str(a[key]) for _, a in annotations if isinstance(a.get(key), str)}
            if len(values) == 1:
                where = next(place for place, a in annotations if isinstance(a.get(key), str))
                return values.pop(), f"namespace annotation {key}{where}"
        return None, ""

    def owner(self, namespace: str | None, name: str, arm_type: str) -> list[_Owner]:
        """The ASO objects named ``name`` of this ARM type that may own a resource."""
        found: list[_Owner] = []
        for obj in self.manifests.cloud_objects:
            cloud = signals.cloud_type(obj.api_version, obj.kind)
            controller = signals.controller_for(obj.api_version)
            if cloud is None or cloud.arm_type != arm_type or controller is None or obj.name != name:
                continue
            if namespace is not None and obj.namespace is not None and obj.namespace != namespace:
                continue
            region, where = cloud_own_location(obj, controller)
            owner = mapping_of(mapping_of(obj.data.get("spec")).get("owner")).get("name")
            found.append(_Owner(region, where, owner if isinstance(owner, str) else None,
                                f"{obj.kind}/{obj.name}"))
        if not found and self.index is not None:
            found = [_Owner(o.region, o.region_from, o.owner, f"{o.name} in {o.display}")
                     for o in self.index.cloud_objects(namespace, name, arm_type)
                     if self._same_cluster(o.display)]
        return found


def _config_cluster(display: str, config: Config) -> tuple[int, str] | None:
    """(position, matching path pattern) of the ``kubernetes.clusters`` entry that maps ``display``."""
    path = display.replace(os.sep, "/")
    for position, cluster in enumerate(config.clusters):
        for pattern in cluster.paths:
            if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern.rstrip("/*") + "/*"):
                return position, pattern
    return None


def _claim_location(spec: Mapping[str, Any], meta: Mapping[str, Any], scope: Scope,
                    base: _Location) -> tuple[_Location, dict[str, Any]]:
    attributes: dict[str, Any] = {}
    class_name = spec.get("storageClassName")
    if class_name is None:
        class_name = mapping_of(meta.get("annotations")).get("volume.beta.kubernetes.io/storage-class")
    volume_name = spec.get("volumeName")
    if isinstance(volume_name, str) and volume_name:
        volume = scope.volume(volume_name)
        if volume is not None:
            attributes["persistent_volume"] = volume_name
            if volume.origin is not None:
                attributes["persistent_volume_from"] = volume.origin
            return volume.refine(base), attributes
    found: _Found | None = None
    if isinstance(class_name, str) and class_name:
        attributes["storage_class"] = class_name
        found = scope.storage_class(class_name)
    elif class_name is None:  # "" asks for no class at all (static binding)
        found = scope.storage_class(None)
        if found is not None and found.name:
            attributes["storage_class"] = found.name
    if found is None:
        return base, attributes
    if found.origin is not None:
        attributes["storage_class_from"] = found.origin
    return found.refine(base), attributes


def _images(pod: Mapping[str, Any]) -> dict[str, Any]:
    images = []
    foreign = []
    for container in _containers(pod):
        image = container.get("image")
        if not isinstance(image, str) or not image:
            continue
        images.append(image)
        registry = signals.registry_of(image)
        if registry is not None and registry.foreign:
            foreign.append({"image": image, "registry": registry.host, "vendor": registry.vendor,
                            "country": registry.vendor_country})
    return {
        "images": images,
        "foreign_registries": foreign,
        "foreign_registry_images": sorted({f"{f['image']} ({f['vendor']}, {f['country']})"
                                           for f in foreign}),
    }


def _pod_saas(pod: Mapping[str, Any], namespace: str | None, manifests: ManifestSet) -> list[dict[str, Any]]:
    values: list[tuple[str, str]] = []
    for container in _containers(pod):
        cname = container.get("name", "?")
        for env in _list(container.get("env")):
            if not isinstance(env, dict):
                continue
            name = env.get("name", "?")
            value = env.get("value")
            if isinstance(value, str):
                values.append((f"env {name} of container {cname}", value))
            ref = _get(env, "valueFrom", "configMapKeyRef")
            if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                config_map = manifests.config_map(namespace, ref["name"])
                if config_map is not None:
                    data = _string_values(config_map.data.get("data"))
                    key = ref.get("key")
                    if isinstance(key, str) and key in data:
                        values.append((f"env {name} from ConfigMap {ref['name']}", data[key]))
        for source in _list(container.get("envFrom")):
            cm_name = _get(source, "configMapRef", "name")
            if isinstance(cm_name, str):
                config_map = manifests.config_map(namespace, cm_name)
                if config_map is not None:
                    for key, value in _string_values(config_map.data.get("data")).items():
                        values.append((f"envFrom ConfigMap {cm_name} key {key}", value))
        # the command line as it runs (command then args), so that a download is seen as one
        words = {key: [a for a in _list(container.get(key)) if isinstance(a, str)]
                 for key in ("command", "args")}
        if words["command"] or words["args"]:
            what = " and ".join(key for key in ("command", "args") if words[key])
            values.append((f"{what} of container {cname}", " ".join(words["command"] + words["args"])))
    return endpoints_in(values)


class _Builder:
    """Turns the objects of one file (or rendered stream) into resources."""

    def __init__(self, scope: Scope, cluster: ClusterLocation | None, path: str):
        self.scope = scope
        self.manifests = scope.manifests
        self.cluster = cluster
        self.base = _cluster_location(cluster)
        self.path = path

    def resource(self, obj: KubeObject, kind: str, name: str, namespace: str | None,
                 location: _Location, tags: Mapping[str, str],
                 inherited: Mapping[str, str] | None = None,
                 attributes: Mapping[str, Any] | None = None,
                 line: int | None = None, end_line: int | None = None,
                 meta: Mapping[str, Any] | None = None) -> Resource:
        if obj.line is None:  # a rendered stream: its lines are not lines of a file
            line = end_line = None
        span = SourceSpan(obj.path, line if line is not None else obj.line,
                          end_line if end_line is not None else obj.end_line)
        attrs: dict[str, Any] = {"api_version": obj.api_version}
        if obj.rendered_from:
            attrs["rendered_from"] = obj.rendered_from
        if self.cluster is not None:
            attrs["cluster"] = self.cluster.origin
        attrs.update(attributes or {})
        return Resource(
            address=_address(kind, namespace, name),
            resource_type=kind,
            source=span,
            input_format=INPUT_FORMAT,
            provider=location.provider,
            region=location.region,
            unresolved=location.unresolved if location.region is None else (),
            tags=dict(tags),
            inherited_tags=dict(inherited or {}),
            attributes=attrs,
            suppressions=_suppressions(obj, obj.metadata if meta is None else meta, span),
        )

    def build(self, obj: KubeObject) -> list[Resource]:
        kind = obj.kind
        meta = obj.metadata
        namespace = obj.namespace
        tags = _tags(meta)
        controller = signals.controller_for(obj.api_version)
        if controller is not None:
            return [self._cloud_resource(obj, controller, tags)]
        pod = _pod_spec(obj)
        if pod is not None:
            return self._workload(obj, pod, tags)
        spec = mapping_of(obj.data.get("spec"))
        if kind == "PersistentVolumeClaim":
            location, attributes = _claim_location(spec, meta, self.scope, self.base)
            return [self.resource(obj, kind, obj.name, namespace, location, tags,
                                  attributes=attributes)]
        if kind == "PersistentVolume":
            provider, region = volume_location(obj, self.manifests)
            return [self.resource(obj, kind, obj.name, namespace,
                                  _with_region(self.base, provider, region), tags)]
        if kind == "StorageClass":
            provider, region = storage_class_location(obj)
            provisioner = obj.data.get("provisioner")
            return [self.resource(obj, kind, obj.name, namespace,
                                  _with_region(self.base, provider, region), tags,
                                  attributes={"provisioner": provisioner}
                                  if isinstance(provisioner, str) else None)]
        if kind in ("VolumeSnapshotContent", "VolumeSnapshotClass") \
                and signals.api_group(obj.api_version) == SNAPSHOT_GROUP:
            driver = (spec if kind == "VolumeSnapshotContent" else obj.data).get("driver")
            provider = signals.provider_for_provisioner(driver) if isinstance(driver, str) else None
            return [self.resource(obj, kind, obj.name, namespace, _with_region(self.base, provider, None),
                                  tags, attributes={"driver": driver} if isinstance(driver, str) else None)]
        if kind in ("Service", "Ingress"):
            provider = signals.provider_for_annotations(mapping_of(meta.get("annotations")))
            return [self.resource(obj, kind, obj.name, namespace,
                                  _with_region(self.base, provider, None), tags)]
        if kind == "ConfigMap":
            return [self._config_map(obj, tags)]
        if kind == "ClusterConfig" and obj.api_version.startswith("eksctl.io/"):
            region = meta.get("region")
            return [self.resource(obj, kind, obj.name, None,
                                  _Location("aws", region if isinstance(region, str) else None,
                                            () if isinstance(region, str)
                                            else ("metadata.region is not set",)), tags)]
        return [self.resource(obj, kind, obj.name, namespace, self.base, tags)]

    def _workload(self, obj: KubeObject, pod: Mapping[str, Any], tags: dict[str, str]) -> list[Resource]:
        template = _pod_template(obj) or {}
        inherited = _tags(mapping_of(template.get("metadata"))) if obj.kind != "Pod" else {}
        region, provider, unresolved = _node_location(pod)
        location = _with_region(self.base, provider, region, unresolved)
        attributes: dict[str, Any] = {}
        attributes.update(_images(pod))
        attributes.update(saas_attributes(_pod_saas(pod, obj.namespace, self.manifests)))
        if region is not None:
            attributes["node_region"] = region
        resources = [self.resource(obj, obj.kind, obj.name, obj.namespace, location, tags,
                                   inherited, attributes)]
        if obj.kind == "StatefulSet":
            templates = _get(obj.data, "spec", "volumeClaimTemplates")
            lines = getattr(templates, "item_lines", [])
            for index, claim in enumerate(_list(templates)):
                if not isinstance(claim, dict):
                    continue
                claim_meta = mapping_of(claim.get("metadata"))
                claim_name = f"{claim_meta.get('name', index)}-{obj.name}"
                claim_location, claim_attrs = _claim_location(
                    mapping_of(claim.get("spec")), claim_meta, self.scope, self.base)
                claim_attrs["volume_claim_template_of"] = _address(obj.kind, obj.namespace, obj.name)
                line = getattr(claim, "line", None) or (lines[index] if index < len(lines) else None)
                resources.append(self.resource(
                    obj, "PersistentVolumeClaim", claim_name, obj.namespace, claim_location,
                    _tags(claim_meta), {**tags, **inherited}, claim_attrs, line=line,
                    end_line=getattr(claim, "end_line", None), meta=claim_meta))
        return resources

    def _config_map(self, obj: KubeObject, tags: dict[str, str]) -> Resource:
        attributes: dict[str, Any] = {}
        if self.manifests.is_used(obj):
            attributes["used_by_workload"] = True
        else:
            data = _string_values(obj.data.get("data"))
            attributes.update(saas_attributes(endpoints_in(
                (f"ConfigMap key {key}", value) for key, value in data.items())))
        return self.resource(obj, obj.kind, obj.name, obj.namespace, self.base, tags,
                             attributes=attributes)

    def _cloud_resource(self, obj: KubeObject, controller: signals.Controller,
                        tags: dict[str, str]) -> Resource:
        cloud = signals.cloud_type(obj.api_version, obj.kind)
        region, where = cloud_own_location(obj, controller)
        unresolved: tuple[str, ...] = ()
        if region is None and obj.namespace and controller.namespace_annotations:
            region, where = self.scope.namespace_annotation(obj.namespace, controller.namespace_annotations)
        if region is None and cloud is not None and cloud.arm_type is not None:
            region, where, why = self._owner_location(obj, cloud.arm_type)
            unresolved = (why,) if why else ()
        if region is None and not unresolved:
            fields = [*controller.annotations, *controller.region_fields,
                      *(f"the Namespace's {key}" for key in controller.namespace_annotations)]
            unresolved = (f"{' / '.join(fields)} not set: {controller.when_unset}",)
        cloud_tags = dict(tags)
        cloud_tags.update(read_tags(signals.cloud_object_tag_specs(obj.api_version),
                                    TreeArguments(obj.data)))
        external = mapping_of(obj.metadata.get("annotations")).get("crossplane.io/external-name")
        attributes: dict[str, Any] = {"controller": controller.name, "region_from": where or None,
                                      "api_group": signals.api_group(obj.api_version)}
        if cloud is not None:
            attributes["controller_family"] = cloud.family
            if cloud.terraform_type is not None:
                attributes["terraform_type"] = cloud.terraform_type
            elif cloud.category is not None:
                attributes["category"] = cloud.category
            if cloud.arm_type is not None:
                attributes["arm_type"] = cloud.arm_type
        if isinstance(external, str):
            attributes["external_name"] = external
        semantics = location_semantics().get(cloud.terraform_type) \
            if cloud is not None and cloud.terraform_type else None
        if semantics is not None:  # where the service puts data, as for the same Terraform type
            return self._placed_cloud_resource(obj, controller, semantics, cloud_tags, attributes,
                                               _Location(controller.provider, region, unresolved), where)
        return self.resource(obj, obj.kind, obj.name, obj.namespace,
                             _Location(controller.provider, region, unresolved), cloud_tags,
                             attributes=attributes)

    def _placed_cloud_resource(self, obj: KubeObject, controller: signals.Controller,
                               semantics: TypeSemantics, tags: dict[str, str],
                               attributes: dict[str, Any], own: _Location, where: str) -> Resource:
        """A cloud object whose Terraform type has location semantics: its spec (``forProvider``
        for Crossplane) read under that type's argument names, in camelCase."""
        spec = mapping_of(obj.data.get("spec"))
        data = spec.get("forProvider") if isinstance(spec.get("forProvider"), dict) else spec
        arguments = TreeArguments(data, camel_case)
        context = _ControllerContext(own, where)
        placement = place(semantics, arguments, context)
        if placement.unresolved and (own.region is not None or own.unresolved):
            # the controller's own default (a CRD default, an owner's location), or why it has
            # none: it knows its fields and owners better than the Terraform arguments
            scope = next((r.scope for r in semantics.readers if r.scope), None)
            placement = dataclasses.replace(context.provider_location(zone=False), scope=scope)
        attributes.update(single_site(semantics, arguments))
        span = SourceSpan(obj.path, obj.line, obj.end_line)
        replicas = tuple(as_replica(d.via, d.placement if d.placement.relative != SAME_AS_RESOURCE
                                    else placement, span)
                         for d in copies(semantics, arguments, context) if d.of is None)
        fields = location_fields(placement)
        resource = self.resource(obj, obj.kind, obj.name, obj.namespace,
                                 _Location(controller.provider, fields["region"],
                                           fields["unresolved"]), tags, attributes=attributes)
        return dataclasses.replace(resource, region_set=fields["region_set"],
                                   location_scope=fields["location_scope"],
                                   any_region=fields["any_region"],
                                   location_origin=fields["location_origin"],
                                   unresolved=fields["unresolved"], replicas=replicas)

    def _owner_location(self, obj: KubeObject, arm_type: str) -> tuple[str | None, str, str | None]:
        """(region, where, why not) of an Azure Service Operator child resource: its owner's location.

        A top-level resource (its ARM type has one segment) is owned by a resource group,
        whose location says nothing of its resources': no owner is followed then.
        """
        name = mapping_of(mapping_of(obj.data.get("spec")).get("owner")).get("name")
        chain: list[str] = []
        for _ in range(MAX_OWNER_DEPTH):
            parent = _parent_arm_type(arm_type)
            if parent is None or not isinstance(name, str) or not name:
                return None, "", None
            owners = self.scope.owner(obj.namespace, name, parent)
            if not owners:
                return None, "", (f"spec.location not set and its owner {name} ({parent}) is not in the "
                                  "scanned manifests")
            if len({(o.region, o.region_from) for o in owners}) > 1:
                return None, "", f"spec.location not set and its owner {name} is declared several times"
            chain.append(owners[0].found)
            if owners[0].region is not None:
                return owners[0].region, f"owner {' -> '.join(chain)}: {owners[0].region_from}", None
            name, arm_type = owners[0].owner, parent
        return None, "", None


class _ControllerContext:
    """The interpreter's view of a cloud object: the location its controller gives it."""

    def __init__(self, own: _Location, where: str):
        self.own = own
        self.where = where

    def provider_location(self, zone: bool) -> Placement:
        """Where the controller puts the object when its spec names no location."""
        if self.own.region is not None:
            return Placement(names=(self.own.region,), origin=self.where or None)
        return Placement(unresolved="; ".join(self.own.unresolved) or "no location is set")

    def locate(self, handle: Any) -> Placement | None:
        """References between objects (``...Ref``) are not followed."""
        return None

    def peers(self, path: str, handle: Any) -> list[Placement]:
        """No global-database groups are declared this way."""
        return []


def _parent_arm_type(arm_type: str) -> str | None:
    """``microsoft.x/a/b`` -> ``microsoft.x/a``; None for a top-level type."""
    namespace, _, path = arm_type.partition("/")
    segments = path.split("/")
    return f"{namespace}/{'/'.join(segments[:-1])}" if len(segments) > 1 else None


def cloud_own_location(obj: KubeObject, controller: signals.Controller) -> tuple[str | None, str]:
    """(region, where) a cloud object states itself: the controller's annotations and region
    fields, else the CRD default of its location field (Config Connector)."""
    annotations = mapping_of(obj.metadata.get("annotations"))
    for key in controller.annotations:
        if isinstance(annotations.get(key), str):
            return str(annotations[key]), f"annotation {key}"
    for dotted in controller.region_fields:
        value = _get(obj.data, *dotted.split("."))
        if isinstance(value, str) and value:
            return value, dotted
    default = signals.location_default(obj.api_version, obj.kind)
    if default is not None and _get(obj.data, *default.field.split(".")) is None:
        return default.value, f"{default.field} absent: the {obj.kind} CRD defaults it to {default.value}"
    return None, ""


def resources_of(objects: Iterable[KubeObject], manifests: ManifestSet | Scope,
                 cluster: ClusterLocation | None, path: str) -> list[Resource]:
    """Normalise objects with the manifest set (or wider scope) they belong to."""
    scope = manifests if isinstance(manifests, Scope) else Scope(manifests)
    builder = _Builder(scope, cluster, path)
    resources: list[Resource] = []
    for obj in objects:
        resources.extend(builder.build(obj))
    return resources


def normalise_kubernetes(unit: Any, config: Config) -> Any:
    """One Kubernetes manifest file -> resources (or a SOV900 failure)."""
    from sovlint.units import UnitResult

    result = UnitResult()
    display = unit.reported[0]
    path = Path(unit.path)
    loaded = load_source(path, display)
    if isinstance(loaded, ParseFailure):
        result.failures.append(loaded.as_tuple())
        return result
    objects = objects_of(loaded)
    manifests = directory_manifest_set(path.parent)
    cluster = cluster_for(display, config, manifests)
    scope = Scope(manifests, getattr(unit, "scan_index", None), config, display)
    result.resources = resources_of(objects, scope, cluster, display)
    return result


def normalise_rendered(text: str, display: str, config: Config,
                       base_dir: Path | None = None) -> tuple[list[Resource], ParseFailure | None]:
    """Resources of a rendered stream (``helm template``, ``kustomize build``), all at ``display``.

    The stream is its own manifest set; a ``# Source:`` comment written by Helm
    before a document is kept as ``rendered_from``. Lines are not kept: they
    are lines of the rendered output, not of a file.
    """
    from sovlint.parsers.yaml_marks import YamlError, load_documents

    origins: list[str | None] = []
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("---"):
            origins.append(current)
            current = None
        elif line.startswith("# Source: "):
            current = line[len("# Source: "):].strip()
    origins.append(current)
    try:
        documents = tuple(load_documents(text))
    except YamlError as exc:
        return [], ParseFailure(display, None, f"rendered output is not valid YAML: {exc.message}")
    # lines of the rendered stream mean nothing to the user: drop them
    source = SourceDocuments(display, documents, (), True)
    objects = [KubeObject(o.data, display, None, None, None, o.rendered_from)
               for o in objects_of(source, _align_origins(documents, origins))]
    manifests = ManifestSet()
    for obj in objects:
        manifests.add(obj)
    cluster = cluster_for(display, config, manifests)
    return resources_of(objects, manifests, cluster, display), None


def _align_origins(documents: Sequence[Any], origins: list[str | None]) -> list[str | None]:
    """Helm writes ``---`` then ``# Source:``; keep one origin per document."""
    found = [o for o in origins if o is not None]
    if len(found) == len([d for d in documents if d is not None]):
        iterator = iter(found)
        return [next(iterator) if d is not None else None for d in documents]
    return [None] * len(documents)
