#!/usr/bin/env python3
"""How fast is sovlint on the Terraform part of a corpus?

Prints each figure with the exact command that produced it, all measured in
one run of this script:

(a) raw python-hcl2 ``hcl2.load`` of every ``.tf`` file, in one process;
(b) ``sovlint scan`` cold (``--no-cache``: nothing of the scanned files is
    cached; the built-in data compiled once, as after a first run), one process,
    python-hcl2 backend, as a ratio to (a) — target <= 1.3x;
(c) the same with ``--jobs 2`` — target <= 0.75x of (a);
(d) the same cold scan with the tree-sitter backend, one process and
    ``--jobs 2`` — target <= 3 s on the machine where (a) took 16.6 s
    (``reference/libraries.md``), so also shown as a ratio to (a) and scaled
    to that machine's speed;
(e) a warm run (caches filled), default backend: the Terraform part, and the
    whole corpus (every format) — target < 2 s;
(f) pre-commit: ``sovlint scan <one .tf file of a module>``, median of 3,
    warm cache — target <= 0.4 s;
(f') pre-commit on a Terragrunt unit: ``sovlint scan <its terragrunt.hcl>`` in
    the live/ tree of ``tests/fixtures/terragrunt`` (root.hcl, read_terragrunt_config,
    an exposed include, a generated provider), median of 5, warm — target < 0.2 s;
(g) ``sovlint --version``, median of 3;
(h) peak RSS of the whole-corpus scans (``getrusage`` of the child) — target <= 300 MB;
(i) scaling: 1x, 2x, 4x copies of the Terraform corpus, time per file.

(a)-(d) are run ``--runs`` times each, interleaved (a, b, c, d, d', a, ...),
and the medians are compared: the load of a shared machine drifts, and
interleaving spreads the drift over every command alike.

The Terraform part is a copy of every ``.tf``, ``.tf.json`` and ``.tfvars``
file of the corpus (directory layout kept, so local modules resolve).
Python writes bytecode for the children (``PYTHONDONTWRITEBYTECODE`` is
dropped), as on a user's machine.

Usage:
    python bench/speed.py [CORPUS_DIR] [--skip-hcl2] [--runs 3] [--scales 1,2,4]
    python bench/speed.py --only-precommit       (f) and (f') alone
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
TF_SUFFIXES = (".tf", ".tf.json", ".tfvars")
PRE_COMMIT_FILE = "terraform-aws-modules__terraform-aws-s3-bucket/main.tf"
#: Seconds of the raw python-hcl2 parse on the machine of the <= 3 s tree-sitter target.
REFERENCE_RAW_HCL2 = 16.6

RAW_HCL2 = """
import sys, time, hcl2
files = [line for line in open(sys.argv[1], encoding="utf-8").read().splitlines() if line]
start = time.perf_counter()
for name in files:
    with open(name, encoding="utf-8") as handle:
        hcl2.load(handle)
print(time.perf_counter() - start)
"""

PEAK_RSS = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def copy_terraform_part(corpus: Path, target: Path) -> int:
    """Copy the corpus's Terraform files under ``target``; the number of ``.tf`` files."""
    count = 0
    for dirpath, _dirs, files in os.walk(corpus):
        for name in files:
            if name.endswith(TF_SUFFIXES):
                source = Path(dirpath) / name
                if not source.is_file():
                    continue
                destination = target / source.relative_to(corpus)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination)
                count += name.endswith(".tf")
    return count


def sovlint(*args: str) -> list[str]:
    return [sys.executable, "-m", "sovlint", *args]


def scan_env() -> dict[str, str]:
    """The environment of the timed runs: this checkout, no colour, the default HCL backend,
    and sovlint's modules precompiled as an installed copy has them (bytecode written)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    env.pop("SOVLINT_HCL_BACKEND", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "sovlint")], env=env, check=True)
    return env


def run(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """Wall time of one command (its output discarded); exit codes 0/1 are normal for scans."""
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(command)}\n{proc.stderr}")
    return elapsed


def peak_rss_mb(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """Peak resident set size of ``command`` (Linux: ru_maxrss in KiB)."""
    proc = subprocess.run([sys.executable, "-c", PEAK_RSS, *command], env=env, cwd=cwd,
                          capture_output=True, text=True, check=True)
    return int(proc.stdout.split()[1]) / 1024


def show(label: str, command: list[str] | str, value: str) -> None:
    shown = command if isinstance(command, str) else " ".join(command).replace(sys.executable, "python")
    print(f"{label:<44} {value:>16}   $ {shown}", flush=True)


def precommit_one_file(corpus: Path, work: Path, env: dict[str, str]) -> None:
    """(f): one .tf file of a module of the corpus, warm."""
    warm_env = {**env, "SOVLINT_CACHE_DIR": str(work / "warm-cache")}
    command = sovlint("scan", str(corpus / PRE_COMMIT_FILE), "-q")
    run(command, warm_env, work)
    times = [run(command, warm_env, work) for _ in range(3)]
    show("(f) pre-commit, one file, median of 3", command, f"{statistics.median(times):.2f} s")


TERRAGRUNT_TREE = ROOT / "tests" / "fixtures" / "terragrunt"
TERRAGRUNT_UNIT = "live/prod/eu-west-3/database/terragrunt.hcl"


def precommit_terragrunt(work: Path, env: dict[str, str], runs: int = 5) -> None:
    """(f'): one Terragrunt unit, as pre-commit passes a staged terragrunt.hcl, warm."""
    tree = work / "terragrunt"
    shutil.copytree(TERRAGRUNT_TREE, tree)
    warm_env = {**env, "SOVLINT_CACHE_DIR": str(work / "warm-cache-terragrunt")}
    command = sovlint("scan", TERRAGRUNT_UNIT, "-q")
    run(command, warm_env, tree)  # fill the cache
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(run(command, warm_env, tree))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    # CPU time too: on a shared machine the wall time includes waiting for a core
    show(f"(f') pre-commit, Terragrunt unit, median of {runs}", f"cd {tree} && "
         + " ".join(command).replace(sys.executable, "python"),
         f"{statistics.median(times):.3f} s (CPU {statistics.median(cpu):.3f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--skip-hcl2", action="store_true", help="skip (a)-(c), the slow python-hcl2 runs")
    parser.add_argument("--runs", type=int, default=3, help="runs of each of (a)-(d), medians compared")
    parser.add_argument("--scales", default="1,2,4", help="corpus copies for (i)")
    parser.add_argument("--only-precommit", action="store_true", help="measure (f) and (f') alone")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sovlint-bench-"))
    env = scan_env()
    try:
        if args.only_precommit:
            corpus = work / "terraform"
            copy_terraform_part(args.corpus, corpus)
            precommit_one_file(corpus, work, env)
            precommit_terragrunt(work, env)
            return
        corpus = work / "terraform"
        tf_files = copy_terraform_part(args.corpus, corpus)
        listing = work / "tf-files.txt"
        listing.write_text("\n".join(str(p) for p in sorted(corpus.rglob("*.tf")) if p.is_file()) + "\n")
        print(f"Terraform part of {args.corpus}: {tf_files} .tf files, copied to {corpus}")
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

        # cold = --no-cache: nothing of the scanned files is cached; the built-in data is
        # compiled once into this directory (untimed), as after a user's first run
        builtin_cache = work / "builtin-cache"
        empty = work / "empty"
        empty.mkdir()
        run(sovlint("scan", str(empty), "--no-cache", "-q"), {**env, "SOVLINT_CACHE_DIR": str(builtin_cache)}, work)

        def cold(*extra: str) -> tuple[list[str], dict[str, str]]:
            return (sovlint("scan", str(corpus), "--no-cache", "-q", *extra),
                    {**env, "SOVLINT_CACHE_DIR": str(builtin_cache)})

        def raw_parse() -> float:
            proc = subprocess.run([sys.executable, "-c", RAW_HCL2, str(listing)], env=env,
                                  capture_output=True, text=True, check=True)
            return float(proc.stdout.strip())

        scans = {"b": ("(b) scan cold, hcl2, 1 process", ("--hcl-backend", "hcl2")),
                 "c": ("(c) scan cold, hcl2, --jobs 2", ("--hcl-backend", "hcl2", "--jobs", "2")),
                 "d": ("(d) scan cold, tree-sitter, 1 process", ("--hcl-backend", "treesitter")),
                 "d2": ("(d') scan cold, tree-sitter, --jobs 2", ("--hcl-backend", "treesitter", "--jobs", "2"))}
        if args.skip_hcl2:
            del scans["b"], scans["c"]
        cases: dict[str, tuple[str, list[str] | str]] = {}
        if not args.skip_hcl2:
            cases["a"] = ("(a) raw hcl2.load, one process", "python -c '<hcl2.load of every .tf>' " + str(listing))
        cases.update({name: (label, cold(*extra)[0]) for name, (label, extra) in scans.items()})
        cold_env = cold()[1]
        timings: dict[str, list[float]] = {}
        for round_ in range(args.runs):
            for name, (_label, command) in cases.items():
                seconds = raw_parse() if isinstance(command, str) else run(command, cold_env, work)
                timings.setdefault(name, []).append(seconds)
            print(f"  round {round_ + 1}: " + ", ".join(f"{n} {t[-1]:.2f} s" for n, t in timings.items()), flush=True)
        medians = {name: statistics.median(values) for name, values in timings.items()}
        raw = medians.get("a")
        # the ratio of each run to the raw parse of its own round, then their median: the
        # machine's speed drifts between rounds, much less within one
        ratios = {name: statistics.median(t / a for t, a in zip(values, timings["a"]))
                  for name, values in timings.items() if "a" in timings and name != "a"}
        for name, (label, shown) in cases.items():
            figure = f"{medians[name]:.2f} s"
            if name in ratios:
                figure += f" {ratios[name]:.2f}x"
            show(f"{label}, median of {args.runs}", shown, figure)
        if ratios:
            print("    (ratios: median over the rounds of the run's time / that round's raw parse)")
            for name in ("d", "d2"):
                scaled = ratios[name] * REFERENCE_RAW_HCL2
                print(f"    {cases[name][0][:4].strip()} at the reference speed (raw hcl2 {REFERENCE_RAW_HCL2} s): "
                      f"{scaled:.2f} s (target <= 3 s: {'met' if scaled <= 3 else 'MISSED'})")

        warm_env = {**env, "SOVLINT_CACHE_DIR": str(work / "warm-cache")}
        command = sovlint("scan", str(corpus), "-q")
        run(command, warm_env, work)  # fill the cache
        times = [run(command, warm_env, work) for _ in range(3)]
        show("(e) scan warm, Terraform part, median of 3", command, f"{statistics.median(times):.2f} s")
        command = sovlint("scan", ".", "-q")
        run(command, warm_env, args.corpus)  # fill the cache
        times = [run(command, warm_env, args.corpus) for _ in range(3)]
        show("(e') scan warm, whole corpus, median of 3", f"cd {args.corpus} && " + " ".join(command).replace(
            sys.executable, "python"), f"{statistics.median(times):.2f} s")

        precommit_one_file(corpus, work, env)
        precommit_terragrunt(work, env)

        command = sovlint("--version")
        times = [run(command, env, work) for _ in range(3)]
        show("(g) sovlint --version, median of 3", command, f"{statistics.median(times):.2f} s")

        for backend in (("hcl2",) if not args.skip_hcl2 else ()) + ("treesitter",):
            command, cenv = cold("--hcl-backend", backend)
            show(f"(h) peak RSS, cold scan, {backend}", command, f"{peak_rss_mb(command, cenv, work):.0f} MB")
        command = sovlint("scan", str(corpus), "-q")
        show("(h) peak RSS, warm scan, default", command, f"{peak_rss_mb(command, warm_env, work):.0f} MB")

        for scale in (int(s) for s in args.scales.split(",")):
            scaled_dir = work / f"x{scale}"
            for copy in range(scale):
                shutil.copytree(corpus, scaled_dir / f"copy{copy}")
            command = sovlint("scan", str(scaled_dir), "--no-cache", "-q")
            seconds = run(command, {**env, "SOVLINT_CACHE_DIR": str(builtin_cache)}, work)
            files = tf_files * scale
            show(f"(i) scaling {scale}x ({files} files), default", command,
                 f"{seconds:.2f} s {1000 * seconds / files:.2f} ms/file")
            shutil.rmtree(scaled_dir)
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
