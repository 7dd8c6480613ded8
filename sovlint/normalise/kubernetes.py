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
  ACK, Config Connector or Azure Service Operator;
- for a PVC, its StorageClass (or bound PersistentVolume) when the manifest
  set declares it;
- the cluster the manifests are deployed to: config ``kubernetes.clusters``
  (path globs), or an eksctl ``ClusterConfig`` in the same directory.

The *manifest set* of a file is every Kubernetes manifest in its directory
(or the whole rendered stream of a Helm chart or kustomization): StorageClasses,
ConfigMaps, Namespaces and the workloads that use ConfigMaps are looked up there.

A resource's source line is the first line of its object: the first key of
the document (``apiVersion:`` as usually written), or of the ``List`` item /
``volumeClaimTemplates`` entry. ``# sovlint:ignore`` comments in the comment
block just above that line, or inside the object, suppress; so does the
annotation ``sovlint.io/ignore: "SOV002: reason"``.
"""

from __future__ import annotations

import fnmatch
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sovlint.config import Config
from sovlint.model import Resource, SourceSpan, Suppression
from sovlint.normalise import kubernetes_signals as signals
from sovlint.normalise.documents import (ParseFailure, SourceDocuments, comment_suppressions,
                                         load_source)
from sovlint.normalise.saas import endpoints_in, saas_attributes
from sovlint.suppress import parse_suppression_text

INPUT_FORMAT = "kubernetes"
NO_CLUSTER = "no cluster location: map these manifests in kubernetes.clusters"
NO_CLUSTER_REGION = "no cluster region: set the region of these manifests in kubernetes.clusters"
IGNORE_ANNOTATION = "sovlint.io/ignore"
DEFAULT_CLASS_ANNOTATIONS = ("storageclass.kubernetes.io/is-default-class",
                             "storageclass.beta.kubernetes.io/is-default-class")

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
    cluster: ClusterLocation | None = None

    def add(self, obj: KubeObject) -> None:
        """Index one object of the set."""
        kind = obj.kind
        if kind == "StorageClass":
            self.storage_classes[obj.name] = obj
            annotations = _mapping(obj.metadata.get("annotations"))
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


def _mapping(value: Any) -> Mapping[str, Any]:
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
    annotations = _mapping(_mapping(document.get("metadata")).get("annotations"))
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
    path = display.replace(os.sep, "/")
    for cluster in config.clusters:
        for pattern in cluster.paths:
            if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(
                    path, pattern.rstrip("/*") + "/*"):
                return ClusterLocation(cluster.provider, cluster.region,
                                       f"kubernetes.clusters {pattern}")
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
    return {str(k): str(v) for k, v in _mapping(mapping).items()
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
    annotation = _mapping(meta.get("annotations")).get(IGNORE_ANNOTATION)
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


def _storage_class_location(sc: KubeObject) -> tuple[str | None, str | None]:
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


def _volume_location(pv: KubeObject, manifests: ManifestSet) -> tuple[str | None, str | None]:
    spec = _mapping(pv.data.get("spec"))
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
        sc_provider, sc_region = _storage_class_location(manifests.storage_classes[class_name])
        provider = provider or sc_provider
        region = region or sc_region
    return provider, region


def _claim_location(spec: Mapping[str, Any], meta: Mapping[str, Any], manifests: ManifestSet,
                    base: _Location) -> tuple[_Location, dict[str, Any]]:
    attributes: dict[str, Any] = {}
    class_name = spec.get("storageClassName")
    if class_name is None:
        class_name = _mapping(meta.get("annotations")).get("volume.beta.kubernetes.io/storage-class")
    volume_name = spec.get("volumeName")
    if isinstance(volume_name, str) and volume_name in manifests.volumes:
        provider, region = _volume_location(manifests.volumes[volume_name], manifests)
        attributes["persistent_volume"] = volume_name
        return _with_region(base, provider, region), attributes
    storage_class: KubeObject | None = None
    if isinstance(class_name, str) and class_name:
        attributes["storage_class"] = class_name
        storage_class = manifests.storage_classes.get(class_name)
    elif class_name is None:
        storage_class = manifests.default_storage_class
        if storage_class is not None:
            attributes["storage_class"] = storage_class.name
    if storage_class is None:
        return base, attributes
    provider, region = _storage_class_location(storage_class)
    return _with_region(base, provider, region), attributes


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

    def __init__(self, manifests: ManifestSet, cluster: ClusterLocation | None, path: str):
        self.manifests = manifests
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
        spec = _mapping(obj.data.get("spec"))
        if kind == "PersistentVolumeClaim":
            location, attributes = _claim_location(spec, meta, self.manifests, self.base)
            return [self.resource(obj, kind, obj.name, namespace, location, tags,
                                  attributes=attributes)]
        if kind == "PersistentVolume":
            provider, region = _volume_location(obj, self.manifests)
            return [self.resource(obj, kind, obj.name, namespace,
                                  _with_region(self.base, provider, region), tags)]
        if kind == "StorageClass":
            provider, region = _storage_class_location(obj)
            provisioner = obj.data.get("provisioner")
            return [self.resource(obj, kind, obj.name, namespace,
                                  _with_region(self.base, provider, region), tags,
                                  attributes={"provisioner": provisioner}
                                  if isinstance(provisioner, str) else None)]
        if kind in ("Service", "Ingress"):
            provider = signals.provider_for_annotations(_mapping(meta.get("annotations")))
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
        inherited = _tags(_mapping(template.get("metadata"))) if obj.kind != "Pod" else {}
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
                claim_meta = _mapping(claim.get("metadata"))
                claim_name = f"{claim_meta.get('name', index)}-{obj.name}"
                claim_location, claim_attrs = _claim_location(
                    _mapping(claim.get("spec")), claim_meta, self.manifests, self.base)
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
        region: str | None = None
        where = ""
        annotations = _mapping(obj.metadata.get("annotations"))
        for key in controller.annotations:
            if isinstance(annotations.get(key), str):
                region, where = annotations[key], f"annotation {key}"
                break
        if region is None:
            for dotted in controller.region_fields:
                value = _get(obj.data, *dotted.split("."))
                if isinstance(value, str) and value:
                    region, where = value, dotted
                    break
        if region is None and obj.namespace and controller.namespace_annotations:
            namespace = self.manifests.namespaces.get(obj.namespace)
            ns_annotations = _mapping(namespace.metadata.get("annotations")) if namespace else {}
            for key in controller.namespace_annotations:
                if isinstance(ns_annotations.get(key), str):
                    region, where = ns_annotations[key], f"namespace annotation {key}"
                    break
        unresolved: tuple[str, ...] = ()
        if region is None:
            fields = [*controller.annotations, *controller.region_fields]
            unresolved = (f"{' / '.join(fields)} not set ({controller.name} picks the region "
                          "at deploy time)",)
        cloud_tags = dict(tags)
        for tag_path in (("spec", "forProvider", "tags"), ("spec", "forProvider", "labels"),
                         ("spec", "tags")):
            value = _get(obj.data, *tag_path)
            if isinstance(value, dict):
                cloud_tags.update(_string_values(value))
            elif isinstance(value, list):  # ACK: [{key, value}]
                for item in value:
                    key = _get(item, "key") or _get(item, "Key")
                    val = _get(item, "value") or _get(item, "Value")
                    if isinstance(key, str) and isinstance(val, str):
                        cloud_tags[key] = val
        name = obj.name
        external = _mapping(obj.metadata.get("annotations")).get("crossplane.io/external-name")
        attributes = {"controller": controller.name, "region_from": where or None}
        if isinstance(external, str):
            attributes["external_name"] = external
        return self.resource(obj, obj.kind, name, obj.namespace,
                             _Location(controller.provider, region, unresolved), cloud_tags,
                             attributes=attributes)


def resources_of(objects: Iterable[KubeObject], manifests: ManifestSet,
                 cluster: ClusterLocation | None, path: str) -> list[Resource]:
    """Normalise objects with the manifest set they belong to."""
    builder = _Builder(manifests, cluster, path)
    resources: list[Resource] = []
    for obj in objects:
        resources.extend(builder.build(obj))
    return resources


def normalise_kubernetes(unit: Any, config: Config) -> Any:
    """One Kubernetes manifest file -> resources (or a SOV900 failure)."""
    from sovlint.engine import UnitResult

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
    result.resources = resources_of(objects, manifests, cluster, display)
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
