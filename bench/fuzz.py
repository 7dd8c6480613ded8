"""Mutation fuzzing of every parser and normaliser with a large budget (``tests/hardening/fuzzing.py``).

Runs random mutants of the shared corpus (truncations, byte flips, line
shuffles, duplicated blocks, spliced lines; one to three stacked) through the
scan's work units until the time budget is spent, then prints executions,
crashes (with the seed file, mutation seed and trace) and time. A crash is
any exception escaping a parser, normaliser, resolver or rule; a SOV900 is
the expected answer to a broken file.

Usage: python bench/fuzz.py [--seconds 600] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "hardening"), str(ROOT / "tests")]

from fuzzing import Harness, corpus_seeds, random_case  # noqa: E402


def main() -> None:
    """Fuzz until the budget is spent and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    crashes: dict[str, tuple[str, Path, int]] = {}
    executions: Counter[str] = Counter()
    sov900 = 0
    with tempfile.TemporaryDirectory() as tmp:
        seeds = corpus_seeds(extra=Path(tmp) / "seeds")
        print("seed files: " + ", ".join(f"{fmt} {len(paths)}" for fmt, paths in seeds.items()))
        os.chdir(tmp)
        harness = Harness(Path(tmp) / "work")
        start = time.monotonic()
        case = 0
        while time.monotonic() - start < args.seconds:
            case += 1
            rng = random.Random(args.seed * 1_000_003 + case)
            fmt, seed, data = random_case(seeds, rng)
            outcome = harness.run(fmt, seed.name, data)
            executions[fmt] += 1
            sov900 += bool(outcome.failures)
            if outcome.crash:
                key = outcome.crash.strip().splitlines()[-1]
                if key not in crashes:
                    crashes[key] = (fmt, seed, case)
                    print(f"CRASH #{len(crashes)} case {case} ({fmt}, {seed}):\n{outcome.crash}", flush=True)
    elapsed = time.monotonic() - start
    total = sum(executions.values())
    print(f"executions: {total} in {elapsed:.0f} s ({total / elapsed:.1f}/s); "
          + ", ".join(f"{fmt} {n}" for fmt, n in sorted(executions.items())))
    print(f"mutants answered with SOV900: {sov900}")
    print(f"distinct crashes: {len(crashes)}")
    for key, (fmt, seed, case) in crashes.items():
        print(f"  {key}  [{fmt}, {seed}, case {case}; --seed {args.seed}]")


if __name__ == "__main__":
    main()
