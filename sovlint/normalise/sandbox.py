"""Renderers (kustomize, helm, bicep) sandboxed: their whole input graph is walked first, then
they run with no network, no cluster and no credentials.

A kustomization, a chart or a Bicep file comes from the scanned tree, which
is untrusted (SPEC §9): a reference to a URL anywhere in what a renderer
reads would make it fetch that URL. So before a renderer runs:

1. :func:`kustomization_graph`, :func:`chart_graph` and :func:`bicep_graph`
   walk everything it would read — every nested kustomization, component and
   base, the files of generators, patches, replacements, transformer
   configurations and the OpenAPI schema, ``helmCharts``, a chart's
   dependencies and values schema, Bicep modules and imports — and return
   every remote reference with the file and line that names it. A reference
   kustomize would look up remotely because it is not a local path counts
   as remote too. One remote reference anywhere: the renderer does not run.
2. :func:`run_renderer` runs it with an argument list (never a shell), a
   time limit, and an environment that gives it nothing to reach: a fresh
   temporary ``HOME`` (no ``~/.kube/config``, ``~/.gitconfig``, docker or
   helm credentials), a kubeconfig whose only cluster is ``127.0.0.1:0``
   (no connection can ever be made there), git configured to refuse every
   protocol and to ask for no password, proxies pointing nowhere, no helm
   plugins; and, where the system allows it (``unshare``), in a network
   namespace of its own, with no network at all.

The walk is bounded (``MAX_GRAPH_FILES``); a file it cannot read is left to
the renderer, whose own error is then reported.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from sovlint.files import UnreadableFile, read_bytes, scan_tree
from sovlint.quoting import excerpt, visible

#: Files a walk reads at most (kustomizations, plugin configurations, charts, Bicep files).
MAX_GRAPH_FILES = 2_000
#: Seconds a renderer may run.
RENDER_TIMEOUT = 60
#: Bytes of rendered output read at most.
MAX_RENDERED = 50 * 1024 * 1024
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

#: A URL (any scheme), or the forms kustomize and go-getter read as a git repository.
_REMOTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|git@|git::|[a-z0-9.-]+\.[a-z]{2,}[:/].*\.git\b"
                     r"|(?:github\.com|gitlab\.com|bitbucket\.org|dev\.azure\.com)[/:])|\?ref=")
_KLOG = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+\s+\S+:\d+\]\s*")
_KLOG_ERROR = re.compile(r'^"[^"]*failed" err="(.*)"$')


def is_remote(reference: str) -> bool:
    """Whether a reference names something remote (a URL, a git repository)."""
    return bool(_REMOTE.search(reference.strip()))


@dataclass(frozen=True)
class RemoteReference:
    """A remote reference found in a renderer's input graph, and where."""

    reference: str
    path: str  # the file that names it (display path)
    line: int | None
    what: str  # e.g. "resources", "helmCharts repo", "module"
    outside: bool = False  # a local path through a symbolic link out of the scanned tree

    def describe(self) -> str:
        """``https://x (resources, k/base/kustomization.yaml:3)``."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{excerpt(self.reference, 120)} ({self.what}, {where})"


@dataclass
class Graph:
    """What a walk found: remote references, whether helm is needed, files read."""

    remote: list[RemoteReference] = field(default_factory=list)
    needs_helm: bool = False
    files: list[str] = field(default_factory=list)
    too_large: bool = False

    def refusal(self) -> str | None:
        """Why the renderer must not run (``None``: it may)."""
        if self.remote:
            parts = []
            for outside, label in ((False, "remote reference not fetched"),
                                   (True, "link out of the scanned tree not followed")):
                found = [r for r in self.remote if r.outside is outside]
                if found:
                    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
                    parts.append(f"{label}: {describe(found[:3])}{more}")
            return "; ".join(parts)
        if self.too_large:
            return f"its input graph has more than {MAX_GRAPH_FILES} files (the limit)"
        return None


class _Walk:
    """Shared state of one walk: the graph, the files seen, how paths are displayed."""

    def __init__(self, display_base: tuple[Path, str]):
        self.graph = Graph()
        self.seen: set[str] = set()
        self._base, self._display = display_base

    def display(self, path: Path) -> str:
        try:
            relative = os.path.relpath(path, self._base)
        except ValueError:
            return str(path)
        return os.path.normpath(os.path.join(self._display, relative))

    def first_visit(self, path: Path) -> bool:
        """Mark ``path`` read; ``False`` when it was already, or the walk is full."""
        key = os.path.realpath(path)
        if key in self.seen:
            return False
        if len(self.seen) >= MAX_GRAPH_FILES:
            self.graph.too_large = True
            return False
        self.seen.add(key)
        self.graph.files.append(str(path))
        return True

    def remote(self, reference: str, path: Path, line: int | None, what: str, outside: bool = False) -> None:
        self.graph.remote.append(RemoteReference(reference, self.display(path), line, what, outside))

    def documents(self, path: Path) -> tuple[Any, ...] | None:
        from sovlint.normalise.documents import ParseFailure, load_source

        loaded = load_source(path, str(path), as_json=path.name.lower().endswith(".json"))
        return None if isinstance(loaded, ParseFailure) else loaded.documents


def _line(container: Any, key: Any, default: int | None) -> int | None:
    if isinstance(container, dict):
        return getattr(container, "key_lines", {}).get(key, default)  # type: ignore[no-any-return]
    if isinstance(container, list) and isinstance(key, int):
        lines = getattr(container, "item_lines", [])
        return lines[key] if key < len(lines) else default  # type: ignore[no-any-return]
    return default


def _strings(value: Any) -> list[tuple[int, str]]:
    """(index, text) of the strings of a list field (a lone string counts as a list of one)."""
    if isinstance(value, str):
        return [(0, value)]
    if isinstance(value, list):
        return [(i, v) for i, v in enumerate(value) if isinstance(v, str)]
    return []


# --- kustomize --------------------------------------------------------------------------------

#: Fields whose entries are kustomization targets: a local file, a local folder with a
#: kustomization, or (kustomize's fallback for anything else) a remote repository or URL.
_TARGET_FIELDS = ("resources", "bases", "components")
#: Fields whose entries are files kustomize loads (any URL among them is fetched).
_FILE_FIELDS = ("crds", "configurations")
#: Plugin lists: paths (files or kustomization folders, local or remote) or inline configurations.
_PLUGIN_FIELDS = ("generators", "transformers", "validators")
#: Keys of plugin configurations (and of kustomization entries) that name a file or a repository.
_LOADED_KEYS = ("path", "paths", "files", "envs", "env", "values", "valuesFile", "additionalValuesFiles",
                "repo", "chartRepoUrl", "chartRepoURL", "chartHome", "resources")


def kustomization_graph(path: Path, display: str) -> Graph:
    """Walk a kustomization and everything it names (see the module docstring)."""
    walk = _Walk((path.parent, os.path.dirname(display)))
    _kustomization(walk, path)
    return walk.graph


def _kustomization_file(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def _kustomization(walk: _Walk, path: Path) -> None:
    if not walk.first_visit(path):
        return
    documents = walk.documents(path)
    document = documents[0] if documents else None
    if not isinstance(document, dict):
        return  # kustomize reports what is wrong with it
    directory = path.parent
    for key in _TARGET_FIELDS:
        for index, entry in _strings(document.get(key)):
            _target(walk, path, directory, entry, _line(document.get(key), index, None), key)
    for key in _FILE_FIELDS:
        for index, entry in _strings(document.get(key)):
            _file(walk, path, entry, _line(document.get(key), index, None), key)
    for index, entry in _strings(document.get("patchesStrategicMerge")):  # a file or an inline patch
        if is_remote(entry):
            walk.remote(entry, path, _line(document.get("patchesStrategicMerge"), index, None),
                        "patchesStrategicMerge")
    for key in ("patches", "patchesJson6902", "replacements", "configMapGenerator", "secretGenerator",
                "helmChartInflationGenerator"):
        entries = document.get(key)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict):
                _loaded_keys(walk, path, entry, _line(entries, index, None), key)
    openapi = document.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        _file(walk, path, openapi["path"], _line(openapi, "path", None), "openapi path")
        local = directory / openapi["path"]
        if not is_remote(openapi["path"]) and local.is_file():
            _schema_references(walk, local)
    _helm_charts(walk, path, document)
    for key in _PLUGIN_FIELDS:
        for index, entry in _strings(document.get(key)):
            line = _line(document.get(key), index, None)
            if "\n" in entry:  # an inline plugin configuration
                _plugin_text(walk, path, entry, line, key)
            else:
                _target(walk, path, directory, entry, line, key, plugin=True)


def _target(walk: _Walk, path: Path, directory: Path, entry: str, line: int | None, what: str,
            plugin: bool = False) -> None:
    if is_remote(entry):
        walk.remote(entry, path, line, what)
        return
    target = directory / entry
    tree = scan_tree()
    try:
        if tree is not None:
            tree.check_link(target)  # the renderer would follow the link; it is not run at all
    except UnreadableFile:
        walk.remote(entry, path, line, what, outside=True)
        return
    try:
        if target.is_dir():
            found = _kustomization_file(target)
            if found is not None:
                _kustomization(walk, found)
            return  # without one, kustomize stops with an error of its own
        if target.is_file():
            if plugin and walk.first_visit(target):
                for document in walk.documents(target) or ():
                    if isinstance(document, dict):
                        _loaded_keys(walk, target, document, getattr(document, "line", None), what)
            return
    except OSError:
        return
    # neither a local file nor a folder: kustomize would try it as a remote target
    walk.remote(entry, path, line, f"{what}: not a local file or folder, so kustomize would fetch it")


def _file(walk: _Walk, path: Path, entry: str, line: int | None, what: str) -> None:
    name = entry.split("=", 1)[1] if "=" in entry and not is_remote(entry) else entry
    if is_remote(name) or "://" in name:
        walk.remote(name, path, line, what)


def _loaded_keys(walk: _Walk, path: Path, entry: dict[str, Any], line: int | None, what: str,
                 own_lines: bool = True) -> None:
    """The file and repository references of one configuration entry (nested too); with
    ``own_lines`` false (a configuration written inside a string), all are at ``line``."""
    at_line = _line if own_lines else (lambda container, key, default: default)
    stack: list[tuple[Any, int | None]] = [(entry, line)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                at = at_line(current, key, where)
                if key in _LOADED_KEYS:
                    for index, text in _strings(value):
                        if is_remote(text) or "://" in text:
                            walk.remote(text, path, at_line(value, index, at), f"{what} {key}")
                if isinstance(value, (dict, list)):
                    stack.append((value, at))
        elif isinstance(current, list):
            stack.extend((item, at_line(current, i, where)) for i, item in enumerate(current))


def _plugin_text(walk: _Walk, path: Path, text: str, line: int | None, what: str) -> None:
    from sovlint.parsers.yaml_marks import YamlError, load_documents

    try:
        documents = list(load_documents(text))
    except YamlError:
        return
    for document in documents:
        if isinstance(document, dict):
            _loaded_keys(walk, path, document, line, what, own_lines=False)


def _helm_charts(walk: _Walk, path: Path, document: dict[str, Any]) -> None:
    charts = document.get("helmCharts")
    if not isinstance(charts, list) or not charts:
        return
    walk.graph.needs_helm = True
    settings = document.get("helmGlobals")
    chart_home = settings.get("chartHome") if isinstance(settings, dict) else None
    home = path.parent / str(chart_home or "charts")
    for index, chart in enumerate(charts):
        if not isinstance(chart, dict):
            continue
        line = _line(charts, index, None)
        name, version = str(chart.get("name") or ""), str(chart.get("version") or "")
        local = [home / name] + ([home / f"{name}-{version}" / name] if version else [])
        found = next((c for c in local if name and (c / "Chart.yaml").is_file()), None)
        repo = chart.get("repo")
        for key in ("valuesFile", "additionalValuesFiles"):
            for i, text in _strings(chart.get(key)):
                if is_remote(text) or "://" in text:
                    at = _line(chart, key, line)
                    walk.remote(text, path, _line(chart.get(key), i, at), f"helmCharts {key}")
        if found is not None:
            _chart(walk, found)
        elif isinstance(repo, str) and repo:
            walk.remote(repo, path, _line(chart, "repo", line),
                        f"helmCharts {name or '?'}: not under {home.name}/, so kustomize would pull it")


# --- helm ---------------------------------------------------------------------------------------

_DNS_LOOKUP = re.compile(rb"\bgetHostByName\b")


def chart_graph(chart_yaml: Path, display: str) -> Graph:
    """Walk a chart: its dependencies (vendored under ``charts/`` or remote), values schemas,
    and templates that would look up host names."""
    walk = _Walk((chart_yaml.parent, os.path.dirname(display)))
    _chart(walk, chart_yaml.parent)
    return walk.graph


def _chart(walk: _Walk, directory: Path) -> None:
    chart_yaml = directory / "Chart.yaml"
    if not walk.first_visit(chart_yaml):
        return
    documents = walk.documents(chart_yaml) if chart_yaml.is_file() else None
    chart = documents[0] if documents else None
    dependencies: list[tuple[Any, Path, Any]] = []
    if isinstance(chart, dict) and isinstance(chart.get("dependencies"), list):
        dependencies += [(d, chart_yaml, chart["dependencies"]) for d in chart["dependencies"]]
    requirements = directory / "requirements.yaml"  # apiVersion v1 charts
    if requirements.is_file() and walk.first_visit(requirements):
        docs = walk.documents(requirements)
        listed = docs[0].get("dependencies") if docs and isinstance(docs[0], dict) else None
        if isinstance(listed, list):
            dependencies += [(d, requirements, listed) for d in listed]
    vendored = directory / "charts"
    for index, (dependency, where, listed) in enumerate(dependencies):
        if not isinstance(dependency, dict):
            continue
        name = str(dependency.get("name") or "")
        repository = str(dependency.get("repository") or "")
        present = (vendored / name / "Chart.yaml").is_file() or any(vendored.glob(f"{name}-*.tgz"))
        if not present and repository and not repository.startswith("file://"):
            walk.remote(repository, where, _line(listed, listed.index(dependency), None),
                        f"dependency {name or '?'}: not vendored under charts/")
    try:
        subcharts = sorted(p.parent for p in vendored.glob("*/Chart.yaml"))
    except OSError:
        subcharts = []
    for subchart in subcharts:
        _chart(walk, subchart)
    schema = directory / "values.schema.json"
    if schema.is_file() and walk.first_visit(schema):
        _schema_references(walk, schema)
    _templates(walk, directory / "templates")


def _templates(walk: _Walk, directory: Path) -> None:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return
    for name in names:
        path = directory / name
        if not path.is_file() or not walk.first_visit(path):
            continue
        try:
            data = read_bytes(path, MAX_RENDERED)
        except UnreadableFile:
            continue
        match = _DNS_LOOKUP.search(data)
        if match is not None:
            line = data.count(b"\n", 0, match.start()) + 1
            walk.remote("getHostByName", path, line, "a template that looks up host names")


_META_SCHEMA = re.compile(r"^https?://json-schema\.org/")


def _schema_references(walk: _Walk, path: Path) -> None:
    """``$ref``/``$schema``/``$id`` of a JSON schema that would make a validator fetch a URL."""
    documents = walk.documents(path)
    stack: list[Any] = list(documents or ())
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                if key in ("$ref", "$schema", "$id", "$dynamicRef") and isinstance(value, str) \
                        and "://" in value and not _META_SCHEMA.match(value):
                    walk.remote(value, path, _line(current, key, None), f"JSON schema {key}")
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(current, list):
            stack.extend(current)


# --- bicep --------------------------------------------------------------------------------------

_BICEP_REFERENCE = re.compile(
    r"^\s*(?:module\s+\w+\s+|import\s+(?:[^'\n]*\s+from\s+)?|using\s+|extension\s+|provider\s+)'([^']*)'",
    re.M)
_BICEP_REMOTE = re.compile(r"^(?:br|ts)[:/]")


def bicep_graph(path: Path, display: str) -> Graph:
    """Walk a Bicep file and the local ones it names; registry (``br:``) and template-spec
    (``ts:``) references are remote."""
    walk = _Walk((path.parent, os.path.dirname(display)))
    pending = [path]
    while pending:
        current = pending.pop()
        if not walk.first_visit(current):
            continue
        try:
            text = read_bytes(current, MAX_RENDERED).decode("utf-8", "replace")
        except UnreadableFile:
            continue
        for match in _BICEP_REFERENCE.finditer(text):
            reference = match.group(1)
            line = text.count("\n", 0, match.start(1)) + 1
            if _BICEP_REMOTE.match(reference) or is_remote(reference):
                walk.remote(reference, current, line, "a module from a registry")
            elif reference.endswith((".bicep", ".bicepparam")):
                pending.append(current.parent / reference)
    return walk.graph


# --- running ------------------------------------------------------------------------------------

_KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: none
  cluster:
    server: https://127.0.0.1:0
contexts:
- name: none
  context:
    cluster: none
current-context: none
"""
_NOWHERE = "http://127.0.0.1:0"


def sandbox_environment(home: str) -> dict[str, str]:
    """The whole environment of a renderer whose home is the empty folder ``home``."""
    env = {name: os.environ[name] for name in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT")
           if name in os.environ}
    kubeconfig = os.path.join(home, "kubeconfig")
    with open(kubeconfig, "w", encoding="utf-8") as handle:
        handle.write(_KUBECONFIG)
    env.update({
        "HOME": home, "USERPROFILE": home, "TMPDIR": home, "TMP": home, "TEMP": home,
        "KUBECONFIG": kubeconfig,
        "XDG_CONFIG_HOME": os.path.join(home, "config"), "XDG_CACHE_HOME": os.path.join(home, "cache"),
        "XDG_DATA_HOME": os.path.join(home, "data"),
        "HELM_CONFIG_HOME": os.path.join(home, "helm"), "HELM_CACHE_HOME": os.path.join(home, "helm"),
        "HELM_DATA_HOME": os.path.join(home, "helm"), "HELM_NO_PLUGINS": "1",  # plugins run anything
        "DOCKER_CONFIG": os.path.join(home, "docker"),
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0",
        "GIT_ALLOW_PROTOCOL": "none", "GIT_ASKPASS": "false", "SSH_ASKPASS": "false",
        "GIT_SSH_COMMAND": "false",
        "HTTP_PROXY": _NOWHERE, "HTTPS_PROXY": _NOWHERE, "ALL_PROXY": _NOWHERE,
        "http_proxy": _NOWHERE, "https_proxy": _NOWHERE, "all_proxy": _NOWHERE,
        "NO_PROXY": "", "no_proxy": "",
        "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "BICEP_TRACING_ENABLED": "false",
    })
    return env


@functools.lru_cache(maxsize=1)
def network_isolation() -> tuple[str, ...]:
    """The command prefix that runs a program without any network (``unshare``), or ``()``
    where the system does not allow it (checked once per process)."""
    unshare = shutil.which("unshare")
    if unshare is None or os.name != "posix":
        return ()
    prefix = (unshare, "--net", "--map-root-user")
    try:
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=5, check=False,
                               stdin=subprocess.DEVNULL, env={"PATH": os.environ.get("PATH", "")})
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return prefix if probe.returncode == 0 else ()


def failure_cause(stderr: bytes, returncode: int) -> str:
    """The cause a renderer printed, on one line: its ``error:`` line(s), or the ``err`` of a
    klog ``"command failed"`` line, without the rest of the log; a very long message has its
    middle cut."""
    plain: list[str] = []
    logged: list[str] = []
    for raw in stderr.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        prefix = _KLOG.match(line)
        if prefix is None:
            if line:
                plain.append(line)
            continue
        failed = _KLOG_ERROR.match(line[prefix.end():])
        if failed is not None:
            logged.append(failed.group(1).replace('\\"', '"'))
    start = next((i for i, line in enumerate(plain) if line.lower().startswith("error")), None)
    chosen = plain[start:] if start is not None else logged or plain
    text = " ".join(" ".join(chosen).split())
    if not text:
        return f"exit status {returncode}"
    if len(text) > 300:
        text = text[:120] + " \u2026 " + text[-170:]
    return visible(text)


def run_renderer(argv: list[str], cwd: Path) -> tuple[str | None, str]:
    """Run a renderer in the sandbox: (its output, "") or (None, why it failed)."""
    name = Path(argv[0]).name
    with tempfile.TemporaryDirectory(prefix="sovlint-render-") as home:
        env = sandbox_environment(home)
        try:
            completed = subprocess.run([*network_isolation(), *argv], cwd=cwd, capture_output=True,
                                       timeout=RENDER_TIMEOUT, check=False, env=env,
                                       stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return None, f"{name} did not finish in {RENDER_TIMEOUT}s"
        except OSError as exc:
            return None, f"{name} could not run: {exc.strerror or exc}"
    if completed.returncode != 0:
        return None, f"{name} {argv[1]} failed: {failure_cause(completed.stderr, completed.returncode)}"
    if len(completed.stdout) > MAX_RENDERED:
        return None, f"{name} output larger than {MAX_RENDERED} bytes"
    return completed.stdout.decode("utf-8", "replace"), ""


def describe(references: Iterable[RemoteReference]) -> str:
    """The references, for a message."""
    return "; ".join(r.describe() for r in references)
