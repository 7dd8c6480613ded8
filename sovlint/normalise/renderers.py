"""Helm charts and kustomizations: rendered by the user's own tools, then read as manifests.

``helm template`` and ``kustomize build`` (or ``kubectl kustomize``) run when
they are on PATH, sandboxed (:mod:`sovlint.normalise.sandbox`): the whole
graph they would read is walked first, and a kustomization or chart that
names anything remote, anywhere in it, is not rendered (the message names the
reference and where it is); they run with no network, no cluster and no
credentials, kustomize with its load restrictor on. Without the tool:

- a chart gives one SOV900 on its ``Chart.yaml`` ("not rendered: helm not
  found", and where to get it); its templates are not YAML and are not read
  one by one;
- a kustomization's plain manifests are scanned as files of their own; when
  patches or other transformations could not be applied, a SOV900 on the
  kustomization names them and the tool to install (a kustomization that
  only lists manifests loses nothing).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from sovlint.config import Config
from sovlint.model import RENDERED_ORIGIN, ScanError
from sovlint.normalise.documents import ParseFailure, load_source, string_leaves
from sovlint.normalise.kubernetes import normalise_rendered
from sovlint.normalise.sandbox import chart_graph, is_remote, kustomization_graph, run_renderer

#: Files and folders read at most to decide whether a rendered result is still valid.
MAX_RENDER_INPUTS = 20_000
#: kustomization keys whose effect is lost when the plain manifests are read instead.
TRANSFORMATIONS = ("patches", "patchesStrategicMerge", "patchesJson6902", "replacements",
                   "namePrefix", "nameSuffix", "namespace", "commonLabels", "labels",
                   "commonAnnotations", "images", "replicas", "components", "helmCharts",
                   "configMapGenerator", "secretGenerator", "generators", "transformers")


#: Where to get each renderer, named when it is missing (a SOV900 says how to include the file).
INSTALL_HINTS = {
    "helm": "install helm (https://helm.sh/docs/intro/install/)",
    "kustomize": "install kustomize (https://kubectl.docs.kubernetes.io/installation/kustomize/) "
                 "or kubectl",
    "bicep": "install the Bicep CLI "
             "(https://learn.microsoft.com/azure/azure-resource-manager/bicep/install)",
}


def tool_missing(tool: str, what: str = "") -> str:
    """The SOV900 message of a file not rendered for want of its tool, with how to include it."""
    lost = f"; {what}" if what else ""
    return f"not rendered: {tool} not found{lost}; {INSTALL_HINTS[tool]} to include it"


def normalise_helm_chart(unit: Any, config: Config) -> Any:
    """A chart directory (its ``Chart.yaml``) -> the resources ``helm template`` renders."""
    from sovlint.units import UnitResult

    result = UnitResult()
    display = unit.reported[0]
    chart_dir = Path(unit.path).parent
    helm = shutil.which("helm")
    if helm is None:
        result.failures.append((display, 1, tool_missing("helm", "its templates were not scanned")))
        return result
    refusal = chart_graph(Path(unit.path), display).refusal()
    if refusal is not None:
        result.errors.append(ScanError(display, f"chart not rendered: {refusal}", 1))
        return result
    output, error = run_renderer([helm, "template", "sovlint", ".", "--namespace", "default"], chart_dir)
    if output is None:
        result.errors.append(ScanError(display, f"chart not rendered: {error}"))
        return result
    resources, failure = normalise_rendered(output, display, config, chart_dir)
    if failure is not None:
        result.errors.append(ScanError(display, failure.message))
    result.resources = resources
    return result


def normalise_kustomization(unit: Any, config: Config) -> Any:
    """A kustomization -> the resources it builds (or, without kustomize, what was not applied)."""
    from sovlint.units import UnitResult

    result = UnitResult()
    display = unit.reported[0]
    path = Path(unit.path)
    loaded = load_source(path, display, as_json=False)
    if isinstance(loaded, ParseFailure):
        result.failures.append(loaded.as_tuple())
        return result
    document = loaded.documents[0] if loaded.documents else None
    if document is None:  # valid YAML, but kustomize refuses it: not a parse failure
        result.errors.append(ScanError(display, "kustomization not rendered: it is empty "
                                                "(kustomize refuses an empty kustomization)", 1))
        return result
    if not isinstance(document, dict):
        result.failures.append((display, 1, "a kustomization must be a mapping"))
        return result
    if document.get("kind") == "Component":
        return result  # applied through the kustomizations that list it
    tool: list[str] | None = None
    if shutil.which("kustomize"):
        tool = [str(shutil.which("kustomize")), "build", ".", "--load-restrictor", "LoadRestrictionsRootOnly"]
    elif shutil.which("kubectl"):
        tool = [str(shutil.which("kubectl")), "kustomize", ".", "--load-restrictor", "LoadRestrictionsRootOnly"]
    graph = kustomization_graph(path, display) if tool is not None else None
    reason = ""
    if tool is None or graph is None:
        reason = "kustomize not found"
    elif graph.refusal() is not None:
        reason = str(graph.refusal())
    elif graph.needs_helm and shutil.which("helm") is None:
        reason = "its helmCharts need helm, which is not found"
    else:
        if graph.needs_helm:
            tool += ["--enable-helm", "--helm-command", str(shutil.which("helm"))]
        output, error = run_renderer(tool, path.parent)
        if output is not None:
            resources, failure = normalise_rendered(output, display, config, path.parent)
            if failure is not None:
                result.errors.append(ScanError(display, failure.message))
            result.resources = with_origins(resources, base_objects(path))
            return result
        reason = error
    unapplied = [key for key in TRANSFORMATIONS if document.get(key)]
    if tool is None and unapplied:  # something is lost for want of the tool: SOV900
        result.failures.append((display, 1, tool_missing(
            "kustomize", f"its plain manifests were scanned without {', '.join(unapplied)}")))
        return result
    message = f"kustomization not rendered: {reason}; its plain manifests are scanned as they are"
    if unapplied:
        message += f", without {', '.join(unapplied)}"
    result.errors.append(ScanError(display, message, 1))
    return result


#: Kustomization files and manifests followed at most to find where rendered objects come from.
MAX_BASE_FILES = 2_000
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
#: The attribute of a rendered resource naming the plain manifest object it comes from.
ORIGIN = RENDERED_ORIGIN


def base_objects(kustomization: Path) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """The objects of the plain manifests a kustomization builds from, through its bases and
    components: (kind, name) -> [(display path, address as a plain scan gives it)]."""
    from sovlint.discover import display_path
    from sovlint.normalise.kubernetes import manifest_address, objects_of

    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    pending = [kustomization]
    seen: set[str] = set()
    while pending and len(seen) < MAX_BASE_FILES:
        current = pending.pop()
        key = os.path.realpath(current)
        if key in seen:
            continue
        seen.add(key)
        loaded = load_source(current, display_path(current), as_json=False)
        if isinstance(loaded, ParseFailure):
            continue
        if current.name in KUSTOMIZATION_NAMES:
            document = loaded.documents[0] if loaded.documents else None
            entries = [str(e) for k in ("resources", "bases", "components")
                       for e in (document.get(k) or () if isinstance(document, dict) else ())
                       if isinstance(e, str) and not is_remote(e)]
            for entry in entries:
                target = current.parent / entry
                if target.is_dir():
                    pending.extend(target / n for n in KUSTOMIZATION_NAMES if (target / n).is_file())
                elif target.is_file():
                    pending.append(target)
            continue
        for obj in objects_of(loaded):
            address = manifest_address(obj)
            if address is not None:
                found.setdefault((obj.kind, obj.name), []).append((loaded.path, address))
    return found


def with_origins(resources: list[Any], bases: dict[tuple[str, str], list[tuple[str, str]]]) -> list[Any]:
    """Rendered resources, each with the plain manifest object it was built from (when one is
    found: same kind, same name or that name with a prefix/suffix the overlay added)."""
    import dataclasses

    if not bases:
        return resources
    named: dict[str, list[str]] = {}
    for kind, name in bases:
        named.setdefault(kind, []).append(name)
    out = []
    for resource in resources:
        kind, name = resource.resource_type, resource.address.rsplit("/", 1)[-1]
        candidates = bases.get((kind, name))
        if candidates is None:  # namePrefix/nameSuffix: the longest base name it contains
            names = sorted((n for n in named.get(kind, ()) if n and n in name
                            and (name.startswith(n) or name.endswith(n) or f"-{n}-" in name)),
                           key=len, reverse=True)
            candidates = bases.get((kind, names[0])) if names else None
        if candidates and len(candidates) == 1:
            path, address = candidates[0]
            resource = dataclasses.replace(
                resource, attributes={**resource.attributes, ORIGIN: {"path": path, "address": address}})
        out.append(resource)
    return out


def renderer_tools() -> tuple[str | None, ...]:
    """The renderers on PATH (part of a rendered result's cache key: a new tool renders anew)."""
    return (shutil.which("helm"), shutil.which("kustomize"), shutil.which("kubectl"))


def render_inputs(unit: Any) -> list[str] | None:
    """Every file and folder a chart or kustomization may read, to cache its rendered result.

    A chart reads its directory tree (subcharts are vendored under it). A
    kustomization reads its directory tree and every local path it names
    (any string of the file that is an existing path: resources, bases,
    components, patch and generator files), and what those name in turn.
    Folders are listed too, so that an added or removed file invalidates the
    result. ``None`` (do not cache) when there are more than
    ``MAX_RENDER_INPUTS``, or when a path cannot be read.
    """
    start = Path(unit.path).parent
    trees: list[Path] = []
    pending = [start]
    seen: set[str] = set()
    while pending:
        directory = pending.pop()
        key = os.path.realpath(directory)
        if key in seen:
            continue
        seen.add(key)
        trees.append(directory)
        if unit.kind != "kustomization":
            continue
        for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
            candidate = directory / name
            if not candidate.is_file():
                continue
            loaded = load_source(candidate, str(candidate), as_json=False)
            if isinstance(loaded, ParseFailure):
                break
            for text in string_leaves(loaded.documents):
                if "://" in text or len(text) > 1024 or "\0" in text:
                    continue
                target = directory / text
                try:
                    if target.is_dir():
                        pending.append(target)
                    elif target.exists() and target.parent != directory:
                        pending.append(target.parent)
                except OSError:
                    return None
            break
    found: list[str] = []
    for tree in trees:
        for dirpath, dirnames, filenames in os.walk(tree):
            found.append(os.path.abspath(dirpath))
            found.extend(os.path.abspath(os.path.join(dirpath, n)) for n in filenames)
            dirnames[:] = [d for d in dirnames if d != ".git"]
            if len(found) > MAX_RENDER_INPUTS:
                return None
    return found
