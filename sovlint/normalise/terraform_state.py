"""Terraform state (``terraform.tfstate`` format version 4, ``terraform show -json`` of a state) -> Resources.

A state is what is deployed: each managed resource instance with the values
the provider read back (``resources[].instances[].attributes`` in version 4,
``values.root_module`` in the JSON output of ``terraform show``). Locations
are read from those values through the location semantics, as for a plan
(``sovlint.normalise.terraform_values``). A state keeps no provider
configuration: where a type's location would be its provider's region, the
resource's own attributes say it (``deployed`` in ``policies/locations/``: an
AWS ARN, a Google self link, a Scaleway regional id), else the location is
unresolved (SOV004), never guessed. Instances of one resource (``count``,
``for_each``, module instances) are grouped by location as for HCL.

A state holds secrets (passwords, keys, connection strings): no value read
from it reaches a message unless it is a location. Arguments are described
by name only, and an internal error names its type and place, not its text.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Mapping

from sovlint.config import Config
from sovlint.model import Resource
from sovlint.normalise.documents import ParseFailure, SourceDocuments, load_source
from sovlint.normalise.terraform_values import (ResourceValues, ValuesReader, group_instances, items,
                                                mapping, module_path, module_values, split_address)
from sovlint.placement.interpret import Placement, place
from sovlint.placement.semantics import Fallback, TypeSemantics, location_semantics

INPUT_FORMAT = "terraform-state"
#: The state format version this reader knows (Terraform 0.12 and later, OpenTofu).
STATE_VERSION = 4
#: How a message shows a value read from a state.
HIDDEN = "(value not shown)"
_PROVIDER = re.compile(r'provider\["([^"]+)"\]')
#: A format version as messages may show it (anything else in its place is not quoted).
_VERSION = re.compile(r"^[0-9]{1,4}(\.[0-9]{1,4}){0,2}$")


def _key_suffix(key: Any) -> str:
    """An instance key as Terraform writes it in an address: ``[0]``, ``["eu"]``."""
    if key is None:
        return ""
    return f"[{json.dumps(key, ensure_ascii=False)}]"


class StateReader(ValuesReader):
    """Reads one state document (format version 4, or ``terraform show -json``)."""

    input_format = INPUT_FORMAT

    def __init__(self, state: Mapping[str, Any], source: SourceDocuments, catalog: Any):
        super().__init__(source, catalog)
        self.state = state

    def instances(self) -> list[ResourceValues]:
        """Every managed resource instance, deposed ones included (they exist until destroyed)."""
        if "values" in self.state:  # terraform show -json
            return module_values(mapping(mapping(self.state.get("values")).get("root_module")))
        found: list[ResourceValues] = []
        for resource in items(self.state.get("resources")):
            if not isinstance(resource, dict) or resource.get("mode") != "managed":
                continue
            module = str(resource.get("module") or "")
            local = f"{resource.get('type', '')}.{resource.get('name', '')}"
            provider = _PROVIDER.search(str(resource.get("provider", "")))
            for instance in items(resource.get("instances")):
                if not isinstance(instance, dict):
                    continue
                address = local + _key_suffix(instance.get("index_key"))
                found.append(ResourceValues(
                    address=f"{module}.{address}" if module else address,
                    resource_type=str(resource.get("type", "")),
                    provider_name=provider.group(1) if provider else "",
                    values=mapping(instance.get("attributes")), module_path=module_path(module),
                    line=getattr(instance, "line", None), end_line=getattr(instance, "end_line", None)))
        return found

    def provider_placement(self, item: ResourceValues, zone: bool) -> Placement:
        """What the resource's own attributes record of its region (its ARN, self link, regional id):
        a state keeps no provider configuration."""
        reason = (f"the state records no region for {split_address(item.address)[0]}: its location "
                  "would be its provider's region, which a state does not keep")
        args = self.arguments(item)
        for reader in location_semantics().deployed.get(self.provider_id(item) or "", ()):
            semantics = TypeSemantics(provider="", resource_type=item.resource_type, readers=(reader,),
                                      absent=Fallback(kind="unknown", reason=reason))
            found = place(semantics, args, _NoContext())
            if found.names:
                return Placement(names=found.names, origin=f"as its {reader.argument} records it")
        return Placement(unresolved=reason)

    def describe(self, raw: Any, spelled: str) -> str:
        """An argument by name alone: its value may be a secret."""
        return HIDDEN

    def excerpt(self, value: Any) -> str:
        """Never a value of the state."""
        return HIDDEN

    def resources(self) -> list[Resource]:
        """The state's resources, instances of one resource grouped by location."""
        return group_instances(super().resources())


class _NoContext:
    """The deployed readers read the resource's own attributes only."""

    def provider_location(self, zone: bool) -> Placement:
        return Placement(unresolved="no provider configuration in a state")

    def locate(self, handle: Any) -> Placement | None:
        return None

    def peers(self, path: str, handle: Any) -> list[Placement]:
        return []


def state_problem(document: Any) -> str | None:
    """Why a document is not a state this reader knows (``None``: it is one)."""
    if not isinstance(document, dict):
        return "a Terraform state must be a JSON object"
    if "encryption_version" in document and "encrypted_data" in document:
        return ("an encrypted OpenTofu state: not readable without its key; scan the output of "
                "`tofu show -json` instead")
    if "values" in document or ("format_version" in document and "version" not in document):
        written = str(document.get("format_version", "1"))
        if written.split(".")[0] == "1":
            return None
        shown = written if _VERSION.match(written) else "(not a version number)"
        return f"JSON output format version {shown} is not read (sovlint reads version 1.x)"
    version = document.get("version")
    if version != STATE_VERSION:
        shown = str(version) if isinstance(version, int) and not isinstance(version, bool) else "(none)"
        return (f"Terraform state format version {shown} is not read (sovlint reads version "
                f"{STATE_VERSION}, written by Terraform 0.12 and later and by OpenTofu: "
                "`terraform state pull` with one of them writes it)")
    return None


def normalise_terraform_state(unit: Any, config: Config) -> Any:
    """One state file -> resources (or a SOV900 failure)."""
    import traceback

    from sovlint.catalog import cached_catalog

    from sovlint.units import UnitResult

    result = UnitResult()
    display = unit.reported[0]
    try:
        if os.stat(unit.path).st_size == 0:
            return result  # an empty state file is no state, as Terraform reads it
    except OSError:
        pass  # said by load_source
    loaded = load_source(Path(unit.path), display, as_json=True)
    if isinstance(loaded, ParseFailure):
        result.failures.append(loaded.as_tuple())
        return result
    document = loaded.documents[0] if loaded.documents else None
    problem = state_problem(document)
    if problem is not None:
        result.failures.append((display, 1, problem))
        return result
    assert isinstance(document, dict)
    try:
        result.resources = StateReader(document, loaded, cached_catalog(config.catalog)).resources()
    except Exception as exc:  # the exception's text could quote a value of the state: never shown
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        result.failures.append((display, None, f"internal error while reading a Terraform state: "
                                f"{type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno} "
                                "(its message is not shown: a state holds secrets)"))
    return result
