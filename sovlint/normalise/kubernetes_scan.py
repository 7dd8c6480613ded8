"""The cluster-wide Kubernetes objects of a whole scan, collected in one cheap first pass.

A PersistentVolumeClaim binds to a StorageClass or PersistentVolume that may be
declared in any folder of the scan; an ACK resource's region may come from the
annotation of a Namespace declared elsewhere; an Azure Service Operator child
resource is where its owner (``spec.owner``) is. Before the work units run, the
scan's Kubernetes manifests are read once for these objects only: a file whose
text names none of them is not parsed, and what a file yields is cached by its
content (the disk cache), so a second scan parses nothing. The index travels
with each Kubernetes work unit (worker processes included) and its digest is
part of the unit's cache key: a StorageClass changed anywhere re-runs the units.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sovlint.normalise.kubernetes_index import (IndexedCloudObject, IndexedNamespace, IndexedStorageClass,
                                                IndexedVolume, IndexEntry, ScanIndex)

if TYPE_CHECKING:  # the normaliser is imported only when a file must be parsed (warm runs parse none)
    from sovlint.normalise.kubernetes import KubeObject

#: Kinds and API groups worth parsing a file for (checked on the raw bytes first).
_WORTH_READING = re.compile(
    rb"""["']?kind["']?\s*:\s*["']?(StorageClass|PersistentVolume|Namespace)\b|\.azure\.com/""")
#: Manifests larger than this are not indexed (the normaliser reports them itself).
MAX_BYTES = 2 * 1024 * 1024


def scan_index(files: Sequence[tuple[str, str]]) -> ScanIndex:
    """The index of ``(path, display path)`` manifest files; files that cannot be read are skipped."""
    entries: list[IndexEntry] = []
    for path, display in files:
        entries.extend(_file_entries(path, display))
    digest = hashlib.sha256(repr(sorted(map(repr, entries))).encode("utf-8")).hexdigest()
    return ScanIndex(tuple(entries), digest)


def _file_entries(path: str, display: str) -> tuple[IndexEntry, ...]:
    from sovlint.parse_cache import cached_parse

    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError:
        return ()
    if len(data) > MAX_BYTES or not _WORTH_READING.search(data):
        return ()

    def extract(content: bytes | None) -> tuple[IndexEntry, ...]:
        from sovlint.normalise.documents import ParseFailure, load_source
        from sovlint.normalise.kubernetes import objects_of

        loaded = load_source(Path(path), display) if content is not None else None
        if loaded is None or isinstance(loaded, ParseFailure):
            return ()
        return tuple(entries_of(objects_of(loaded), ""))

    cached = cached_parse(Path(path), "k8s-scan-index", lambda: data, extract)
    return tuple(dataclasses.replace(entry, display=display) for entry in cached)


def entries_of(objects: Iterable[KubeObject], display: str) -> Iterable[IndexEntry]:
    """What the objects of one file give the index."""
    from sovlint.normalise import kubernetes_signals as signals
    from sovlint.normalise.kubernetes import (ManifestSet, cloud_own_location, mapping_of,
                                              storage_class_location, volume_location)

    objects = list(objects)
    manifests = ManifestSet()
    for obj in objects:
        manifests.add(obj)
    for obj in objects:
        kind = obj.kind
        if kind == "StorageClass":
            provider, region = storage_class_location(obj)
            yield IndexedStorageClass(display, obj.name, provider, region,
                                      manifests.default_storage_class is obj)
        elif kind == "PersistentVolume":
            provider, region = volume_location(obj, manifests)
            yield IndexedVolume(display, obj.name, provider, region)
        elif kind == "Namespace" and not signals.api_group(obj.api_version):
            annotations = mapping_of(obj.metadata.get("annotations"))
            yield IndexedNamespace(display, obj.name, tuple(sorted(
                (str(k), str(v)) for k, v in annotations.items() if isinstance(v, (str, int, float)))))
        else:
            cloud = signals.cloud_type(obj.api_version, kind)
            controller = signals.controller_for(obj.api_version)
            if cloud is None or cloud.arm_type is None or controller is None:
                continue
            region, where = cloud_own_location(obj, controller)
            owner = mapping_of(mapping_of(obj.data.get("spec")).get("owner")).get("name")
            yield IndexedCloudObject(display, obj.namespace, obj.name, cloud.arm_type, region, where,
                                     owner if isinstance(owner, str) else None)
