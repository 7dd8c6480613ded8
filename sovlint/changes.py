"""``--changed-since REF``: what the changes since a git revision can affect, planned from git.

git says which files changed since the merge base of REF and ``HEAD``
(committed, staged, unstaged and untracked changes; a deleted file counts
as a change of its directory), and where the local references are
(``git grep`` for the strings every reference holds, :mod:`sovlint.references`).
From those, without walking the tree:

- a changed ``.tf``/``.tf.json``/``.tfvars`` file affects its directory, and
  every directory that calls it as a local module, at any depth; each of
  those that no other directory calls is a root to evaluate, with the
  modules it reads;
- a changed file inside a kustomization's directory, or inside a directory
  it names (resources, bases, components, patches...), affects that
  kustomization; a changed file inside a chart affects the chart;
- a changed manifest (Kubernetes, CloudFormation, ARM, plan, Bicep) affects
  itself and the manifests of its folder (they read each other: ConfigMaps,
  StorageClasses, parameter files).

The files found that way go through the same discovery rules as a walk of
the scanned paths (excludes, skipped folders, chart contents), so that the
affected roots are reported exactly as a full scan reports them. A change
to sovlint's own inputs (its config file, policy, catalog or variable files)
can change any result: the whole tree is scanned then.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from sovlint.discover import SKIP_DIRS, Discovery, discover, display_path, is_excluded
from sovlint.references import FINDERS, ReferenceGraph, evaluating, finders_for

TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tofu", ".tofu.json", ".tfvars", ".tfvars.json")
#: The files of a Terraform (or OpenTofu) module's configuration.
CONFIGURATION_SUFFIXES = (".tf", ".tf.json", ".tofu", ".tofu.json")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json", ".template", ".bicep")
#: Seconds a git command may take.
GIT_TIMEOUT = 120


class ChangesError(Exception):
    """``--changed-since`` cannot be worked out (no git, not a repository, unknown REF)."""


def _git(repository: str, *args: str) -> str:
    """Run git in ``repository`` (NUL-separated output expected); ChangesError when it fails.

    The repository's own configuration cannot make git run a program here:
    no file-system monitor, no external diff or text conversion.
    """
    git = shutil.which("git")
    if git is None:
        raise ChangesError("--changed-since needs git on PATH")
    argv = [git, "-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false", *args]
    try:
        completed = subprocess.run(argv, cwd=repository, capture_output=True, timeout=GIT_TIMEOUT,
                                   check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ChangesError(f"git {args[0]} failed: {exc}") from exc
    if completed.returncode != 0 and not (args[0] == "grep" and completed.returncode == 1):
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ChangesError(f"git {args[0]}: {message[-1] if message else completed.returncode}")
    return completed.stdout.decode("utf-8", "surrogateescape")


@dataclass
class ChangeSet:
    """The files changed since a revision (absolute paths; deleted ones included)."""

    repository: str
    base: str
    changed: list[str]


def _merge_base(repository: str, ref: str) -> str:
    try:
        return _git(repository, "merge-base", ref, "HEAD").strip() or ref
    except ChangesError:
        pass
    try:
        _git(repository, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except ChangesError:
        raise ChangesError(f"--changed-since {ref}: no such revision in {repository} "
                           "(a shallow clone needs the history: fetch-depth 0)") from None
    return ref  # no common history: compare with the revision itself


def read_repository(ref: str, where: str) -> tuple[ChangeSet, GitReferences]:
    """What changed since ``ref`` and the references of the repository holding ``where``
    (the git commands that do not depend on each other run side by side)."""
    from concurrent.futures import ThreadPoolExecutor

    repository = _git(where, "rev-parse", "--show-toplevel").strip()
    if not repository:
        raise ChangesError(f"{where} is not in a git repository")
    repository = os.path.realpath(repository)
    base = _merge_base(repository, ref)
    pathspecs = sorted({s for f in FINDERS.values() if f.kind != "terraform" for s in f.pathspecs})
    with ThreadPoolExecutor(max_workers=4) as pool:
        diff = pool.submit(_git, repository, "diff", "--name-only", "--no-renames", "--no-ext-diff",
                           "--no-textconv", "-z", base, "--")
        untracked = pool.submit(_git, repository, "ls-files", "-z", "--others", "--exclude-standard")
        grep = pool.submit(_grep_sources, repository)
        listed = pool.submit(_git, repository, "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard", "--", *pathspecs)
        changed = sorted({os.path.join(repository, name)
                          for name in [*diff.result().split("\0"), *untracked.result().split("\0")]
                          if name})
        references = GitReferences(repository, grep.result(), listed.result())
    return ChangeSet(repository, base, changed), references


#: A line that may hold a local module source (``source = "../x"``, or ``"source": "./x"`` in JSON).
_SOURCE_LINE = re.compile(r'\bsource"?\s*[=:]\s*"(\.\.?/[^"]*)"')
#: A line that may hold a module source that is an expression (a template, a variable): its file
#: is read in full, and the early evaluation of its sources says what it calls
#: (:func:`sovlint.engine.resolve_module_sources`). The same for ``git grep -P``, and for -E.
_COMPUTED_LINE = r'^\s*"?source"?\s*[=:]\s*([^"\s]|"[^"]*\$\{)'
_COMPUTED_LINE_ERE = r'^[[:space:]]*"?source"?[[:space:]]*[=:][[:space:]]*([^"[:space:]]|"[^"]*\$\{)'
_COMPUTED = re.compile(_COMPUTED_LINE)


def _grep_sources(repository: str) -> str:
    """The lines of the Terraform files that may hold a local module source (a ``./`` or
    ``../`` string) or one that is an expression: one pass with Perl-compatible patterns,
    or, when git was built without them, a fixed-string and an extended-pattern pass."""
    specs = ("--", *FINDERS["terraform"].pathspecs)
    base = ("grep", "-z", "-I", "--untracked")
    try:
        return _git(repository, *base, "-P", "-e", r'"\.\.?/', "-e", _COMPUTED_LINE, *specs)
    except ChangesError:
        pass
    return (_git(repository, *base, "-F", "-e", '"./', "-e", '"../', *specs) + "\n"
            + _git(repository, *base, "-E", "-e", _COMPUTED_LINE_ERE, *specs))


class GitReferences:
    """The references of a repository's tracked and untracked (not ignored) files, read
    through git: Terraform calls from the lines ``git grep`` finds for local path strings
    (a superset of the module calls; a file is read, and its calls confirmed, only where a
    change may go through it), kustomizations, charts and other inputs read in full."""

    def __init__(self, repository: str, grep_output: str, listed_output: str) -> None:
        self.graph = ReferenceGraph()
        self._candidates: dict[str, set[str]] = {}  # directory -> files that may call it
        self._confirmed: set[str] = set()
        computed: set[str] = set()
        for line in grep_output.split("\n"):
            name, _, text = line.partition("\0")
            match = _SOURCE_LINE.search(text)
            if match:  # paths inside the (real) repository, joined without resolving links
                path = os.path.join(repository, name)
                target = os.path.normpath(os.path.join(os.path.dirname(path), match.group(1)))
                self._candidates.setdefault(target, set()).add(path)
            elif name and _COMPUTED.match(text):
                computed.add(os.path.join(repository, name))
        for name in sorted(set(listed_output.split("\0"))):
            path = os.path.join(repository, name)
            kinds = [f.kind for f in finders_for(os.path.basename(path)) if f.kind != "terraform"]
            if name and kinds:
                self.graph.read_file(path, kinds)
        for path in sorted(computed):  # what these call is known once their sources are evaluated
            self._confirmed.add(path)
            self.graph.read_file(path, ["terraform"])

    def confirm_callers(self, directories: Iterable[str]) -> None:
        """Read the files that may call these directories, so that the graph knows their calls."""
        for directory in directories:
            for path in self._candidates.get(directory, ()):
                if path not in self._confirmed:
                    self._confirmed.add(path)
                    self.graph.read_file(path, ["terraform"])

    def confirm_directory(self, directory: str) -> None:
        """Read the Terraform files of a directory (the modules it calls)."""
        for path in _listed(directory, CONFIGURATION_SUFFIXES):
            if path not in self._confirmed:
                self._confirmed.add(path)
                self.graph.read_file(path, ["terraform"])

    def terraform_dependents(self, seeds: Iterable[str]) -> set[str]:
        """The seed directories and every directory that calls or deploys one of them, at
        any depth."""
        kinds = evaluating("terraform")
        found = set(seeds)
        pending = list(found)
        while pending:
            directory = pending.pop()
            self.confirm_callers([directory])
            for caller in self.graph.dependents([directory], *kinds):
                if caller not in found:
                    found.add(caller)
                    pending.append(caller)
        return found

    def terraform_reachable(self, directory: str) -> set[str]:
        """The directory and every module it calls, at any depth."""
        found = {directory}
        pending = [directory]
        while pending:
            current = pending.pop()
            self.confirm_directory(current)
            for target in self.graph.reachable(current, *evaluating("terraform")) - {current}:
                if target not in found:
                    found.add(target)
                    pending.append(target)
        return found


def _listed(directory: str, suffixes: tuple[str, ...]) -> list[str]:
    """The files of a directory with one of ``suffixes``, or that hold references (a
    kustomization, a chart, the file of another kind of input)."""
    try:
        return [os.path.join(directory, name) for name in sorted(os.listdir(directory))
                if name.endswith(suffixes) or finders_for(name)]
    except OSError:
        return []


def _under(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root + os.sep) for root in roots)


@dataclass
class AffectedFiles:
    """What a change affects: the files to discover, and whether everything must be scanned."""

    files: list[str]
    everything: bool = False
    reason: str = ""


def affected_files(changes: ChangeSet, references: GitReferences,
                   inputs: Sequence[str]) -> AffectedFiles:
    """The files to scan for ``changes`` (``inputs``: sovlint's own input files)."""
    own = [os.path.realpath(p) for p in inputs]
    for path in changes.changed:
        if _under(os.path.realpath(path), own):
            return AffectedFiles([], True, f"{display_path(Path(path))} is an input of sovlint itself")
    changed = [os.path.realpath(p) for p in changes.changed]
    graph = references.graph
    seeds = {os.path.dirname(p) for p in changed if p.endswith(TERRAFORM_SUFFIXES)}
    affected = references.terraform_dependents(seeds)
    read: set[str] = set()  # the modules those roots read are reported with them
    for directory in affected:
        read |= references.terraform_reachable(directory)
    files: set[str] = set()
    for directory in affected | read:
        files.update(_listed(directory, TERRAFORM_SUFFIXES))
    # manifests: the changed ones and those of their folders
    for directory in {os.path.dirname(p) for p in changed if p.endswith(MANIFEST_SUFFIXES)}:
        files.update(_listed(directory, MANIFEST_SUFFIXES))
    # kustomizations and charts whose inputs changed
    for root in graph.roots("kustomize-input"):
        trees = {t if os.path.isdir(t) else os.path.dirname(t)
                 for t in graph.reachable(root, "kustomize-input")}
        if any(_under(p, trees) for p in changed):
            files.update(_listed(root, ()))
    for root in graph.roots("helm"):
        if any(_under(p, graph.reachable(root, "helm")) for p in changed):
            files.add(os.path.join(root, "Chart.yaml"))
    return AffectedFiles(sorted(p for p in files if os.path.isfile(p) and not os.path.islink(p)))


def discover_affected(paths: Sequence[Path], files: Sequence[str], excludes: Sequence[str],
                      max_file_size: int) -> Discovery:
    """Discover ``files`` as a walk of ``paths`` would: only those under a scanned directory,
    outside skipped and excluded folders and chart contents, each with its format."""
    wanted: list[Path] = []
    roots = [(p, os.path.realpath(p)) for p in paths if p.is_dir()]
    for path in files:
        for given, real in roots:
            if not _under(path, [real]):
                continue
            relative = os.path.relpath(path, real)
            candidate = given / relative
            if _walk_skips(given, Path(relative), excludes):
                break
            wanted.append(candidate)
            break
    return discover(wanted, excludes, max_file_size)


def _walk_skips(given: Path, relative: Path, excludes: Sequence[str]) -> bool:
    """Whether a walk of ``given`` skips the file ``given/relative`` (a skipped or excluded
    folder on the way, a file inside a chart, an excluded file)."""
    folder = given
    parts = relative.parts
    for part in parts[:-1]:
        if (folder / "Chart.yaml").is_file():
            return True  # chart contents are read through the chart
        folder = folder / part
        if part in SKIP_DIRS or is_excluded(display_path(folder), excludes):
            return True
    if (folder / "Chart.yaml").is_file() and parts[-1] != "Chart.yaml":
        return True
    return is_excluded(display_path(given / relative), excludes)
