"""The scan pipeline: discover -> parse/normalise -> resolve -> evaluate -> suppress.

Work units are independent (a Terraform root module directory, or one
manifest file), so they can run in worker processes (``--jobs``) and be
cached. The CLI turns the ``ScanResult`` into outputs and an exit code.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import gc
import hashlib
import os
import sys
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence, overload

from sovlint.catalog import cached_catalog
from sovlint.config import Config
from sovlint.discover import (ARM, ARM_PARAMETERS, BICEP, CLOUDFORMATION, HELM_CHART, KUBERNETES,
                              KUSTOMIZATION, PLAN, STATE, TERRAFORM, TERRAFORM_JSON, TERRAGRUNT,
                              TERRAGRUNT_INCLUDE, TFVARS, UNREADABLE, Discovery, SourceFile, discover,
                              display_path)
from sovlint.model import RENDERED_ORIGIN, Finding, Resource, ScanError, Severity, SourceSpan
from sovlint.parse_cache import real_path
from sovlint.policy.load import Policy
from sovlint.references import ReferenceGraph
from sovlint.units import FolderFiles, Judgement, SharedNames, UnitResult, WorkUnit, folder_files

if TYPE_CHECKING:  # the rules' evaluator is imported when resources are judged
    from sovlint.policy.evaluate import Prefilter

FILE_RESOURCE_TYPE = "sovlint::file"


@dataclass
class ScanResult:
    """Everything a scan produced, ready for the formatters.

    ``resources`` and ``findings`` are read-only sequences in report order
    (a scan keeps them in a temporary file: :mod:`sovlint.results`).
    """

    profile: str
    files: Sequence[str]
    resources: Sequence[Resource]
    findings: Sequence[Finding]
    errors: list[ScanError]
    policies: list[Policy]


def with_scan_index(units: Sequence[WorkUnit]) -> list[WorkUnit]:
    """The units, Kubernetes manifests carrying the cluster-wide objects of all of them
    (StorageClasses, PersistentVolumes, Namespaces, ASO owners: see ``kubernetes_scan``)."""
    manifests = [(u.path, u.reported[0]) for u in units if u.kind == KUBERNETES and u.reported]
    if not manifests:
        return list(units)
    from sovlint.normalise.kubernetes_scan import scan_index

    index = scan_index(manifests)
    if not index.entries:
        return list(units)
    return [dataclasses.replace(u, scan_index=index) if u.kind == KUBERNETES else u for u in units]


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
    terragrunt: dict[str, list[str]] = {}  # unit file -> reported files
    for source in files:
        if source.format in (TERRAGRUNT, TERRAGRUNT_INCLUDE):
            _plan_terragrunt(source, terragrunt)
        elif source.format in (TERRAFORM, TERRAFORM_JSON):
            tf_dirs.setdefault(os.path.dirname(source.location) or ".", []).append(source.display)
        elif source.format == TFVARS:
            # read with their module; a variables file given alone (pre-commit) checks its module
            if explicit_files:
                tfvars_dirs.add(os.path.dirname(source.location) or ".")
            continue
        else:
            units.append(WorkUnit(source.format, source.location, (source.display,)))
    for directory in sorted(tfvars_dirs - set(tf_dirs)):
        tf_dirs[directory] = [display_path(p) for p in sorted(Path(directory).glob("*.tf*"))
                              if p.name.endswith((".tf", ".tofu"))]
    shared = SharedNames()  # (a Terraform directory's files: its folder and their names)
    for directory, displays in tf_dirs.items():
        units.append(WorkUnit(TERRAFORM, directory, folder_files(displays, directory, shared)))
    tf_dirs.clear()
    for unit_file, displays in terragrunt.items():
        units.append(WorkUnit(TERRAGRUNT, unit_file, tuple(dict.fromkeys(displays))))
    return units


def _plan_terragrunt(source: SourceFile, units: dict[str, list[str]]) -> None:
    """A ``terragrunt.hcl`` is a unit; another ``.hcl`` named on the command line (``root.hcl``,
    pre-commit) stands for the units below its folder, which are the ones that can include it."""
    if source.format == TERRAGRUNT:
        units.setdefault(source.location, []).append(source.display)
        return
    from sovlint.terragrunt.unit import units_below

    for unit_file in units_below(Path(source.location).parent):
        units.setdefault(str(unit_file), []).extend((display_path(unit_file), source.display))


def run_unit(unit: WorkUnit, config: Config, skip_dirs: frozenset[str] = frozenset()) -> UnitResult:
    """Parse and normalise one work unit; any unexpected exception becomes an error entry."""
    try:
        return _run_unit(unit, config)
    except Exception as exc:  # one unit must never stop the scan (STYLE habit 6)
        detail = _trace() if config.debug else ""
        message = f"internal error while reading: {type(exc).__name__}: {exc}"
        result = UnitResult()
        for display in unit.reported:
            result.failures.append((display, None, message))
        if detail:  # --debug: the trace, written by the process that reviews the results
            result.errors.append(ScanError(unit.path, detail))
        return result


def _trace() -> str:
    """The trace of the exception being handled (--debug; its module imported only then)."""
    import traceback

    return traceback.format_exc()


def _run_unit(unit: WorkUnit, config: Config) -> UnitResult:
    from sovlint import files
    from sovlint.hcl import backend

    backend.configure(config.hcl_backend)  # worker processes started with spawn
    files.configure(config.max_file_size, config.tree)
    result = UnitResult()
    if unit.kind == TERRAFORM:
        from sovlint.parse_cache import cached_unit

        key, environ = _terraform_key(unit, config)
        return cached_unit(key, lambda: _terraform_unit(unit, config, environ))
    if unit.kind == TERRAGRUNT:
        from sovlint.parse_cache import cached_unit

        return cached_unit(_terragrunt_key(unit, config), lambda: _terragrunt_unit(unit, config))
    if unit.kind == UNREADABLE:
        result.failures.append((unit.reported[0], None, "cannot read file"))
        return result
    normalise = _format_normalisers().get(unit.kind)
    if normalise is None:
        return result
    from sovlint.parse_cache import cached_unit, disk_cache_on

    if not disk_cache_on():  # --no-cache: no key to make (real paths, renderer versions)
        return normalise(unit, config)
    if unit.kind in (HELM_CHART, KUSTOMIZATION):  # rendered by the user's tools
        from sovlint.normalise.renderers import render_inputs, renderer_tools

        inputs = render_inputs(unit)
        if inputs is None:
            return normalise(unit, config)
        tools: tuple[str | None, ...] = renderer_tools()
        dependencies: Callable[[], list[str]] = lambda: [*inputs, *_shipped_data_files()]
    elif unit.kind in CACHED_MANIFESTS:
        tools = ()
        dependencies = lambda: [*_manifest_dependencies(unit), *_plan_deploy_files(unit, config)]
    else:
        return normalise(unit, config)
    key = (unit.kind, os.getcwd(), real_path(unit.path), unit.reported, *tools,
           repr(config.clusters), config.aws_default_region,
           config.azure_resource_group_location, config.catalog,
           unit.scan_index.digest if unit.scan_index is not None else None,
           *_plan_deploy_key(unit, config))
    return cached_unit(key, lambda: (normalise(unit, config), dependencies()))


def _plan_deploy_key(unit: WorkUnit, config: Config) -> tuple[object, ...]:
    """A plan's providers may take their region from the deploy environment (--deploy-env)."""
    if unit.kind != PLAN:
        return ()
    from sovlint.deploy_env import DeployEnvironment

    return DeployEnvironment.from_config(config).cache_key()


def _plan_deploy_files(unit: WorkUnit, config: Config) -> list[str]:
    """The profile files a plan's providers may read (--deploy-env)."""
    if unit.kind != PLAN:
        return []
    from sovlint.deploy_env import DeployEnvironment

    return DeployEnvironment.from_config(config).profile_files()


#: Manifest formats whose result depends only on the file and its siblings (cacheable).
CACHED_MANIFESTS = frozenset({KUBERNETES, CLOUDFORMATION, ARM, ARM_PARAMETERS, PLAN, STATE})


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
    from sovlint.deploy_env import DeployEnvironment
    from sovlint.normalise.terraform import TerraformLoader, TerraformOptions

    result = UnitResult()
    deploy = DeployEnvironment.from_config(config)
    options = TerraformOptions(variables=config.variables, var_files=config.var_files,
                               environ=environ, workspace=config.workspace,
                               fetch_modules=config.fetch_modules,
                               fetched_data_dir=_fetched_data_dir(unit, config),
                               max_file_size=config.max_file_size, deploy_environment=deploy)
    loader = TerraformLoader(cached_catalog(config.catalog), options)
    module = loader.evaluate_root(Path(unit.path))
    # the scan keeps what belongs to reported files (a module's files are reported
    # when they were discovered, even though they are evaluated through a caller)
    root = display_path(Path(unit.path))
    result.resources = [dataclasses.replace(r, root=root) for r in module.resources]
    for failure in loader.failures.values():
        result.failures.append((failure.path, failure.line, failure.message))
    for path, line, message in module.errors:
        result.errors.append(ScanError(path, message, line))
    # the catalog decides providers and argument names: its files are dependencies too
    return result, [*loader.read_paths, *_shipped_data_files(), *map(os.path.abspath, config.catalog),
                    *deploy.profile_files()]


def _terragrunt_key(unit: WorkUnit, config: Config) -> tuple[object, ...]:
    """The unit-cache key of a Terragrunt unit: what it is evaluated with besides files.

    With --deploy-env, ``get_env`` may read any variable: the whole environment is in the key.
    """
    from sovlint.deploy_env import DeployEnvironment

    key, _ = _terraform_key(unit, config)
    deploy = DeployEnvironment.from_config(config)
    everything = tuple(sorted(deploy.environ.items())) if deploy.read_environment else ()
    return ("terragrunt", *key, everything)


def _terragrunt_unit(unit: WorkUnit, config: Config) -> tuple[UnitResult, list[str]]:
    """Evaluate one Terragrunt unit (imported only when the unit cache has no valid result)."""
    from sovlint.terragrunt.unit import evaluate_unit

    result, read = evaluate_unit(unit.path, unit.reported[0], config, cached_catalog(config.catalog))
    return result, [*read, *_shipped_data_files(), *map(os.path.abspath, config.catalog)]


def _format_normalisers() -> Mapping[str, Callable[[WorkUnit, Config], UnitResult]]:
    """Normalisers of the manifest formats (each imports its module only when called)."""
    from sovlint.normalise import formats

    return formats.NORMALISERS


#: Called with (units done, units in all) as the scan goes; the CLI draws it on a terminal.
Progress = Callable[[int, int], None]


class ReportedFiles(Sequence[str]):
    """The display paths a scan reports, sorted: a read-only sequence (the report's
    ``files``) that answers ``in`` and ``index`` by bisection. Each path is kept as its
    folder and its name, strings shared with the work units (:class:`FolderFiles`) and
    between folders: a large tree's paths would weigh several megabytes as strings."""

    def __init__(self, paths: Iterable[str] = (), groups: Iterable[Sequence[str]] = ()) -> None:
        """``paths``, and the paths of ``groups`` (the work units' reported files)."""
        folders: dict[str, str] = {}
        shared = SharedNames()
        texts = set(paths)
        for group in groups:
            if isinstance(group, FolderFiles):  # its strings are the ones kept
                folders.setdefault(group.folder, group.folder)
                for name in group.names:
                    shared.name(name)
            texts.update(group)
        self._folders: list[str | None] = []  # None: a path without a folder
        self._folder_of = array("I")  # per path, its folder's place in _folders
        self._names: list[str] = []
        numbers: dict[str | None, int] = {}
        for path in sorted(texts):
            cut = path.rfind(os.sep)
            folder = folders.setdefault(path[:cut], path[:cut]) if cut >= 0 else None
            number = numbers.setdefault(folder, len(numbers))
            if number == len(self._folders):
                self._folders.append(folder)
            self._folder_of.append(number)
            self._names.append(shared.name(path[cut + 1:]))

    def __len__(self) -> int:
        return len(self._names)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        name = self._names[index]
        folder = self._folders[self._folder_of[index]]
        return name if folder is None else folder + os.sep + name

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, str):
            return False
        index = bisect.bisect_left(self, path)
        return index < len(self) and self[index] == path

    def index(self, value: Any, start: int = 0, stop: int = sys.maxsize) -> int:
        """The place of a path (ValueError when it is not reported)."""
        stop = min(stop, len(self))
        if isinstance(value, str) and start < stop:
            index = bisect.bisect_left(self, value, start, stop)
            if index < stop and self[index] == value:
                return index
        raise ValueError(f"{value!r} is not reported")

    def __repr__(self) -> str:
        return f"ReportedFiles({len(self)} paths)"


@dataclass
class ScanPlan:
    """What a scan runs and reports, decided before anything is evaluated.

    ``units`` are the roots: a Terraform directory that another scanned one
    calls as a local module is evaluated through its callers, a kustomization
    that another one uses as a base is built through its overlays
    (:mod:`sovlint.references`). ``reported`` holds the display paths whose
    resources and findings are reported; ``terraform`` every discovered
    Terraform directory (roots and modules), so that a scan of some roots
    (``--shard``, ``--changed-since``) reports the module files they read.
    """

    units: list[WorkUnit]
    reported: ReportedFiles
    graph: ReferenceGraph
    terraform: list[WorkUnit]
    explicit_files: bool = False

    def modules_read(self, units: Iterable[WorkUnit]) -> set[str]:
        """The Terraform directories (real paths) that these root units read, themselves included."""
        from sovlint.references import evaluating

        kinds = evaluating(TERRAFORM)
        found: set[str] = set()
        for unit in units:
            found |= self.graph.reachable(real_path(unit_directory(unit)), *kinds)
        return found

    def select(self, units: Sequence[WorkUnit], extra_reported: Iterable[str] = ()) -> ScanPlan:
        """The plan of some of this plan's units: their files, and the files of the
        Terraform modules they read, are reported."""
        reported = {d for u in units for d in u.reported}
        reported.update(extra_reported)
        read = self.modules_read(units)
        for unit in self.terraform:
            if real_path(unit.path) in read:
                reported.update(unit.reported)
        return ScanPlan(list(units), ReportedFiles(reported), self.graph, self.terraform,
                        self.explicit_files)


def unit_directory(unit: WorkUnit) -> str:
    """The directory a unit stands for: a Terraform directory, or the folder of its file
    (a Terragrunt unit's folder)."""
    return unit.path if unit.kind == TERRAFORM else os.path.dirname(unit.path)


#: Discovered formats whose files may reference other directories (sovlint.references).
REFERENCING = frozenset({TERRAFORM, TERRAFORM_JSON, KUSTOMIZATION, HELM_CHART, TERRAGRUNT})


def plan_scan(files: Sequence[SourceFile], explicit_files: bool, config: Config | None = None) -> ScanPlan:
    """The work units of a scan, its roots only, and what it reports."""
    from sovlint.references import FINDERS, read_references

    units = plan_units(files, explicit_files)
    graph = read_references(f.location for f in files if f.format in REFERENCING)
    resolve_module_sources(graph, config or Config())
    # every planned file is reported, also those of directories evaluated through their callers
    reported = ReportedFiles(groups=(u.reported for u in units))
    terraform = [u for u in units if u.kind == TERRAFORM]
    # directories evaluated through another scanned one (a called module, a kustomize base,
    # the module of a Terragrunt unit...) are not roots: {format: real paths}
    through: dict[str, set[str]] = {}
    real = [real_path(unit_directory(u)) for u in units]  # each computed once (a large tree's)
    scanned = set(real)
    for finder in FINDERS.values():
        if finder.evaluates is not None:
            candidates = [r for u, r in zip(units, real) if u.kind == finder.evaluates]
            through.setdefault(finder.evaluates, set()).update(
                graph.referenced(candidates, finder.kind, sources=scanned))
    # the module folder a Terragrunt unit deploys (its source may be an expression: evaluated)
    through.setdefault(TERRAFORM, set()).update(_deployed_directories(units, config or Config()))
    roots = with_scan_index([u for u, r in zip(units, real) if r not in through.get(u.kind, ())])
    return ScanPlan(roots, reported, graph, terraform, explicit_files)


def resolve_module_sources(graph: ReferenceGraph, config: Config) -> None:
    """The module calls whose source is an expression (OpenTofu evaluates variables and
    locals there early): evaluated the same way, made references of the graph."""
    if not graph.computed_references("terraform"):
        return
    from sovlint.normalise.terraform import TerraformLoader, TerraformOptions

    options = TerraformOptions(variables=config.variables, var_files=config.var_files,
                               environ=dict(os.environ), workspace=config.workspace,
                               max_file_size=config.max_file_size)
    loader = TerraformLoader(cached_catalog(config.catalog), options)

    def evaluate(directory: str) -> list[str] | None:
        found = loader.local_module_sources(Path(directory))
        return None if found is None else [str(p) for p in found]

    graph.resolve_computed("terraform", evaluate)


def _deployed_directories(units: Sequence[WorkUnit], config: Config) -> set[str]:
    """Real paths of the module folders the Terragrunt units deploy (not roots of their own)."""
    found: set[str] = set()
    terragrunt = [u for u in units if u.kind == TERRAGRUNT]
    if not terragrunt or not any(u.kind == TERRAFORM for u in units):
        return found  # no Terraform directory to leave out (a unit given alone: pre-commit)
    from sovlint.terragrunt.unit import deployed_directory

    for unit in terragrunt:
        directory = deployed_directory(unit.path, config)
        if directory is not None:
            found.add(real_path(directory))
    return found


def _terraform_key(unit: WorkUnit, config: Config) -> tuple[tuple[object, ...], dict[str, str]]:
    """(the unit-cache key of a Terraform root, the TF_VAR_* variables it is evaluated with)."""
    from sovlint.deploy_env import DeployEnvironment

    environ = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("TF_VAR_")))
    fetched = _fetched_data_dir(unit, config)
    key = ("terraform", os.getcwd(), real_path(unit.path), unit.reported,
           repr(sorted(config.variables.items())), config.var_files, environ, config.catalog,
           config.workspace, config.fetch_modules, str(fetched) if fetched else None,
           config.max_file_size, DeployEnvironment.from_config(config).cache_key())
    return key, dict(environ)


def _fetched_data_dir(unit: WorkUnit, config: Config) -> Path | None:
    """With ``--fetch-modules``, the data directory a root's modules are fetched into."""
    if not config.fetch_modules:
        return None
    from sovlint.parse_cache import cache_dir
    from sovlint.terraform.sources import fetch_data_dir

    return fetch_data_dir(Path(unit.path), cache_dir())


def fetch_modules_of(units: Sequence[WorkUnit], results: Sequence[UnitResult],
                     config: Config) -> tuple[list[WorkUnit], list[ScanError]]:
    """``--fetch-modules``: fetch the modules the roots of ``units`` miss; (the roots to
    evaluate again, the failures as errors)."""
    from sovlint.config import ConfigError
    from sovlint.terraform.sources import fetch_roots, fetch_tool, unfetched_calls

    pending = [(u, r) for u, r in zip(units, results) if unfetched_calls(r.resources)]
    if not pending:
        return [], []
    tool = fetch_tool()
    if tool is None:
        unit, result = pending[0]
        first = unfetched_calls(result.resources)[0]
        raise ConfigError(f"--fetch-modules needs terraform or tofu on PATH to fetch {first.address} "
                          f"({first.attributes.get('module_source')}) in "
                          f"{display_path(Path(unit.path))}: install one, or run `terraform init` "
                          "there yourself")
    roots = [(Path(u.path), _fetched_data_dir(u, config)) for u, _ in pending]
    failures = fetch_roots([(root, data_dir) for root, data_dir in roots if data_dir], tool)
    return ([u for u, _ in pending],
            [ScanError(display_path(root), f"--fetch-modules: {why}") for root, why in failures])


#: What a worker process needs to judge the resources of its units: the rules and the
#: baseline's fingerprints (:class:`Judge`).
Judging = tuple[Sequence[Policy], frozenset[str]]


def collect(units: Sequence[WorkUnit], config: Config, jobs: int,
            progress: Progress | None = None,
            consume: Callable[[WorkUnit, UnitResult], None] | None = None,
            judging: Judging | None = None) -> list[UnitResult]:
    """Run every unit, in worker processes when ``jobs`` > 1, reporting ``progress``.

    Each result goes to ``consume`` as soon as it is ready (in any order, and
    not kept); without ``consume`` the results are returned in unit order.
    Renderers (kustomize, helm, bicep) are external programs: up to ``jobs``
    of them run at once in threads of this process, alongside the other units.
    With ``judging``, a worker process also judges its units' resources
    (``UnitResult.judgement``): this process then only keeps the results.
    """
    total = len(units)
    kept: list[UnitResult | None] = [None] * total if consume is None else []
    count = 0

    def done(index: int, result: UnitResult) -> None:
        nonlocal count
        if consume is None:
            kept[index] = result
        else:
            consume(units[index], result)
        count += 1
        if progress is not None:
            progress(count, total)

    rendered = [i for i, u in enumerate(units) if u.kind in RENDERED]
    others = [i for i, u in enumerate(units) if u.kind not in RENDERED]
    if not rendered and (jobs <= 1 or len(others) < UNITS_PER_WORKER * jobs):
        for index in others:  # one process, no renderer: no executor (a pre-commit run)
            done(index, run_unit(units[index], config))
        return [r if r is not None else UnitResult() for r in kept]
    import concurrent.futures as cf

    pool = None
    futures: dict[Any, list[int]] = {}
    if jobs > 1 and len(others) >= UNITS_PER_WORKER * jobs:
        import multiprocessing

        if judging is not None:
            Judge.ready()
        from sovlint.normalise.formats import load_tables

        load_tables({units[i].kind for i in others})  # read once, before the workers fork
        gc.freeze()  # the workers' collector never walks what they inherit (no copy of its pages)
        context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        pool = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context)
        chosen = [units[i] for i in others]
        for batch in plan_batches(chosen, jobs):  # submitted (workers started) before any thread
            indexes = [others[i] for i in batch]
            futures[pool.submit(_run_batch, [units[i] for i in indexes], config, judging)] = indexes
    threads = cf.ThreadPoolExecutor(max_workers=max(jobs, 1)) if rendered else None
    try:
        for index in rendered:
            assert threads is not None
            futures[threads.submit(_run_batch, [units[index]], config)] = [index]
        if pool is None:
            for index in others:
                done(index, run_unit(units[index], config))
        for future in cf.as_completed(futures):
            indexes = futures.pop(future)  # its results are let go once reviewed
            for index, result in zip(indexes, future.result()):
                done(index, result)
            del future
    finally:
        if pool is not None:
            pool.shutdown()
            gc.unfreeze()
        if threads is not None:
            threads.shutdown()
    return [r if r is not None else UnitResult() for r in kept]


def worker_count(jobs: int) -> int:
    """``--jobs``: 0 is one per core this process may run on (its CPU affinity, so that a
    container or ``taskset`` limit is honoured)."""
    if jobs > 0:
        return jobs
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


#: Fewest units per worker for worker processes to start (below it one process is quicker).
UNITS_PER_WORKER = 2
#: Files a batch of work units holds at most (a group of roots sharing modules may hold more).
MAX_BATCH = 256

#: Units whose work is an external renderer's (run in threads, ``jobs`` at a time).
RENDERED = frozenset({HELM_CHART, KUSTOMIZATION, BICEP})


def _run_batch(units: Sequence[WorkUnit], config: Config, judging: Judging | None = None) -> list[UnitResult]:
    """Run units one after the other in one worker (they share the modules it has read),
    with ``judging`` judging the resources of each (its parse failures are judged where they
    are kept: the same failure may come from several units)."""
    results = [run_unit(unit, config) for unit in units]
    if judging is not None:
        judge = Judge(config, *judging)
        for result in results:
            result.judgement = judge.judge(result.resources)
            result.resources = []  # the judgement holds them (resolved): not sent twice
    return results


def plan_batches(units: Sequence[WorkUnit], jobs: int) -> list[list[int]]:
    """Unit indexes in batches, one per task: Terraform roots that probably call the same
    modules (same top folders) stay together so that a worker reads each module once, and
    so do the manifests of one folder (each reads its folder's manifest set: StorageClasses,
    sibling templates); batches are filled largest first and sized so that every worker
    gets several."""
    sizes = [max(len(u.reported), 1) for u in units]
    #: a batch's results come back at once: at most MAX_BATCH files' worth unless one group is larger
    target = max(min(sum(sizes) // (jobs * 4), MAX_BATCH), 1)
    paths = [os.path.abspath(u.path).split(os.sep) for u in units]
    common = os.path.commonpath([os.path.abspath(u.path) for u in units]).split(os.sep)
    groups: dict[str, list[int]] = {}
    for depth in range(1, 8):  # the shallowest grouping with enough groups to share the work
        groups = {}
        for index, parts in enumerate(paths):
            if units[index].kind != TERRAFORM:
                key = "#" + os.path.dirname(units[index].path)  # a folder's manifest set
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
                 config: Config, broken: set[str] | None = None) -> tuple[list[Finding], list[ScanError]]:
    """Every finding of every policy on every resource; a crashing rule is reported, not fatal.

    ``broken`` holds the rules that crashed already (they are not run again);
    a scan shares it between its batches of resources.
    """
    from sovlint.policy.evaluate import match_prefilter

    findings, errors = evaluate_prefiltered([(p, match_prefilter(p)) for p in policies], resources,
                                            config, broken)
    return [f for _, f in findings], [e for _, e in errors]


def evaluate_prefiltered(prefiltered: Sequence[tuple[Policy, Prefilter]], resources: Sequence[Resource],
                         config: Config, broken: set[str] | None = None) -> tuple[list[tuple[int, Finding]],
                                                                               list[tuple[str, ScanError]]]:
    """:func:`evaluate_all` with each rule's ``match_prefilter`` computed already (a
    :class:`Judge` computes them once for all its units), each finding with the index of its
    resource, each error with the id of the rule that failed."""
    from sovlint.policy.evaluate import cannot_match, evaluate, resource_view

    settings = {"allowed_countries_personal": list(config.allowed_countries_personal),
                "profile": config.profile}
    findings: list[tuple[int, Finding]] = []
    errors: list[tuple[str, ScanError]] = []
    broken = set() if broken is None else broken
    for index, resource in enumerate(resources):
        view = resource_view(resource, settings)
        for policy, prefilter in prefiltered:
            if policy.id in broken or (prefilter and cannot_match(prefilter, view)):
                continue
            try:
                findings.extend((index, f) for f in evaluate(policy, resource, view))
            except Exception as exc:  # report the rule, keep going
                if config.debug:
                    sys.stderr.write(f"sovlint: rule {policy.id} failed on {resource.address}\n"
                                     + _trace())
                broken.add(policy.id)
                errors.append((policy.id, ScanError(policy.source_file,
                                                    f"rule {policy.id} failed on {resource.address}: "
                                                    f"{type(exc).__name__}: {exc}", policy.line)))
    return findings, errors


#: Chooses the units of a scan (``--shard``, ``--changed-since``): plan -> plan.
Selection = Callable[[ScanPlan], ScanPlan]


def scan(paths: Sequence[Path], config: Config, explicit_files: bool = False,
         progress: Progress | None = None, selection: Selection | None = None,
         changed_since: str | None = None) -> ScanResult:
    """Run the whole pipeline on ``paths``; ``progress`` follows the work units.

    ``changed_since`` (a git revision) limits the scan to what the changes
    since then can affect (:mod:`sovlint.changes`); ``selection`` narrows the
    plan to some roots (``--shard``). Either way the roots scanned are
    reported as a full scan reports them.
    """
    from sovlint import parse_cache

    from sovlint.hcl import backend

    parse_cache.configure(config.cache)
    backend.configure(config.hcl_backend)
    missing = backend.missing_forced_backend()
    if missing is not None:  # once, as a usage error, not a failure on every file
        from sovlint.config import ConfigError

        raise ConfigError(missing)
    from sovlint import files

    files.configure(config.max_file_size, config.tree)
    terraform = sys.modules.get("sovlint.normalise.terraform")
    if terraform is not None:  # a scan reads the files as they are now
        terraform.forget_modules()
    policies = select_policies(config)
    if changed_since is not None:
        found = discover_changes(paths, config, changed_since)
    else:
        found = discover(paths, config.exclude, config.max_file_size)
    errors: list[ScanError] = list(found.errors)
    # nothing is skipped silently: each skipped file is a SOV900 (SPEC §9)
    skipped = [_failure_resource(s.path, s.line, s.message) for s in found.skipped]
    plan = plan_scan(found.files, explicit_files, config)
    del found  # the plan keeps the display paths; the rest of the listing can go
    if selection is not None:
        plan = selection(plan)
    plan.graph, plan.terraform = ReferenceGraph(), []  # decided: let their memory serve the rest
    cached_catalog(config.catalog)  # loaded once, before worker processes fork
    reviewer = Reviewer(config, policies, plan.reported)
    reviewer.add(skipped, errors)
    reported_files = plan.reported
    terraform_modules: set[str] = {r.source.path for r in skipped}
    to_fetch: list[tuple[WorkUnit, UnitResult]] = []

    def review_unit(unit: WorkUnit, result: UnitResult) -> None:
        if config.fetch_modules and unit.kind == TERRAFORM:
            from sovlint.terraform.sources import unfetched_calls

            if unfetched_calls(result.resources):  # reviewed once its modules are fetched
                to_fetch.append((unit, result))
                return
        review_fetched(unit, result)

    def review_fetched(unit: WorkUnit, result: UnitResult) -> None:
        if config.debug:  # a unit that crashed (maybe in a worker process): its trace
            for error in result.errors:
                if error.message.startswith("Traceback"):
                    message = next((m for _, _, m in result.failures), "internal error")
                    sys.stderr.write(f"sovlint: {unit.path}: {message}\n{error.message}")
        failures = [_failure_resource(path, line, message) for path, line, message in result.failures]
        judged = result.judgement
        raw = [*(result.resources if judged is None else judged.resources), *failures]
        if not explicit_files:  # remote modules `terraform init` fetched belong to the scanned code
            terraform_modules.update(r.source.path for r in raw if _in_terraform_modules(r.source.path))
        if unit.kind == TERRAGRUNT:  # a unit's findings are at the module's files, wherever they are
            terraform_modules.update(r.source.path for r in raw)
        # a parse failure of a file that is not reported (a module outside the scanned
        # paths, a sibling of a single file) is not this run's business
        def wanted(r: Resource) -> bool:
            return (r.source.path in reported_files or r.source.path in terraform_modules
                    or (r.resource_type == FILE_RESOURCE_TYPE
                        and r.source.path.endswith((".tfvars", ".tfvars.json"))))

        if judged is None:
            reviewer.add([r for r in raw if wanted(r)], result.errors)
            return
        reviewer.add([r for r in failures if wanted(r)], result.errors)
        reviewer.keep(judged, wanted)

    # with --fetch-modules the resources of a root decide whether it is evaluated again: the
    # workers then leave the judging to this process
    collect(plan.units, config, worker_count(config.jobs), progress, review_unit,
            None if config.fetch_modules else (reviewer.policies, reviewer.baseline))
    if to_fetch:
        again, fetch_errors = fetch_modules_of([u for u, _ in to_fetch], [r for _, r in to_fetch], config)
        reviewer.add([], fetch_errors)
        collect(again, config, worker_count(config.jobs), None, review_fetched)
    return reviewer.result(sorted({*reported_files, *terraform_modules})
                           if terraform_modules else reported_files)


def discover_changes(paths: Sequence[Path], config: Config, ref: str) -> Discovery:
    """The files a change since ``ref`` can affect, discovered as a walk of ``paths`` would
    (everything, when sovlint's own inputs changed). ConfigError when git cannot tell."""
    from sovlint.changes import ChangesError, affected_files, discover_affected, read_repository
    from sovlint.config import ConfigError

    first = Path(paths[0]) if paths else Path(".")
    where = str(first if first.is_dir() else first.parent)
    try:
        changes, references = read_repository(ref, where)
    except ChangesError as exc:
        raise ConfigError(str(exc)) from None
    resolve_module_sources(references.graph, config)
    inputs = [p for p in (config.config_file, config.baseline) if p]
    inputs += [*config.policies, *config.catalog, *config.var_files]
    affected = affected_files(changes, references, inputs)
    if affected.everything:
        return discover(paths, config.exclude, config.max_file_size)
    return discover_affected(paths, affected.files, config.exclude, config.max_file_size)


def _in_terraform_modules(path: str) -> bool:
    return "/.terraform/modules/" in "/" + path.replace(os.sep, "/")


class Judge:
    """The part of the review that needs nothing but the resources of one unit: resolve ->
    evaluate -> ways out -> suppressions. It runs where the unit ran (a worker process, with
    ``--jobs``), so that the process that keeps the results does not do it all alone."""

    def __init__(self, config: Config, policies: Sequence[Policy], baseline: frozenset[str]) -> None:
        from sovlint.policy.evaluate import match_prefilter
        from sovlint.remediation import load_alternatives
        from sovlint.resolve import DataClassSettings
        from sovlint.suppress import SuppressionPolicy

        self.config = config
        self.policies = list(policies)
        self.prefiltered = [(policy, match_prefilter(policy)) for policy in self.policies]
        self.baseline = baseline
        self.catalog = cached_catalog(config.catalog)
        self.settings = DataClassSettings(default=config.default_data_class,
                                          synonyms=config.data_class_synonyms,
                                          paths=config.data_class_paths)
        self.suppression = SuppressionPolicy(inline=config.inline_suppressions,
                                             require_reason=config.require_reason)
        self.alternatives = load_alternatives()
        self.broken: set[str] = set()  # rules that crashed for this judge: not run again

    @staticmethod
    def ready() -> None:
        """Import and load what judging reads, so that worker processes forked afterwards
        find it done instead of each doing it again."""
        from sovlint.policy import evaluate  # noqa: F401
        from sovlint.resolve import category_map

        category_map()

    def judge(self, raw: Sequence[Resource]) -> Judgement:
        """The resources resolved (a parse failure's as it is), their findings and failed rules."""
        from sovlint.remediation import attach_remediation
        from sovlint.resolve import resolve_resource
        from sovlint.suppress import apply_suppressions

        resolved = [r if r.resource_type == FILE_RESOURCE_TYPE else
                    resolve_resource(r, self.catalog, self.settings) for r in raw]
        indexed, errors = evaluate_prefiltered(self.prefiltered, resolved, self.config, self.broken)
        findings = attach_remediation([f for _, f in indexed], resolved, self.catalog,
                                      self.config.profile, self.alternatives)
        by_address = {(r.source.path, r.address): r for r in resolved}
        findings = apply_suppressions(findings, by_address, self.suppression, self.baseline)
        return Judgement(resolved, [(i, f) for (i, _), f in zip(indexed, findings)], errors)


class Reviewer:
    """The second half of the pipeline, a batch of resources at a time: resolve -> evaluate
    -> suppress (a :class:`Judge`), into a :class:`~sovlint.results.ResultStore`
    (deduplicated, on disk).

    Every input format ends here with its normalised resources: the work
    units of ``scan`` as they finish (judged already when a worker process ran
    them), or the live review of ``sovlint aws``.
    """

    def __init__(self, config: Config, policies: Sequence[Policy], known: Sequence[str] = ()) -> None:
        """``known``: the paths most records are at, sorted (the reported files)."""
        from sovlint.results import ResultStore
        from sovlint.suppress import read_baseline

        self.config = config
        self.policies = list(policies)
        self.baseline: frozenset[str] = frozenset()
        stale: str | None = None
        if config.baseline:
            self.baseline, stale = read_baseline(Path(config.baseline))
        self.judge = Judge(config, policies, self.baseline)
        self.store = ResultStore(known)
        self._failures: set[tuple[str, int | None, str]] = set()
        #: rules that failed, reported once: their later findings are not kept either (as
        #: when one process judges everything: a rule that failed is not run again)
        self._broken: set[str] = set()
        #: every finding of a Kubernetes manifest, as a repeat would read (a digest of it)
        self._plain: set[bytes] = set()
        self._rendered: list[tuple[Finding, dict[str, Any]]] = []  # findings of rendered objects
        if stale:  # an older baseline hides nothing: say how to refresh it
            self.store.add_error(ScanError(str(config.baseline), stale))

    def add(self, raw: Iterable[Resource], errors: Iterable[ScanError]) -> None:
        """Review some resources (each kept once however often it comes) and errors."""
        for error in errors:
            self.store.add_error(error)
        fresh = [r for r in raw if r.resource_type != FILE_RESOURCE_TYPE or self._failure_key(r)
                 not in self._failures]
        if fresh:
            self.keep(self.judge.judge(fresh))

    @staticmethod
    def _failure_key(resource: Resource) -> tuple[str, int | None, str]:
        return (resource.source.path, resource.source.line, str(resource.attributes.get("parse_error")))

    def keep(self, judgement: Judgement, wanted: Callable[[Resource], bool] | None = None) -> None:
        """Keep what a judge decided: the ``wanted`` resources (a parse failure once), their
        findings, and each rule that failed (once a scan)."""
        kept: set[int] = set()
        for index, resource in enumerate(judgement.resources):
            if wanted is not None and not wanted(resource):
                continue
            if resource.resource_type == FILE_RESOURCE_TYPE:
                key = self._failure_key(resource)
                if key in self._failures:
                    continue
                self._failures.add(key)
            else:
                self.store.add_resource(resource)  # a resource reached twice is listed once
            kept.add(index)
        for index, finding in judgement.findings:
            if index not in kept or finding.rule in self._broken:
                continue
            owner = judgement.resources[index]
            origin = owner.attributes.get(RENDERED_ORIGIN)
            if isinstance(origin, dict):  # decided once every plain manifest is reviewed
                self._rendered.append((finding, origin))
                continue
            if owner.input_format == KUBERNETES:  # what overlays repeat
                self._plain.add(_repeat_key(finding.rule, finding.source.path, finding.address, finding))
            self.store.add_finding(finding)
        # a rule that failed, also on a resource not reported (a worker then stops running it)
        for rule, error in judgement.errors:  # after its findings: those came first
            if rule not in self._broken:
                self._broken.add(rule)
                self.store.add_error(error)

    def result(self, sources: Sequence[str]) -> ScanResult:
        """Everything reviewed, in report order. A finding of a rendered kustomization that
        repeats one of the plain manifest its object comes from (same rule, same message but
        for the address) is dropped: an overlay does not repeat its base's findings."""
        for finding, origin in self._rendered:
            if _repeat_key(finding.rule, origin.get("path"), origin.get("address"), finding) \
                    not in self._plain:
                self.store.add_finding(finding)
        self._rendered = []
        files = sources if isinstance(sources, ReportedFiles) else list(sources)  # read-only
        return ScanResult(profile=self.config.profile, files=files,
                          resources=self.store.resources, findings=self.store.findings,
                          errors=self.store.errors(), policies=self.policies)


def _repeat_key(rule: str, path: Any, address: Any, finding: Finding) -> bytes:
    """What two findings of one object share when one repeats the other: the rule, the
    object's manifest and address, and the message with the finding's address left out
    (a digest: one is kept per finding of every plain manifest)."""
    message = finding.message.replace(finding.address, "\x00") if finding.address else finding.message
    return hashlib.blake2b(repr((rule, path, address, message)).encode("utf-8", "surrogatepass"),
                           digest_size=16).digest()


def review_resources(raw: Sequence[Resource], errors: Sequence[ScanError], config: Config,
                     policies: Sequence[Policy], sources: Sequence[str]) -> ScanResult:
    """The second half of the pipeline on resources gathered elsewhere (``sovlint aws``,
    whose ``sources`` are ``aws://ACCOUNT/REGION`` locations rather than files)."""
    reviewer = Reviewer(config, policies)
    reviewer.add(raw, errors)
    return reviewer.result(sources)


def exit_code(findings: Iterable[Finding], fail_on: str) -> int:
    """0 when nothing unsuppressed is at or above ``fail_on``; 1 otherwise."""
    if fail_on == "never":
        return 0
    threshold = Severity.parse(fail_on)
    return 1 if any(not f.suppressed and f.severity >= threshold for f in findings) else 0
