"""Cloud Asset search results -> ``Resource``: the normaliser of ``sovlint gcp`` (pure functions).

Each searched asset type stands for a Terraform type (``policies/cloud-asset-types.yaml``);
a result is placed by that type's location semantics, read over the service's
own representation of the resource (``versionedResources``: its fields are the
Terraform argument paths in camelCase, as for Config Connector objects), with
the result's ``location`` (and ``parentFullResourceName``) as the arguments the
data file says they are. Location-set names (``EU``, ``nam5``,
``nam-eur-asia1``) are read in the scope the semantics name. A parent or a
reference is located among the results of the same review.

Conventions of live resources:

- ``address`` is the full resource name (``//storage.googleapis.com/projects/_/buckets/b``);
  ``resource_type`` is the Cloud Asset type (``storage.googleapis.com/Bucket``),
  ``attributes["terraform_type"]`` the Terraform type it stands for (its category);
  ``input_format`` is ``gcp``; ``provider`` is ``google``.
- ``source`` is ``SourceSpan("gcp://PROJECT/LOCATION")`` with no line (the
  project number, as the search gives it).
- Labels are the resource's tags (the data class is read from them). Labels
  cannot hold ``:``, spaces or capitals, so a suppression is written
  ``sovlint-ignore: sov002`` (several ids: ``sov001_sov002``), with
  ``sovlint-ignore-reason: eu-contract`` (``-`` read as spaces) and
  ``sovlint-ignore-exp: 2027-06-30``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from sovlint.datafiles import load_yaml_file, policies_dir
from sovlint.live.review import IGNORE_TAG, tag_suppressions
from sovlint.model import Replica, Resource, SourceSpan
from sovlint.placement.interpret import (Placement, as_replica, copies, location_fields, place,
                                         single_site)
from sovlint.placement.semantics import SAME_AS_RESOURCE, TypeSemantics, location_semantics
from sovlint.placement.tags import tags_in
from sovlint.placement.trees import TreeArguments, camel_case

INPUT_FORMAT = "gcp"
PROVIDER = "google"
IGNORE_LABEL = "sovlint-ignore"


@dataclass(frozen=True)
class AssetType:
    """How one Cloud Asset type is read (an entry of ``policies/cloud-asset-types.yaml``)."""

    name: str
    terraform: str
    location: str | None = None
    parent: str | None = None
    references: Mapping[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    requires_resource: bool = False


@functools.lru_cache(maxsize=1)
def asset_types() -> Mapping[str, AssetType]:
    """The shipped asset types, by Cloud Asset type name."""
    data = load_yaml_file(policies_dir() / "cloud-asset-types.yaml") or {}
    return {name: AssetType(
        name=name, terraform=str(raw["terraform"]), location=raw.get("location"),
        parent=raw.get("parent"),
        references={k: (str(v["pattern"]), str(v["name"]))
                    for k, v in (raw.get("references") or {}).items()},
        requires_resource=bool(raw.get("requires_resource")))
        for name, raw in (data.get("asset_types") or {}).items()}


def source_path(project: str | None, location: str | None) -> str:
    """Where a live resource was read from: ``gcp://PROJECT/LOCATION``."""
    return f"gcp://{project or 'no-project'}/{location or 'no-location'}"


def project_of(result: Mapping[str, Any]) -> str | None:
    """The project number of a result (``projects/123`` -> ``123``)."""
    project = str(result.get("project") or "")
    return project.split("/", 1)[1] if project.startswith("projects/") else (project or None)


def _resource_data(result: Mapping[str, Any]) -> dict[str, Any] | None:
    for versioned in result.get("versionedResources") or ():
        resource = versioned.get("resource") if isinstance(versioned, Mapping) else None
        if isinstance(resource, Mapping):
            return dict(resource)
    return None


def _labels(result: Mapping[str, Any]) -> dict[str, str]:
    """A result's labels, read as the Terraform provider's arguments in camelCase
    (``policies/locations/google.yaml``: ``labels``, Cloud SQL ``settings.userLabels``...)."""
    return tags_in("google", result, translate=camel_case)


def label_suppression_text(labels: Mapping[str, str]) -> str | None:
    """The inline-comment text that ``sovlint-ignore*`` labels spell (``None``: no such label)."""
    ids = labels.get(IGNORE_LABEL)
    if not ids:
        return None
    text = ",".join(part.upper() for part in ids.split("_") if part)
    if labels.get(f"{IGNORE_LABEL}-exp"):
        text += f" exp:{labels[f'{IGNORE_LABEL}-exp']}"
    if labels.get(f"{IGNORE_LABEL}-reason"):
        text += " -- " + labels[f"{IGNORE_LABEL}-reason"].replace("-", " ")
    return text


class _Review:
    """Every result of a review, placed on demand (a child is placed where its parent is)."""

    def __init__(self, results: Iterable[Mapping[str, Any]]):
        self.results = {str(r["name"]): r for r in results if r.get("name")}
        self.types = asset_types()
        self.semantics = location_semantics()
        self._placed: dict[str, Placement] = {}
        self._placing: set[str] = set()

    def entry(self, result: Mapping[str, Any]) -> tuple[AssetType | None, TypeSemantics | None]:
        kind = self.types.get(str(result.get("assetType") or ""))
        return kind, self.semantics.get(kind.terraform) if kind is not None else None

    def arguments(self, result: Mapping[str, Any], kind: AssetType) -> TreeArguments:
        """The result under the Terraform argument names its semantics use."""
        data = _resource_data(result) or {}
        location = result.get("location")
        if kind.location and isinstance(location, str) and location:
            data[camel_case(kind.location) or kind.location] = location
        parent = result.get("parentFullResourceName")
        if kind.parent and isinstance(parent, str) and parent:
            data[camel_case(kind.parent) or kind.parent] = parent
        references = {camel_case(k) or k: v for k, v in kind.references.items()}

        def reference(node: Any, path: str) -> Any:
            if not isinstance(node, str):
                return None
            if node in self.results:
                return node
            spelled = references.get(camel_case(path) or path)
            match = re.match(spelled[0], node) if spelled else None
            name = spelled[1].format(**match.groupdict()) if spelled and match else None
            return name if name in self.results else None

        return TreeArguments(data, camel_case, case_insensitive=True, reference=reference)

    def placement(self, name: str) -> Placement:
        """Where a result's data is (memoised; a cycle of parents is unknown)."""
        if name in self._placed:
            return self._placed[name]
        if name in self._placing:
            return Placement(unresolved=f"{name}: its parents refer to each other")
        self._placing.add(name)
        try:
            found = self._place(self.results[name])
        finally:
            self._placing.discard(name)
        self._placed[name] = found
        return found

    def _place(self, result: Mapping[str, Any]) -> Placement:
        kind, semantics = self.entry(result)
        location = result.get("location") if isinstance(result.get("location"), str) else None
        if kind is not None and kind.requires_resource and _resource_data(result) is None:
            return Placement(unresolved=(
                f"the search returned no representation of this {kind.name} (versionedResources), "
                "which says where it stores data"))
        if kind is None or semantics is None:
            if location:
                return Placement(names=(location,))
            return Placement(unresolved="the search gives the resource no location")
        return place(semantics, self.arguments(result, kind), _Context(self, location))


class _Context:
    """The interpreter's view of a result: the search location, and the other results."""

    def __init__(self, review: _Review, location: str | None):
        self.review = review
        self.location = location

    def provider_location(self, zone: bool) -> Placement:
        """The result's own location (a region or zone)."""
        if self.location:
            return Placement(names=(self.location,))
        return Placement(unresolved="the search gives the resource no location")

    def locate(self, handle: Any) -> Placement | None:
        """Where another result is (``None``: not among the results)."""
        if not isinstance(handle, str) or handle not in self.review.results:
            return None
        return self.review.placement(handle)

    def peers(self, path: str, handle: Any) -> list[Placement]:
        """No peer groups are declared this way on Google Cloud."""
        return []


def normalise_results(results: Iterable[Mapping[str, Any]]) -> list[Resource]:
    """Every search result as a ``Resource``, each copy attached to the resource copied."""
    review = _Review(results)
    resources: dict[str, Resource] = {}
    copied: dict[str, list[Replica]] = {}
    for name, result in review.results.items():
        kind, semantics = review.entry(result)
        location = result.get("location") if isinstance(result.get("location"), str) else None
        project = project_of(result)
        span = SourceSpan(source_path(project, location))
        placement = review.placement(name)
        attributes: dict[str, Any] = {"terraform_type": kind.terraform if kind else None}
        if project:
            attributes["project"] = project
        if kind is not None and semantics is not None:
            arguments = review.arguments(result, kind)
            attributes.update(single_site(semantics, arguments))
            context = _Context(review, location)
            for decl in copies(semantics, arguments, context):
                where = decl.placement
                if where.relative == SAME_AS_RESOURCE:  # the copy is where its declarer is
                    where = placement
                target = decl.of if isinstance(decl.of, str) else name
                copied.setdefault(target, []).append(as_replica(decl.via, where, SourceSpan(name)))
        labels = _labels(result)
        text = label_suppression_text(labels)
        suppressions = tag_suppressions({IGNORE_TAG: text}, span) if text else ()
        resources[name] = Resource(
            address=name, resource_type=str(result.get("assetType") or ""), source=span,
            input_format=INPUT_FORMAT, provider=PROVIDER, tags=labels, attributes=attributes,
            suppressions=suppressions, account=project, **location_fields(placement))
    return [dataclasses.replace(r, replicas=(*r.replicas, *copied[key])) if key in copied else r
            for key, r in resources.items()]
