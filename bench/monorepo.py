#!/usr/bin/env python3
"""Monorepo scale: parse floor, memory at 1x/4x/16x, --jobs, warm and --changed-since runs.

Prints each figure with the exact command that produced it, in one run:

(a) the python-hcl2 parse floor: raw ``hcl2.load`` of every ``.tf`` file of the
    Terraform part of the corpus, one process;
(b) cold scans (``--no-cache``) of that part, default install (tree-sitter) and
    ``--hcl-backend hcl2``, as ratios of (a); interleaved, medians of ``--runs``;
(c) peak RSS (and time) of cold scans of 1x, 4x and 16x copies of the Terraform part,
    ``--jobs 1``, as ratios of the 1x figure — target 16x <= 1.25x — and whether the
    findings of every copy are the 1x findings;
(d) ``--jobs 1`` vs one per core (``--jobs 0``) on the Terraform part (cold) and on one
    file of a module (the pre-commit case, cold and warm);
(e) a synthetic monorepo: the 16x copy committed in a git repository under /tmp; a warm
    full scan (the cache filled by a first one), then one ``.tf`` file of a module that
    several roots call changed on a branch and ``--changed-since main`` run warm —
    target < 1 s — with the roots it scanned.

Every scan runs ``python -m sovlint`` from this checkout with a cache directory of its own
(the built-in policies and catalog compiled once, untimed, as after a first run).

Usage:
    python bench/monorepo.py [CORPUS_DIR] [--runs 3] [--skip-hcl2] [--scales 1,4,16]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speed import (DEFAULT_CORPUS, PRE_COMMIT_FILE, RAW_HCL2,  # noqa: E402
                   copy_terraform_part, run, scan_env, show, sovlint)

#: The module changed in (e): the root module of terraform-aws-s3-bucket, which its examples call.
CHANGED_MODULE_FILE = "terraform-aws-modules__terraform-aws-s3-bucket/main.tf"


def timed_rss(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, standard output) of one command, through /usr/bin/time."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *command], env=env,
                              cwd=cwd, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            raise SystemExit(f"command failed ({proc.returncode}): {' '.join(command)}\n{proc.stderr}")
        return wall, int(rss.read().split()[-1]) / 1024, proc.stdout


def findings_per_copy(report: str, scale: int) -> list[list[str]]:
    """The findings of each copy, from the text report: (path within the copy, finding line).
    (The text report, not JSON: a JSON document of every resource is as large as the tree,
    and what is measured is the scan's memory, not the output's.)"""
    copies: list[list[str]] = [[] for _ in range(scale)]
    where: tuple[int, str] | None = None
    for line in report.splitlines():
        match = re.match(r"(?:.*/)?copy(\d+)/(\S*)$", line)
        if match:
            where = (int(match.group(1)), match.group(2))
        elif line.startswith(" ") and where is not None:
            # a message may name the root directory the finding was evaluated through (its
            # copy's, under the x1/x16 folder of the scale)
            copies[where[0]].append(f"{where[1]}\t" + re.sub(r"(?:x\d+/)?copy\d+/", "copy/", line.strip()))
        else:
            where = None
    return [sorted(c) for c in copies]


def git(repository: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.org",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.org"}
    subprocess.run(["git", *args], cwd=repository, env=env, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-hcl2", action="store_true", help="skip (a) and the hcl2 scan of (b)")
    parser.add_argument("--skip-floor", action="store_true", help="skip (a) and (b)")
    parser.add_argument("--skip-jobs", action="store_true", help="skip (d)")
    parser.add_argument("--scales", default="1,4,16")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sovlint-monorepo-"))
    env = scan_env()
    try:
        corpus = work / "terraform"
        tf_files = copy_terraform_part(args.corpus, corpus)
        listing = work / "tf-files.txt"
        listing.write_text("\n".join(str(p) for p in sorted(corpus.rglob("*.tf")) if p.is_file()) + "\n")
        print(f"Terraform part of {args.corpus}: {tf_files} .tf files, copied to {corpus}")
        print(f"machine: {os.cpu_count()} cores; load average at start: "
              + " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
        builtin = {**env, "SOVLINT_CACHE_DIR": str(work / "builtin-cache")}
        empty = work / "empty"
        empty.mkdir()
        run(sovlint("scan", str(empty), "--no-cache", "-q"), builtin, work)  # compile the built-in data

        # (a) + (b): interleaved rounds, ratios to the same round's parse floor
        cases: dict[str, list[str] | None] = {}
        if not args.skip_hcl2:
            cases["(a) raw hcl2.load, one process"] = None
        cases["(b) cold scan, default install (tree-sitter)"] = sovlint("scan", str(corpus), "--no-cache", "-q")
        if not args.skip_hcl2:
            cases["(b) cold scan, --hcl-backend hcl2"] = sovlint("scan", str(corpus), "--no-cache", "-q",
                                                                 "--hcl-backend", "hcl2")
        if args.skip_floor:
            cases = {}
        timings: dict[str, list[float]] = {name: [] for name in cases}
        for round_ in range(args.runs if cases else 0):
            for name, command in cases.items():
                if command is None:
                    proc = subprocess.run([sys.executable, "-c", RAW_HCL2, str(listing)], env=env,
                                          capture_output=True, text=True, check=True)
                    timings[name].append(float(proc.stdout.strip()))
                else:
                    timings[name].append(run(command, builtin, work))
            print(f"  round {round_ + 1}: " + ", ".join(f"{t[-1]:.2f} s" for t in timings.values()), flush=True)
        floor = timings.get("(a) raw hcl2.load, one process")
        for name, command in cases.items():
            figure = f"{statistics.median(timings[name]):.2f} s"
            if floor and command is not None:
                ratio = statistics.median(t / f for t, f in zip(timings[name], floor))
                figure += f" {ratio:.2f}x"
            show(f"{name}, median of {args.runs}",
                 command or f"python -c '<hcl2.load of every .tf>' {listing}", figure)
        if floor:
            print("    (ratio: median over the rounds of the scan's time / that round's hcl2.load)")

        # (c) memory at 1x / 4x / 16x
        scales = [int(s) for s in args.scales.split(",")]
        base_rss = None
        reference: list[str] | None = None
        for scale in scales:
            scaled = work / f"x{scale}"
            for copy in range(scale):
                shutil.copytree(corpus, scaled / f"copy{copy}")
            command = sovlint("scan", str(scaled), "--no-cache", "-q", "--jobs", "1")
            wall, rss, report = timed_rss(command, builtin, work)
            base_rss = base_rss or rss
            copies = findings_per_copy(report, scale)
            reference = reference or copies[0]
            same = all(c == reference for c in copies)
            show(f"(c) {scale}x ({tf_files * scale} .tf), cold, --jobs 1", command,
                 f"{wall:.1f} s {rss:.0f} MB {rss / base_rss:.2f}x")
            print(f"    findings: {sum(map(len, copies))}, every copy's the same as 1x's: {same}", flush=True)
            if scale != max(scales):
                shutil.rmtree(scaled)
        if base_rss:
            print("    (target: 16x peak RSS <= 1.25x the 1x figure)")

        # (d) --jobs
        for jobs in (() if args.skip_jobs else ("1", "0")):
            command = sovlint("scan", str(corpus), "--no-cache", "-q", "--jobs", jobs)
            times = [run(command, builtin, work) for _ in range(args.runs)]
            show(f"(d) cold Terraform part, --jobs {jobs}, median of {args.runs}", command,
                 f"{statistics.median(times):.2f} s")
        warm = {**env, "SOVLINT_CACHE_DIR": str(work / "warm-cache")}
        one_file = corpus / PRE_COMMIT_FILE
        for jobs in (() if args.skip_jobs else ("1", "0")):
            command = sovlint("scan", str(one_file), "-q", "--no-cache", "--jobs", jobs)
            times = [run(command, builtin, work) for _ in range(5)]
            show(f"(d) pre-commit, one file, cold, --jobs {jobs}, median of 5", command,
                 f"{statistics.median(times):.2f} s")
            command = sovlint("scan", str(one_file), "-q", "--jobs", jobs)
            run(command, warm, work)
            times = [run(command, warm, work) for _ in range(5)]
            show(f"(d) pre-commit, one file, warm, --jobs {jobs}, median of 5", command,
                 f"{statistics.median(times):.2f} s")

        # (e) the synthetic monorepo
        biggest = max(scales)
        repository = work / f"x{biggest}"
        if repository.is_dir():
            git(repository, "init", "-q", "-b", "main")
            git(repository, "add", "-A")
            git(repository, "commit", "-q", "-m", "monorepo")
            mono = {**env, "SOVLINT_CACHE_DIR": str(work / "monorepo-cache")}
            full = sovlint("scan", ".", "-q")
            wall, rss, _ = timed_rss(full, mono, repository)
            show(f"(e) {biggest}x monorepo, first full scan (fills the cache)", f"cd {repository} && "
                 + " ".join(full).replace(sys.executable, "python"), f"{wall:.1f} s {rss:.0f} MB")
            times = [run(full, mono, repository) for _ in range(3)]
            show("(e) warm full scan, median of 3", full, f"{statistics.median(times):.2f} s")
            git(repository, "checkout", "-q", "-b", "change")
            changed = repository / "copy0" / CHANGED_MODULE_FILE
            changed.write_text(changed.read_text() + "\n# a change on the branch\n")
            git(repository, "commit", "-q", "-am", "change one file of a shared module")
            since = sovlint("scan", ".", "-q", "--changed-since", "main")
            first = run(since, mono, repository)
            times = [run(since, mono, repository) for _ in range(5)]
            report = json.loads(subprocess.run([*since, "--format", "json"], env=mono, cwd=repository,
                                               capture_output=True, text=True).stdout)
            show("(e) --changed-since main, first run after the change", since, f"{first:.2f} s")
            show("(e) --changed-since main, warm, median of 5", since,
                 f"{statistics.median(times):.2f} s (target < 1 s)")
            print(f"    changed: copy0/{CHANGED_MODULE_FILE}; reported {report['summary']['files']} files, "
                  f"{report['summary']['resources']} resources, {report['summary']['findings']} findings",
                  flush=True)
            cold = {**env, "SOVLINT_CACHE_DIR": str(work / "builtin-cache")}
            times = [run([*since, "--no-cache"], cold, repository) for _ in range(3)]
            show("(e) --changed-since main --no-cache, median of 3", [*since, "--no-cache"],
                 f"{statistics.median(times):.2f} s")
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
