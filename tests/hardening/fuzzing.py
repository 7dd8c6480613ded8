"""Mutation fuzzing of every parser and normaliser, shared by ``test_fuzz.py`` and ``bench/fuzz.py``.

Seeds are real files of the shared corpus, grouped by the format discovery
gives them. A mutation truncates, flips bytes, shuffles lines or duplicates a
block of lines; the mutant is written under the same name in a fresh
directory and read through the same work unit as a scan would
(``engine._run_unit``, so that an exception is seen rather than turned into a
SOV900 "internal error"), then resolved and checked by every rule.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from filetree import CORPUS

FORMATS = ("terraform", "terraform-json", "terraform-plan", "terraform-state", "kubernetes",
           "cloudformation", "arm", "arm-parameters")
MUTATIONS = ("truncate", "flip", "shuffle", "duplicate", "splice")
#: Seed files larger than this are left out (keeps each execution short).
MAX_SEED_BYTES = 64 * 1024


TF_JSON_SEED = """{
  "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws"}}},
  "variable": {"region": {"default": "eu-west-3"}, "names": {"type": "list(string)", "default": ["a", "b"]}},
  "provider": {"aws": [{"region": "${var.region}"}, {"alias": "us", "region": "us-east-1"}]},
  "locals": {"tags": {"data_classification": "health"}, "n": "${length(var.names)}"},
  "resource": {"aws_s3_bucket": {"b": {"for_each": "${toset(var.names)}", "bucket": "${each.key}",
                                      "tags": "${local.tags}", "provider": "aws.us"}},
               "aws_db_instance": {"d": {"count": "${local.n}", "engine": "postgres"}}},
  "data": {"aws_region": {"here": {}}},
  "output": {"region": {"value": "${data.aws_region.here.name}"}}
}
"""


def corpus_seeds(limit_per_format: int | None = None, extra: Path | None = None) -> dict[str, list[Path]]:
    """Seed files by discovered format (sorted; at most ``limit_per_format`` spread evenly).

    The shared corpus, the project's examples and fixtures, and (written under
    ``extra``) the hardening tests' valid samples, since the corpus holds no
    ``.tf.json`` file or plan.
    """
    from sovlint.discover import discover

    from hostile import ROOT, VALID, write_valid

    roots = [ROOT / "examples", ROOT / "tests" / "fixtures"]
    if CORPUS.is_dir():
        roots.insert(0, CORPUS)
    if extra is not None:
        write_valid(extra)
        (extra / "terraform-json" / "full.tf.json").write_text(TF_JSON_SEED, encoding="utf-8")
        roots.append(extra)
    found = discover(roots, max_file_size=MAX_SEED_BYTES)
    seeds: dict[str, list[Path]] = {fmt: [] for fmt in FORMATS}
    for source in found.files:
        if source.format in seeds:
            seeds[source.format].append(source.path)
    if limit_per_format:
        for fmt, paths in seeds.items():
            step = max(1, len(paths) // limit_per_format)
            seeds[fmt] = paths[::step][:limit_per_format]
    return seeds


def mutate(data: bytes, kind: str, rng: random.Random) -> bytes:
    """One mutation of ``data``."""
    if not data:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    if kind == "truncate":
        return data[: rng.randrange(len(data))]
    if kind == "flip":
        buf = bytearray(data)
        for _ in range(rng.randrange(1, 9)):
            i = rng.randrange(len(buf))
            buf[i] = rng.choice([buf[i] ^ (1 << rng.randrange(8)), rng.randrange(256),
                                 ord(rng.choice("{}[]()\"'\\:,=$#-\n\t 0"))])
        return bytes(buf)
    lines = data.split(b"\n")
    if kind == "shuffle":
        start = rng.randrange(len(lines))
        end = min(len(lines), start + rng.randrange(2, 12))
        window = lines[start:end]
        rng.shuffle(window)
        lines[start:end] = window
        return b"\n".join(lines)
    if kind == "duplicate":
        start = rng.randrange(len(lines))
        block = lines[start:start + rng.randrange(1, 20)]
        at = rng.randrange(len(lines) + 1)
        return b"\n".join(lines[:at] + block * rng.randrange(1, 4) + lines[at:])
    # splice: lines of the file re-indented or cut in the middle
    i = rng.randrange(len(lines))
    lines[i] = rng.choice([b" " * rng.randrange(1, 9) + lines[i], lines[i][: len(lines[i]) // 2],
                           lines[i] + b" {", lines[i] + b"]", b"${" + lines[i]])
    return b"\n".join(lines)


@dataclass
class Outcome:
    """What one execution gave: the crash (exception text) if any."""

    crash: str | None
    failures: int


class Harness:
    """Runs mutants through the scan's work units, in the current process."""

    def __init__(self, workdir: Path) -> None:
        from sovlint import parse_cache
        from sovlint.config import Config
        from sovlint.engine import select_policies

        parse_cache.configure(False)
        self.workdir = workdir
        self.config = Config(jobs=1, cache=False)
        self.policies = select_policies(self.config)
        self.count = 0

    def run(self, fmt: str, name: str, content: bytes) -> Outcome:
        """Write ``content`` as ``name`` and read it as a ``fmt`` file; report any exception."""
        import traceback

        from sovlint import parse_cache
        from sovlint.engine import TERRAFORM, _run_unit, review_resources
        from sovlint.units import WorkUnit

        self.count += 1
        directory = self.workdir / f"m{self.count}"
        directory.mkdir(parents=True)
        path = directory / name
        path.write_bytes(content)
        display = os.path.relpath(path)
        if fmt in ("terraform", "terraform-json"):
            unit = WorkUnit(TERRAFORM, str(directory), (display,))
        else:
            unit = WorkUnit(fmt, str(path), (display,))
        try:
            result = _run_unit(unit, self.config)
            review = review_resources(result.resources, result.errors, self.config, self.policies,
                                      [display])
            broken = [e.message for e in review.errors if "failed on" in e.message]
            if broken:
                return Outcome(f"rule crashed: {broken[0]}", len(result.failures))
            return Outcome(None, len(result.failures))
        except Exception:  # what the fuzzer looks for
            return Outcome(traceback.format_exc(), 0)
        finally:
            parse_cache._memory.clear()
            path.unlink()
            directory.rmdir()


def random_case(seeds: dict[str, Sequence[Path]], rng: random.Random) -> tuple[str, Path, bytes]:
    """A random (format, seed, mutant) with one to three stacked mutations."""
    fmt = rng.choice([f for f in FORMATS if seeds.get(f)])
    seed = rng.choice(list(seeds[fmt]))
    data = seed.read_bytes()
    for _ in range(rng.randrange(1, 4)):
        data = mutate(data, rng.choice(MUTATIONS), rng)
    return fmt, seed, data


__all__ = ["FORMATS", "MUTATIONS", "Harness", "Outcome", "corpus_seeds", "mutate", "random_case"]
