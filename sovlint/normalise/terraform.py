"""Terraform module directories -> Resources.

All ``.tf``/``.tf.json`` files of a directory (and OpenTofu's ``.tofu``/``.tofu.json``,
which replace the ``.tf`` file of the same name) are evaluated together with the
variable values Terraform would use; local modules are followed with their
inputs and ``providers`` maps. Each resource gets its provider (from the
catalog), the region its configuration pins (per-resource argument, then the
provider configuration), its tags, and what could not be resolved.
"""

from __future__ import annotations

import dataclasses
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sovlint.catalog import ProviderCatalog
from sovlint.deploy_env import DeployEnvironment
from sovlint.hcl.render import render
from sovlint.hcl.syntax import Attribute, Block, HclFile, HclSyntaxError
from sovlint.model import Replica, Resource, SourceSpan, Suppression
from sovlint.normalise.terraform_arguments import block_arguments, referenced_resource
from sovlint.placement.interpret import Placement, location_fields
from sovlint.parse_cache import real_path
from sovlint.suppress import parse_comment_suppressions
from sovlint.terraform.instance import (MAX_INSTANCES, MAX_MODULE_DEPTH, MAX_TOTAL_MODULE_INSTANCES,
                                       ModuleInstance, ProviderInstance, provider_configuration)
from sovlint.terraform.module import ModuleConfig, load_module, provider_key
from sovlint.terraform.values import LazyMapping, OpenMapping, PartialMapping, Unknown

TF_SUFFIXES = (".tf", ".tf.json", ".tofu", ".tofu.json")
#: count/for_each instances of a module call evaluated one by one.
MAX_MODULE_INSTANCES = 16
#: Reasons of the ``Unknown`` values that the evaluator's bounds produce (reported as errors).
EVALUATION_BOUNDS = ("evaluation budget exceeded", "expression nested too deeply", "value too large")


@dataclass
class TerraformOptions:
    """Inputs of a Terraform evaluation that come from the command line/config."""

    variables: Mapping[str, Any] = field(default_factory=dict)  # --var, config terraform.vars
    var_files: Sequence[str] = ()  # --var-file, config terraform.var_files
    environ: Mapping[str, str] = field(default_factory=dict)  # TF_VAR_*
    workspace: str | None = None  # --workspace, config terraform.workspace
    fetch_modules: bool = False  # --fetch-modules, config terraform.fetch_modules
    #: the TF_DATA_DIR a fetch filled for this root (its modules replace .terraform's)
    fetched_data_dir: Path | None = None
    max_file_size: int | None = None  # --max-file-size: larger files are not read
    deploy_environment: DeployEnvironment | None = None  # --deploy-env, terraform.provider_regions


@dataclass
class InstalledModules:
    """The remote modules installed for one root: ``modules.json`` entries by key."""

    modules: Mapping[str, Any]  # key -> sovlint.terraform.sources.InstalledModule
    origin: str  # where they were installed, for messages
    root_display: str | None
    display_of: Callable[[Path], str] = os.path.relpath


@dataclass
class ParseFailure:
    """A file that could not be read or parsed."""

    path: str
    line: int | None
    message: str


@dataclass
class ModuleResult:
    """What one module directory yields."""

    resources: list[Resource] = field(default_factory=list)
    failures: list[ParseFailure] = field(default_factory=list)
    errors: list[tuple[str, int | None, str]] = field(default_factory=list)


def parse_terraform_file(path: Path, display: str) -> HclFile | ParseFailure:
    """Read and parse one ``.tf``/``.tf.json``/``.tfvars`` file, or say why it cannot be."""
    from sovlint.hcl.backend import backend_name
    from sovlint.parse_cache import cached_parse

    refused: list[str] = []

    def read() -> bytes | None:
        from sovlint.files import UnreadableFile, read_scanned

        try:  # a regular file within the size limit, not through a link out of the tree
            return read_scanned(path)
        except UnreadableFile as exc:
            refused.append(exc.reason)
            return None

    def parse(data: bytes | None) -> HclFile | ParseFailure:
        from sovlint.parsers.text import decode_text

        text = decode_text(data) if data is not None else (refused[0] if refused else "cannot read", None)
        if isinstance(text, tuple):
            return ParseFailure(display, text[1], text[0])
        try:
            if display.endswith(".json"):
                from sovlint.hcl.backend import parse_hcl_json

                return parse_hcl_json(text, display)
            from sovlint.hcl.backend import parse_hcl

            return parse_hcl(text, display)
        except HclSyntaxError as exc:
            return ParseFailure(display, exc.line, f"cannot parse: {exc.message}")

    # .tf and .tf.json files with the same bytes parse differently (an empty .tf is
    # valid HCL, an empty .tf.json is not): they must not share a cache entry
    kind = f"hcl-{backend_name()}" + ("-json" if display.endswith(".json") else "")
    result = cached_parse(path, kind, read, parse)
    if isinstance(result, ParseFailure):
        if result.path != display:
            return ParseFailure(display, result.line, result.message)
        return result
    if result.path != display:
        import dataclasses as _dc

        return _dc.replace(result, path=display)
    return result


def _tfvars_values(hcl_file: HclFile) -> dict[str, Any]:
    from sovlint.terraform.evaluator import evaluate_or_unknown

    class _Empty:
        def lookup(self, name: str, line: int = 0) -> Any:
            return Unknown(reason=f"{name} cannot be used in a variables file", expr=name)

    return {a.name: evaluate_or_unknown(a.expr, _Empty()) for a in hcl_file.body.attributes}


#: Module directories read lately in this process: real path -> (configuration, parse
#: failures), the most recently used last. Roots are evaluated in path order, so the
#: modules they share are read once; beyond ``MAX_SHARED_MODULES`` the least recently used
#: syntax trees are let go, so that memory does not grow with the repository.
_MODULE_CONFIGS: OrderedDict[Path, tuple[ModuleConfig | None, list[ParseFailure]]] = OrderedDict()
MAX_SHARED_MODULES = 64


def _read_module(directory: Path, display_of: Callable[[Path], str] = os.path.relpath,
                 max_size: int | None = None) -> tuple[ModuleConfig | None, list[ParseFailure]]:
    """Parse every ``.tf``/``.tf.json`` file of a directory into its configuration.

    ``display_of`` gives the path findings show for a file (fetched modules are
    shown where ``terraform init`` would have put them); a file larger than
    ``max_size`` is not read, and is a failure that says so.
    """
    from sovlint.discover import oversize_message

    files: list[HclFile] = []
    failures: list[ParseFailure] = []
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return None, failures
    for name in configuration_files(names):
        path = directory / name
        if not path.is_file():
            continue
        if max_size is not None:
            try:
                size = path.stat().st_size
            except OSError:
                size = 0
            if size > max_size:
                failures.append(ParseFailure(display_of(path), None, oversize_message(size, max_size)))
                continue
        parsed = parse_terraform_file(path, display_of(path))
        if isinstance(parsed, ParseFailure):
            failures.append(parsed)
        else:
            files.append(parsed)
    return (load_module(directory, files) if files or names else None), failures


def configuration_files(names: Iterable[str]) -> list[str]:
    """The names of a directory that make its configuration, as OpenTofu reads them.

    ``.tf``, ``.tf.json``, ``.tofu`` and ``.tofu.json`` files; a ``.tofu`` file
    replaces the ``.tf`` file of the same name (``x.tofu.json`` replaces
    ``x.tf.json``): opentofu/opentofu@a127607a859b3074c2c36d50f7599e0758f04c99
    internal/configs/parser_config_dir.go ``filterTfPathsWithTofuAlternatives``,
    and https://opentofu.org/docs/language/files/ ("Extension Precedence").
    Terraform ignores ``.tofu`` files, so a directory without them reads the same.
    """
    present = set(names)
    kept = []
    for name in sorted(present):
        if not name.endswith(TF_SUFFIXES):
            continue
        if name.endswith(".tf") and name[:-3] + ".tofu" in present:
            continue
        if name.endswith(".tf.json") and name[:-8] + ".tofu.json" in present:
            continue
        kept.append(name)
    return kept


def forget_modules() -> None:
    """Drop the module configurations read so far (files may have changed)."""
    _MODULE_CONFIGS.clear()


class TerraformLoader:
    """Parses module directories (memoised) and evaluates root modules into Resources."""

    def __init__(self, catalog: ProviderCatalog, options: TerraformOptions):
        self.catalog = catalog
        self.options = options
        self._modules: dict[Path, ModuleConfig | None] = {}
        #: files and folders this loader read: a cached result is valid while none changes
        self.read_paths: set[str] = set()
        self.failures: dict[str, ParseFailure] = {}
        self._resolved: dict[Path, Path] = {}
        #: count/for_each that hit an evaluation bound: (path, line, message), for the report
        self.limits: list[tuple[str, int | None, str]] = []
        #: the modules installed for the root being evaluated, and where they come from
        self._installed: InstalledModules = InstalledModules({}, "", None)
        #: module instances evaluated under the current root (MAX_TOTAL_MODULE_INSTANCES)
        self.module_instances = 0

    # ----- parsing -----
    def module_config(self, directory: Path) -> ModuleConfig | None:
        """The parsed configuration of a directory (``None`` when it holds no .tf file).

        Shared by every loader of the process: a module called from many roots
        is read once per scan while it stays among the ones used lately.
        """
        key = self._resolved.get(directory)
        if key is None:  # realpath never raises on a symbolic link loop
            key = self._resolved[directory] = Path(real_path(directory))
        if key in self._modules:
            return self._modules[key]
        shared = _MODULE_CONFIGS.get(key)
        if shared is None:
            shared = _read_module(directory, self._installed.display_of, self.options.max_file_size)
            _MODULE_CONFIGS[key] = shared
            while len(_MODULE_CONFIGS) > MAX_SHARED_MODULES:
                _MODULE_CONFIGS.popitem(last=False)
        else:
            _MODULE_CONFIGS.move_to_end(key)
        config, failures = shared
        self.read_paths.add(str(key))
        if config is not None:
            self.read_paths.update(os.path.join(str(key), os.path.basename(f.path)) for f in config.files)
        for failure in failures:
            self.failures[failure.path] = failure
            self.read_paths.add(os.path.abspath(failure.path))
        self._modules[key] = config
        return config

    def module_directories(self) -> set[str]:
        """Real paths of every module directory this loader read (roots and called modules)."""
        return {str(key) for key, config in self._modules.items() if config is not None}

    # ----- variables -----
    def root_inputs(self, directory: Path, overlays: Sequence[Path] = ()) -> dict[str, Any]:
        """Variable values with Terraform's precedence (lowest first).

        ``overlays`` are folders whose files are copied over ``directory``
        before Terraform runs (a Terragrunt unit's folder): their variables
        files replace those of the same name.
        """
        values: dict[str, Any] = {}
        for name, value in sorted(self.options.environ.items()):
            if name.startswith("TF_VAR_"):
                values[name[len("TF_VAR_"):]] = value
        found: dict[str, Path] = {}
        for folder in (directory, *overlays):
            try:
                # anything there but a folder is read (or refused, with why: a FIFO, a link out...)
                found.update((p.name, p) for p in folder.iterdir()
                             if (p.name in ("terraform.tfvars", "terraform.tfvars.json")
                                 or p.name.endswith((".auto.tfvars", ".auto.tfvars.json")))
                             and not p.is_dir())
            except OSError:
                pass
            self.read_paths.add(str(folder.resolve()))
        auto = [found[n] for n in ("terraform.tfvars", "terraform.tfvars.json") if n in found]
        auto += [found[n] for n in sorted(found) if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
        for path in [*auto, *(Path(p) for p in self.options.var_files)]:
            self.read_paths.add(os.path.abspath(path))
            parsed = parse_terraform_file(path, os.path.relpath(path))
            if isinstance(parsed, ParseFailure):
                self.failures[parsed.path] = parsed
                continue
            values.update(_tfvars_values(parsed))
        values.update(self.options.variables)
        return values

    # ----- evaluation -----
    def evaluate_root(self, directory: Path) -> ModuleResult:
        """Every resource of the root module in ``directory`` and of the modules it calls."""
        result = ModuleResult()
        self._installed = self._installed_modules(directory)
        config = self.module_config(directory)
        if config is None:
            return result
        inputs = self.root_inputs(directory)
        root = ModuleInstance(config=config, inputs=inputs, address="", providers={},
                              load_child=self.module_config, read_data=self.read_data,
                              workspace=self.options.workspace)
        root.providers = self._own_providers(root, {})
        self.limits = []
        self.module_instances = 0
        from sovlint.terraform.values import allowance

        with allowance():  # one budget for everything this root's expressions build
            self._collect(root, result)
        result.errors.extend(self.limits)
        return result

    def local_module_sources(self, directory: Path) -> list[Path] | None:
        """The local module folders a directory calls, its ``source`` expressions evaluated
        as OpenTofu evaluates them early (variables, locals, ``path.module``), the directory
        taken as a root. ``None`` when a source cannot be known that way."""
        from sovlint.terraform.sources import classify_source

        config = self.module_config(directory)
        if config is None:
            return []
        root = ModuleInstance(config=config, inputs=self.root_inputs(directory), address="",
                              providers={}, load_child=self.module_config,
                              workspace=self.options.workspace)
        found: list[Path] = []
        from sovlint.terraform.values import allowance

        with allowance():
            for located in config.module_calls.values():
                block = located.node
                assert isinstance(block, Block)
                attribute = block.body.attribute("source")
                if attribute is None:
                    continue  # reported when the directory is evaluated
                source = root.evaluate(attribute.expr)
                if not isinstance(source, str):
                    return None
                if classify_source(source).is_local:
                    found.append(Path(real_path(directory / source.replace("\\", "/"))))
        return found

    def _own_providers(self, module: ModuleInstance,
                       inherited: Mapping[str, ProviderInstance]) -> dict[str, ProviderInstance]:
        providers = dict(inherited)
        for located in module.config.providers:
            block = located.node
            assert isinstance(block, Block)
            key = provider_key(block)
            providers[key] = provider_configuration(key, block, located.file.path, module)
        return providers

    def _collect(self, module: ModuleInstance, result: ModuleResult) -> None:
        own: list[Resource] = []
        for located in module.config.resources:
            block = located.node
            assert isinstance(block, Block)
            own.extend(self._resources_of(module, block, located.file))
        result.resources.extend(self._link_copies(module, own))
        for name, located in sorted(module.config.module_calls.items()):
            self._follow_module(module, name, located.node, located.file, result)  # type: ignore[arg-type]

    def _link_copies(self, module: ModuleInstance, resources: list[Resource]) -> list[Resource]:
        """Attach every copy a block declares to the resource whose data is copied (SPEC §2)."""
        from sovlint.placement.interpret import as_replica, copies
        from sovlint.placement.semantics import SAME_AS_RESOURCE, location_semantics

        semantics = location_semantics()
        prefix = f"{module.address}." if module.address else ""
        by_local: dict[tuple[str, str], list[int]] = {}
        for index, resource in enumerate(resources):
            rtype, rname = resource.address[len(prefix):].split(".", 1)
            by_local.setdefault((rtype, rname), []).append(index)
        added: dict[int, list[Replica]] = {}
        for located in module.config.resources:
            block = located.node
            assert isinstance(block, Block)
            entry = semantics.get(block.labels[0])
            declaring = by_local.get((block.labels[0], block.labels[1]), [])
            if entry is None or not entry.copies or not declaring:
                continue
            span = SourceSpan(located.file.path, block.line, block.end_line)
            extra = self._first_instance(module, block)
            context = _PlacementContext(self, module, block, extra)
            for decl in copies(entry, block_arguments(module, block, extra), context):
                placement = decl.placement
                if placement.relative == SAME_AS_RESOURCE:  # the copy is where its declaration is
                    placement = context.placement_of(block)
                targets = by_local.get(decl.of, []) if decl.of is not None else declaring
                replica = as_replica(decl.via, placement, span)
                for index in targets:
                    added.setdefault(index, []).append(replica)
        if not added:
            return resources
        return [dataclasses.replace(r, replicas=(*r.replicas, *added.get(i, ())))
                for i, r in enumerate(resources)]

    def _first_instance(self, module: ModuleInstance, block: Block) -> Mapping[str, Any]:
        """The names (``each``, ``count``) of a block's first instance."""
        instances = self._instances(module, block)
        return instances[0][1] if instances else {}

    def _follow_module(self, parent: ModuleInstance, name: str, block: Block,
                       file: HclFile, result: ModuleResult) -> None:
        address = f"{parent.address + '.' if parent.address else ''}module.{name}"
        source_attr = block.body.attribute("source")
        if source_attr is None:
            result.resources.append(self._not_evaluated(
                parent, address, block, file, None, "the module call has no source argument"))
            return
        source = parent.evaluate(source_attr.expr)
        if not isinstance(source, str):
            why = source.reason if isinstance(source, Unknown) else "not a string"
            result.resources.append(self._not_evaluated(
                parent, address, block, file, None,
                f"module source = {render(source_attr.expr)} cannot be evaluated ({why})"))
            return
        if parent.depth >= MAX_MODULE_DEPTH:
            result.errors.append((file.path, block.line,
                                  f"{address}: modules nested deeper than {MAX_MODULE_DEPTH}; not followed"))
            return
        directory, problem = self._module_directory(parent.config.directory, source, address)
        if directory is None:
            result.resources.append(self._not_evaluated(parent, address, block, file, source, problem))
            return
        key = real_path(directory)
        if key in parent.call_stack:
            result.errors.append((file.path, block.line,
                                  f"{address}: module calls itself (source {source!r}); not followed"))
            return
        config = self.module_config(directory)
        if config is None:
            if directory.is_dir():
                return  # an empty module directory: Terraform creates nothing from it
            result.resources.append(self._not_evaluated(
                parent, address, block, file, source, self._missing_directory(source)))
            return
        reserved = {"source", "version", "providers", "count", "for_each", "depends_on"}
        providers_attr = block.body.attribute("providers")
        # one child per count/for_each instance (same address, SPEC §1); identical results merge
        instances = self._instances(parent, block, file)[:MAX_MODULE_INSTANCES]
        arguments = {a.name: a for a in block.body.attributes if a.name not in reserved}

        def argument(extra: Mapping[str, Any]) -> Callable[[str], Any]:
            return lambda input_name: parent.evaluate(arguments[input_name].expr, extra)

        per_instance: list[tuple[str, ModuleResult]] = []
        for instance_key, extra in instances:
            self.module_instances += 1
            if self.module_instances > MAX_TOTAL_MODULE_INSTANCES:
                if self.module_instances == MAX_TOTAL_MODULE_INSTANCES + 1:  # said once per root
                    self._note_limit(parent, block, file, "module call",
                                     f"the limit of {MAX_TOTAL_MODULE_INSTANCES:,} module instances under "
                                     "one root is reached; this and later module calls are not evaluated")
                break
            # evaluated when the module reads them (in the caller's scope): unused inputs cost nothing
            inputs = LazyMapping(address, list(arguments), argument(extra))
            child = ModuleInstance(config=config, inputs=inputs, address=address, providers={},
                                   load_child=self.module_config, read_data=self.read_data,
                                   depth=parent.depth + 1,
                                   call_stack=(*parent.call_stack,
                                               real_path(parent.config.directory)),
                                   workspace=parent.workspace)
            child.providers = self._own_providers(child, passed_providers(parent, providers_attr, extra))
            child_result = ModuleResult()
            self._collect(child, child_result)
            per_instance.append((instance_key, child_result))
        merge_module_instances(per_instance, result)

    def _module_directory(self, base: Path, source: str, address: str) -> tuple[Path | None, str]:
        """Where a module call's source is read from, or (``None``, why it cannot be)."""
        from sovlint.terraform.sources import classify_source, manifest_key, same_source

        module_source = classify_source(source)
        if module_source.is_local:
            return Path(real_path(base / source.replace("\\", "/"))), ""
        installed = self._installed.modules.get(manifest_key(address))
        if installed is None:
            return None, self._not_fetched(module_source.description)
        if not same_source(source, installed.source):
            return None, (f"{module_source.description} is not the source installed in "
                          f"{self._installed.origin} ({installed.source}); nothing it creates "
                          f"was evaluated: {self._how_to_fetch()}")
        return installed.directory, ""

    def _not_fetched(self, description: str) -> str:
        if self.options.fetch_modules:
            return (f"{description} was not fetched (--fetch-modules could not fetch it: see the "
                    "errors); nothing it creates was evaluated")
        return f"{description} was not fetched; nothing it creates was evaluated: {self._how_to_fetch()}"

    def _how_to_fetch(self) -> str:
        root = self._installed.root_display
        where = f" in {root}" if root and root != "." else ""
        return f"run `terraform init` (or `tofu init`){where}, or scan with --fetch-modules"

    def _missing_directory(self, source: str) -> str:
        from sovlint.terraform.sources import classify_source

        module_source = classify_source(source)
        if module_source.is_local:
            return f"{module_source.description} does not exist; nothing it would create was evaluated"
        return (f"{module_source.description} is listed in {self._installed.origin} but its "
                f"files are missing; nothing it creates was evaluated: {self._how_to_fetch()}")

    def _not_evaluated(self, parent: ModuleInstance, address: str, block: Block, file: HclFile,
                       source: str | None, reason: str) -> Resource:
        """The module call itself, standing for what it would create (SOV004, fail closed)."""
        from sovlint.terraform.sources import not_evaluated

        span = SourceSpan(file.path, block.line, block.end_line)
        suppressions = tuple(parse_comment_suppressions(file.comments, block.line, block.end_line,
                                                        span))
        tags: dict[str, str] = {}
        for attr_name in ("tags", "labels"):
            attr = block.body.attribute(attr_name)
            if attr is not None:
                tags = _string_map(parent.evaluate(attr.expr))
                break
        return not_evaluated(address, source, span, reason,
                             module=parent.address or None, tags=tags, suppressions=suppressions)

    def _installed_modules(self, root: Path) -> InstalledModules:
        """The modules installed for a root: fetched by sovlint, else by ``terraform init``."""
        from sovlint.terraform.sources import fetched_manifest, read_manifest

        display = os.path.relpath(root)
        fetched = self.options.fetched_data_dir
        if fetched is not None:
            manifest = fetched_manifest(fetched)
            self.read_paths.add(os.path.abspath(manifest))
            modules = read_manifest(manifest, root)
            if modules is not None:
                real = real_path(fetched / "modules")
                shown = os.path.join(display, ".terraform", "modules")

                def display_of(path: Path) -> str:
                    text = os.path.realpath(path)
                    if text.startswith(real + os.sep):
                        return os.path.normpath(os.path.join(shown, text[len(real) + 1:]))
                    return os.path.relpath(path)

                return InstalledModules(modules, "the modules --fetch-modules fetched", display,
                                        display_of)
        manifest = root / ".terraform" / "modules" / "modules.json"
        self.read_paths.add(os.path.abspath(manifest))
        modules = read_manifest(manifest, root) if manifest.is_file() else None
        return InstalledModules(modules or {}, os.path.normpath(os.path.join(display, ".terraform", "modules")),
                                display)

    # ----- one resource block -----
    def _instances(self, module: ModuleInstance, block: Block,
                   file: HclFile | None = None) -> list[tuple[str, dict[str, Any]]]:
        count = block.body.attribute("count")
        for_each = block.body.attribute("for_each")
        if for_each is not None:
            value = module.evaluate(for_each.expr)
            if isinstance(value, Unknown):
                self._note_limit(module, block, file, "for_each", value.reason)
                return [("", {"each": Unknown(reason=value.reason, expr=render(for_each.expr))})]
            if isinstance(value, Mapping):
                items = [(str(k), v) for k, v in sorted(value.items())]
            elif isinstance(value, (list, tuple, set)):
                items = [(str(v), v) for v in value]
            else:
                return [("", {})]
            if len(items) > MAX_INSTANCES:
                self._note_limit(module, block, file, "for_each",
                                 f"{len(items)} instances; the first {MAX_INSTANCES} stand for all")
            return [(f"[{k!r}]".replace("'", '"'), {"each": {"key": k, "value": v}})
                    for k, v in items[:MAX_INSTANCES]]
        if count is not None:
            value = module.evaluate(count.expr)
            if isinstance(value, Unknown):
                self._note_limit(module, block, file, "count", value.reason)
                return [("", {"count": Unknown(reason=value.reason, expr=render(count.expr))})]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return [("", {})]
            n = int(value)
            if n > MAX_INSTANCES:
                self._note_limit(module, block, file, "count",
                                 f"{n} instances; the first {MAX_INSTANCES} stand for all")
            return [(f"[{i}]", {"count": {"index": i}}) for i in range(min(n, MAX_INSTANCES))]
        return [("", {})]

    def _note_limit(self, module: ModuleInstance, block: Block, file: HclFile | None,
                    what: str, reason: str) -> None:
        """Report a count/for_each that an evaluation bound (SPEC §9) kept from being evaluated."""
        if file is None or not (reason.startswith(EVALUATION_BOUNDS) or "stand for all" in reason
                                or what == "module call"):
            return
        kind = f"{block.type}." if block.type in ("module", "data") else ""
        local = f"{kind}{'.'.join(block.labels)}"
        address = f"{module.address}.{local}" if module.address else local
        note = (file.path, block.line, f"{address}: {what} not fully evaluated ({reason})")
        if note not in self.limits:
            self.limits.append(note)

    def _resources_of(self, module: ModuleInstance, block: Block, file: HclFile) -> list[Resource]:
        rtype, rname = block.labels
        local_address = f"{rtype}.{rname}"
        address = f"{module.address}.{local_address}" if module.address else local_address
        key, provider, provider_text = module.provider_for(block)
        provider_id = self.provider_id_of(module, key.split(".")[0], rtype, provider)
        span = SourceSpan(file.path, block.line, block.end_line)
        suppressions = tuple(parse_comment_suppressions(file.comments, block.line, block.end_line,
                                                        span))
        groups: dict[tuple[Placement, str | None], dict[str, Any]] = {}
        per_instance = _selects_provider_instance(block)
        for instance_key, extra in self._instances(module, block, file):
            if per_instance:  # provider = aws.by_region[each.key]: one provider instance each
                key, provider, provider_text = module.provider_for(block, extra)
                provider_id = self.provider_id_of(module, key.split(".")[0], rtype, provider)
            placement = _PlacementContext(self, module, block, extra, provider, provider_id,
                                          provider_text).placement_of(block)
            group = groups.setdefault((placement, provider_id), {
                "instances": [], "extra": extra, "tags": self._tags(module, block, extra),
                "provider": provider, "provider_id": provider_id})
            if instance_key:
                group["instances"].append(instance_key)
        if not groups:  # count = 0 / empty for_each: nothing is created
            return []
        resources = []
        for (placement, _), group in groups.items():
            resources.append(Resource(
                address=address,
                resource_type=rtype,
                source=span,
                input_format="terraform",
                provider=group["provider_id"],
                **location_fields(placement),
                tags=group["tags"],
                inherited_tags=self._inherited_tags(block, group["provider"]),
                attributes=self._facts(module, block, group["extra"]),
                suppressions=suppressions,
                module=module.address or None,
                instances=tuple(group["instances"]) if len(groups) > 1 else (),
            ))
        return resources

    def provider_id_of(self, module: ModuleInstance, local_name: str, rtype: str,
                       provider: ProviderInstance | None) -> str | None:
        """The catalog provider of a resource type (its operator, for openstack)."""
        source = module.config.required_providers.get(local_name)
        provider_id = self.catalog.provider_for_source(source) if source else None
        if provider_id is None:
            provider_id = self.catalog.provider_for_type(rtype)
        if provider_id == "openstack" and provider is not None:
            auth_url = provider.attribute("auth_url")
            if isinstance(auth_url, str):
                operator = self.catalog.operator_for_url("openstack", auth_url)
                if operator:
                    return operator
        return provider_id

    def generic_placement(self, module: ModuleInstance, block: Block, extra: Mapping[str, Any],
                          context: "_PlacementContext") -> Placement:
        """The location of a type without semantics: a region/location/zone argument (also in a
        nested block), a parent's location (azurerm), else the provider's region."""
        rtype = block.labels[0]
        entry = self.catalog.get(self.catalog.provider_for_type(rtype) or context.provider_id)
        settings = entry.terraform if entry is not None else {}
        names = [*settings.get("resource_region_attributes", ["region", "location"]),
                 *settings.get("zone_attributes", [])]
        found = _region_in(module, block.body, names, extra, "")
        for nested in block.body.blocks:  # ``nodes { region = "GRA" }``: the first one set wins
            if found is not None:
                break
            found = _region_in(module, nested.body, names, extra, f"{nested.type}.")
        if found is None and not settings.get("provider_region_attributes", ["region"]):
            # no provider-wide region (azurerm): a child resource lives where its parent does
            found = self._parent_region(module, block)
        if found is not None:
            region, unresolved = found
            return Placement(names=(region,) if region else (),
                             unresolved="; ".join(unresolved) or None)
        return context.provider_location(zone=False)

    def read_data(self, module: ModuleInstance, block: Block) -> Any:
        """What a data source reads at plan time, where the semantics say (the zones of the
        provider's region); ``None`` for the others (unknown until apply)."""
        from sovlint.placement.semantics import location_semantics

        entry = location_semantics().data_sources.get(block.labels[0])
        if entry is None:
            return None
        label = f"data.{block.labels[0]}.{block.labels[1]}"
        region: Any = None
        if entry.region_argument and block.body.attribute(entry.region_argument) is not None:
            region = module.evaluate(block.body.attribute(entry.region_argument).expr)  # type: ignore[union-attr]
        if not isinstance(region, str) or not region:
            key, provider, text = module.provider_for(block)
            provider_id = self.provider_id_of(module, key.split(".")[0], block.labels[0], provider)
            placement = self.provider_placement(block, provider, provider_id, text, zone=False)
            region = placement.names[0] if len(placement.names) == 1 else None
        if region is None:
            return None
        return PartialMapping(label, {
            name: Unknown(f"zones of {region} that {label} lists at plan time", f"{label}.{name}",
                          within=region)
            for name in entry.zones_of_region})

    def provider_placement(self, block: Block, provider: ProviderInstance | None,
                           provider_id: str | None, provider_text: str | None, zone: bool) -> Placement:
        """The region (or zone) of the provider configuration a resource block uses."""
        # attribute names are the Terraform provider's (openstack), not the operator's (ovh)
        entry = self.catalog.get(self.catalog.provider_for_type(block.labels[0]) or provider_id)
        settings = entry.terraform if entry is not None else {}
        label = provider_text or (provider.key if provider is not None else
                                  block.labels[0].split("_", 1)[0])
        if provider is None or provider.block is None:
            deployed = self._deploy_region(entry, settings, provider)
            if deployed is not None:
                return Placement(names=(str(deployed),), region_source=getattr(deployed, "origin", None))
            return Placement(unresolved=f"provider {label} has no configuration here; "
                                        "its region is set at deploy time")
        names = ["zone"] if zone else settings.get("provider_region_attributes", ["region"])
        for name in names:
            value = provider.attribute(name)
            if value is None:
                continue
            if isinstance(value, str) and value:
                return Placement(names=(value,))  # the usual case: no origin to point out
            text = provider.expression(name)
            reason = value.reason if isinstance(value, Unknown) else "not a region name"
            return Placement(unresolved=f"provider {label}: {name} = {text} ({reason})")
        deployed = self._deploy_region(entry, settings, provider)
        if deployed is not None:
            return Placement(names=(str(deployed),), region_source=getattr(deployed, "origin", None))
        what = "zone" if zone else "region"
        return Placement(unresolved=f"provider {label} sets no {what}; "
                                    "it comes from the environment at deploy time")

    def _deploy_region(self, entry: Any, settings: Mapping[str, Any],
                       provider: ProviderInstance | None) -> str | None:
        """What the provider reads when the code sets no region (``--deploy-env``,
        ``terraform.provider_regions``): a region name carrying its origin, or ``None``."""
        environment = self.options.deploy_environment
        if environment is None or not environment.active or entry is None:
            return None

        def setting(name: str) -> Any:
            return provider.attribute(name) if provider is not None and provider.block is not None else None

        return environment.region_for(entry.id, settings.get("provider_region_attributes", ["region"]),
                                      setting)


    def _parent_region(self, module: ModuleInstance,
                       block: Block) -> tuple[str | None, list[str]] | None:
        """The location of the resource an argument (``server_id``, ``storage_account_name``...) points to."""
        for attr in block.body.attributes:
            if not attr.name.endswith(("_id", "_name")):
                continue
            target = referenced_resource(attr.expr)
            if target is None or target[0] == block.labels[0]:
                continue
            parent = module.lookup(target[0])
            attributes = parent[target[1]] if isinstance(parent, Mapping) and target[1] in parent else None
            if not isinstance(attributes, OpenMapping):
                continue
            location = attributes["location"] if "location" in attributes else attributes.missing("location")
            if isinstance(location, str) and location:
                return location, []
            if isinstance(location, Unknown):
                return None, [f"{attr.name} = {render(attr.expr)}: its location is unknown ({location.reason})"]
        return None

    def _tags(self, module: ModuleInstance, block: Block, extra: Mapping[str, Any]) -> dict[str, str]:
        """A resource's own tags, as its provider writes them (``policies/locations/``; a
        ``tags``/``labels`` map or list of ``key=value`` strings for a provider the data does
        not know), then those a resource of the same module sets on it by reference
        (``ibm_resource_tag``, ``ovh_iam_resource_tags``)."""
        from sovlint.placement.tags import own_tags, read_tags, tag_syntax

        provider = self.catalog.provider_for_type(block.labels[0])
        tags = own_tags(provider, block_arguments(module, block, extra))
        syntax = tag_syntax(provider)
        for attached in syntax.attached if syntax is not None else ():
            for located in module.config.resources:
                other = located.node
                if not isinstance(other, Block) or other.labels[:1] != (attached.resource_type,):
                    continue
                target = other.body.attribute(attached.target)
                if target is not None and referenced_resource(target.expr) == tuple(block.labels):
                    for key, value in read_tags(attached.specs, block_arguments(module, other, {})).items():
                        tags.setdefault(key, value)
        return tags

    def _inherited_tags(self, block: Block, provider: ProviderInstance | None) -> dict[str, str]:
        """Tags the provider configuration gives every resource (AWS ``default_tags``...)."""
        from sovlint.placement.tags import read_tags, tag_syntax

        syntax = tag_syntax(self.catalog.provider_for_type(block.labels[0]))
        if syntax is None or not syntax.provider or provider is None or provider.block is None \
                or provider.owner is None:
            return {}
        names = {"each": provider.each} if provider.each is not None else {}
        return read_tags(syntax.provider, block_arguments(provider.owner, provider.block, names))

    def _facts(self, module: ModuleInstance, block: Block, extra: Mapping[str, Any]) -> dict[str, Any]:
        """Settings that rules read: redundancy (SOV009), geo-redundant replication."""
        from sovlint.placement.interpret import single_site
        from sovlint.placement.semantics import location_semantics

        entry = location_semantics().get(block.labels[0])
        facts = single_site(entry, block_arguments(module, block, extra)) if entry is not None else {}
        endpoints = self._saas_endpoints(module, block, extra)
        if endpoints:
            from sovlint.normalise.saas import saas_attributes

            facts.update(saas_attributes(endpoints))
        return facts

    def _saas_endpoints(self, module: ModuleInstance, block: Block,
                        extra: Mapping[str, Any]) -> list[dict[str, Any]]:
        """SaaS endpoints in the URLs a resource is configured with (webhooks, exporters, APIs)."""
        values: list[tuple[str, str]] = []
        for path, attr in _url_attributes(block.body, ""):
            for text in _strings(module.evaluate(attr.expr, extra)):
                values.append((f"argument {path}", text))
        if not values:
            return []
        from sovlint.normalise.saas import endpoints_in

        return endpoints_in(values)


def passed_providers(parent: ModuleInstance, providers_attr: Attribute | None,
                     extra: Mapping[str, Any]) -> dict[str, ProviderInstance]:
    """The provider configurations a module call gives its child (one module instance).

    Default configurations are inherited; a ``providers`` map passes others,
    including one instance of an OpenTofu ``for_each`` provider per module
    instance (``providers = { aws = aws.by_region[each.key] }``).
    """
    from sovlint.hcl.syntax import ObjectExpr

    inherited = {k: v for k, v in parent.providers.items() if "." not in k}
    if providers_attr is None or not isinstance(providers_attr.expr, ObjectExpr):
        return inherited
    for key_expr, value_expr in providers_attr.expr.items:
        child_key = render(key_expr).strip('"')
        target = parent.select_provider(value_expr, extra)
        inherited[child_key] = target if target is not None else ProviderInstance(
            render(value_expr).strip('"'), None, None, None)
    return inherited


def merge_module_instances(per_instance: Sequence[tuple[str, ModuleResult]], result: ModuleResult) -> None:
    """Add the results of a module call's instances to ``result``.

    Identical instances (the usual case) give their resources once. When the
    instances differ (a region per instance), every resource carries the
    module instance keys it stands for in ``instances`` (before its own keys),
    grouped by location: one entry, hence one finding, per location.
    """
    if not per_instance:
        return
    for _key, part in per_instance:
        result.failures.extend(f for f in part.failures if f not in result.failures)
        result.errors.extend(e for e in part.errors if e not in result.errors)

    def signature(part: ModuleResult) -> list[tuple[Any, ...]]:
        return [_location_key(r) + (r.instances,) for r in part.resources]

    first = per_instance[0][1]
    if len(per_instance) == 1 or not per_instance[0][0] or all(
            signature(part) == signature(first) for _key, part in per_instance[1:]):
        result.resources.extend(first.resources)
        return
    groups: dict[tuple[Any, ...], tuple[Resource, list[str]]] = {}
    for instance_key, part in per_instance:
        for resource in part.resources:
            keys = [instance_key + own for own in resource.instances] or [instance_key]
            entry = groups.setdefault(_location_key(resource), (resource, []))
            entry[1].extend(k for k in keys if k not in entry[1])
    split = {address for address in (key[0] for key in groups)
             if sum(1 for other in groups if other[0] == address) > 1}
    for resource, keys in groups.values():
        # a resource in one place whatever the instance needs no keys (as for count/for_each)
        named = resource.address in split or bool(resource.instances)
        result.resources.append(dataclasses.replace(resource, instances=tuple(keys) if named else ()))


def _location_key(resource: Resource) -> tuple[Any, ...]:
    """What tells two resources of one block apart: where they are, what copies they make."""
    return (resource.address, resource.source.path, resource.source.line, resource.resource_type,
            resource.provider, resource.region, resource.unresolved, resource.replicas)


def _selects_provider_instance(block: Block) -> bool:
    """Whether ``provider =`` picks one instance of a ``for_each`` provider (``aws.x[each.key]``)."""
    from sovlint.hcl.syntax import Index

    meta = block.body.attribute("provider")
    return meta is not None and isinstance(meta.expr, Index)


def _mentions_url(expr: Any) -> bool:
    """Whether an expression's source holds a URL (cheap: no evaluation)."""
    from sovlint.hcl.syntax import Call, Literal, ObjectExpr, Template, TupleExpr

    if isinstance(expr, Literal):
        return isinstance(expr.value, str) and "://" in expr.value
    if isinstance(expr, Template):
        return any(isinstance(p, str) and "://" in p for p in expr.parts)
    if isinstance(expr, TupleExpr):
        return any(_mentions_url(e) for e in expr.items)
    if isinstance(expr, ObjectExpr):
        return any(_mentions_url(v) for _, v in expr.items)
    if isinstance(expr, Call):  # settings = jsonencode({...}), format("https://%s", ...)
        return any(_mentions_url(a) for a in expr.args)
    return False


def _url_attributes(body: Any, prefix: str, depth: int = 0) -> Iterator[tuple[str, Attribute]]:
    """Attributes (nested blocks included, a few levels deep) whose source holds a URL."""
    for attr in body.attributes:
        if attr.source_may_contain("://") and _mentions_url(attr.expr):
            yield f"{prefix}{attr.name}", attr
    if depth < 4:
        for nested in body.blocks:
            yield from _url_attributes(nested.body, f"{prefix}{nested.type}.", depth + 1)


def _strings(value: Any) -> list[str]:
    """The string leaves of an evaluated value (bounded)."""
    from sovlint.normalise.documents import string_leaves

    return string_leaves(value, 200)


def _region_in(module: ModuleInstance, body: Any, names: Sequence[str], extra: Mapping[str, Any],
               prefix: str) -> tuple[str | None, list[str]] | None:
    """The region the first set attribute of ``names`` gives (a zone list gives its first zone).

    ``None`` when none is set (or all are null); otherwise (region, []) or
    (None, [the expression and why it is unknown]).
    """
    for name in names:
        attr = body.attribute(name)
        if attr is None:
            continue
        value = module.evaluate(attr.expr, extra)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            value = value[0]
        if isinstance(value, str) and value:
            return value, []
        if isinstance(value, Unknown):
            return None, [f"{prefix}{name} = {render(attr.expr)} ({value.reason})"]
        if value is None or value == []:
            continue
        return None, [f"{prefix}{name} = {render(attr.expr)} is not a region name"]
    return None


def _string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def module_directories(files: Iterable[Path]) -> list[Path]:
    """The distinct directories of Terraform files, in order."""
    return list(dict.fromkeys(p.parent for p in files))


class _PlacementContext:
    """What the interpreter needs about one resource block: its provider, its neighbours."""

    def __init__(self, loader: TerraformLoader, module: ModuleInstance, block: Block,
                 extra: Mapping[str, Any], provider: ProviderInstance | None = None,
                 provider_id: str | None = None, provider_text: str | None = None):
        self.loader = loader
        self.module = module
        self.block = block
        self.extra = extra
        if provider is None and provider_text is None:
            key, provider, provider_text = module.provider_for(block, extra)
            provider_id = loader.provider_id_of(module, key.split(".")[0], block.labels[0], provider)
        self.provider = provider
        self.provider_id = provider_id
        self.provider_text = provider_text

    def placement_of(self, block: Block) -> Placement:
        """Where ``block`` (this one, with this instance's names) keeps its data."""
        from sovlint.placement.interpret import place
        from sovlint.placement.semantics import location_semantics

        entry = location_semantics().get(block.labels[0])
        if entry is None:
            return self.loader.generic_placement(self.module, block, self.extra, self)
        return place(entry, block_arguments(self.module, block, self.extra), self)

    def provider_location(self, zone: bool) -> Placement:
        """The region (or zone) of the block's provider configuration."""
        return self.loader.provider_placement(self.block, self.provider, self.provider_id,
                                              self.provider_text, zone)

    def _block(self, handle: Any) -> Block | None:
        for located in self.module.config.resources:
            block = located.node
            assert isinstance(block, Block)
            if block.labels == tuple(handle):
                return block
        return None

    def locate(self, handle: Any) -> Placement | None:
        """Where another resource of this module is (its first instance), once per scan."""
        block = self._block(handle) if isinstance(handle, tuple) else None
        if block is None or block is self.block:
            return None
        memo = self.module.placements
        key = block.labels
        if key in memo:
            found = memo[key]
            return found if found is not None else Placement(
                unresolved=f"{'.'.join(block.labels)} depends on its own location")
        memo[key] = None  # a reference cycle reads as unknown
        other = _PlacementContext(self.loader, self.module, block,
                                  self.loader._first_instance(self.module, block))
        memo[key] = found = other.placement_of(block)
        return found

    def peers(self, path: str, handle: Any) -> list[Placement]:
        """Where the other blocks are whose ``path`` refers to the same resource."""
        found = []
        for located in self.module.config.resources:
            block = located.node
            assert isinstance(block, Block)
            if block is self.block or block.labels[0] != self.block.labels[0]:
                continue
            attr = block.body.attribute(path)
            if attr is not None and referenced_resource(attr.expr) == handle:
                placement = self.locate(block.labels)
                if placement is not None:
                    found.append(placement)
        return found
