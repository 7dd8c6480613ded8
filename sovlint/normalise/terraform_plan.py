"""Terraform plan JSON (``terraform show -json plan.out``, and OpenTofu's ``tofu show -json``) -> Resources.

OpenTofu writes the same format (``format_version`` 1.2); its provider
addresses name ``registry.opentofu.org``, and a provider with ``for_each``
appears once in ``configuration.provider_config`` with ``each`` references.

Managed resources come from ``planned_values`` (the root module and every
child module), addressed as the plan writes them (``module.db.aws_db_instance.main[0]``).
Their values are resolved already, except the provider's region: Terraform
writes provider configurations under ``configuration.provider_config`` with
a ``constant_value``, or only ``references`` (``var.region``) that are
followed here through the plan's ``variables`` and the module calls'
expressions. A per-resource ``region``/``location``/``zone`` value wins.
Tags are read as the provider writes them (``policies/locations/``); the
inherited ones are those of the effective set (AWS ``tags_all``, Google
``terraform_labels``) that are not the resource's own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, Mapping

from sovlint.config import Config
from sovlint.deploy_env import DeployEnvironment
from sovlint.model import Replica, Resource, SourceSpan
from sovlint.normalise.documents import ParseFailure, SourceDocuments, load_source
from sovlint.placement.interpret import Placement, location_fields
from sovlint.placement.semantics import location_semantics
from sovlint.placement.trees import TreeArguments

INPUT_FORMAT = "terraform-plan"
_MAX_HOPS = 20
#: Values by which one planned resource names another (``bucket = aws_s3_bucket.x.id``).
_IDENTIFYING = ("arn", "id", "bucket", "name")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _module_path(address: str) -> tuple[str, ...]:
    """``module.a["x"].module.b`` -> ``("a", "b")`` (instance keys dropped)."""
    names = re.findall(r"module\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?", address)
    return tuple(names)


def _config_address(address: str) -> str:
    """A resource address without module prefix and instance key: ``aws_s3_bucket.b``."""
    tail = re.sub(r"^(?:module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.)*", "", address)
    return re.sub(r"\[[^\]]*\]$", "", tail)


class PlanReader:
    """Reads one plan document."""

    def __init__(self, plan: Mapping[str, Any], source: SourceDocuments, catalog: Any,
                 deploy: DeployEnvironment | None = None):
        self.plan = plan
        self.source = source
        self.catalog = catalog
        self.deploy = deploy  # --deploy-env / terraform.provider_regions
        self.configuration = _mapping(plan.get("configuration"))
        self.provider_config = _mapping(self.configuration.get("provider_config"))
        self.variables = _mapping(plan.get("variables"))
        #: planned resources by address, and where those referred to by others are
        self.by_address: dict[str, tuple[Mapping[str, Any], tuple[str, ...]]] = {}
        self.placements: dict[str, Placement | None] = {}

    # -- configuration tree

    def module_config(self, path: tuple[str, ...]) -> Mapping[str, Any]:
        """The ``configuration`` of the module at ``path`` (empty when not written)."""
        module = _mapping(self.configuration.get("root_module"))
        for name in path:
            module = _mapping(_mapping(_mapping(module.get("module_calls")).get(name)).get("module"))
        return module

    def provider_key(self, path: tuple[str, ...], address: str) -> str | None:
        """The ``provider_config_key`` of a resource's configuration."""
        wanted = _config_address(address)
        for resource in _list(self.module_config(path).get("resources")):
            if _mapping(resource).get("address") == wanted:
                key = _mapping(resource).get("provider_config_key")
                return str(key) if isinstance(key, str) else None
        return None

    def provider_entry(self, key: str | None, path: tuple[str, ...],
                       provider_name: str) -> tuple[Mapping[str, Any] | None, tuple[str, ...]]:
        """The provider configuration a resource uses, and the module it is declared in."""
        local = key.split(":")[-1] if key else provider_name.rsplit("/", 1)[-1]
        candidates: list[str] = []
        if key:
            candidates.append(key)
            if ":" in key:
                prefix = key.split(":")[0]
                candidates.append(f"module.{prefix}:{local}" if not prefix.startswith("module.")
                                  else f"{prefix.split('module.', 1)[1]}:{local}")
        for i in range(len(path), 0, -1):  # a provider passed down from a parent module
            candidates.append(".".join(f"module.{n}" for n in path[:i]) + f":{local}")
        candidates.append(local)
        for candidate in candidates:
            entry = self.provider_config.get(candidate)
            if isinstance(entry, dict):
                module_address = entry.get("module_address")
                module_path = _module_path(str(module_address)) if module_address else ()
                return entry, module_path
        return None, ()

    def reference_value(self, reference: str, path: tuple[str, ...], hops: int = 0) -> tuple[Any, str]:
        """Follow ``var.x`` in module ``path`` to a value: (value or None, why not)."""
        if hops > _MAX_HOPS:
            return None, f"{reference}: too many hops"
        match = re.match(r"^var\.([A-Za-z0-9_-]+)$", reference)
        if not match:
            return None, f"{reference} is not a variable (known at apply time)"
        name = match.group(1)
        if not path:
            value = _mapping(self.variables.get(name)).get("value")
            if value is None:
                return None, f"var.{name} has no value in the plan"
            return value, ""
        parent, call = path[:-1], path[-1]
        call_config = _mapping(_mapping(self.module_config(parent).get("module_calls")).get(call))
        expression = _mapping(_mapping(call_config.get("expressions")).get(name))
        if "constant_value" in expression:
            return expression["constant_value"], ""
        references = [r for r in _list(expression.get("references")) if isinstance(r, str)]
        if references:
            return self.reference_value(references[0], parent, hops + 1)
        default = _mapping(_mapping(self.module_config(path).get("variables")).get(name))
        if "default" in default and default["default"] is not None:
            return default["default"], ""
        return None, f"var.{name} of module.{'.module.'.join(path)} is not set"

    def provider_region(self, entry: Mapping[str, Any] | None, module_path: tuple[str, ...],
                        attributes: list[str], label: str) -> tuple[str | None, str | None]:
        """(region, unresolved) of a provider configuration."""
        if entry is None:
            return None, f"provider {label} has no configuration in the plan; its region is set at deploy time"
        expressions = _mapping(entry.get("expressions"))
        for name in attributes:
            expression = _mapping(expressions.get(name))
            if not expression:
                continue
            if isinstance(expression.get("constant_value"), str):
                return expression["constant_value"], None
            references = [r for r in _list(expression.get("references")) if isinstance(r, str)]
            if references and references[0].startswith("each."):  # OpenTofu provider for_each
                return None, (f"provider {label}: {name} = {references[0]} (an instance of a provider "
                              "with for_each: the plan JSON does not say which instance a resource uses)")
            if references:
                value, why = self.reference_value(references[0], module_path)
                if isinstance(value, str) and value:
                    return value, None
                return None, f"provider {label}: {name} = {references[0]} ({why or 'not a string'})"
            return None, f"provider {label}: {name} is known at apply time"
        return None, f"provider {label} sets no region; it comes from the environment at deploy time"

    # -- resources

    def planned(self) -> Iterator[tuple[Mapping[str, Any], tuple[str, ...]]]:
        """Every planned resource with its module path."""
        stack = [_mapping(_mapping(self.plan.get("planned_values")).get("root_module"))]
        while stack:
            module = stack.pop(0)
            for resource in _list(module.get("resources")):
                if isinstance(resource, dict) and resource.get("mode", "managed") == "managed":
                    yield resource, _module_path(str(resource.get("address", "")))
            stack.extend(m for m in _list(module.get("child_modules")) if isinstance(m, dict))

    def resources(self) -> list[Resource]:
        """Every managed resource, with the copies each declares attached to the copied one."""
        import dataclasses

        from sovlint.placement.interpret import as_replica, copies
        from sovlint.placement.semantics import SAME_AS_RESOURCE

        planned = list(self.planned())
        self.by_address = {str(r.get("address", "")): (r, p) for r, p in planned}
        self.placements = {}
        resources = [self.resource(r, p) for r, p in planned]
        index_of = {str(r.get("address", "")): i for i, (r, _) in enumerate(planned)}
        added: dict[int, list[Replica]] = {}
        for index, (raw, path) in enumerate(planned):
            entry = location_semantics().get(str(raw.get("type", "")))
            if entry is None or not entry.copies:
                continue
            span = resources[index].source
            context = _PlanContext(self, raw, path)
            for decl in copies(entry, self.arguments(raw, path), context):
                placement = decl.placement
                if placement.relative == SAME_AS_RESOURCE:
                    placement = context.placement_of(raw, path)
                target = index_of.get(decl.of, -1) if decl.of is not None else index
                if target >= 0:
                    added.setdefault(target, []).append(as_replica(decl.via, placement, span))
        return [dataclasses.replace(r, replicas=(*r.replicas, *added.get(i, ())))
                if i in added else r for i, r in enumerate(resources)]

    def provider_id(self, resource: Mapping[str, Any]) -> str | None:
        name = str(resource.get("provider_name", ""))
        found = self.catalog.provider_for_source(name) if name and self.catalog is not None else None
        if found is None and self.catalog is not None:
            found = self.catalog.provider_for_type(str(resource.get("type", "")))
        if found is None and name:
            found = name.rsplit("/", 1)[-1]
        return found

    def arguments(self, resource: Mapping[str, Any], path: tuple[str, ...]) -> TreeArguments:
        """A planned resource's values, with references read from the configuration."""
        address = str(resource.get("address", ""))
        expressions = self._expressions(path, address)

        def reference(raw: Any, argument: str) -> Any:
            return self._reference(expressions, argument, raw, path)

        return TreeArguments(_mapping(resource.get("values")), reference=reference,
                             describe=lambda raw, spelled: f"{spelled} = {raw!r}")

    def _expressions(self, path: tuple[str, ...], address: str) -> Mapping[str, Any]:
        wanted = _config_address(address)
        for resource in _list(self.module_config(path).get("resources")):
            if _mapping(resource).get("address") == wanted:
                return _mapping(_mapping(resource).get("expressions"))
        return {}

    def _reference(self, expressions: Mapping[str, Any], argument: str, raw: Any,
                   path: tuple[str, ...]) -> str | None:
        """The planned address the argument refers to (configuration references, or an S3 ARN
        naming a planned bucket)."""
        node: Any = expressions
        for part in argument.split("."):
            node = node[0] if isinstance(node, list) and node else node
            node = _mapping(node).get(part)
        prefix = "".join(f"module.{name}." for name in path)
        for reference in _list(_mapping(node[0] if isinstance(node, list) and node else node)
                               .get("references")):
            if isinstance(reference, str) and not reference.startswith(("var.", "local.", "module.",
                                                                       "data.", "each.", "count.")):
                local = ".".join(reference.split(".")[:2])
                for address in self.by_address:
                    if address == prefix + local or address.startswith(prefix + local + "["):
                        return address
        if isinstance(raw, str) and raw:
            # a name, id or ARN that a planned resource has (``bucket = aws_s3_bucket.x.id``
            # is written as the bucket's name in the plan)
            name = raw.split(":::", 1)[1].split("/")[0] if raw.startswith("arn:aws:s3:::") else raw
            for address, (resource, _) in self.by_address.items():
                values = _mapping(resource.get("values"))
                if any(values.get(key) in (raw, name) for key in _IDENTIFYING):
                    return address
        return None

    def resource(self, resource: Mapping[str, Any], path: tuple[str, ...]) -> Resource:
        from sovlint.placement.interpret import single_site

        address = str(resource.get("address", ""))
        kind = str(resource.get("type", ""))
        values = _mapping(resource.get("values"))
        provider = self.provider_id(resource)
        entry = location_semantics().get(kind)
        placement = _PlanContext(self, resource, path).placement_of(resource, path)
        tags, inherited = self.tags(provider, TreeArguments(values))
        line = getattr(resource, "line", None)
        span = SourceSpan(self.source.path, line, getattr(resource, "end_line", None) or line)
        module = ".".join(f"module.{n}" for n in path) or None
        return Resource(
            address=address, resource_type=kind, source=span, input_format=INPUT_FORMAT,
            provider=provider, **location_fields(placement), tags=tags, inherited_tags=inherited,
            attributes=single_site(entry, self.arguments(resource, path)) if entry else {},
            module=module,
        )

    def tags(self, provider: str | None, args: TreeArguments) -> tuple[dict[str, str], dict[str, str]]:
        """(own tags, inherited tags) as the provider writes them; inherited tags are those of the
        effective set (AWS ``tags_all``, Google ``terraform_labels``) that are not its own."""
        from sovlint.placement.tags import own_tags, read_tags, tag_syntax

        own = own_tags(provider, args)
        syntax = tag_syntax(provider)
        effective = read_tags(syntax.effective, args) if syntax is not None else {}
        return own, {k: v for k, v in effective.items() if k not in own}

    def generic_placement(self, resource: Mapping[str, Any], path: tuple[str, ...]) -> Placement:
        """A type without semantics: a region/location/zone value, else the provider's region."""
        values = _mapping(resource.get("values"))
        entry = self.catalog.get(self.provider_id(resource)) if self.catalog is not None else None
        settings = _mapping(getattr(entry, "terraform", None))
        for name in [*settings.get("resource_region_attributes", ["region", "location"]),
                     *settings.get("zone_attributes", ["availability_zone", "zone"])]:
            value = values.get(name)
            if isinstance(value, str) and value:
                return Placement(names=(value,))
        return self.provider_placement(resource, path, zone=False)

    def provider_placement(self, resource: Mapping[str, Any], path: tuple[str, ...],
                           zone: bool) -> Placement:
        """The region (or zone) of the provider configuration a planned resource uses."""
        address = str(resource.get("address", ""))
        provider = self.provider_id(resource)
        entry = self.catalog.get(provider) if self.catalog is not None and provider else None
        settings = _mapping(getattr(entry, "terraform", None))
        key = self.provider_key(path, address)
        config, module_path = self.provider_entry(key, path, str(resource.get("provider_name", "")))
        names = ["zone"] if zone else list(settings.get("provider_region_attributes", ["region"]))
        region, why = self.provider_region(config, module_path, names, key or provider or "?")
        if why and _sets_no_region(config, names) and self.deploy is not None:
            deployed = self.deploy.region_for(provider, names, lambda name: _constant(config, name))
            if deployed is not None:
                return Placement(names=(str(deployed),), region_source=getattr(deployed, "origin", None))
        if why:
            return Placement(unresolved=why)
        return Placement(names=(str(region),))


class _PlanContext:
    """The interpreter's view of a plan: provider configurations, other planned resources."""

    def __init__(self, reader: PlanReader, resource: Mapping[str, Any], path: tuple[str, ...]):
        self.reader = reader
        self.resource = resource
        self.path = path

    def placement_of(self, resource: Mapping[str, Any], path: tuple[str, ...]) -> Placement:
        """Where a planned resource keeps its data."""
        from sovlint.placement.interpret import place

        entry = location_semantics().get(str(resource.get("type", "")))
        if entry is None:
            return self.reader.generic_placement(resource, path)
        return place(entry, self.reader.arguments(resource, path), _PlanContext(self.reader, resource, path))

    def provider_location(self, zone: bool) -> Placement:
        """The region (or zone) of the resource's provider configuration."""
        return self.reader.provider_placement(self.resource, self.path, zone)

    def locate(self, handle: Any) -> Placement | None:
        """Where another planned resource is (``handle``: its address)."""
        found = self.reader.by_address.get(handle)
        if found is None or found[0] is self.resource:
            return None
        memo = self.reader.placements
        if handle in memo:
            return memo[handle] or Placement(unresolved=f"{handle} depends on its own location")
        memo[handle] = None
        memo[handle] = placement = self.placement_of(*found)
        return placement

    def peers(self, path: str, handle: Any) -> list[Placement]:
        """The other planned resources of this type whose ``path`` refers to the same one."""
        found = []
        for address, (resource, module_path) in self.reader.by_address.items():
            if resource is self.resource or resource.get("type") != self.resource.get("type"):
                continue
            if self.reader.arguments(resource, module_path).reference(path) == handle:
                located = self.locate(address)
                if located is not None:
                    found.append(located)
        return found


def _sets_no_region(entry: Mapping[str, Any] | None, attributes: list[str]) -> bool:
    """A provider configuration (or none at all) without any of the region arguments."""
    expressions = _mapping(entry.get("expressions")) if entry is not None else {}
    return not any(name in expressions for name in attributes)


def _constant(entry: Mapping[str, Any] | None, name: str) -> Any:
    """A provider argument the plan writes as a constant (``profile``), else ``None``."""
    expressions = _mapping(entry.get("expressions")) if entry is not None else {}
    return _mapping(expressions.get(name)).get("constant_value")


def normalise_terraform_plan(unit: Any, config: Config) -> Any:
    """One plan JSON file -> resources (or a SOV900 failure)."""
    from sovlint.engine import UnitResult, cached_catalog

    result = UnitResult()
    loaded = load_source(Path(unit.path), unit.reported[0], as_json=True)
    if isinstance(loaded, ParseFailure):
        result.failures.append(loaded.as_tuple())
        return result
    plan = loaded.documents[0] if loaded.documents else None
    if not isinstance(plan, dict):
        result.failures.append((unit.reported[0], 1, "a plan must be a JSON object"))
        return result
    deploy = DeployEnvironment.from_config(config)
    result.resources = PlanReader(plan, loaded, cached_catalog(config.catalog),
                                  deploy if deploy.active else None).resources()
    return result
