"""The cluster-wide Kubernetes objects of a scan, as the normaliser looks them up.

What a PersistentVolumeClaim, an ACK resource or an Azure Service Operator
child needs of objects declared in other files: StorageClasses,
PersistentVolumes, Namespaces and ASO owners, with the location each
declares. :mod:`sovlint.normalise.kubernetes_scan` fills the index in a
first pass over the scan's manifests; these are plain picklable data.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IndexedStorageClass:
    """A StorageClass of the scan and the location it declares."""

    display: str
    name: str
    provider: str | None
    region: str | None
    default: bool


@dataclass(frozen=True)
class IndexedVolume:
    """A PersistentVolume of the scan and the location it declares."""

    display: str
    name: str
    provider: str | None
    region: str | None


@dataclass(frozen=True)
class IndexedNamespace:
    """A Namespace of the scan with its annotations."""

    display: str
    name: str
    annotations: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class IndexedCloudObject:
    """An Azure Service Operator object: what an owned resource needs of its owner."""

    display: str
    namespace: str | None
    name: str
    arm_type: str
    region: str | None
    region_from: str | None
    owner: str | None  # spec.owner.name


IndexEntry = IndexedStorageClass | IndexedVolume | IndexedNamespace | IndexedCloudObject


@dataclass(frozen=True)
class ScanIndex:
    """The cluster-wide objects of the scanned Kubernetes manifests."""

    entries: tuple[IndexEntry, ...] = ()
    digest: str = field(default="", compare=False)

    def storage_classes(self, name: str | None = None) -> list[IndexedStorageClass]:
        """The StorageClasses named ``name`` (every default class when ``name`` is None)."""
        return [e for e in self.entries if isinstance(e, IndexedStorageClass)
                and (e.name == name if name is not None else e.default)]

    def volumes(self, name: str) -> list[IndexedVolume]:
        """The PersistentVolumes named ``name``."""
        return [e for e in self.entries if isinstance(e, IndexedVolume) and e.name == name]

    def namespaces(self, name: str) -> list[IndexedNamespace]:
        """The Namespaces named ``name``."""
        return [e for e in self.entries if isinstance(e, IndexedNamespace) and e.name == name]

    def cloud_objects(self, namespace: str | None, name: str, arm_type: str) -> list[IndexedCloudObject]:
        """ASO objects of this ARM type and name, in ``namespace`` (an unset namespace matches any)."""
        return [e for e in self.entries if isinstance(e, IndexedCloudObject) and e.name == name
                and e.arm_type == arm_type
                and (e.namespace == namespace or e.namespace is None or namespace is None)]
