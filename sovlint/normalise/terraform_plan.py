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
Resources, references, copies and tags are read as for a state
(``sovlint.normalise.terraform_values``: tags as the provider writes them,
``policies/locations/``; the inherited ones are those of the effective set,
AWS ``tags_all``, Google ``terraform_labels``, that are not the resource's
own); what is the plan's own is the provider configuration and the
references the configuration writes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from sovlint.config import Config
from sovlint.deploy_env import DeployEnvironment
from sovlint.normalise.documents import ParseFailure, SourceDocuments, load_source
from sovlint.normalise.terraform_values import (ResourceValues, ValuesReader, items, mapping,
                                                module_path, module_values)
from sovlint.placement.interpret import Placement

INPUT_FORMAT = "terraform-plan"
_MAX_HOPS = 20


def _config_address(address: str) -> str:
    """A resource address without module prefix and instance key: ``aws_s3_bucket.b``."""
    tail = re.sub(r"^(?:module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.)*", "", address)
    return re.sub(r"\[[^\]]*\]$", "", tail)


class PlanReader(ValuesReader):
    """Reads one plan document."""

    input_format = INPUT_FORMAT

    def __init__(self, plan: Mapping[str, Any], source: SourceDocuments, catalog: Any,
                 deploy: DeployEnvironment | None = None):
        super().__init__(source, catalog)
        self.plan = plan
        self.deploy = deploy  # --deploy-env / terraform.provider_regions
        self.configuration = mapping(plan.get("configuration"))
        self.provider_config = mapping(self.configuration.get("provider_config"))
        self.variables = mapping(plan.get("variables"))

    def instances(self) -> list[ResourceValues]:
        """Every planned resource instance (``planned_values``)."""
        return module_values(mapping(mapping(self.plan.get("planned_values")).get("root_module")))

    # -- configuration tree

    def module_config(self, path: tuple[str, ...]) -> Mapping[str, Any]:
        """The ``configuration`` of the module at ``path`` (empty when not written)."""
        module = mapping(self.configuration.get("root_module"))
        for name in path:
            module = mapping(mapping(mapping(module.get("module_calls")).get(name)).get("module"))
        return module

    def _resource_config(self, path: tuple[str, ...], address: str) -> Mapping[str, Any]:
        wanted = _config_address(address)
        for resource in items(self.module_config(path).get("resources")):
            if mapping(resource).get("address") == wanted:
                return mapping(resource)
        return {}

    def provider_key(self, path: tuple[str, ...], address: str) -> str | None:
        """The ``provider_config_key`` of a resource's configuration."""
        key = self._resource_config(path, address).get("provider_config_key")
        return str(key) if isinstance(key, str) else None

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
                declared_in = module_path(str(module_address)) if module_address else ()
                return entry, declared_in
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
            value = mapping(self.variables.get(name)).get("value")
            if value is None:
                return None, f"var.{name} has no value in the plan"
            return value, ""
        parent, call = path[:-1], path[-1]
        call_config = mapping(mapping(self.module_config(parent).get("module_calls")).get(call))
        expression = mapping(mapping(call_config.get("expressions")).get(name))
        if "constant_value" in expression:
            return expression["constant_value"], ""
        references = [r for r in items(expression.get("references")) if isinstance(r, str)]
        if references:
            return self.reference_value(references[0], parent, hops + 1)
        default = mapping(mapping(self.module_config(path).get("variables")).get(name))
        if "default" in default and default["default"] is not None:
            return default["default"], ""
        return None, f"var.{name} of module.{'.module.'.join(path)} is not set"

    def provider_region(self, entry: Mapping[str, Any] | None, module_path: tuple[str, ...],
                        attributes: list[str], label: str) -> tuple[str | None, str | None]:
        """(region, unresolved) of a provider configuration."""
        if entry is None:
            return None, f"provider {label} has no configuration in the plan; its region is set at deploy time"
        expressions = mapping(entry.get("expressions"))
        for name in attributes:
            expression = mapping(expressions.get(name))
            if not expression:
                continue
            if isinstance(expression.get("constant_value"), str):
                return expression["constant_value"], None
            references = [r for r in items(expression.get("references")) if isinstance(r, str)]
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

    # -- what the plan says of a resource

    def configured_reference(self, item: ResourceValues, argument: str) -> str | None:
        """The planned address the configuration's ``references`` of an argument name."""
        node: Any = mapping(self._resource_config(item.module_path, item.address).get("expressions"))
        for part in argument.split("."):
            node = node[0] if isinstance(node, list) and node else node
            node = mapping(node).get(part)
        prefix = "".join(f"module.{name}." for name in item.module_path)
        for reference in items(mapping(node[0] if isinstance(node, list) and node else node)
                               .get("references")):
            if isinstance(reference, str) and not reference.startswith(("var.", "local.", "module.",
                                                                       "data.", "each.", "count.")):
                local = ".".join(reference.split(".")[:2])
                for address in self.by_address:
                    if address == prefix + local or address.startswith(prefix + local + "["):
                        return address
        return None

    def provider_placement(self, item: ResourceValues, zone: bool) -> Placement:
        """The region (or zone) of the provider configuration a planned resource uses."""
        provider = self.provider_id(item)
        entry = self.catalog.get(provider) if self.catalog is not None and provider else None
        settings = mapping(getattr(entry, "terraform", None))
        key = self.provider_key(item.module_path, item.address)
        config, config_path = self.provider_entry(key, item.module_path, item.provider_name)
        names = ["zone"] if zone else list(settings.get("provider_region_attributes", ["region"]))
        region, why = self.provider_region(config, config_path, names, key or provider or "?")
        if why and _sets_no_region(config, names) and self.deploy is not None:
            deployed = self.deploy.region_for(provider, names, lambda name: _constant(config, name))
            if deployed is not None:
                return Placement(names=(str(deployed),), region_source=getattr(deployed, "origin", None))
        if why:
            return Placement(unresolved=why)
        return Placement(names=(str(region),))


def _sets_no_region(entry: Mapping[str, Any] | None, attributes: list[str]) -> bool:
    """A provider configuration (or none at all) without any of the region arguments."""
    expressions = mapping(entry.get("expressions")) if entry is not None else {}
    return not any(name in expressions for name in attributes)


def _constant(entry: Mapping[str, Any] | None, name: str) -> Any:
    """A provider argument the plan writes as a constant (``profile``), else ``None``."""
    expressions = mapping(entry.get("expressions")) if entry is not None else {}
    return mapping(expressions.get(name)).get("constant_value")


def normalise_terraform_plan(unit: Any, config: Config) -> Any:
    """One plan JSON file -> resources (or a SOV900 failure)."""
    from sovlint.catalog import cached_catalog
    from sovlint.units import UnitResult

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
