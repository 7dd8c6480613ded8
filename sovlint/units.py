"""Work units: the independent pieces a scan is split into, and what each yields.

Every normaliser takes a :class:`WorkUnit` and returns a :class:`UnitResult`;
the engine plans the units, runs them (in worker processes, through the
cache) and reviews their results. Both are plain picklable data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sovlint.model import Finding, Resource, ScanError

if TYPE_CHECKING:
    from sovlint.normalise.kubernetes_index import ScanIndex


@dataclass(frozen=True, slots=True)
class WorkUnit:
    """An independent piece of work: a Terraform root directory or a single file."""

    kind: str  # terraform | a discover format
    path: str
    reported: tuple[str, ...]  # display paths whose resources/findings are reported
    # Kubernetes manifests: the cluster-wide objects of the whole scan (part of the cache key)
    scan_index: ScanIndex | None = None


@dataclass
class Judgement:
    """What the review decided about a unit's resources, where the unit ran (a worker
    process): the resources resolved (in the unit's order), each finding with the index of
    its resource there, and each rule that failed (its id and error)."""

    resources: list[Resource] = field(default_factory=list)
    findings: list[tuple[int, Finding]] = field(default_factory=list)
    errors: list[tuple[str, ScanError]] = field(default_factory=list)


@dataclass
class UnitResult:
    """What one work unit yields (picklable, for worker processes and the cache)."""

    resources: list[Resource] = field(default_factory=list)
    failures: list[tuple[str, int | None, str]] = field(default_factory=list)  # SOV900
    errors: list[ScanError] = field(default_factory=list)
    judgement: Judgement | None = None  # made by a worker process (never cached)
