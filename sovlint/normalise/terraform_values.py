"""Resource values as Terraform records them (a plan's planned values, a state) -> Resources.

A plan and a state say the same thing of each resource instance: its address,
type, provider and attribute values. :class:`ValuesReader` turns them into
Resources along one path: the type's location semantics read the values
through :class:`~sovlint.placement.trees.TreeArguments`, a reference to
another resource is found by the configuration (a plan) or by value (an ARN,
id or name that another resource of the document has), copies are attached
to the copied resource, and tags are read with the provider's tag syntax. What
differs is the provider's region, which each format knows its own way (a
plan's provider configuration; nothing at all in a state): a subclass says.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from sovlint.model import Replica, Resource, SourceSpan
from sovlint.normalise.documents import SourceDocuments
from sovlint.placement.interpret import Placement, location_fields
from sovlint.placement.semantics import location_semantics
from sovlint.placement.trees import TreeArguments

#: Values by which one resource names another (``bucket = aws_s3_bucket.x.id`` is the bucket's
#: name once evaluated), the identifiers first.
IDENTIFYING = ("arn", "id", "self_link", "bucket", "name")
#: One instance key of an address: ``[0]``, ``["eu-west-3"]`` (JSON-quoted, ``]`` allowed inside).
_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]"]*)\]')
#: Words that end an argument naming another resource (``storage_account_name`` -> account).
_HANDLE_SUFFIX = re.compile(r"_(ids?|names?|arns?|identifier|self_link|urls?)$")


def mapping(value: Any) -> Mapping[str, Any]:
    """The value when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    """The value when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def split_address(address: str) -> tuple[str, str]:
    """``module.a["x"].aws_s3_bucket.b[0]`` -> (``module.a.aws_s3_bucket.b``, ``["x"][0]``)."""
    keys = "".join(match.group() for match in _KEY.finditer(address))
    return _KEY.sub("", address), keys


def module_path(address: str) -> tuple[str, ...]:
    """``module.a["x"].module.b.aws_s3_bucket.c`` -> ``("a", "b")`` (instance keys dropped)."""
    parts = split_address(address)[0].split(".")
    return tuple(parts[i + 1] for i in range(0, len(parts) - 1, 2) if parts[i] == "module")


@dataclass(frozen=True, eq=False)
class ResourceValues:
    """One resource instance as a plan or a state records it."""

    address: str  # as the document writes it, instance keys included
    resource_type: str
    provider_name: str  # the provider's source address (registry.terraform.io/hashicorp/aws)
    values: Mapping[str, Any]
    module_path: tuple[str, ...] = ()  # module call names, outside in
    line: int | None = None
    end_line: int | None = None


def module_values(root: Mapping[str, Any]) -> list[ResourceValues]:
    """The managed resources of a ``root_module`` (plan ``planned_values``, ``terraform show
    -json`` of a state) and of its ``child_modules``, in the document's order."""
    found: list[ResourceValues] = []
    stack = [root]
    while stack:
        module = stack.pop(0)
        for resource in items(module.get("resources")):
            if not isinstance(resource, dict) or resource.get("mode", "managed") != "managed":
                continue
            address = str(resource.get("address", ""))
            found.append(ResourceValues(
                address=address, resource_type=str(resource.get("type", "")),
                provider_name=str(resource.get("provider_name", "")),
                values=mapping(resource.get("values")), module_path=module_path(address),
                line=getattr(resource, "line", None), end_line=getattr(resource, "end_line", None)))
        stack.extend(m for m in items(module.get("child_modules")) if isinstance(m, dict))
    return found


def _identity(value: str) -> str:
    """How an identifier is compared (Azure resource ids are case-insensitive)."""
    return value.lower() if value.startswith("/subscriptions/") else value


class ValuesReader:
    """Reads the resources of one plan or state document (subclasses say what differs)."""

    input_format = ""

    def __init__(self, source: SourceDocuments, catalog: Any):
        self.source = source
        self.catalog = catalog
        self.by_address: dict[str, ResourceValues] = {}
        self.placements: dict[str, Placement | None] = {}
        self._indexes: dict[tuple[str, ...], dict[str, list[str]]] = {}
        self._order: dict[str, int] = {}

    # -- what each format says

    def instances(self) -> list[ResourceValues]:
        """Every managed resource instance of the document."""
        raise NotImplementedError

    def provider_placement(self, item: ResourceValues, zone: bool) -> Placement:
        """The region (or zone) of the provider configuration a resource uses."""
        raise NotImplementedError

    def configured_reference(self, item: ResourceValues, argument: str) -> str | None:
        """The address an argument refers to, as the configuration says (``None``: not known)."""
        return None

    def describe(self, raw: Any, spelled: str) -> str:
        """An argument as messages show it."""
        return f"{spelled} = {raw!r}"

    def excerpt(self, value: Any) -> str:
        """A value as messages may quote it."""
        return repr(value)

    # -- shared

    def resources(self) -> list[Resource]:
        """One Resource per instance, with the copies each declares attached to the copied one."""
        from sovlint.placement.interpret import as_replica, copies
        from sovlint.placement.semantics import SAME_AS_RESOURCE

        found = self.instances()
        self.by_address = {item.address: item for item in found}
        self._order = {item.address: i for i, item in enumerate(found)}
        self._indexes = {}
        self.placements = {}
        resources = [self.resource(item) for item in found]
        added: dict[int, list[Replica]] = {}
        for index, item in enumerate(found):
            entry = location_semantics().get(item.resource_type)
            if entry is None or not entry.copies:
                continue
            span = resources[index].source
            context = ValuesContext(self, item)
            for decl in copies(entry, self.arguments(item), context):
                placement = decl.placement
                if placement.relative == SAME_AS_RESOURCE:
                    placement = context.placement_of(item)
                target = self._order.get(decl.of, -1) if decl.of is not None else index
                if target >= 0:
                    added.setdefault(target, []).append(as_replica(decl.via, placement, span))
        return [dataclasses.replace(r, replicas=(*r.replicas, *added.get(i, ())))
                if i in added else r for i, r in enumerate(resources)]

    def provider_id(self, item: ResourceValues) -> str | None:
        """The catalog provider of a resource (its source address, else its type's prefix)."""
        name = item.provider_name
        found = self.catalog.provider_for_source(name) if name and self.catalog is not None else None
        if found is None and self.catalog is not None:
            found = self.catalog.provider_for_type(item.resource_type)
        if found is None and name:
            found = name.rsplit("/", 1)[-1]
        return found

    def arguments(self, item: ResourceValues) -> TreeArguments:
        """A resource's values as the location semantics read them."""

        def reference(raw: Any, argument: str) -> str | None:
            return self.configured_reference(item, argument) or self.reference_by_value(item, argument, raw)

        return TreeArguments(item.values, reference=reference, describe=self.describe,
                             excerpt=self.excerpt)

    def reference_by_value(self, item: ResourceValues, argument: str, raw: Any) -> str | None:
        """The resource of the document that the value names: its ARN, id, self link or name (an S3
        ARN names its bucket), or the attribute of the same name (a table's ``dataset_id`` is its
        dataset's ``dataset_id``; another resource of the table's type with it is a sibling).
        Where several have it (a bucket and its versioning share the bucket's name as id), the
        one whose type the argument names (``bucket``, ``storage_account_name``) comes first,
        then the document's order."""
        if not isinstance(raw, str) or not raw:
            return None
        name = raw.split(":::", 1)[1].split("/")[0] if raw.startswith("arn:aws:s3:::") else raw
        attribute = argument.rsplit(".", 1)[-1]
        found = {address for value in (raw, name) for address in self._holders(IDENTIFYING, value)}
        found.update(address for address in self._holders((attribute,), raw)
                     if self.by_address[address].resource_type != item.resource_type)
        candidates = sorted((a for a in found if self.by_address[a] is not item), key=self._order.__getitem__)
        if not candidates:
            return None
        word = _HANDLE_SUFFIX.sub("", attribute).rsplit("_", 1)[-1]
        named = [a for a in candidates if self.by_address[a].resource_type.endswith(f"_{word}")]
        return (named or candidates)[0]

    def _holders(self, keys: tuple[str, ...], value: str) -> list[str]:
        """The addresses whose attribute ``keys`` (one index each, built on first use) hold ``value``."""
        index = self._indexes.get(keys)
        if index is None:
            index = self._indexes[keys] = {}
            for address, other in self.by_address.items():
                for key in keys:
                    held = other.values.get(key)
                    if isinstance(held, str) and held:
                        holders = index.setdefault(_identity(held), [])
                        if address not in holders:
                            holders.append(address)
        return index.get(_identity(value), [])

    def tags(self, item: ResourceValues, args: TreeArguments) -> tuple[dict[str, str], dict[str, str]]:
        """(own tags, inherited tags) as the provider writes them; inherited tags are those of the
        effective set (AWS ``tags_all``, Google ``terraform_labels``) that are not its own."""
        from sovlint.placement.tags import own_tags, read_tags, tag_syntax

        provider = self.provider_id(item)
        own = own_tags(provider, args)
        syntax = tag_syntax(provider)
        effective = read_tags(syntax.effective, args) if syntax is not None else {}
        return own, {k: v for k, v in effective.items() if k not in own}

    def resource(self, item: ResourceValues) -> Resource:
        """One resource instance as the model holds it."""
        from sovlint.placement.interpret import single_site

        entry = location_semantics().get(item.resource_type)
        placement = ValuesContext(self, item).placement_of(item)
        args = self.arguments(item)
        tags, inherited = self.tags(item, args)
        span = SourceSpan(self.source.path, item.line, item.end_line or item.line)
        module = ".".join(f"module.{n}" for n in item.module_path) or None
        return Resource(
            address=item.address, resource_type=item.resource_type, source=span,
            input_format=self.input_format, provider=self.provider_id(item),
            **location_fields(placement), tags=tags, inherited_tags=inherited,
            attributes=single_site(entry, args) if entry else {}, module=module,
        )

    def generic_placement(self, item: ResourceValues) -> Placement:
        """A type without semantics: a region/location/zone value, else the provider's region."""
        entry = self.catalog.get(self.provider_id(item)) if self.catalog is not None else None
        settings = mapping(getattr(entry, "terraform", None))
        for name in [*settings.get("resource_region_attributes", ["region", "location"]),
                     *settings.get("zone_attributes", ["availability_zone", "zone"])]:
            value = item.values.get(name)
            if isinstance(value, str) and value:
                return Placement(names=(value,))
        return self.provider_placement(item, zone=False)


class ValuesContext:
    """The interpreter's view of a plan or state: the provider, the document's other resources."""

    def __init__(self, reader: ValuesReader, item: ResourceValues):
        self.reader = reader
        self.item = item

    def placement_of(self, item: ResourceValues) -> Placement:
        """Where a resource of the document keeps its data."""
        from sovlint.placement.interpret import place

        entry = location_semantics().get(item.resource_type)
        if entry is None:
            return self.reader.generic_placement(item)
        return place(entry, self.reader.arguments(item), ValuesContext(self.reader, item))

    def provider_location(self, zone: bool) -> Placement:
        """The region (or zone) of the resource's provider configuration."""
        return self.reader.provider_placement(self.item, zone)

    def locate(self, handle: Any) -> Placement | None:
        """Where another resource of the document is (``handle``: its address)."""
        found = self.reader.by_address.get(handle)
        if found is None or found is self.item:
            return None
        memo = self.reader.placements
        if handle in memo:
            return memo[handle] or Placement(unresolved=f"{handle} depends on its own location")
        memo[handle] = None
        memo[handle] = placement = self.placement_of(found)
        return placement

    def peers(self, path: str, handle: Any) -> list[Placement]:
        """The other resources of this type whose ``path`` refers to the same one."""
        found = []
        for address, other in self.reader.by_address.items():
            if other is self.item or other.resource_type != self.item.resource_type:
                continue
            if self.reader.arguments(other).reference(path) == handle:
                located = self.locate(address)
                if located is not None:
                    found.append(located)
        return found


def group_instances(resources: Sequence[Resource]) -> list[Resource]:
    """Instances of one resource (``count``/``for_each``, module instances) as Terraform HCL gives
    them: the address without instance keys, one entry per location (and copies, tags), with
    the keys in ``instances`` when the instances are in more than one place."""
    groups: dict[tuple[Any, ...], tuple[Resource, list[str]]] = {}
    for resource in resources:
        address, keys = split_address(resource.address)
        key = (address, resource.resource_type, resource.provider, resource.region,
               resource.region_set, resource.location_scope, resource.any_region,
               resource.location_origin, resource.unresolved, tuple(dataclasses.replace(r, declared_at=None)
                                          for r in resource.replicas),
               tuple(sorted(resource.tags.items())), tuple(sorted(resource.inherited_tags.items())),
               tuple(sorted((k, repr(v)) for k, v in resource.attributes.items())))
        group = groups.setdefault(key, (dataclasses.replace(resource, address=address), []))
        if keys and keys not in group[1]:
            group[1].append(keys)
    per_address: dict[str, int] = {}
    for key in groups:
        per_address[key[0]] = per_address.get(key[0], 0) + 1
    return [dataclasses.replace(resource, instances=tuple(keys))
            if per_address[resource.address] > 1 else resource for resource, keys in groups.values()]
