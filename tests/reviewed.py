"""What a scan reviewed, as the catalog resolved it: for tests of normalisers run through
the whole pipeline.

A scan's ``ScanResult.resources`` are read back from the result store, which
keeps only what reports show: a resource's tags and attributes are left out
there. These helpers keep every resource the store is given, whole.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sovlint.model import Resource
from sovlint.results import ResultStore


@contextmanager
def reviewed_resources() -> Iterator[list[Resource]]:
    """Collect, while the block runs, each resource a scan keeps (a resource reached twice
    comes twice)."""
    kept: list[Resource] = []
    original = ResultStore.add_resource

    def add_resource(store: ResultStore, resource: Resource) -> None:
        kept.append(resource)
        original(store, resource)

    setattr(ResultStore, "add_resource", add_resource)
    try:
        yield kept
    finally:
        setattr(ResultStore, "add_resource", original)
