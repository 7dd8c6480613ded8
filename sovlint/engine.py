"""The scan pipeline: discover -> parse/normalise -> resolve -> evaluate -> suppress.

Work units are independent (a Terraform root module directory, or one
manifest file), so they can run in worker processes (``--jobs``) and be
cached. The CLI turns the ``ScanResult`` into outputs and an exit code.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from sovlint.config import Config
from sovlint.discover import (ARM, ARM_PARAMETERS, CLOUDFORMATION, HELM_CHART, KUBERNETES,
                              KUSTOMIZATION, PLAN, TERRAFORM, TERRAFORM_JSON, TFVARS, UNREADABLE,
                              SourceFile, discover, display_path)
from sovlint.model import Finding, Resource, ScanError, Severity, SourceSpan
from sovlint.parse_cache import real_path
from sovlint.policy.load import Policy

FILE_RESOURCE_TYPE = "sovlint::file"


@dataclass
class UnitResult:
    """What one work unit yields (picklable, for worker processes and the cache)."""

    resources: list[Resource] = field(default_factory=list)
    failures: list[tuple[str, int | None, str]] = field(default_factory=list)  # SOV900
    errors: list[ScanError] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)  # real paths of local modules a Terraform unit calls


@dataclass
class ScanResult:
    """Everything a scan produced, ready for the formatters."""

    profile: str
    files: list[str]
    resources: list[Resource]
    findings: list[Finding]
    errors: list[ScanError]
    policies: list[Policy]


@dataclass(frozen=True)
class WorkUnit:
    """An independent piece of work: a Terraform root directory or a single file."""

    kind: str  # terraform | a discover format
    path: str
    reported: tuple[str, ...]  # display paths whose resources/findings are reported


def _failure_resource(path: str, line: int | None, message: str) -> Resource:
    return Resource(
        address=path,
        resource_type=FILE_RESOURCE_TYPE,
        source=SourceSpan(path, line or 1, line or 1),
        input_format="sovlint",
        attributes={"parse_error": message, "category": "other"},
    )


def plan_units(files: Sequence[SourceFile], explicit_files: bool) -> list[WorkUnit]:
    """Group discovered files into independent work units."""
    units: list[WorkUnit] = []
    tf_dirs: dict[str, list[str]] = {}
    tfvars_dirs: set[str] = set()
    for source in files:
        if source.format in (TERRAFORM, TERRAFORM_JSON):
            tf_dirs.setdefault(str(source.path.parent), []).append(source.display)
        elif source.format == TFVARS:
            # read with their module; a variables file given alone (pre-commit) checks its module
            if explicit_files:
                tfvars_dirs.add(str(source.path.parent))
            continue
        else:
            units.append(WorkUnit(source.format, str(source.path), (source.display,)))
    for directory in sorted(tfvars_dirs - set(tf_dirs)):
        tf_dirs[directory] = [display_path(p) for p in sorted(Path(directory).glob("*.tf"))]
    for directory, displays in tf_dirs.items():
        units.append(WorkUnit(TERRAFORM, directory, tuple(displays)))
    return units


def run_unit(unit: WorkUnit, config: Config, skip_dirs: frozenset[str] = frozenset()) -> UnitResult:
    """Parse and normalise one work unit; any unexpected exception becomes an error entry."""
    try:
        return _run_unit(unit, config)
    except Exception as exc:  # one unit must never stop the scan (STYLE habit 6)
        detail = traceback.format_exc() if config.debug else ""
        message = f"internal error while reading: {type(exc).__name__}: {exc}"
        result = UnitResult()
        for display in unit.reported:
            result.failures.append((display, None, message))
        if detail:
            result.errors.append(ScanError(unit.path, detail))
            sys.stderr.write(f"sovlint: {unit.path}: {message}\n{detail}")  # --debug: the trace
        return result


def _run_unit(unit: WorkUnit, config: Config) -> UnitResult:
    from sovlint.hcl import backend

    backend.configure(config.hcl_backend)  # worker processes started with spawn
    result = UnitResult()
    if unit.kind == TERRAFORM:
        from sovlint.parse_cache import cached_unit

        key, environ = _terraform_key(unit, config)
        return cached_unit(key, lambda: _terraform_unit(unit, config, environ))
    if unit.kind == UNREADABLE:
        result.failures.append((unit.reported[0], None, "cannot read file"))
        return result
    normalise = _format_normalisers().get(unit.kind)
    if normalise is None:
        return result
    from sovlint.parse_cache import cached_unit

    if unit.kind in (HELM_CHART, KUSTOMIZATION):  # rendered by the user's tools
        from sovlint.normalise.renderers import render_inputs, renderer_tools

        inputs = render_inputs(unit)
        if inputs is None:
            return normalise(unit, config)
        tools: tuple[str | None, ...] = renderer_tools()
        dependencies: Callable[[], list[str]] = lambda: [*inputs, *_shipped_data_files()]
    elif unit.kind in CACHED_MANIFESTS:
        tools = ()
        dependencies = lambda: _manifest_dependencies(unit)
    else:
        return normalise(unit, config)
    key = (unit.kind, os.getcwd(), real_path(unit.path), unit.reported, *tools,
           repr(config.clusters), config.aws_default_region,
           config.azure_resource_group_location, config.catalog)
    return cached_unit(key, lambda: (normalise(unit, config), dependencies()))


#: Manifest formats whose result depends only on the file and its siblings (cacheable).
CACHED_MANIFESTS = frozenset({KUBERNETES, CLOUDFORMATION, ARM, ARM_PARAMETERS, PLAN})


def _manifest_dependencies(unit: WorkUnit) -> list[str]:
    """The file, its folder, and the sibling files a normaliser may read (StorageClasses,
    ConfigMaps, eksctl clusters, ARM parameter files)."""
    path = os.path.abspath(unit.path)
    folder = os.path.dirname(path)
    try:
        siblings = [os.path.join(folder, n) for n in os.listdir(folder)
                    if n.lower().endswith((".yaml", ".yml", ".json"))]
    except OSError:
        siblings = []
    return [path, folder, *siblings, *_shipped_data_files()]


@functools.lru_cache(maxsize=1)
def _shipped_data_files() -> tuple[str, ...]:
    """The shipped data files a normaliser reads (signals, endpoints, catalog)."""
    from sovlint.datafiles import policies_dir

    return tuple(str(p) for p in [*policies_dir().glob("*.yaml"), *(policies_dir() / "catalog").glob("*.yaml")])


def _terraform_unit(unit: WorkUnit, config: Config,
                    environ: Mapping[str, str]) -> tuple[UnitResult, list[str]]:
    """Evaluate one Terraform root directory: (result, files and folders it read)."""
    from sovlint.normalise.terraform import TerraformLoader, TerraformOptions

    result = UnitResult()
    options = TerraformOptions(variables=config.variables, var_files=config.var_files,
                               environ=environ)
    loader = TerraformLoader(cached_catalog(config.catalog), options)
    module = loader.evaluate_root(Path(unit.path))
    # the scan keeps what belongs to reported files (a module's files are reported
    # when they were discovered, even though they are evaluated through a caller)
    result.resources = module.resources
    for failure in loader.failures.values():
        result.failures.append((failure.path, failure.line, failure.message))
    for path, line, message in module.errors:
        result.errors.append(ScanError(path, message, line))
    result.calls = sorted(local_module_calls(unit.path, loader.module_config(Path(unit.path))))
    # the catalog decides providers and argument names: its files are dependencies too
    return result, [*loader.read_paths, *_shipped_data_files(), *map(os.path.abspath, config.catalog)]


def _format_normalisers() -> Mapping[str, Callable[[WorkUnit, Config], UnitResult]]:
    """Normalisers of the manifest formats (each imports its module only when called)."""
    from sovlint.normalise import formats

    return formats.NORMALISERS


_CATALOGS: dict[tuple[str, ...], Any] = {}


def cached_catalog(extra: Sequence[str]) -> Any:
    """The catalog (shipped + user files), loaded once per process."""
    from sovlint.catalog import load_catalog

    key = tuple(extra)
    if key not in _CATALOGS:
        _CATALOGS[key] = load_catalog([Path(p) for p in extra])
    return _CATALOGS[key]


def _called(units: Sequence[WorkUnit], calls: Mapping[str, Iterable[str]]) -> frozenset[str]:
    """The scanned Terraform directories that another one calls, from each unit's local calls."""
    scanned = {real_path(u.path) for u in units if u.kind == TERRAFORM}
    called: set[str] = set()
    for unit in units:
        if unit.kind != TERRAFORM:
            continue
        here = real_path(unit.path)
        called.update(t for t in calls.get(unit.path, ()) if t in scanned and t != here)
    return frozenset(called)


#: Called with (units done, units in all) as the scan goes; the CLI draws it on a terminal.
Progress = Callable[[int, int], None]


def local_module_calls(directory: str, module: Any) -> set[str]:
    """Real paths of the local (``./``, ``../``) module sources that a module configuration calls."""
    from sovlint.hcl.syntax import Literal

    targets: set[str] = set()
    if module is None:
        return targets
    for located in module.module_calls.values():
        source = located.node.body.attribute("source")
        if source is None or not isinstance(source.expr, Literal):
            continue
        value = str(source.expr.value)
        if value.startswith(("./", "../")):
            targets.add(real_path(os.path.join(directory, value)))
    return targets


def _terraform_key(unit: WorkUnit, config: Config) -> tuple[tuple[object, ...], dict[str, str]]:
    """(the unit-cache key of a Terraform root, the TF_VAR_* variables it is evaluated with)."""
    environ = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("TF_VAR_")))
    key = ("terraform", os.getcwd(), real_path(unit.path), unit.reported,
           repr(sorted(config.variables.items())), config.var_files, environ, config.catalog)
    return key, dict(environ)


def collect(units: Sequence[WorkUnit], config: Config, jobs: int,
            progress: Progress | None = None) -> list[UnitResult]:
    """Run every unit, in worker processes when ``jobs`` > 1, reporting ``progress``."""
    total = len(units)
    if jobs <= 1 or total < 2:
        done: list[UnitResult] = []
        for unit in units:
            done.append(run_unit(unit, config))
            if progress is not None:
                progress(len(done), total)
        return done
    import concurrent.futures as cf
    import multiprocessing

    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    results: list[UnitResult | None] = [None] * len(units)
    count = 0
    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(_run_batch, [units[i] for i in batch], config): batch
                   for batch in plan_batches(units, jobs)}
        for future in cf.as_completed(futures):
            batch = futures[future]
            for index, result in zip(batch, future.result()):
                results[index] = result
            count += len(batch)
            if progress is not None:
                progress(count, total)
    return [r if r is not None else UnitResult() for r in results]


def _run_batch(units: Sequence[WorkUnit], config: Config) -> list[UnitResult]:
    """Run units one after the other in one worker (they share the modules it has read)."""
    return [run_unit(unit, config) for unit in units]


def plan_batches(units: Sequence[WorkUnit], jobs: int) -> list[list[int]]:
    """Unit indexes in batches, one per task: Terraform roots that probably call the same
    modules (same top folders) stay together so that a worker reads each module once;
    batches are filled largest first and sized so that every worker gets several."""
    sizes = [max(len(u.reported), 1) for u in units]
    target = max(sum(sizes) // (jobs * 4), 1)
    paths = [os.path.abspath(u.path).split(os.sep) for u in units]
    common = os.path.commonpath([os.path.abspath(u.path) for u in units]).split(os.sep)
    groups: dict[str, list[int]] = {}
    for depth in range(1, 8):  # the shallowest grouping with enough groups to share the work
        groups = {}
        for index, parts in enumerate(paths):
            if units[index].kind != TERRAFORM:
                key = f"#{index}"  # manifests share nothing: their own group
            else:
                key = os.sep.join(parts[len(common):len(common) + depth])
            groups.setdefault(key, []).append(index)
        if max(sum(sizes[i] for i in g) for g in groups.values()) <= target * 2 \
                or len(groups) >= jobs * 4:
            break
    ordered = sorted(groups.values(), key=lambda g: -sum(sizes[i] for i in g))
    batches: list[list[int]] = []
    current: list[int] = []
    for group in ordered:
        current.extend(group)
        if sum(sizes[i] for i in current) >= target:
            batches.append(current)
            current = []
    if current:
        batches.append(current)
    return batches


def select_policies(config: Config) -> list[Policy]:
    """The rules of this run: the profile's built-in rules + user files, enabled/disabled."""
    from sovlint.datafiles import policies_dir
    from sovlint.policy.load import load_policies
    from sovlint.policy.profiles import load_profile

    user_dirs = [Path(p) for p in config.policies if Path(p).is_dir()]
    profile = load_profile(config.profile, [policies_dir() / "profiles", *user_dirs])
    by_id: dict[str, Policy] = {}
    if config.builtin_policies:
        for policy in [*load_policies([policies_dir() / "rules"]), *load_policies(profile.replace)]:
            if policy.id in profile.rules or policy.id in config.enable:
                by_id[policy.id] = policy  # a profile's replacement comes after the base rule
    for policy in load_policies([Path(p) for p in config.policies]):
        by_id[policy.id] = policy  # a user file with the same id replaces the built-in rule
    if config.plugins:
        from sovlint.policy.plugins import plugin_policies

        for policy in plugin_policies():
            by_id[policy.id] = policy
    selected = []
    for policy in by_id.values():
        if policy.id in config.disable and policy.id not in config.enable:
            continue
        if policy.id in config.severity:
            policy = dataclasses.replace(policy, severity=Severity.parse(config.severity[policy.id]))
        selected.append(policy)
    return sorted(selected, key=lambda p: p.id)


def evaluate_all(policies: Sequence[Policy], resources: Sequence[Resource],
                 config: Config) -> tuple[list[Finding], list[ScanError]]:
    """Every finding of every policy on every resource; a crashing rule is reported, not fatal."""
    from sovlint.policy.evaluate import cannot_match, evaluate, match_prefilter, resource_view

    settings = {"allowed_countries_personal": list(config.allowed_countries_personal),
                "profile": config.profile}
    findings: list[Finding] = []
    errors: list[ScanError] = []
    broken: set[str] = set()
    prefiltered = [(policy, match_prefilter(policy)) for policy in policies]
    for resource in resources:
        view = resource_view(resource, settings)
        for policy, prefilter in prefiltered:
            if policy.id in broken or (prefilter and cannot_match(prefilter, view)):
                continue
            try:
                findings.extend(evaluate(policy, resource, view))
            except Exception as exc:  # report the rule, keep going
                if config.debug:
                    sys.stderr.write(f"sovlint: rule {policy.id} failed on {resource.address}\n"
                                     + traceback.format_exc())
                broken.add(policy.id)
                errors.append(ScanError(policy.source_file,
                                        f"rule {policy.id} failed on {resource.address}: "
                                        f"{type(exc).__name__}: {exc}", policy.line))
    return findings, errors


def scan(paths: Sequence[Path], config: Config, explicit_files: bool = False,
         progress: Progress | None = None) -> ScanResult:
    """Run the whole pipeline on ``paths``; ``progress`` follows the work units."""
    from sovlint import parse_cache

    from sovlint.hcl import backend

    parse_cache.configure(config.cache)
    backend.configure(config.hcl_backend)
    missing = backend.missing_forced_backend()
    if missing is not None:
        from sovlint.config import ConfigError

        raise ConfigError(missing)
    terraform = sys.modules.get("sovlint.normalise.terraform")
    if terraform is not None:  # a scan reads the files as they are now
        terraform.forget_modules()
    policies = select_policies(config)
    found = discover(paths, config.exclude, config.max_file_size)
    units = plan_units(found.files, explicit_files)
    # every planned file is reported, also those of directories evaluated through their callers
    reported_files = {d for u in units for d in u.reported}
    cached_catalog(config.catalog)  # loaded once, before worker processes fork
    # Every unit runs (from the unit cache when nothing it read changed), then the results
    # of directories that another scanned directory calls as a module are dropped.
    results = collect(units, config, config.jobs, progress)
    called = _called(units, {u.path: r.calls for u, r in zip(units, results)})
    results = [r for u, r in zip(units, results)
               if not (u.kind == TERRAFORM and real_path(u.path) in called)]
    raw: list[Resource] = []
    errors: list[ScanError] = [*found.errors, *found.skipped]
    for unit_result in results:
        raw.extend(unit_result.resources)
        errors.extend(unit_result.errors)
        for path, line, message in unit_result.failures:
            raw.append(_failure_resource(path, line, message))
    if not explicit_files:  # remote modules `terraform init` fetched belong to the scanned code
        reported_files |= {r.source.path for r in raw
                           if "/.terraform/modules/" in "/" + r.source.path.replace(os.sep, "/")}
    raw = _reported_only(raw, reported_files)
    # a parse failure of a file that is not reported (a module outside the scanned
    # paths, a sibling of a single file) is not this run's business
    raw = [r for r in raw if r.resource_type != FILE_RESOURCE_TYPE or r.source.path in reported_files
           or r.source.path.endswith((".tfvars", ".tfvars.json"))]
    return review_resources(raw, errors, config, policies, sorted(reported_files))


def review_resources(raw: Sequence[Resource], errors: Sequence[ScanError], config: Config,
                     policies: Sequence[Policy], sources: Sequence[str]) -> ScanResult:
    """The second half of the pipeline: resolve -> evaluate -> suppress -> sort.

    Every input format ends here with its normalised resources: the files of
    ``scan``, or the live review of ``sovlint aws`` (whose ``sources`` are
    ``aws://ACCOUNT/REGION`` locations rather than files).
    """
    from sovlint.resolve import DataClassSettings, resolve_resource
    from sovlint.suppress import SuppressionPolicy, apply_suppressions, read_baseline

    catalog = cached_catalog(config.catalog)
    settings = DataClassSettings(default=config.default_data_class,
                                 synonyms=config.data_class_synonyms,
                                 paths=config.data_class_paths)
    all_errors = list(errors)
    resources = [r if r.resource_type == FILE_RESOURCE_TYPE else resolve_resource(r, catalog, settings)
                 for r in raw]
    findings, rule_errors = evaluate_all(policies, resources, config)
    all_errors.extend(rule_errors)
    from sovlint.remediation import attach_remediation

    findings = attach_remediation(findings, resources, catalog, config.profile)
    baseline = read_baseline(Path(config.baseline)) if config.baseline else frozenset()
    by_address = {(r.source.path, r.address): r for r in resources}
    findings = apply_suppressions(
        findings, by_address,
        SuppressionPolicy(inline=config.inline_suppressions, require_reason=config.require_reason),
        baseline,
    )
    findings.sort(key=lambda f: (f.source.path, f.source.line or 0, f.rule, f.address or "",
                                 f.discriminator))
    listed = sorted((r for r in resources if r.resource_type != FILE_RESOURCE_TYPE),
                    key=lambda r: (r.source.path, r.source.line or 0, r.address, r.instances))
    all_errors.sort(key=lambda e: (e.path, e.line or 0, e.message))
    return ScanResult(profile=config.profile, files=list(sources), resources=listed,
                      findings=findings, errors=all_errors, policies=list(policies))


def _reported_only(resources: Iterable[Resource], reported: set[str]) -> list[Resource]:
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for resource in resources:
        if resource.source.path not in reported and resource.resource_type != FILE_RESOURCE_TYPE:
            continue
        key = (resource.address, resource.source.path, resource.source.line, resource.region,
               resource.instances, resource.resource_type)
        if key in seen:
            continue
        seen.add(key)
        kept.append(resource)
    return kept


def exit_code(findings: Iterable[Finding], fail_on: str) -> int:
    """0 when nothing unsuppressed is at or above ``fail_on``; 1 otherwise."""
    if fail_on == "never":
        return 0
    threshold = Severity.parse(fail_on)
    return 1 if any(not f.suppressed and f.severity >= threshold for f in findings) else 0
