"""Terraform module directories -> Resources.

All ``.tf``/``.tf.json`` files of a directory are evaluated together with the
variable values Terraform would use; local modules are followed with their
inputs and ``providers`` maps. Each resource gets its provider (from the
catalog), the region its configuration pins (per-resource argument, then the
provider configuration), its tags, and what could not be resolved.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sovlint.catalog import ProviderCatalog
from sovlint.hcl.render import render
from sovlint.hcl.syntax import Attribute, Block, HclFile, HclSyntaxError
from sovlint.model import Replica, Resource, SourceSpan, Suppression
from sovlint.parse_cache import real_path
from sovlint.suppress import parse_comment_suppressions
from sovlint.terraform.instance import MAX_INSTANCES, MAX_MODULE_DEPTH, ModuleInstance, ProviderInstance
from sovlint.terraform.module import ModuleConfig, load_module, provider_key
from sovlint.terraform.values import LazyMapping, OpenMapping, Unknown

TF_SUFFIXES = (".tf", ".tf.json")
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

    def read() -> bytes | None:
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError:
            return None

    def parse(data: bytes | None) -> HclFile | ParseFailure:
        from sovlint.parsers.text import decode_text

        text = decode_text(data) if data is not None else ("cannot read file", None)
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


def _read_module(directory: Path) -> tuple[ModuleConfig | None, list[ParseFailure]]:
    """Parse every ``.tf``/``.tf.json`` file of a directory into its configuration."""
    files: list[HclFile] = []
    failures: list[ParseFailure] = []
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return None, failures
    for name in names:
        if not name.endswith(TF_SUFFIXES):
            continue
        path = directory / name
        if not path.is_file():
            continue
        parsed = parse_terraform_file(path, os.path.relpath(path))
        if isinstance(parsed, ParseFailure):
            failures.append(parsed)
        else:
            files.append(parsed)
    return (load_module(directory, files) if files or names else None), failures


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
            shared = _read_module(directory)
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

    # ----- variables -----
    def root_inputs(self, directory: Path) -> dict[str, Any]:
        """Variable values with Terraform's precedence (lowest first)."""
        values: dict[str, Any] = {}
        for name, value in sorted(self.options.environ.items()):
            if name.startswith("TF_VAR_"):
                values[name[len("TF_VAR_"):]] = value
        auto = []
        for name in ("terraform.tfvars", "terraform.tfvars.json"):
            if (directory / name).is_file():
                auto.append(directory / name)
        try:
            auto += sorted(p for p in directory.iterdir()
                           if p.name.endswith((".auto.tfvars", ".auto.tfvars.json")))
        except OSError:
            pass
        self.read_paths.add(str(directory.resolve()))
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
        config = self.module_config(directory)
        if config is None:
            return result
        inputs = self.root_inputs(directory)
        root = ModuleInstance(config=config, inputs=inputs, address="", providers={},
                              load_child=self.module_config)
        root.providers = self._own_providers(root, {})
        self.limits = []
        self._collect(root, result)
        result.errors.extend(self.limits)
        return result

    def _own_providers(self, module: ModuleInstance,
                       inherited: Mapping[str, ProviderInstance]) -> dict[str, ProviderInstance]:
        providers = dict(inherited)
        for located in module.config.providers:
            block = located.node
            assert isinstance(block, Block)
            key = provider_key(block)
            providers[key] = ProviderInstance(key, block, located.file.path, module)
        return providers

    def _collect(self, module: ModuleInstance, result: ModuleResult) -> None:
        own: list[Resource] = []
        for located in module.config.resources:
            block = located.node
            assert isinstance(block, Block)
            own.extend(self._resources_of(module, block, located.file))
        result.resources.extend(self._link_replicas(module, own))
        for name, located in sorted(module.config.module_calls.items()):
            self._follow_module(module, name, located.node, located.file, result)  # type: ignore[arg-type]

    def _link_replicas(self, module: ModuleInstance, resources: list[Resource]) -> list[Resource]:
        """Attach every declared copy to the resource whose data is copied."""
        from sovlint.normalise.terraform_replicas import replica_links

        prefix = f"{module.address}." if module.address else ""
        by_local: dict[tuple[str, str], list[int]] = {}
        for index, resource in enumerate(resources):
            rtype, rname = resource.address[len(prefix):].split(".", 1)
            by_local.setdefault((rtype, rname), []).append(index)

        def region_of(target: tuple[str, str]) -> Any:
            indexes = by_local.get(target)
            if not indexes:
                return None
            first = resources[indexes[0]]
            if first.region is not None:
                return first.region
            return Unknown(reason="; ".join(first.unresolved) or "region unknown",
                           expr=f"{target[0]}.{target[1]}")

        added: dict[int, list[Replica]] = {}
        for located in module.config.resources:
            block = located.node
            assert isinstance(block, Block)
            span = SourceSpan(located.file.path, block.line, block.end_line)
            links = replica_links(block, span, module.evaluate, region_of)
            for link in links:
                declaring = by_local.get((block.labels[0], block.labels[1]), [])
                targets = by_local.get(link.source, []) if link.source else declaring
                replica = link.replica
                if replica.region is None and replica.unresolved is None:
                    # the copy lives where the declaring resource is
                    where = region_of((block.labels[0], block.labels[1]))
                    replica = dataclasses.replace(
                        replica, region=where if isinstance(where, str) else None,
                        unresolved=None if isinstance(where, str) else
                        f"{replica.via} {block.labels[0]}.{block.labels[1]}: "
                        f"{where.reason if isinstance(where, Unknown) else 'region unknown'}")
                for index in targets:
                    added.setdefault(index, []).append(replica)
        self._link_global_clusters(module, resources, by_local, added)
        if not added:
            return resources
        return [dataclasses.replace(r, replicas=(*r.replicas, *added.get(i, ())))
                for i, r in enumerate(resources)]

    def _link_global_clusters(self, module: ModuleInstance, resources: list[Resource],
                              by_local: Mapping[tuple[str, str], list[int]],
                              added: dict[int, list[Replica]]) -> None:
        """Aurora global databases: each member cluster's data is copied to every other member."""
        from sovlint.normalise.terraform_replicas import referenced_resource

        members: dict[tuple[str, str], list[tuple[int, SourceSpan]]] = {}
        for located in module.config.resources:
            block = located.node
            assert isinstance(block, Block)
            attr = block.body.attribute("global_cluster_identifier")
            target = referenced_resource(attr.expr) if attr is not None else None
            if block.labels[0] != "aws_rds_cluster" or target is None:
                continue
            span = SourceSpan(located.file.path, block.line, block.end_line)
            for index in by_local.get((block.labels[0], block.labels[1]), []):
                members.setdefault(target, []).append((index, span))
        for group in members.values():
            for index, _ in group:
                for other, span in group:
                    if other == index:
                        continue
                    region = resources[other].region
                    added.setdefault(index, []).append(Replica(
                        via="Aurora global database member", region=region, declared_at=span,
                        unresolved=None if region else
                        f"global database member {resources[other].address}: "
                        + ("; ".join(resources[other].unresolved) or "region unknown")))

    def _follow_module(self, parent: ModuleInstance, name: str, block: Block,
                       file: HclFile, result: ModuleResult) -> None:
        source_attr = block.body.attribute("source")
        source = parent.evaluate(source_attr.expr) if source_attr else None
        if not isinstance(source, str):
            return
        address = f"{parent.address + '.' if parent.address else ''}module.{name}"
        if parent.depth >= MAX_MODULE_DEPTH:
            result.errors.append((file.path, block.line,
                                  f"{address}: modules nested deeper than {MAX_MODULE_DEPTH}; not followed"))
            return
        directory = self._module_directory(parent.config.directory, name, source, parent.address)
        if directory is None:
            return
        key = real_path(directory)
        if key in parent.call_stack:
            result.errors.append((file.path, block.line,
                                  f"{address}: module calls itself (source {source!r}); not followed"))
            return
        config = self.module_config(directory)
        if config is None:
            result.errors.append((file.path, block.line,
                                  f"{address}: module source {source!r} not found"))
            return
        reserved = {"source", "version", "providers", "count", "for_each", "depends_on"}
        inherited = {k: v for k, v in parent.providers.items() if "." not in k}
        providers_attr = block.body.attribute("providers")
        if providers_attr is not None:
            from sovlint.hcl.syntax import ObjectExpr

            if isinstance(providers_attr.expr, ObjectExpr):
                for key_expr, value_expr in providers_attr.expr.items:
                    child_key = render(key_expr).strip('"')
                    parent_key = render(value_expr).strip('"')
                    target = parent.providers.get(parent_key)
                    inherited[child_key] = target if target is not None else ProviderInstance(
                        parent_key, None, None, None)
        # one child per count/for_each instance (same address, SPEC §1); identical results merge
        instances = self._instances(parent, block, file)[:MAX_MODULE_INSTANCES]
        arguments = {a.name: a for a in block.body.attributes if a.name not in reserved}

        def argument(extra: Mapping[str, Any]) -> Callable[[str], Any]:
            return lambda input_name: parent.evaluate(arguments[input_name].expr, extra)

        for _key, extra in instances:
            # evaluated when the module reads them (in the caller's scope): unused inputs cost nothing
            inputs = LazyMapping(address, list(arguments), argument(extra))
            child = ModuleInstance(config=config, inputs=inputs, address=address, providers={},
                                   load_child=self.module_config, depth=parent.depth + 1,
                                   call_stack=(*parent.call_stack,
                                               real_path(parent.config.directory)))
            child.providers = self._own_providers(child, inherited)
            self._collect(child, result)

    def _module_directory(self, base: Path, name: str, source: str, parent_address: str) -> Path | None:
        if source.startswith(("./", "../")):
            return Path(real_path(base / source))
        # remote module: where `terraform init` left it
        manifest = self._modules_manifest(base)
        key = f"{parent_address.replace('module.', '') + '.' if parent_address else ''}{name}"
        if manifest and key in manifest:
            return manifest[key]
        return None

    def _modules_manifest(self, base: Path) -> dict[str, Path]:
        import json

        for directory in (base, *Path(real_path(base)).parents):
            path = directory / ".terraform" / "modules" / "modules.json"
            self.read_paths.add(os.path.abspath(path))
            if path.is_file():
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    return {}
                return {m["Key"]: (directory / m["Dir"]) for m in data.get("Modules", [])
                        if m.get("Key") and m.get("Dir")}
        return {}

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
        if file is None or not (reason.startswith(EVALUATION_BOUNDS) or "stand for all" in reason):
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
        provider_id = self._provider_id(module, key.split(".")[0], rtype, provider)
        span = SourceSpan(file.path, block.line, block.end_line)
        suppressions = tuple(parse_comment_suppressions(file.comments, block.line, block.end_line,
                                                        span))
        groups: dict[tuple[Any, ...], dict[str, Any]] = {}
        for instance_key, extra in self._instances(module, block, file):
            region, unresolved = self._region(module, block, provider, provider_id, extra, provider_text)
            tags = self._tags(module, block, extra)
            group_key = (region, tuple(unresolved))
            group = groups.setdefault(group_key, {"instances": [], "region": region,
                                                  "unresolved": unresolved, "tags": tags,
                                                  "extra": extra})
            if instance_key:
                group["instances"].append(instance_key)
        if not groups:  # count = 0 / empty for_each: nothing is created
            return []
        inherited = provider.default_tags() if provider is not None else {}
        resources = []
        for group in groups.values():
            resources.append(Resource(
                address=address,
                resource_type=rtype,
                source=span,
                input_format="terraform",
                provider=provider_id,
                region=group["region"],
                unresolved=tuple(group["unresolved"]),
                tags=_string_map(group["tags"]),
                inherited_tags=_string_map(inherited),
                attributes=self._facts(module, block, group["extra"]),
                suppressions=suppressions,
                module=module.address or None,
                instances=tuple(group["instances"]) if len(groups) > 1 else (),
            ))
        return resources

    def _provider_id(self, module: ModuleInstance, local_name: str, rtype: str,
                     provider: ProviderInstance | None) -> str | None:
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

    def _region(self, module: ModuleInstance, block: Block, provider: ProviderInstance | None,
                provider_id: str | None, extra: Mapping[str, Any],
                provider_text: str | None) -> tuple[str | None, list[str]]:
        # attribute names are the Terraform provider's (openstack), not the operator's (ovh)
        entry = self.catalog.get(self.catalog.provider_for_type(block.labels[0]) or provider_id)
        settings = entry.terraform if entry is not None else {}
        names = [*settings.get("resource_region_attributes", ["region", "location"]),
                 *settings.get("zone_attributes", [])]
        found = _region_in(module, block.body, names, extra, "")
        for nested in block.body.blocks:  # ``nodes { region = "GRA" }``: the first one set wins
            if found is not None:
                break
            found = _region_in(module, nested.body, names, extra, f"{nested.type}.")
        if found is not None:
            return found
        if not settings.get("provider_region_attributes", ["region"]):
            # no provider-wide region (azurerm): a child resource lives where its parent does
            inherited = self._parent_region(module, block)
            if inherited is not None:
                return inherited
        label = provider_text or (provider.key if provider is not None else
                                  block.labels[0].split("_", 1)[0])
        if provider is None or provider.block is None:
            return None, [f"provider {label} has no configuration here; its region is set at deploy time"]
        for name in settings.get("provider_region_attributes", ["region"]):
            value = provider.attribute(name)
            if value is None:
                continue
            if isinstance(value, str) and value:
                return value, []
            text = provider.expression(name)
            reason = value.reason if isinstance(value, Unknown) else "not a region name"
            return None, [f"provider {label}: {name} = {text} ({reason})"]
        return None, [f"provider {label} sets no region; it comes from the environment at deploy time"]

    def _parent_region(self, module: ModuleInstance,
                       block: Block) -> tuple[str | None, list[str]] | None:
        """The location of the resource an argument (``server_id``, ``storage_account_name``...) points to."""
        from sovlint.normalise.terraform_replicas import referenced_resource

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

    def _tags(self, module: ModuleInstance, block: Block, extra: Mapping[str, Any]) -> Any:
        for name in ("tags", "labels"):
            attr = block.body.attribute(name)
            if attr is not None:
                value = module.evaluate(attr.expr, extra)
                if isinstance(value, Mapping):
                    return value
                if isinstance(value, list):  # Scaleway/OVH style: ["key=value", "key:value"]
                    pairs = [re.split(r"[=:]", v, maxsplit=1) for v in value if isinstance(v, str)]
                    return {p[0]: p[1] for p in pairs if len(p) == 2}
        return {}

    def _facts(self, module: ModuleInstance, block: Block, extra: Mapping[str, Any]) -> dict[str, Any]:
        """Settings that rules read: redundancy (SOV009), geo-redundant replication."""
        from sovlint.normalise.terraform_facts import resource_facts

        def value_of(name: str) -> Any:
            attr = block.body.attribute(name)
            if attr is not None:
                return module.evaluate(attr.expr, extra)
            nested = block.body.blocks_of(name)
            if nested:
                return [{a.name: module.evaluate(a.expr, extra) for a in b.body.attributes}
                        for b in nested]
            return None

        facts = resource_facts(block.labels[0], value_of)
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


def _mentions_url(expr: Any) -> bool:
    """Whether an expression's source holds a URL (cheap: no evaluation)."""
    from sovlint.hcl.syntax import Literal, ObjectExpr, Template, TupleExpr

    if isinstance(expr, Literal):
        return isinstance(expr.value, str) and "://" in expr.value
    if isinstance(expr, Template):
        return any(isinstance(p, str) and "://" in p for p in expr.parts)
    if isinstance(expr, TupleExpr):
        return any(_mentions_url(e) for e in expr.items)
    if isinstance(expr, ObjectExpr):
        return any(_mentions_url(v) for _, v in expr.items)
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
