"""Who reads whom: the local references between scanned directories, and what a change affects.

A *reference* is an edge from the directory of a file to a directory it
reads: a Terraform ``module`` call with a local ``source`` (``./``,
``../``), a kustomization's local ``resources``/``bases``/``components``.
Each kind of input says which files hold references and how to read them
(a :class:`ReferenceFinder` in :data:`FINDERS`); another input kind (a
Terragrunt unit's ``terraform { source = "../modules/x" }``) is one more
finder, and every use of the graph follows it:

- a directory that another scanned directory references is evaluated through
  it, not as a root of its own (:meth:`ReferenceGraph.referenced`);
- ``--changed-since``: what a change can affect is the changed directories
  and every directory that references them, at any depth
  (:meth:`ReferenceGraph.dependents`);
- ``--shard``: roots are split, each with what it reads.

References are read from the text, without evaluating anything: cheap enough
to build for every directory before any is evaluated. They match what the
evaluator follows (``tests/test_references.py`` compares the Terraform
finder with the parser on the whole corpus).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping


@dataclass(frozen=True)
class ReferenceFinder:
    """How one input kind names the local directories (or files) it reads."""

    kind: str
    #: whether a file (by its name) may hold references of this kind
    holds: Callable[[str], bool]
    #: byte strings that every file with a reference contains (all of them): a quick
    #: test before a file is read in full
    needles: tuple[bytes, ...]
    #: (file name, content) -> the referenced paths as written, relative to the file's directory
    targets: Callable[[str, bytes], list[str]]
    #: ``git grep`` path specifications of the files that may hold such references
    pathspecs: tuple[str, ...] = ()
    #: whether every directory with such a file is listed by :meth:`ReferenceGraph.roots`,
    #: references or not (kustomizations, charts: few; not every Terraform directory)
    listed: bool = False
    #: the discovered format of the directories this reference makes evaluated through the
    #: referencing one, not as roots of their own (``terraform``: a called module, or the
    #: module a Terragrunt unit deploys; ``kustomization``: a base); ``None``: only an input
    evaluates: str | None = None


# ----- Terraform: module blocks with a local source -----

#: Comments, heredocs and strings (skipped whole), braces, words, ``=`` and line ends.
_HCL_TOKEN = re.compile(
    r'#[^\n]*|//[^\n]*|/\*[\s\S]*?(?:\*/|\Z)'
    r'|<<-?[ \t]*"?([A-Za-z_][\w-]*)"?[ \t]*\n[\s\S]*?(?:\n[ \t]*\1[ \t]*(?=\n|\Z)|\Z)'
    r'|"(?:[^"\\\n]|\\.)*"?'
    r'|[{}=\n]|[A-Za-z_][\w-]*')


def _unquote(token: str) -> str | None:
    """The value of a string token without interpolation (``None`` for a template)."""
    if len(token) < 2 or not token.endswith('"') or "${" in token or "%{" in token:
        return None
    body = token[1:-1]
    if "\\" in body:
        try:
            body = json.loads(token)
        except ValueError:
            return None
    return body


#: What :func:`terraform_module_sources` gives for a ``source`` that is an expression (a
#: template, a variable: OpenTofu evaluates variables and locals in module sources early).
COMPUTED = "\0computed"


def terraform_module_sources(text: str) -> dict[str, str]:
    """``{module label: source}`` of the top-level ``module`` blocks, as
    :func:`sovlint.terraform.module.load_module` indexes them: the literal string, or
    :data:`COMPUTED` when the source is an expression."""
    calls: dict[str, str] = {}
    depth = 0
    in_module: str | None = None  # label of the module block being read
    statement: list[str] = []  # tokens of the current line at depth 0, or 1 in a module block

    def take_source() -> None:
        if in_module is not None and statement[:2] == ["source", "="]:
            value = _unquote(statement[2]) if len(statement) == 3 else None
            calls[in_module] = COMPUTED if value is None else value

    for match in _HCL_TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == "#" or token.startswith(("//", "/*", "<<")):
            continue
        if first == "{":
            if depth == 0 and len(statement) == 2 and statement[0] == "module":
                in_module = statement[1]
            depth += 1
            statement = []
        elif first == "}":
            if depth == 1:
                take_source()
                in_module = None
            depth = max(depth - 1, 0)
            statement = []
        elif first == "\n":
            if depth == 1:
                take_source()
            statement = []
        elif depth == 0:
            statement.append(_unquote(token) or "\0" if first == '"' else token)
        elif depth == 1 and in_module is not None:
            statement.append(token)
    if depth == 1:
        take_source()  # no line end after the last attribute
    return calls


def _terraform_json_sources(data: bytes) -> dict[str, str]:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return {}
    calls: dict[str, str] = {}
    modules = document.get("module") if isinstance(document, dict) else None
    for group in modules if isinstance(modules, list) else [modules]:
        if not isinstance(group, dict):
            continue
        for label, body in group.items():
            for item in body if isinstance(body, list) else [body]:
                if isinstance(item, dict) and "source" in item:
                    source = item["source"]
                    calls[label] = source if isinstance(source, str) and "${" not in source \
                        else COMPUTED
    return calls


def is_local_source(source: str) -> bool:
    """Whether a module source is a local path (Terraform: ``./`` or ``../``)."""
    return source.startswith(("./", "../"))


def _terraform_targets(name: str, data: bytes) -> list[str]:
    if name.endswith(".json"):
        calls = _terraform_json_sources(data)
    else:
        calls = terraform_module_sources(data.decode("utf-8", "replace"))
    return [source for source in calls.values() if source == COMPUTED or is_local_source(source)]


def _is_terraform(name: str) -> bool:
    return name.endswith((".tf", ".tf.json", ".tofu", ".tofu.json"))


# ----- kustomize: local resources, bases and components; every path it reads -----

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def _yaml_mapping(data: bytes) -> dict[str, Any]:
    """The first document of a YAML file, if a mapping: read by the scan's YAML reader
    (libyaml, depth and alias budgets: an alias bomb in a kustomization is refused, not
    walked), the last file's kept for the next finder of the same file."""
    if _LAST_YAML[0] != data:
        from sovlint.parsers.yaml_marks import YamlError, load_documents

        try:
            document = next(iter(load_documents(data.decode("utf-8", "replace"))), None)
        except YamlError:
            document = None
        _LAST_YAML[:] = [data, document if isinstance(document, dict) else {}]
    return _LAST_YAML[1]  # type: ignore[no-any-return]


_LAST_YAML: list[Any] = [None, {}]


def _local(entry: object) -> bool:
    return isinstance(entry, str) and 0 < len(entry) <= 1024 and "://" not in entry \
        and "\0" not in entry and not entry.startswith(("/", "github.com/", "git@")) \
        and "?ref=" not in entry


def _kustomize_bases(name: str, data: bytes) -> list[str]:
    """The local ``resources``/``bases`` entries: a directory among them is a base, built
    through this kustomization."""
    document = _yaml_mapping(data)
    entries = [e for key in ("resources", "bases") for e in document.get(key) or ()
               if isinstance(document.get(key), list)]
    return [e for e in entries if _local(e)]


def _kustomize_inputs(name: str, data: bytes) -> list[str]:
    """Every local path a kustomization may read (any string of it that is one)."""
    found: list[str] = []
    stack: list[Any] = [_yaml_mapping(data)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _local(item):
                found.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _is_kustomization(name: str) -> bool:
    return name in KUSTOMIZATION_NAMES


# ----- Helm: a chart reads its own tree and its file:// dependencies -----

def _chart_dependencies(name: str, data: bytes) -> list[str]:
    dependencies = _yaml_mapping(data).get("dependencies")
    found = ["."]
    for dependency in dependencies if isinstance(dependencies, list) else ():
        repository = dependency.get("repository") if isinstance(dependency, dict) else None
        if isinstance(repository, str) and repository.startswith("file://"):
            found.append(repository[len("file://"):])
    return found


# ----- Terragrunt: the module a unit deploys (``terraform { source = "../modules/x//sub" }``) -----

_TERRAGRUNT_SOURCE = re.compile(r'^\s*source\s*=\s*"([^"$%]+)"', re.MULTILINE)


def _terragrunt_sources(name: str, data: bytes) -> list[str]:
    """The local module folders a unit deploys, as written (``//`` separates the repository
    root from the folder in it). Sources built from expressions are found when the scan plans
    its roots (:func:`sovlint.terragrunt.unit.deployed_directory`), not here."""
    found = []
    for source in _TERRAGRUNT_SOURCE.findall(data.decode("utf-8", "replace")):
        if is_local_source(source):
            root, _, folder = source.partition("//")
            found.append(os.path.join(root, folder) if folder else root)
    return found


#: Every kind of reference, by name. A new input kind adds its finder here.
FINDERS: Mapping[str, ReferenceFinder] = {
    "terraform": ReferenceFinder("terraform", _is_terraform, (b"module", b"source"), _terraform_targets,
                                 ("*.tf", "*.tf.json", "*.tofu", "*.tofu.json"), evaluates="terraform"),
    "kustomize": ReferenceFinder("kustomize", _is_kustomization, (), _kustomize_bases,
                                 tuple(f"*{n}" for n in KUSTOMIZATION_NAMES), evaluates="kustomization"),
    "kustomize-input": ReferenceFinder("kustomize-input", _is_kustomization, (), _kustomize_inputs,
                                       tuple(f"*{n}" for n in KUSTOMIZATION_NAMES), listed=True),
    "helm": ReferenceFinder("helm", lambda name: name == "Chart.yaml", (), _chart_dependencies,
                            ("*Chart.yaml",), listed=True),
    "terragrunt": ReferenceFinder("terragrunt", lambda name: name == "terragrunt.hcl", (b"source",),
                                  _terragrunt_sources, ("*terragrunt.hcl",), evaluates="terraform"),
}


def finders_for(name: str) -> list[ReferenceFinder]:
    """The finders whose files include a file of this name."""
    return [finder for finder in FINDERS.values() if finder.holds(name)]


class ReferenceGraph:
    """Directories (real paths) and the paths they reference, by kind of reference."""

    def __init__(self) -> None:
        self._targets: dict[str, dict[str, set[str]]] = {}  # kind -> source -> targets
        self._sources: dict[str, dict[str, set[str]]] = {}  # kind -> target -> sources
        self._listed: dict[str, set[str]] = {}  # kind -> directories holding such files
        #: kind -> directories with a reference whose target is an expression (:data:`COMPUTED`)
        self._computed: dict[str, set[str]] = {}

    def add(self, kind: str, source: str, target: str | None = None) -> None:
        """Record that directory ``source`` references ``target`` (``None``: holds files of
        that kind, maybe without references: listed by :meth:`roots`)."""
        if target is None:
            self._listed.setdefault(kind, set()).add(source)
            return
        if target == source:
            return
        self._targets.setdefault(kind, {}).setdefault(source, set()).add(target)
        self._sources.setdefault(kind, {}).setdefault(target, set()).add(source)

    def add_file(self, path: str, data: bytes, kinds: Iterable[str] | None = None) -> None:
        """Record the references of one file (its finders chosen by its name)."""
        name = os.path.basename(path)
        directory = os.path.dirname(os.path.realpath(path))
        for finder in finders_for(name):
            if kinds is not None and finder.kind not in kinds:
                continue
            if not all(needle in data for needle in finder.needles):
                continue
            if finder.listed:
                self.add(finder.kind, directory)
            for target in finder.targets(name, data):
                if target == COMPUTED:
                    self._computed.setdefault(finder.kind, set()).add(directory)
                else:
                    self.add(finder.kind, directory, os.path.realpath(os.path.join(directory, target)))

    def read_file(self, path: str, kinds: Iterable[str] | None = None) -> None:
        """:meth:`add_file` of a file read from disk (one that cannot be read holds none)."""
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return
        self.add_file(path, data, kinds)

    def roots(self, kind: str) -> list[str]:
        """Every directory with a file of ``kind`` (a listed kind), references or not."""
        return sorted(self._listed.get(kind, set()) | set(self._targets.get(kind, {})))

    def targets(self, source: str, kind: str) -> set[str]:
        """The paths ``source`` references directly with references of ``kind``."""
        return set(self._targets.get(kind, {}).get(source, ()))

    def referenced(self, directories: Iterable[str], kind: str,
                   sources: Iterable[str] | None = None) -> set[str]:
        """Those of ``directories`` that another of them (or of ``sources``) references by ``kind``."""
        among = set(directories)
        edges = self._targets.get(kind, {})
        origins = among if sources is None else set(sources)
        return {t for source in origins for t in edges.get(source, ()) if t in among and t != source}

    def computed_references(self, kind: str) -> set[str]:
        """The directories with a reference of ``kind`` whose target is an expression, not
        resolved (yet)."""
        return set(self._computed.get(kind, ()))

    def resolve_computed(self, kind: str, evaluate: Callable[[str], Iterable[str] | None]) -> None:
        """Replace the references of ``kind`` whose target is an expression by the paths
        ``evaluate(directory)`` gives (``None``: unknown, the directory stays one that may
        reference anything: :meth:`dependents`)."""
        pending = self._computed.get(kind, set())
        for directory in sorted(pending):
            targets = evaluate(directory)
            if targets is not None:
                pending.discard(directory)
                for target in targets:
                    self.add(kind, directory, target)

    def dependents(self, directories: Iterable[str], *kinds: str) -> set[str]:
        """``directories`` and every directory that references one of them through one of
        ``kinds``, at any depth. A directory whose reference is an expression may reference
        any of them: it is one (and so are its own dependents)."""
        found = set(directories)
        if found:
            for kind in kinds:
                found |= self._computed.get(kind, set())
        return _closure(found, self._sources, kinds)

    def reachable(self, directory: str, *kinds: str) -> set[str]:
        """``directory`` and every path it references through one of ``kinds``, at any depth."""
        return _closure({directory}, self._targets, kinds)


def _closure(found: set[str], edges: dict[str, dict[str, set[str]]], kinds: Iterable[str]) -> set[str]:
    """``found``, with every path reached from it through ``edges`` (kind -> path -> paths)
    of ``kinds``, at any depth."""
    kinds = tuple(kinds)
    pending = list(found)
    while pending:
        current = pending.pop()
        for kind in kinds:
            for reached in edges.get(kind, {}).get(current, ()):
                if reached not in found:
                    found.add(reached)
                    pending.append(reached)
    return found


def evaluating(fmt: str) -> tuple[str, ...]:
    """The kinds of reference through which directories of format ``fmt`` are evaluated."""
    return tuple(f.kind for f in FINDERS.values() if f.evaluates == fmt)


def read_references(paths: Iterable[str], graph: ReferenceGraph | None = None) -> ReferenceGraph:
    """The graph of the references held by ``paths`` (files that cannot be read hold none)."""
    graph = graph if graph is not None else ReferenceGraph()
    for path in paths:
        if finders_for(os.path.basename(path)):
            graph.read_file(path)
    return graph
