"""Evaluate one instance of a module: variables, locals, providers, resources, module calls.

Everything is evaluated on demand and memoised, so that a resource's
``location = azurerm_resource_group.rg.location`` or a provider's
``region = local.region`` is followed to its source, and what cannot be
known is an ``Unknown`` carrying the expression and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from sovlint.hcl.render import render
from sovlint.hcl.syntax import Attribute, Block, Body, Expr
from sovlint.terraform.evaluator import evaluate_or_unknown
from sovlint.terraform.scope import LazyMapping
from sovlint.terraform.module import Located, ModuleConfig, provider_key
from sovlint.terraform.values import Unknown

#: Modules nested deeper than this are not followed (and a module that calls itself stops here).
MAX_MODULE_DEPTH = 12
#: count/for_each instances evaluated one by one; beyond that, the first ones stand for all.
MAX_INSTANCES = 256


def _unknown(reason: str, expr: str) -> Unknown:
    return Unknown(reason=reason, expr=expr)


@dataclass
class ProviderInstance:
    """A provider configuration as seen from a module instance (after ``providers`` maps)."""

    key: str  # aws / aws.eu as declared where the block is
    block: Block | None
    file_path: str | None
    owner: "ModuleInstance | None"  # the module instance whose scope evaluates the block

    def attribute(self, name: str) -> Any:
        """The evaluated value of an attribute of the provider block (Unknown if absent)."""
        if self.block is None or self.owner is None:
            return _unknown(f"provider {self.key} has no configuration block", f"provider.{self.key}")
        attr = self.block.body.attribute(name)
        if attr is None:
            return None
        return self.owner.evaluate(attr.expr)

    def expression(self, name: str) -> str | None:
        """The source text of an attribute of the provider block."""
        if self.block is None:
            return None
        attr = self.block.body.attribute(name)
        return render(attr.expr) if attr is not None else None

    def default_tags(self) -> Any:
        """``default_tags { tags = {...} }`` (AWS provider)."""
        if self.block is None or self.owner is None:
            return {}
        for block in self.block.body.blocks_of("default_tags"):
            attr = block.body.attribute("tags")
            if attr is not None:
                return self.owner.evaluate(attr.expr)
        return {}


@dataclass
class ModuleInstance:
    """A module directory evaluated with given inputs and providers."""

    config: ModuleConfig
    inputs: Mapping[str, Any]  # variable name -> value (or Unknown)
    address: str  # "" for the root, "module.a.module.b" inside
    providers: dict[str, ProviderInstance]
    load_child: Callable[[Path], ModuleConfig | None]
    depth: int = 0
    call_stack: tuple[str, ...] = ()
    _locals_in_progress: list[str] = field(default_factory=list)
    _local_values: dict[str, Any] = field(default_factory=dict)
    _resource_values: dict[tuple[str, str, str], Any] = field(default_factory=dict)

    # ----- scope -----
    def lookup(self, name: str, line: int = 0) -> Any:
        """The value of a root name in this module's scope."""
        if name == "var":
            return LazyMapping(self._variable, self.config.variables.keys(), "var")
        if name == "local":
            return LazyMapping(self._local, self.config.locals.keys(), "local")
        if name == "path":
            directory = str(self.config.directory)
            return {"module": directory, "root": directory, "cwd": "."}
        if name == "terraform":
            return {"workspace": "default"}
        if name == "module":
            return LazyMapping(self._module_output, self.config.module_calls.keys(), "module")
        if name == "data":
            types = {b.node.labels[0] for b in self.config.data_sources}  # type: ignore[union-attr]
            return LazyMapping(lambda t: self._resources_of("data", t), types, "data")
        if name in ("each", "count", "self"):
            return _unknown(f"{name} is only known per instance", name)
        types = {b.node.labels[0] for b in self.config.resources}  # type: ignore[union-attr]
        if name in types:
            return self._resources_of("resource", name)
        return _unknown(f"{name} is not defined in this module", name)

    def evaluate(self, expr: Expr, extra: Mapping[str, Any] | None = None) -> Any:
        """Evaluate an expression of this module (``extra`` adds names such as ``each``)."""
        scope: Any = self if not extra else _ExtraScope(self, extra)
        return evaluate_or_unknown(expr, scope)

    def _variable(self, name: str) -> Any:
        if name in self.inputs:
            return self.inputs[name]
        located = self.config.variables.get(name)
        if located is None:
            return _unknown(f"variable {name} is not declared", f"var.{name}")
        block = located.node
        assert isinstance(block, Block)
        default = block.body.attribute("default")
        if default is None:
            return _unknown(f"variable {name} has no default and no value was given", f"var.{name}")
        return self.evaluate(default.expr)

    def _local(self, name: str) -> Any:
        if name in self._local_values:
            return self._local_values[name]
        located = self.config.locals.get(name)
        if located is None:
            return _unknown(f"local value {name} is not declared", f"local.{name}")
        if name in self._locals_in_progress:
            cycle = " -> ".join(f"local.{n}" for n in (*self._locals_in_progress[
                self._locals_in_progress.index(name):], name))
            return _unknown(f"cycle: {cycle}", f"local.{name}")
        self._locals_in_progress.append(name)
        try:
            attr = located.node
            assert isinstance(attr, Attribute)
            value = self.evaluate(attr.expr)
        finally:
            self._locals_in_progress.pop()
        self._local_values[name] = value
        return value

    def _module_output(self, name: str) -> Any:
        return _unknown(f"outputs of module {name} are not evaluated", f"module.{name}")

    def _resources_of(self, mode: str, type_: str) -> Any:
        blocks = self.config.resources if mode == "resource" else self.config.data_sources
        names = [b.node.labels[1] for b in blocks if b.node.labels[0] == type_]  # type: ignore[union-attr]
        return LazyMapping(lambda n: self._resource_object(mode, type_, n), names,
                           f"{'data.' if mode == 'data' else ''}{type_}")

    def _resource_object(self, mode: str, type_: str, name: str) -> Any:
        key = (mode, type_, name)
        if key in self._resource_values:
            return self._resource_values[key]
        blocks = self.config.resources if mode == "resource" else self.config.data_sources
        block = next((b.node for b in blocks if isinstance(b.node, Block)
                      and b.node.labels[0] == type_ and b.node.labels[1] == name), None)
        prefix = f"{'data.' if mode == 'data' else ''}{type_}.{name}"
        if block is None:
            value: Any = _unknown(f"{prefix} is not declared", prefix)
        elif mode == "data" or block.body.attribute("count") or block.body.attribute("for_each"):
            value = _unknown(f"{prefix} is only known after apply", prefix)
        else:
            value = _ResourceAttributes(self, block, prefix)
        self._resource_values[key] = value
        return value

    # ----- providers -----
    def provider_for(self, block: Block) -> tuple[str, ProviderInstance | None, str | None]:
        """(local provider key, its configuration, the ``provider =`` text) for a resource."""
        meta = block.body.attribute("provider")
        if meta is not None:
            text = render(meta.expr)
            key = text.strip()
        else:
            text = None
            key = block.labels[0].split("_", 1)[0]
        return key, self.providers.get(key), text


class _ExtraScope:
    """A module scope with extra names (``each``, ``count``) for one instance."""

    def __init__(self, base: ModuleInstance, extra: Mapping[str, Any]):
        self.base = base
        self.extra = extra

    def lookup(self, name: str, line: int = 0) -> Any:
        if name in self.extra:
            return self.extra[name]
        return self.base.lookup(name, line)


class _ResourceAttributes(LazyMapping):
    """Another resource's arguments, evaluated on demand; computed attributes are unknown."""

    def __init__(self, module: ModuleInstance, block: Block, prefix: str):
        names = [a.name for a in block.body.attributes]
        self._module = module
        self._block = block
        super().__init__(self._get, names, prefix, open_=True)

    def _get(self, name: str) -> Any:
        attr = self._block.body.attribute(name)
        if attr is None:
            return _unknown(f"{self.label}.{name} is only known after apply", f"{self.label}.{name}")
        return self._module.evaluate(attr.expr)


def iter_attributes(body: Body) -> Iterator[Attribute]:
    """Attributes of a body and of its nested blocks, depth first."""
    yield from body.attributes
    for block in body.blocks:
        yield from iter_attributes(block.body)
