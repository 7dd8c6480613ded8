"""Python rules from installed packages, through the ``sovlint.rules`` entry point group.

An entry point names an object (or a callable returning one, or a list of
them) with the attributes ``id``, ``name``, ``severity``, ``title`` and
optionally ``description``, ``references``, ``remediation``, and a method
``check(resource) -> Iterable[str]`` yielding one message per violation. The
rule sees the same resolved ``Resource`` as policy files do, never an input
format. Plugins are code the user installed; policy files never are.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Protocol

from sovlint.model import Finding, Resource, Severity
from sovlint.policy.load import AllOf, Policy, PolicyError

GROUP = "sovlint.rules"


class PythonRule(Protocol):
    """What a plugin rule provides."""

    id: str
    name: str
    severity: str
    title: str

    def check(self, resource: Resource) -> Iterable[str]:
        """One message per violation of the rule by ``resource``."""
        ...


@dataclass(frozen=True)
class PluginCheck:
    """The callable part of a Python rule, kept on its ``Policy``."""

    rule: Any

    def findings(self, policy: Policy, resource: Resource) -> Iterator[Finding]:
        """Run the plugin's ``check`` and wrap its messages as findings."""
        for index, message in enumerate(self.rule.check(resource)):
            yield Finding(
                rule=policy.id, name=policy.name, severity=policy.severity, message=str(message),
                source=resource.source, address=resource.address,
                resource_type=resource.resource_type, provider=resource.provider,
                region=resource.canonical_region or resource.region, country=resource.country,
                countries=resource.countries, data_class=resource.data_class,
                discriminator=str(index) if index else "", root=resource.root,
                location_key=f"{resource.provider or ''}|{','.join(resource.countries)}",
                remediation=getattr(self.rule, "remediation", None),
                region_source=resource.region_source,
            )


def _as_policy(rule: Any, origin: str) -> Policy:
    try:
        severity = Severity.parse(str(rule.severity))
        return Policy(
            id=str(rule.id), name=str(rule.name), severity=severity, title=str(rule.title),
            assertion=AllOf(()), message="", description=str(getattr(rule, "description", "")),
            references=tuple(getattr(rule, "references", ()) or ()),
            remediation=str(getattr(rule, "remediation", "") or ""), source_file=origin,
            plugin=PluginCheck(rule),
        )
    except (AttributeError, KeyError) as exc:
        raise PolicyError(origin, None, f"plugin rule is missing {exc}") from None


def installed_entry_points() -> list[tuple[str, str]]:
    """(name, value) of the installed entry points of :data:`GROUP`, by name. Finding them
    imports ``importlib.metadata`` and reads every installed package's metadata (some 20 ms
    of every run, pre-commit included): the answer is kept while no folder of ``sys.path``
    changes (installing or removing a package changes the folder it is installed in)."""
    from sovlint.parse_cache import cached_by_stamps

    def find() -> list[tuple[str, str]]:
        from importlib.metadata import entry_points

        return sorted((e.name, e.value) for e in entry_points(group=GROUP))

    return cached_by_stamps("entry-points", [p or os.curdir for p in sys.path], find)


def plugin_policies() -> list[Policy]:
    """Every rule provided by installed packages."""
    found = installed_entry_points()
    if not found:
        return []
    from importlib.metadata import EntryPoint

    policies: list[Policy] = []
    for name, value in found:
        entry = EntryPoint(name=name, value=value, group=GROUP)
        origin = f"entry point {entry.name} ({entry.value})"
        try:
            loaded = entry.load()
        except Exception as exc:  # a broken plugin is a usage error, not a crash
            raise PolicyError(origin, None, f"cannot load plugin: {type(exc).__name__}: {exc}") from None
        if callable(loaded) and not hasattr(loaded, "check"):
            loaded = loaded()
        rules = loaded if isinstance(loaded, (list, tuple)) else [loaded]
        policies.extend(_as_policy(rule, origin) for rule in rules)
    return policies
