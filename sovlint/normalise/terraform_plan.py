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
Tags are ``tags`` (own) and ``tags_all`` minus ``tags`` (provider
``default_tags``, inherited).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, Mapping

from sovlint.config import Config
from sovlint.deploy_env import DeployEnvironment
from sovlint.model import Replica, Resource, SourceSpan
from sovlint.normalise.documents import ParseFailure, SourceDocuments, load_source

INPUT_FORMAT = "terraform-plan"
_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:(?P<region>[a-z0-9-]+):")
_MAX_HOPS = 20


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
        """Every managed resource; a replication configuration's copies go on its bucket."""
        import dataclasses

        planned = list(self.planned())
        resources = [self.resource(r, p) for r, p in planned]
        buckets = {str(_mapping(r.get("values")).get("bucket")): i for i, (r, _) in enumerate(planned)
                   if r.get("type") == "aws_s3_bucket"}
        for index, (raw, _) in enumerate(planned):
            if raw.get("type") != "aws_s3_bucket_replication_configuration":
                continue
            target = buckets.get(str(_mapping(raw.get("values")).get("bucket")))
            if target is None:
                continue
            copies = resources[index].replicas
            resources[index] = dataclasses.replace(resources[index], replicas=())
            resources[target] = dataclasses.replace(
                resources[target], replicas=(*resources[target].replicas, *copies))
        return resources

    def provider_id(self, resource: Mapping[str, Any]) -> str | None:
        name = str(resource.get("provider_name", ""))
        found = self.catalog.provider_for_source(name) if name and self.catalog is not None else None
        if found is None and self.catalog is not None:
            found = self.catalog.provider_for_type(str(resource.get("type", "")))
        if found is None and name:
            found = name.rsplit("/", 1)[-1]
        return found

    def resource(self, resource: Mapping[str, Any], path: tuple[str, ...]) -> Resource:
        address = str(resource.get("address", ""))
        kind = str(resource.get("type", ""))
        values = _mapping(resource.get("values"))
        provider = self.provider_id(resource)
        entry = self.catalog.get(provider) if self.catalog is not None and provider else None
        settings = _mapping(getattr(entry, "terraform", None))
        region: str | None = None
        unresolved: list[str] = []
        for name in [*settings.get("resource_region_attributes", ["region", "location"]),
                     *settings.get("zone_attributes", ["availability_zone", "zone"])]:
            value = values.get(name)
            if isinstance(value, str) and value:
                region = value
                break
        if region is None:
            key = self.provider_key(path, address)
            config, module_path = self.provider_entry(key, path, str(resource.get("provider_name", "")))
            label = key or provider or "?"
            attributes = list(settings.get("provider_region_attributes", ["region"]))
            region, why = self.provider_region(config, module_path, attributes, label)
            if why and _sets_no_region(config, attributes) and self.deploy is not None:
                region = self.deploy.region_for(provider, attributes,
                                                lambda name: _constant(config, name))
                why = None if region is not None else why
            if why:
                unresolved.append(why)
        tags = {str(k): str(v) for k, v in _mapping(values.get("tags") or values.get("labels")).items()
                if isinstance(v, (str, int, float, bool))}
        tags_all = {str(k): str(v) for k, v in _mapping(values.get("tags_all")).items()
                    if isinstance(v, (str, int, float, bool))}
        inherited = {k: v for k, v in tags_all.items() if k not in tags}
        line = getattr(resource, "line", None)
        span = SourceSpan(self.source.path, line, getattr(resource, "end_line", None) or line)
        module = ".".join(f"module.{n}" for n in path) or None
        return Resource(
            address=address, resource_type=kind, source=span, input_format=INPUT_FORMAT,
            provider=provider, region=str(region) if region is not None else None,
            region_source=getattr(region, "origin", None), unresolved=tuple(unresolved), tags=tags,
            inherited_tags=inherited, replicas=tuple(self.replicas(kind, values, span)),
            attributes=_facts(kind, values), module=module,
        )

    def replicas(self, kind: str, values: Mapping[str, Any], span: SourceSpan) -> Iterator[Replica]:
        if kind == "aws_dynamodb_table":
            for replica in _list(values.get("replica")):
                name = _mapping(replica).get("region_name")
                if isinstance(name, str):
                    yield Replica("global table replica", name, declared_at=span)
        elif kind == "aws_s3_bucket_replication_configuration":
            for rule in _list(values.get("rule")):
                for destination in _list(_mapping(rule).get("destination")):
                    bucket = _mapping(destination).get("bucket")
                    yield self._s3_destination(bucket, span)
        elif kind == "aws_backup_plan":
            for rule in _list(values.get("rule")):
                for action in _list(_mapping(rule).get("copy_action")):
                    arn = _mapping(action).get("destination_vault_arn")
                    match = _ARN_REGION.match(arn) if isinstance(arn, str) else None
                    if match:
                        yield Replica("backup copy", match.group("region"), declared_at=span)
                    else:
                        yield Replica("backup copy", None, "backup copy destination vault is known "
                                      "at apply time", declared_at=span)
        elif kind in ("aws_db_instance", "aws_rds_cluster"):
            source = values.get("replicate_source_db") or values.get("replication_source_identifier")
            match = _ARN_REGION.match(source) if isinstance(source, str) else None
            if match:
                yield Replica("read replica of a source database", match.group("region"),
                              declared_at=span)

    def _s3_destination(self, bucket: Any, span: SourceSpan) -> Replica:
        if isinstance(bucket, str):
            name = bucket.split(":::", 1)[-1]
            for resource, path in self.planned():
                values = _mapping(resource.get("values"))
                if resource.get("type") == "aws_s3_bucket" and values.get("bucket") == name:
                    found = self.resource(resource, path)
                    if found.region:
                        return Replica("S3 replication", found.region, declared_at=span)
            return Replica("S3 replication", None, f"replication destination {bucket}: an S3 bucket "
                           "ARN carries no region", declared_at=span)
        return Replica("S3 replication", None, "replication destination is known at apply time",
                       declared_at=span)


def _sets_no_region(entry: Mapping[str, Any] | None, attributes: list[str]) -> bool:
    """A provider configuration (or none at all) without any of the region arguments."""
    expressions = _mapping(entry.get("expressions")) if entry is not None else {}
    return not any(name in expressions for name in attributes)


def _constant(entry: Mapping[str, Any] | None, name: str) -> Any:
    """A provider argument the plan writes as a constant (``profile``), else ``None``."""
    expressions = _mapping(entry.get("expressions")) if entry is not None else {}
    return _mapping(expressions.get(name)).get("constant_value")


def _facts(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Redundancy settings (SOV009), read by the Terraform facts table when it is available."""
    try:
        from sovlint.normalise.terraform_facts import resource_facts
    except ImportError:
        return {}
    return resource_facts(kind, lambda name: values.get(name))


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
    from sovlint.deploy_env import DeployEnvironment

    deploy = DeployEnvironment.from_config(config)
    result.resources = PlanReader(plan, loaded, cached_catalog(config.catalog),
                                  deploy if deploy.active else None).resources()
    return result
