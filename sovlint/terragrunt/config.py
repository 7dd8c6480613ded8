"""A unit's ``terragrunt.hcl`` and the files it includes, read and merged as Terragrunt does.

Parsing order and merge rules from gruntwork-io/terragrunt@286a33cb8f79d5ef9177d835561e94fe3cc3caf0
(``docs/.../04-reference/01-hcl/01-overview.mdx`` "Configuration parsing order",
``02-blocks.mdx`` ``include``/``locals``/``dependency``/``generate``/``terraform``,
``pkg/config/include.go`` ``Merge``/``DeepMerge``): ``include`` blocks first
(their ``path`` sees no locals), then ``locals``, ``dependency`` blocks, the
rest; an included file is evaluated for the unit (its functions answer for
the unit's folder) and merged under it — shallow by default (the unit's
``inputs`` keys, ``generate`` blocks by name and ``terraform { source }`` win),
``deep`` (maps merged, lists concatenated) or ``no_merge``. Locals are never
merged; ``expose = true`` makes a parent readable as ``include.<name>``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from sovlint.hcl.syntax import Block, Expr, HclFile
from sovlint.terraform.evaluator import evaluate_or_unknown
from sovlint.terraform.values import LazyMapping, OpenMapping, Unknown
from sovlint.terragrunt.functions import MAX_FILE_SIZE, Context, Include, _deep_merge, terragrunt_functions

#: ``read_terragrunt_config`` nested deeper than this (or reading itself) is not followed.
MAX_READ_DEPTH = 8
MERGE_STRATEGIES = ("no_merge", "shallow", "deep")


@dataclass(frozen=True)
class Located:
    """A value with the file (display path) and line it is written at."""

    value: Any
    path: str
    line: int | None
    expression: str = ""


@dataclass(frozen=True)
class Generate:
    """A ``generate`` block: the file Terragrunt writes into the working directory."""

    name: str
    path: Any  # the file name (or Unknown)
    if_exists: Any
    contents: Any
    disabled: Any
    at: Located  # where the contents are written (file, line of the attribute)


@dataclass
class UnitSettings:
    """What a unit's configuration, once merged, says about the root it deploys."""

    source: Located | None = None
    inputs: Any = field(default_factory=dict)
    generate: dict[str, Generate] = field(default_factory=dict)
    var_files: list[tuple[Any, bool]] = field(default_factory=list)  # (path, required)


class TerragruntError(Exception):
    """A problem of the unit's configuration (reported in ``errors``, the unit goes on)."""


class FileScope:
    """The names one Terragrunt file sees: ``local``, ``include``, ``dependency``, ``feature``."""

    def __init__(self, reader: ConfigReader, hcl: HclFile, context: Context,
                 exposed: Mapping[str, Any], dependencies: Mapping[str, Any] | None = None,
                 with_locals: bool = True):
        self.reader = reader
        self.hcl = hcl
        self.context = context
        self.functions = terragrunt_functions(context)
        local_attrs = {a.name: a for b in hcl.body.blocks_of("locals") for a in b.body.attributes}
        self._locals = LazyMapping("local", list(local_attrs),
                                   lambda name: self.evaluate(local_attrs[name].expr))
        self._with_locals = with_locals
        self._exposed = exposed
        self._dependencies = dependencies
        self._features = {b.labels[0]: b for b in hcl.body.blocks_of("feature") if len(b.labels) == 1}

    def lookup(self, name: str, line: int = 0) -> object:
        """A root name of the file (Terragrunt's evaluation context)."""
        if name == "local":
            if not self._with_locals:
                return Unknown("locals are not available in include blocks (they are read first)",
                               "local")
            return self._locals
        if name == "include":
            return OpenMapping("include", self._exposed)
        if name == "dependency":
            return OpenMapping("dependency", self._dependencies or {})
        if name == "feature":
            return {n: {"value": self._feature(b)} for n, b in self._features.items()}
        return Unknown(f"{name} is not defined in this Terragrunt file", name)

    def _feature(self, block: Block) -> object:
        default = block.body.attribute("default")
        return self.evaluate(default.expr) if default is not None else None

    def evaluate(self, expr: Expr) -> Any:
        """The value of an expression of this file."""
        return evaluate_or_unknown(expr, self, self.functions)

    @property
    def locals(self) -> LazyMapping:
        """The file's ``locals`` (evaluated when read)."""
        return self._locals


class ConfigReader:
    """Reads the Terragrunt files of one unit, records every path it looked at, merges the result."""

    def __init__(self, unit_file: Path, environment: Any, display: Any, parse: Any,
                 tfvars: Any, allowed_roots: list[Path]):
        self.unit_file = unit_file
        self.environment = environment  # DeployEnvironment: get_env reads it (--deploy-env only)
        self._display = display
        self._parse = parse  # (path) -> HclFile | failure message
        self._tfvars = tfvars  # (path) -> dict | Unknown
        self.allowed_roots = allowed_roots
        self.read_paths: set[str] = set()
        self.errors: list[tuple[str, int | None, str]] = []
        self.failures: list[Any] = []  # files that cannot be parsed (ParseFailure)
        self.includes: list[Include] = []
        self._exposed_cache: dict[tuple[str, str], Any] = {}
        self._depth = 0

    # ----- the file system, as the unit's evaluation sees it -----
    @property
    def reads_environment(self) -> bool:
        """Whether ``get_env`` reads the environment (``--deploy-env``)."""
        return bool(self.environment is not None and self.environment.read_environment)

    def environment_variable(self, name: str) -> str | None:
        """An environment variable, only with ``--deploy-env``."""
        return self.environment.variable(name) if self.reads_environment else None

    def display(self, path: Path) -> str:
        """A path as reports show it."""
        return str(self._display(path))

    def probe(self, path: Path) -> bool:
        """Whether ``path`` exists (a dependency of the cached result either way)."""
        self.read_paths.add(os.path.abspath(path))
        return os.path.exists(path)

    def probe_directory(self, path: Path) -> bool:
        """Whether ``path`` is a directory."""
        self.read_paths.add(os.path.abspath(path))
        return os.path.isdir(path)

    def text(self, path: Path) -> object:
        """``file()``: a regular file below the scanned folders, within a size limit."""
        real = Path(os.path.realpath(path))
        if not any(real == root or root in real.parents for root in self.allowed_roots):
            return Unknown(f"file({self.display(path)}) is outside the scanned folders; not read",
                           f'file("{path}")')
        self.read_paths.add(str(real))
        try:
            if not real.is_file() or real.stat().st_size > MAX_FILE_SIZE:
                return Unknown(f"file({self.display(path)}) is not a regular file within "
                               f"{MAX_FILE_SIZE} bytes", f'file("{path}")')
            return real.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return Unknown(f"file({self.display(path)}) cannot be read: {exc}", f'file("{path}")')

    def tfvars(self, path: Path) -> object:
        """``read_tfvars_file()``."""
        self.read_paths.add(os.path.abspath(path))
        return self._tfvars(path)

    def parse(self, path: Path) -> HclFile | None:
        """A Terragrunt file's syntax tree (``None`` when it cannot be read: a SOV900 failure)."""
        self.read_paths.add(os.path.abspath(path))
        parsed = self._parse(path)
        if isinstance(parsed, HclFile):
            return parsed
        if parsed not in self.failures:
            self.failures.append(parsed)
        return None

    # ----- evaluation -----
    def unit_settings(self) -> UnitSettings:
        """The unit's merged settings: its own file, then each include merged under it."""
        hcl = self.parse(self.unit_file)
        if hcl is None:
            raise TerragruntError("the unit's file cannot be read")
        context = Context(self.unit_file, self.unit_file, self)
        includes = self._includes(hcl, context)
        self.includes = list(includes.values())
        context.includes = includes
        parents: dict[str, tuple[HclFile, Context]] = {}
        for include in includes.values():
            parent = self.parse(include.path)
            if parent is not None:
                parents[include.name] = (parent, Context(self.unit_file, self.unit_file, self,
                                                         including=include))
        exposed: dict[str, Any] = {}
        dependencies: dict[str, Any] = {}
        scopes: dict[str, FileScope] = {}
        for name, (parent, parent_context) in parents.items():
            scopes[name] = FileScope(self, parent, parent_context, {}, dependencies)
            if includes[name].expose:
                exposed[name] = self._as_value(scopes[name])
            for nested in parent.body.blocks_of("include"):
                self.errors.append((self.display(includes[name].path), nested.line,
                                    "an included file cannot include another one (Terragrunt "
                                    "supports one level of include); ignored"))
        own = FileScope(self, hcl, context, exposed, dependencies)
        # dependency blocks of the unit and of its includes (the unit's win), seen by every file
        for scope in [own, *scopes.values()]:
            for block in scope.hcl.body.blocks_of("dependency"):
                if len(block.labels) == 1 and block.labels[0] not in dependencies:
                    dependencies[block.labels[0]] = _dependency(scope, block)
        settings = self._settings(own)
        for include in reversed(list(includes.values())):
            parent_scope = scopes.get(include.name)
            if parent_scope is None or include.merge_strategy == "no_merge":
                continue
            settings = _merge(self._settings(parent_scope), settings,
                              deep=include.merge_strategy == "deep")
        return settings

    def _includes(self, hcl: HclFile, context: Context) -> dict[str, Include]:
        """The ``include`` blocks of the unit, with their paths evaluated (no locals yet)."""
        scope = FileScope(self, hcl, context, {}, with_locals=False)
        found: dict[str, Include] = {}
        for block in hcl.body.blocks_of("include"):
            name = block.labels[0] if block.labels else ""
            path_attr = block.body.attribute("path")
            value = scope.evaluate(path_attr.expr) if path_attr is not None else None
            where = (self.display(self.unit_file), block.line)
            if not isinstance(value, str) or not value:
                reason = value.reason if isinstance(value, Unknown) else "no path"
                self.errors.append((*where, f"include {name or '(bare)'}: path not known ({reason}); "
                                             "its settings are not read"))
                continue
            path = Path(value) if os.path.isabs(value) else self.unit_file.parent / value
            if not self.probe(path):
                self.errors.append((*where, f"include {name or '(bare)'}: {self.display(path)} "
                                            "does not exist"))
                continue
            strategy = _literal(block, "merge_strategy", scope, "shallow")
            expose = _literal(block, "expose", scope, False)
            found[name] = Include(name, Path(os.path.normpath(path)), expose is True,
                                  strategy if strategy in MERGE_STRATEGIES else "shallow", block.line)
        return found

    def _settings(self, scope: FileScope) -> UnitSettings:
        """What one file sets (source, inputs, generate blocks, var files)."""
        settings = UnitSettings(inputs=None)
        path = scope.hcl.path  # as reports show it
        for block in scope.hcl.body.blocks_of("terraform"):
            source = block.body.attribute("source")
            if source is not None:
                from sovlint.hcl.render import render

                settings.source = Located(scope.evaluate(source.expr), path, source.line,
                                          render(source.expr))
            for extra in block.body.blocks_of("extra_arguments"):
                for name, required in (("required_var_files", True), ("optional_var_files", False)):
                    attr = extra.body.attribute(name)
                    value = scope.evaluate(attr.expr) if attr is not None else []
                    for item in value if isinstance(value, list) else [value]:
                        settings.var_files.append((item, required))
        inputs = scope.hcl.body.attribute("inputs")
        if inputs is not None:
            settings.inputs = scope.evaluate(inputs.expr)
        for block in scope.hcl.body.blocks_of("generate"):
            if len(block.labels) == 1:
                settings.generate[block.labels[0]] = _generate(scope, block.labels[0], block.body, path)
        dynamic = scope.hcl.body.attribute("generate")  # ``generate = local.common.generate``
        if dynamic is not None:
            value = scope.evaluate(dynamic.expr)
            if isinstance(value, Mapping):
                for name, spec in value.items():
                    if isinstance(spec, Mapping):
                        settings.generate[str(name)] = Generate(
                            str(name), spec.get("path"), spec.get("if_exists"), spec.get("contents"),
                            spec.get("disable", False), Located(None, path, dynamic.line))
        return settings

    def _as_value(self, scope: FileScope) -> Any:
        """A file as ``include.<name>`` and ``read_terragrunt_config()`` show it."""
        hcl = scope.hcl
        parts: dict[str, Any] = {"locals": lambda: scope.locals}
        inputs = hcl.body.attribute("inputs")
        if inputs is not None:
            parts["inputs"] = lambda: scope.evaluate(inputs.expr)
        for block_type in ("terraform", "remote_state"):
            blocks = hcl.body.blocks_of(block_type)
            if blocks:
                parts[block_type] = (lambda blocks=blocks: {
                    a.name: scope.evaluate(a.expr) for b in blocks for a in b.body.attributes})
        generate = {b.labels[0]: b for b in hcl.body.blocks_of("generate") if len(b.labels) == 1}
        if generate:
            parts["generate"] = lambda: {n: {a.name: scope.evaluate(a.expr) for a in b.body.attributes}
                                         for n, b in generate.items()}
        dependency = {b.labels[0]: b for b in hcl.body.blocks_of("dependency") if len(b.labels) == 1}
        if dependency:
            parts["dependency"] = lambda: {n: _dependency(scope, b) for n, b in dependency.items()}
        for attr in hcl.body.attributes:
            if attr.name not in parts:
                parts[attr.name] = lambda attr=attr: scope.evaluate(attr.expr)
        return LazyMapping(self.display(Path(hcl.path)), list(parts), lambda key: parts[key]())

    def exposed(self, target: Path, context: Context) -> Any:
        """``read_terragrunt_config(target)``: the file evaluated for itself, as a value."""
        key = (os.path.normpath(target), str(context.original_path))
        if key in self._exposed_cache:
            return self._exposed_cache[key]
        if self._depth >= MAX_READ_DEPTH:
            return Unknown(f"read_terragrunt_config nested deeper than {MAX_READ_DEPTH}",
                           f'read_terragrunt_config("{self.display(target)}")')
        hcl = self.parse(target)
        if hcl is None:
            return Unknown(f"{self.display(target)} cannot be read",
                           f'read_terragrunt_config("{self.display(target)}")')
        self._exposed_cache[key] = Unknown("read_terragrunt_config reads itself",
                                           f'read_terragrunt_config("{self.display(target)}")')
        read_context = Context(Path(os.path.normpath(target)), context.original_path, self)
        self._depth += 1
        try:
            read_context.includes = self._includes(hcl, read_context)
            value = self._as_value(FileScope(self, hcl, read_context, {}))
        finally:
            self._depth -= 1
        self._exposed_cache[key] = value
        return value


def _literal(block: Block, name: str, scope: FileScope, default: Any) -> Any:
    attr = block.body.attribute(name)
    if attr is None:
        return default
    value = scope.evaluate(attr.expr)
    return default if isinstance(value, Unknown) else value


def _dependency(scope: FileScope, block: Block) -> Any:
    """``dependency.<name>``: its ``outputs`` are the ``mock_outputs``, or unknown."""
    name = block.labels[0]
    config_path = block.body.attribute("config_path")
    where = scope.evaluate(config_path.expr) if config_path is not None else "?"
    mocks = block.body.attribute("mock_outputs")
    outputs = (scope.evaluate(mocks.expr) if mocks is not None
               else _UnknownOutputs(name, where if isinstance(where, str) else "?"))
    return {"outputs": outputs, "config_path": where}


class _UnknownOutputs(OpenMapping):
    """The outputs of a dependency without ``mock_outputs``: known only once it is applied."""

    def __init__(self, name: str, where: str):
        super().__init__(f"dependency.{name}.outputs")
        self.dependency = name
        self.where = where

    def missing(self, key: str) -> Unknown:
        return Unknown(f"outputs of dependency {self.dependency} ({self.where}) are known once it "
                       "is applied, and it has no mock_outputs", f"{self.name}.{key}")


def _generate(scope: FileScope, name: str, body: Any, path: str) -> Generate:
    def value(attr: str, default: Any = None) -> Any:
        found = body.attribute(attr)
        return scope.evaluate(found.expr) if found is not None else default

    contents = body.attribute("contents")
    return Generate(name, value("path"), value("if_exists"), value("contents"), value("disable", False),
                    Located(None, path, contents.line if contents is not None else None))


def _merge(parent: UnitSettings, child: UnitSettings, deep: bool) -> UnitSettings:
    """``parent`` merged under ``child`` (the child's settings win), as Terragrunt's Merge/DeepMerge."""
    merged = UnitSettings(source=child.source or parent.source)
    if child.inputs is None:
        merged.inputs = parent.inputs
    elif parent.inputs is None:
        merged.inputs = child.inputs
    elif isinstance(parent.inputs, Mapping) and isinstance(child.inputs, Mapping):
        merged.inputs = _deep_merge(parent.inputs, child.inputs) if deep else {
            **parent.inputs, **child.inputs}
    else:  # one side unknown: the merge is unknown
        merged.inputs = child.inputs if isinstance(child.inputs, Unknown) else parent.inputs
    merged.generate = {**parent.generate, **child.generate}
    merged.var_files = [*parent.var_files, *child.var_files]
    return merged

