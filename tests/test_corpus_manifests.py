"""The Kubernetes, Helm, kustomize, CloudFormation and ARM parts of the shared corpus.

Every manifest file is parsed or gives a SOV900 failure; no normaliser raises.
Run with ``-s`` to print the resources found per format.
"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from sovlint.config import Config
from sovlint.discover import discover
from sovlint.engine import run_unit
from sovlint.units import WorkUnit

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FORMATS = ("kubernetes", "helm-chart", "kustomization", "cloudformation", "arm", "arm-parameters")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not here")
def test_every_manifest_is_parsed_or_sov900() -> None:
    found = discover([CORPUS])
    files = [f for f in found.files if f.format in FORMATS]
    assert files
    resources: collections.Counter[str] = collections.Counter()
    failures: collections.Counter[str] = collections.Counter()
    crashed = []
    for source in files:
        result = run_unit(WorkUnit(source.format, str(source.path), (source.display,)), Config())
        resources[source.format] += len(result.resources)
        for path, line, message in result.failures:
            failures[source.format] += 1
            assert path == source.display
            if message.startswith("internal error"):
                crashed.append((path, message))
        for error in result.errors:
            assert error.message.startswith(("kustomization not rendered", "chart not rendered")), error
    print("\nfiles:", dict(collections.Counter(f.format for f in files)))
    print("resources:", dict(resources))
    print("SOV900:", dict(failures))
    assert crashed == []
    # helm is not required: without it, one SOV900 per chart and nothing else
    assert resources["cloudformation"] > 0 and resources["arm"] > 0 and resources["kubernetes"] > 0
