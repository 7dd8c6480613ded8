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
from typing import Callable, Iterable, Mapping


@dataclass(frozen=True)
class ReferenceFinder:
    """How one input kind names the local directories it reads."""

    kind: str
    #: whether a file (by its name) may hold references of this kind
    holds: Callable[[str], bool]
    #: byte strings that every file with a reference contains (all of them): a quick
    #: test before reading a file in full, and the patterns of ``git grep -F``
    needles: tuple[bytes, ...]
    #: (file name, content) -> the referenced paths as written, relative to the file's directory
    targets: Callable[[str, bytes], list[str]]
    #: whether the referencing directory is a root of evaluation that takes the target in
    #: (Terraform evaluates a called module through its caller); False for references
    #: that only make the target an input (a kustomize base is still built on its own)
    evaluates_target: bool = True


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


def terraform_module_sources(text: str) -> dict[str, str]:
    """``{module label: source}`` of the top-level ``module`` blocks whose ``source`` is a
    literal string, as :func:`sovlint.terraform.module.load_module` indexes them."""
    calls: dict[str, str] = {}
    depth = 0
    in_module: str | None = None  # label of the module block being read
    statement: list[str] = []  # tokens of the current line at depth 0, or 1 in a module block

    def take_source() -> None:
        if in_module is not None and len(statement) == 3 and statement[0] == "source" \
                and statement[1] == "=":
            value = _unquote(statement[2])
            if value is not None:
                calls[in_module] = value

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
                if isinstance(item, dict) and isinstance(item.get("source"), str) \
                        and "${" not in item["source"]:
                    calls[label] = item["source"]
    return calls


def is_local_source(source: str) -> bool:
    """Whether a module source is a local path (Terraform: ``./`` or ``../``)."""
    return source.startswith(("./", "../"))


def _terraform_targets(name: str, data: bytes) -> list[str]:
    if name.endswith(".json"):
        calls = _terraform_json_sources(data)
    else:
        calls = terraform_module_sources(data.decode("utf-8", "replace"))
    return [source for source in calls.values() if is_local_source(source)]


def _is_terraform(name: str) -> bool:
    return name.endswith((".tf", ".tf.json"))


# ----- kustomize: local resources, bases and components -----

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def _kustomize_targets(name: str, data: bytes) -> list[str]:
    import yaml

    try:
        document = yaml.safe_load(data)
    except (yaml.YAMLError, RecursionError, ValueError):
        return []
    if not isinstance(document, dict):
        return []
    found = []
    for key in ("resources", "bases", "components"):
        entries = document.get(key)
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, str) and "://" not in entry and not entry.startswith("/") \
                    and "?ref=" not in entry and not entry.startswith(("github.com/", "git@")):
                found.append(entry)
    return found


#: Every kind of reference, by name. A new input kind adds its finder here.
FINDERS: Mapping[str, ReferenceFinder] = {
    "terraform": ReferenceFinder("terraform", _is_terraform, (b"module", b'".'), _terraform_targets),
    "kustomize": ReferenceFinder("kustomize", lambda name: name in KUSTOMIZATION_NAMES, (b"",),
                                 _kustomize_targets, evaluates_target=False),
}


def finder_for(name: str) -> ReferenceFinder | None:
    """The finder whose files include a file of this name."""
    for finder in FINDERS.values():
        if finder.holds(name):
            return finder
    return None


class ReferenceGraph:
    """Directories (real paths) and the directories they reference, by kind."""

    def __init__(self) -> None:
        self._targets: dict[str, dict[str, set[str]]] = {}  # kind -> source -> targets
        self._sources: dict[str, set[str]] = {}  # target -> sources (every kind)

    def add(self, kind: str, source: str, target: str) -> None:
        """Record that directory ``source`` references directory ``target``."""
        if source == target:
            return
        self._targets.setdefault(kind, {}).setdefault(source, set()).add(target)
        self._sources.setdefault(target, set()).add(source)

    def add_file(self, path: str, data: bytes) -> None:
        """Record the references of one file (its finder chosen by its name)."""
        name = os.path.basename(path)
        finder = finder_for(name)
        if finder is None or not all(needle in data for needle in finder.needles):
            return
        directory = os.path.dirname(os.path.realpath(path))
        for target in finder.targets(name, data):
            self.add(finder.kind, directory, os.path.realpath(os.path.join(directory, target)))

    def targets(self, source: str, kind: str) -> set[str]:
        """The directories ``source`` references directly with references of ``kind``."""
        return set(self._targets.get(kind, {}).get(source, ()))

    def referenced(self, directories: Iterable[str], kind: str) -> set[str]:
        """Those of ``directories`` that another of them references (by ``kind``)."""
        among = set(directories)
        edges = self._targets.get(kind, {})
        return {t for source in among for t in edges.get(source, ()) if t in among and t != source}

    def dependents(self, directories: Iterable[str]) -> set[str]:
        """``directories`` and every directory that references one of them, at any depth."""
        found = set(directories)
        pending = list(found)
        while pending:
            for source in self._sources.get(pending.pop(), ()):
                if source not in found:
                    found.add(source)
                    pending.append(source)
        return found

    def reachable(self, directory: str, kind: str) -> set[str]:
        """``directory`` and every directory it references through ``kind``, at any depth."""
        edges = self._targets.get(kind, {})
        found = {directory}
        pending = [directory]
        while pending:
            for target in edges.get(pending.pop(), ()):
                if target not in found:
                    found.add(target)
                    pending.append(target)
        return found


def read_references(paths: Iterable[str], graph: ReferenceGraph | None = None) -> ReferenceGraph:
    """The graph of the references held by ``paths`` (files that cannot be read hold none)."""
    graph = graph if graph is not None else ReferenceGraph()
    for path in paths:
        if finder_for(os.path.basename(path)) is None:
            continue
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        graph.add_file(path, data)
    return graph
