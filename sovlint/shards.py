"""``--shard K/N`` and ``sovlint merge``: one scan split over the N jobs of a CI matrix.

Every job discovers the same tree and plans the same roots; job K takes its
share, chosen deterministically: roots are weighed (a Terraform root by the
files of the modules it reads, a manifest, chart or kustomization by one)
and dealt, heaviest first, to the job with the least weight so far (ties:
the lower job number). A root and the modules it reads are never split; a
module read by roots of several jobs is evaluated in each, and reported
once after the merge.

A job's JSON report carries, besides the usual document, a ``shard``
section: its number, the number of jobs, the files it reports, the rules it
ran, and its resources and findings in the lossless form of
:mod:`sovlint.results`. ``sovlint merge`` checks that it has every job of
one split (same sovlint version, profile and rules) and rebuilds the result
one scan of the whole tree would give, in any output format.
"""

from __future__ import annotations

import heapq
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from sovlint import __version__

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


class ShardError(Exception):
    """A bad ``--shard`` value, or reports that cannot be merged (exit code 2)."""


@dataclass(frozen=True)
class Shard:
    """Job ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``K/N`` with 1 <= K <= N."""
        match = _SHARD.match(text)
        if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
            raise ShardError(f"--shard {text!r}: expected K/N with 1 <= K <= N (e.g. 2/4)")
        return cls(int(match.group(1)), int(match.group(2)))


def selection(shard: Shard) -> Callable[[Any], Any]:
    """The plan selection of one job (``engine.scan(selection=...)``)."""

    def select(plan: Any) -> Any:
        return share(plan, shard)

    return select


def share(plan: Any, shard: Shard) -> Any:
    """The part of a scan plan that job ``shard`` runs and reports."""
    from sovlint.engine import TERRAFORM
    from sovlint.parse_cache import real_path

    files_of = {real_path(u.path): len(u.reported) for u in plan.terraform}
    weighed = []
    for position, unit in enumerate(plan.units):
        weight = 1
        if unit.kind == TERRAFORM:
            weight = max(sum(files_of.get(d, 0) for d in plan.modules_read([unit])), 1)
        weighed.append((-weight, unit.reported[0] if unit.reported else unit.path, position))
    weighed.sort()
    loads = [(0, index) for index in range(1, shard.count + 1)]
    heapq.heapify(loads)
    mine: list[int] = []
    for negative, _name, position in weighed:
        load, index = heapq.heappop(loads)
        if index == shard.index:
            mine.append(position)
        heapq.heappush(loads, (load - negative, index))
    mine = sorted({*mine, *_rendered_from(plan, mine)})
    # files that no root reports (a module no root reads, a kustomize base built through
    # its overlays) are still files of the tree: job 1 lists them
    extra: list[str] = []
    if shard.index == 1:
        read = plan.modules_read(plan.units)
        covered = {d for u in plan.units for d in u.reported}
        covered.update(d for u in plan.terraform if real_path(u.path) in read for d in u.reported)
        extra = [path for path in plan.reported if path not in covered]
    return plan.select([plan.units[i] for i in sorted(mine)], extra)


def _rendered_from(plan: Any, positions: Sequence[int]) -> set[int]:
    """The plain manifests that the kustomizations among ``positions`` build on (positions in
    the plan): reviewed in the same job, so that an overlay's findings that only repeat its
    base's are dropped there as in one scan (the job that owns them reports them too: the
    same records, kept once by the merge)."""
    import bisect
    import os

    from sovlint.discover import KUBERNETES, KUSTOMIZATION
    from sovlint.engine import unit_directory
    from sovlint.parse_cache import real_path

    overlays = [plan.units[p] for p in positions if plan.units[p].kind == KUSTOMIZATION]
    if not overlays:
        return set()
    manifests = sorted((real_path(u.path), p) for p, u in enumerate(plan.units) if u.kind == KUBERNETES)
    paths = [path for path, _ in manifests]
    found: set[int] = set()
    for unit in overlays:
        for tree in plan.graph.reachable(real_path(unit_directory(unit)), "kustomize-input"):
            start = bisect.bisect_left(paths, tree)
            if start < len(paths) and paths[start] == tree:  # a file
                found.add(manifests[start][1])
            start = bisect.bisect_left(paths, tree + os.sep)
            for path, position in manifests[start:]:  # the files of a folder, at any depth
                if not path.startswith(tree + os.sep):
                    break
                found.add(position)
    return found


def shard_section(result: Any, shard: Shard) -> dict[str, Any]:
    """The ``shard`` section of a job's JSON report."""
    from sovlint.results import encode_record

    return {
        "index": shard.index,
        "count": shard.count,
        "files": list(result.files),
        "rules": [policy.id for policy in result.policies],
        "resources": [encode_record(r) for r in result.resources],
        "findings": [encode_record(f) for f in result.findings],
    }


@dataclass
class ShardReports:
    """The reports of every job of one split, checked."""

    profile: str
    rules: list[str]
    documents: list[dict[str, Any]]


def read_reports(paths: Sequence[Path]) -> ShardReports:
    """Read and check the jobs' JSON reports (ShardError: not one complete split)."""
    documents = []
    for path in paths:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ShardError(f"{path}: not a JSON report ({exc})") from None
        section = document.get("shard") if isinstance(document, dict) else None
        if not isinstance(section, dict) or not isinstance(section.get("index"), int) \
                or not isinstance(section.get("count"), int):
            raise ShardError(f"{path}: not the JSON report of a `sovlint scan --shard K/N` job "
                             "(write it with --format json:FILE and --shard)")
        document["_path"] = str(path)
        documents.append(document)
    if not documents:
        raise ShardError("no report to merge")
    first = documents[0]
    count = first["shard"]["count"]
    for document in documents:
        where = document["_path"]
        if document["shard"]["count"] != count:
            raise ShardError(f"{where}: job of a {document['shard']['count']}-job split, "
                             f"{first['_path']} of a {count}-job split")
        if document.get("tool", {}).get("version") != __version__:
            raise ShardError(f"{where}: written by sovlint {document.get('tool', {}).get('version')}, "
                             f"this is {__version__}")
        if document.get("profile") != first.get("profile") \
                or document["shard"].get("rules") != first["shard"].get("rules"):
            raise ShardError(f"{where}: made with other rules than {first['_path']} "
                             "(every job must run with the same options)")
    indexes = sorted(d["shard"]["index"] for d in documents)
    missing = sorted(set(range(1, count + 1)) - set(indexes))
    twice = sorted({i for i in indexes if indexes.count(i) > 1})
    if missing or twice:
        problems = []
        if missing:
            problems.append("missing job" + ("s " if len(missing) > 1 else " ")
                            + ", ".join(f"{i}/{count}" for i in missing))
        if twice:
            problems.append("job" + ("s " if len(twice) > 1 else " ")
                            + ", ".join(f"{i}/{count}" for i in twice) + " given twice")
        raise ShardError("cannot merge: " + "; ".join(problems))
    return ShardReports(str(first.get("profile")), list(first["shard"].get("rules") or []), documents)


def merged_result(reports: ShardReports, policies: Sequence[Any]) -> Any:
    """The result one scan of the whole tree would have given."""
    from sovlint.engine import ScanResult
    from sovlint.model import ScanError
    from sovlint.results import ResultStore, decode_finding, decode_resource

    store = ResultStore()
    files: set[str] = set()
    for document in reports.documents:
        section = document["shard"]
        files.update(section.get("files") or ())
        for data in section.get("resources") or ():
            store.add_resource(decode_resource(data))
        for data in section.get("findings") or ():
            store.add_finding(decode_finding(data))
        for error in document.get("errors") or ():
            store.add_error(ScanError(error["path"], error["message"], error.get("line")))
    return ScanResult(profile=reports.profile, files=sorted(files), resources=store.resources,
                      findings=store.findings, errors=store.errors(), policies=list(policies))
