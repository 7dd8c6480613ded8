"""Terraform states in the shapes Terraform writes, for the state tests.

``show_json`` gives what ``terraform show -json`` prints for a format-4 state
(Terraform's ``internal/command/jsonstate``): the same values, one object per
instance with its address, modules nested under ``child_modules``. The real
binary writes it only with the providers' schemas, which an offline test
cannot download; ``tests/fixtures/terraform_state/terraform-data/show.json`` is
the real thing for the built-in provider.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PROVIDER = re.compile(r'provider\["([^"]+)"\]')


def _index(key: Any) -> str:
    return "" if key is None else f"[{json.dumps(key)}]"


def show_json(state: dict[str, Any]) -> dict[str, Any]:
    """The ``terraform show -json`` document of a format-4 state."""
    modules: dict[str, dict[str, Any]] = {"": {"resources": []}}

    def module(address: str) -> dict[str, Any]:
        if address not in modules:
            parent_address = address.rsplit(".module.", 1)[0] if ".module." in address else ""
            modules[address] = {"address": address, "resources": []}
            module(parent_address).setdefault("child_modules", []).append(modules[address])
        return modules[address]

    for resource in state["resources"]:
        prefix = resource.get("module", "")
        provider = _PROVIDER.search(resource["provider"])
        for instance in resource["instances"]:
            local = f"{resource['type']}.{resource['name']}{_index(instance.get('index_key'))}"
            entry: dict[str, Any] = {
                "address": f"{prefix}.{local}" if prefix else local,
                "mode": resource["mode"], "type": resource["type"], "name": resource["name"]}
            if "index_key" in instance:
                entry["index"] = instance["index_key"]
            entry.update({"provider_name": provider.group(1) if provider else "",
                          "schema_version": instance["schema_version"],
                          "values": instance["attributes"],
                          "sensitive_values": {p[0]["value"]: True
                                               for p in instance.get("sensitive_attributes", [])}})
            module(prefix)["resources"].append(entry)
    values: dict[str, Any] = {"outputs": {name: {"sensitive": o.get("sensitive", False), "value": o["value"],
                                                  "type": o["type"]}
                                          for name, o in state.get("outputs", {}).items()},
                              "root_module": modules[""]}
    return {"format_version": "1.0", "terraform_version": state["terraform_version"], "values": values}
