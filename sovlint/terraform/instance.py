"""Evaluate one instance of a module: variables, locals, providers, resources, module calls.

Everything is evaluated on demand and memoised, so that a resource's
``location = azurerm_resource_group.rg.location`` or a provider's
``region = local.region`` is followed to its source, and what cannot be
known is an ``Unknown`` carrying the expression and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from typing import Any, Callable

from sovlint.hcl.render import render
from sovlint.hcl.syntax import Attribute, Block, Expr
from sovlint.terraform.evaluator import evaluate_or_unknown
from sovlint.terraform.module import ModuleConfig
from sovlint.terraform.values import LazyMapping, Unknown

#: Modules nested deeper than this are not followed (and a module that calls itself stops here).
MAX_MODULE_DEPTH = 12
#: count/for_each instances evaluated one by one; beyond that, the first ones stand for all.
MAX_INSTANCES = 256
#: Module instances evaluated under one root module in all (every call, every level, every
#: count/for_each instance): depth and per-call limits alone let fan-out grow exponentially.
#: The largest root of the shared corpus has 33.
MAX_TOTAL_MODULE_INSTANCES = 500


def _unknown(reason: str, expr: str) -> Unknown:
    return Unknown(reason=reason, expr=expr)


def render_key(key: Any) -> str:
    """An instance key as Terraform writes it in an address: ``"paris"`` or ``0``."""
    if isinstance(key, str):
        return '"' + key.replace('\\', '\\\\').replace('"', '\\"') + '"'
    return str(key)


@dataclass
class ProviderInstance:
    """A provider configuration as seen from a module instance (after ``providers`` maps)."""

    key: str  # aws / aws.eu as declared where the block is (aws.by_region["x"] for an instance)
    block: Block | None
    file_path: str | None
    owner: "ModuleInstance | None"  # the module instance whose scope evaluates the block
    #: OpenTofu provider ``for_each``: ``each`` of this instance (``None`` for a plain block)
    each: Mapping[str, Any] | None = None
    #: a configuration with ``for_each``: its instances by key, or why they are not known
    instances: Mapping[str, "ProviderInstance"] | Unknown | None = None

    def attribute(self, name: str) -> Any:
        """The evaluated value of an attribute of the provider block (Unknown if absent)."""
        if self.block is None or self.owner is None:
            return _unknown(f"provider {self.key} has no configuration block", f"provider.{self.key}")
        attr = self.block.body.attribute(name)
        if attr is None:
            return None
        return self.owner.evaluate(attr.expr, {"each": self.each} if self.each is not None else None)

    def instance(self, key: Any) -> "ProviderInstance | Unknown":
        """The instance ``key`` of a ``for_each`` configuration (OpenTofu 1.9), or why not."""
        label = f"{self.key}[{render_key(key)}]"
        if isinstance(key, Unknown):
            return _unknown(f"the instance key of provider {self.key} is not known ({key.reason})",
                            key.expr or label)
        if isinstance(self.instances, Unknown):
            return self.instances
        if not isinstance(self.instances, Mapping):
            return _unknown(f"provider {self.key} has no for_each; {label} does not exist", label)
        found = self.instances.get(str(key))
        if found is None:
            return _unknown(f"provider {self.key} has no instance {render_key(key)}", label)
        return found

    def expression(self, name: str) -> str | None:
        """The source text of an attribute of the provider block."""
        if self.block is None:
            return None
        attr = self.block.body.attribute(name)
        return render(attr.expr) if attr is not None else None


def provider_configuration(key: str, block: Block, file_path: str | None,
                           owner: "ModuleInstance") -> ProviderInstance:
    """A ``provider`` block as a configuration; with ``for_each`` (OpenTofu 1.9), its instances.

    The keys are those of the ``for_each`` map or object, or the strings of the
    set; each instance evaluates the block with its own ``each``
    (https://opentofu.org/docs/language/providers/configuration/, "for_each:
    Multiple instances of a provider configuration").
    """
    for_each = block.body.attribute("for_each")
    configuration = ProviderInstance(key, block, file_path, owner)
    if for_each is None:
        return configuration
    value = owner.evaluate(for_each.expr)
    if isinstance(value, Unknown):
        configuration.instances = _unknown(f"for_each of provider {key} is not known ({value.reason})",
                                           render(for_each.expr))
        return configuration
    if isinstance(value, Mapping):
        items = [(str(k), v) for k, v in sorted(value.items())]
    elif isinstance(value, (list, tuple, set)) and all(isinstance(v, str) for v in value):
        items = [(v, v) for v in sorted(value)]
    else:
        configuration.instances = _unknown(
            f"for_each of provider {key} must be a map or a set of strings", render(for_each.expr))
        return configuration
    configuration.instances = {
        k: ProviderInstance(f"{key}[{render_key(k)}]", block, file_path, owner,
                            each={"key": k, "value": v})
        for k, v in items[:MAX_INSTANCES]}
    return configuration


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
    workspace: str | None = None  # terraform.workspace; unknown unless given (--workspace)
    _roots: dict[str, Any] = field(default_factory=dict)
    #: where resources referred to by others keep their data (None while being computed)
    placements: dict[tuple[str, ...], Any] = field(default_factory=dict)
    #: what a data source reads at plan time, where that is known (None: unknown until apply)
    read_data: Callable[["ModuleInstance", Block], Any] | None = None

    # ----- scope -----
    def lookup(self, name: str, line: int = 0) -> Any:
        """The value of a root name in this module's scope (mappings built once, memoised)."""
        if name in self._roots:
            return self._roots[name]
        value = self._root(name)
        self._roots[name] = value
        return value

    def _root(self, name: str) -> Any:
        config = self.config
        if name == "var":
            return LazyMapping("var", list(config.variables), self._variable)
        if name == "local":  # LazyMapping reports cycles between locals
            return LazyMapping("local", list(config.locals), self._local)
        if name == "path":
            directory = str(config.directory)
            return {"module": directory, "root": directory, "cwd": "."}
        if name == "terraform":
            if self.workspace is not None:
                return {"workspace": self.workspace}
            return {"workspace": _unknown("the workspace is chosen when Terraform runs; "
                                          "give it with --workspace NAME", "terraform.workspace")}
        if name == "module":
            return LazyMapping("module", list(config.module_calls), self._module_output)
        if name == "data":
            types = sorted({b.node.labels[0] for b in config.data_sources})  # type: ignore[union-attr]
            return LazyMapping("data", types, lambda t: self._resources_of("data", t))
        if name in ("each", "count", "self"):
            return _unknown(f"{name} is only known per instance", name)
        if any(b.node.labels[0] == name for b in config.resources):  # type: ignore[union-attr]
            return self._resources_of("resource", name)
        return _unknown(f"{name} is not defined in this module", name)

    def evaluate(self, expr: Expr, extra: Mapping[str, Any] | None = None) -> Any:
        """Evaluate an expression of this module (``extra`` adds names such as ``each``)."""
        scope: Any = self if not extra else _ExtraScope(self, extra)
        return evaluate_or_unknown(expr, scope)

    def _variable(self, name: str) -> Any:
        if name in self.inputs:
            return self.inputs[name]
        block = self.config.variables[name].node
        assert isinstance(block, Block)
        default = block.body.attribute("default")
        if default is None:
            return _unknown(f"variable {name} has no default and no value was given", f"var.{name}")
        return self.evaluate(default.expr)

    def _local(self, name: str) -> Any:
        attr = self.config.locals[name].node
        assert isinstance(attr, Attribute)
        return self.evaluate(attr.expr)

    def _module_output(self, name: str) -> Any:
        return _unknown(f"outputs of module {name} are not evaluated", f"module.{name}")

    def _resources_of(self, mode: str, type_: str) -> Any:
        blocks = self.config.resources if mode == "resource" else self.config.data_sources
        label = f"{'data.' if mode == 'data' else ''}{type_}"
        names = {b.node.labels[1]: b.node for b in blocks  # type: ignore[union-attr]
                 if isinstance(b.node, Block) and b.node.labels[0] == type_}

        def instance(name: str) -> Any:
            block = names[name]
            if mode == "data" and self.read_data is not None:
                found = self.read_data(self, block)
                if found is not None:
                    return found
            if mode == "data" or block.body.attribute("count") or block.body.attribute("for_each"):
                return _unknown(f"{label}.{name} is only known after apply", f"{label}.{name}")
            return _ResourceAttributes(self, block, f"{label}.{name}")

        return LazyMapping(label, list(names), instance)

    # ----- providers -----
    def provider_for(self, block: Block, extra: Mapping[str, Any] | None = None,
                     ) -> tuple[str, ProviderInstance | None, str | None]:
        """(local provider key, its configuration, the ``provider =`` text) for a resource.

        ``provider = aws.by_region[each.key]`` (OpenTofu provider ``for_each``)
        selects one instance with the resource instance's ``extra`` names; when
        it cannot be selected, the configuration is ``None`` and the text says why.
        """
        meta = block.body.attribute("provider")
        if meta is None:
            key = block.labels[0].split("_", 1)[0]
            return key, self.providers.get(key), None
        text = render(meta.expr).strip()
        found = self.select_provider(meta.expr, extra)
        if found is None:
            return text, None, text
        label = found.key if found.each is not None and "[" in found.key else text
        return found.key.split("[", 1)[0], found, label

    def select_provider(self, expr: Expr, extra: Mapping[str, Any] | None = None,
                        ) -> ProviderInstance | None:
        """The provider instance a reference selects (``None``: no such configuration here).

        An instance that cannot be selected (unknown key, unknown ``for_each``)
        is the configuration evaluated with an unknown ``each``, so that its
        region is reported unknown with the reason.
        """
        found = self.provider_reference(expr, extra)
        if not isinstance(found, Unknown):
            return found
        family = self._provider_family(expr)
        if family is None:
            return None
        return ProviderInstance(render(expr).strip(), family.block, family.file_path, family.owner,
                                each={"key": found, "value": found})

    def _provider_family(self, expr: Expr) -> ProviderInstance | None:
        """The configuration a (possibly indexed) provider reference names."""
        from sovlint.hcl.syntax import Index

        base = expr.obj if isinstance(expr, Index) else expr
        return self.providers.get(render(base).strip().strip('"'))

    def provider_reference(self, expr: Expr, extra: Mapping[str, Any] | None = None,
                           ) -> ProviderInstance | Unknown | None:
        """The provider instance a reference (``aws``, ``aws.eu``, ``aws.by_region[k]``) names.

        ``None`` when this module has no such configuration.
        """
        from sovlint.hcl.syntax import Index

        if isinstance(expr, Index):
            family = self._provider_family(expr)
            if family is None:
                return None
            return family.instance(self.evaluate(expr.key, extra))
        found = self._provider_family(expr)
        if found is not None and found.instances is not None and found.each is None:
            return _unknown(f"provider {found.key} has for_each: an instance key is needed",
                            found.key)
        return found


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
        super().__init__(prefix, [a.name for a in block.body.attributes],
                         lambda name: module.evaluate(block.body.attribute(name).expr))  # type: ignore[union-attr]

    def missing(self, key: str) -> Unknown:
        """An attribute the configuration does not set: the provider computes it at apply."""
        return _unknown(f"{self.name}.{key} is only known after apply", f"{self.name}.{key}")
