"""Azure Resource Graph rows -> ``Resource``: the normaliser of ``sovlint azure`` (pure functions).

A row is an ARM resource as Resource Manager returns it (``id``, ``type``,
``location``, ``sku``, ``kind``, ``properties``, ``tags``...), so it is read
like an ARM template's resource: the location is the row's own, copies and
single-site settings come from the ARM equivalents of the azurerm location
semantics, read over the row with a :class:`~sovlint.placement.trees.TreeArguments`.
A live row knows more than a template: the ids it holds name other rows of
the same answer, so a copy declared by one resource of another (an SQL
geo-replica of its source database, a failover group of its server) is
attached to the resource whose data is copied, and a copy's destination that
is a resource id (a failover group's partner server) is where that row is.

Conventions of live resources:

- ``address`` is the resource id; ``resource_type`` the ARM type with the
  provider's casing (from the id: ``Microsoft.Storage/storageAccounts``);
  ``input_format`` is ``azure``; ``provider`` is ``azurerm``.
- ``source`` is ``SourceSpan("azure://SUBSCRIPTION/LOCATION")`` with no line.
- Tags are the resource's own (the data class is read from them by the
  resolver, as for code); a tag ``sovlint:ignore`` with an inline comment's
  text (``SOV002 -- reason``) suppresses findings on the resource.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Mapping

from sovlint.live.review import tag_suppressions
from sovlint.model import Replica, Resource, SourceSpan
from sovlint.placement.interpret import Placement, as_replica, copies, single_site
from sovlint.placement.semantics import SAME_AS_RESOURCE, location_semantics
from sovlint.placement.tags import tags_in
from sovlint.placement.trees import TreeArguments, table

INPUT_FORMAT = "azure"
PROVIDER = "azurerm"
#: The format whose location-semantics equivalents a row is read with.
SEMANTICS_FORMAT = "arm"
#: The pseudo-property holding a child resource's parent id (``$parentId`` in equivalents' paths).
PARENT_ID = "$parentId"


def source_path(subscription: str, location: str | None) -> str:
    """Where a live resource was read from: ``azure://SUBSCRIPTION/LOCATION``."""
    return f"azure://{subscription or 'unknown-subscription'}/{location or 'no-location'}"


def subscription_of(resource_id: str) -> str:
    """The subscription id in a resource id (empty when there is none)."""
    parts = resource_id.strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[0].lower() == "subscriptions" else ""


def _provider_segments(resource_id: str) -> list[str]:
    parts = resource_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    if "providers" not in lowered:
        return []
    return parts[len(lowered) - 1 - lowered[::-1].index("providers") + 1:]


def resource_type(row: Mapping[str, Any]) -> str:
    """The ARM type with the provider's casing, read from the id; else the row's ``type``."""
    kind = str(row.get("type") or "")
    segments = _provider_segments(str(row.get("id") or ""))
    if len(segments) >= 3:
        spelled = "/".join([segments[0], *segments[1::2]])
        if spelled.lower() == kind.lower():
            return spelled
    return kind


def parent_id(resource_id: str) -> str | None:
    """A child resource's parent id (``.../servers/s1`` of ``.../servers/s1/databases/d1``)."""
    segments = _provider_segments(resource_id)
    if len(segments) < 5:
        return None
    return resource_id.rstrip("/").rsplit("/", 2)[0]


def _location(row: Mapping[str, Any]) -> str | None:
    location = row.get("location")
    return str(location) if isinstance(location, str) and location.strip() else None


class _RowContext:
    """The interpreter's view of a row: its own location, and the other rows of the answer."""

    def __init__(self, location: str | None, rows: Mapping[str, Mapping[str, Any]]):
        self.location = location
        self.rows = rows

    def provider_location(self, zone: bool) -> Placement:
        """The resource's own location (Azure has no provider-wide region)."""
        if self.location:
            return Placement(names=(self.location,))
        return Placement(unresolved="Resource Graph gives the resource no location")

    def locate(self, handle: Any) -> Placement | None:
        """Where the row with this id is (``None``: not in the answer)."""
        row = self.rows.get(handle) if isinstance(handle, str) else None
        if row is None:
            return None
        location = _location(row)
        if location is None:
            return Placement(unresolved=f"{row.get('id')} has no location")
        return Placement(names=(location,))

    def peers(self, path: str, handle: Any) -> list[Placement]:
        """Resource Manager declares no peer groups this way."""
        return []


def _arguments(row: Mapping[str, Any], paths: Mapping[str, str],
               rows: Mapping[str, Mapping[str, Any]]) -> TreeArguments:
    data = dict(row)
    parent = parent_id(str(row.get("id") or ""))
    if parent is not None:
        data[PARENT_ID] = parent

    def reference(node: Any, path: str) -> Any:
        key = node.lower() if isinstance(node, str) else None
        return key if key in rows else None

    return TreeArguments(data, table(paths), case_insensitive=True, reference=reference)


def _tags(row: Mapping[str, Any]) -> dict[str, str]:
    """A resource's tags, read as an ARM template's (``policies/locations/azurerm.yaml``)."""
    return tags_in("azurerm", row, "arm", case_insensitive=True)


def normalise_rows(rows: Iterable[Mapping[str, Any]]) -> list[Resource]:
    """Every row as a ``Resource``, each copy attached to the resource whose data is copied."""
    listed = [r for r in rows if isinstance(r.get("id"), str) and r.get("id")]
    by_id = {str(r["id"]).lower(): r for r in listed}
    semantics = location_semantics()
    resources: dict[str, Resource] = {}
    copied: dict[str, list[Replica]] = {}
    for row in listed:
        row_id = str(row["id"])
        kind = resource_type(row)
        location = _location(row)
        subscription = str(row.get("subscriptionId") or subscription_of(row_id))
        span = SourceSpan(source_path(subscription, location))
        attributes: dict[str, Any] = {"subscription": subscription}
        for key in ("resourceGroup", "kind"):
            if row.get(key):
                attributes[key] = row[key]
        sku = row.get("sku")
        if isinstance(sku, Mapping) and sku.get("name"):
            attributes["sku"] = sku["name"]
        entry = semantics.for_format(SEMANTICS_FORMAT, kind)
        if entry is not None:
            arguments = _arguments(row, entry.paths_for(SEMANTICS_FORMAT, kind) or {}, by_id)
            attributes.update(single_site(entry, arguments))
            context = _RowContext(location, by_id)
            for decl in copies(entry, arguments, context):
                placement = decl.placement
                if placement.relative == SAME_AS_RESOURCE:  # the copy is where its declarer is
                    placement = context.provider_location(zone=False)
                target = decl.of if isinstance(decl.of, str) else row_id.lower()
                copied.setdefault(target, []).append(
                    as_replica(decl.via, placement, SourceSpan(row_id)))
        tags = _tags(row)
        resources[row_id.lower()] = Resource(
            address=row_id, resource_type=kind, source=span, input_format=INPUT_FORMAT,
            provider=PROVIDER, region=location,
            unresolved=() if location else ("Resource Graph gives the resource no location",),
            tags=tags, attributes=attributes, suppressions=tag_suppressions(tags, span),
            account=subscription)
    return [dataclasses.replace(r, replicas=(*r.replicas, *copied[key])) if key in copied else r
            for key, r in resources.items()]
