#!/usr/bin/env python3
"""sovlint vs Checkov on the shared corpus: wall time, peak RSS, resources found.

    python bench/checkov_compare.py [--corpus DIR] [--skip-terraform] [--skip-kubernetes]
                                    [--skip-cloudformation] [--skip-arm] [--skip-whole]
                                    [--skip-precommit] [--runs N]

Run it with the interpreter sovlint is installed in (or with PYTHONPATH set to
the repository). Checkov goes in its own throwaway virtualenv (default
/tmp/checkov-venv), created here if missing: Checkov's bc-python-hcl2 would
overwrite python-hcl2's ``hcl2`` package in sovlint's environment.

Same files for both tools: the corpus files sovlint's discovery puts in each
format are copied, with their relative paths, into a staging directory per
framework (terraform: .tf + .tfvars; kubernetes: manifests, not Helm templates
or kustomization.yaml; cloudformation; arm). Both tools scan that directory.

- Checkov: ``checkov -d . --framework X --quiet --compact -o json --skip-download``
  with BC_SKIP_MAPPING=TRUE, CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false and no API key.
  When the whole run crashes (no report), the files that crash it are found by
  running Checkov's runner in-process file by file (untimed), and the timed
  runs use ``--skip-path`` for them; the crashed run's time is printed too.
  ``--quiet`` leaves the passed checks out of the JSON, so the resources are
  counted on one extra, untimed run without ``--quiet``. Terraform: ONE run
  (about 9 minutes), without ``--quiet`` (it is both the timed run and the one
  the resources are counted on).
- sovlint: ``sovlint scan <dirs> --format json --no-cache``: nothing of the
  scanned files is read from or written to the cache. One SOVLINT_CACHE_DIR
  serves the whole benchmark; it holds only the shipped data (policies,
  catalog, and the tables each format reads), compiled by one untimed scan
  of an empty folder and one untimed run of each row, as after a user's
  first run (``PYTHONDONTWRITEBYTECODE`` is dropped for the same reason).
- Wall time: median of --runs (default 3). Peak RSS: ``/usr/bin/time -f %M``
  (largest single process of the tree; sovlint runs in one process by default).
- Pre-commit case: one .tf file of a corpus module, ``sovlint scan FILE`` vs
  ``checkov -f FILE``, medians of 5.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sovlint.discover import discover  # noqa: E402

CHECKOV_VERSION = "3.3.30"
FRAMEWORKS = ("terraform", "kubernetes", "k8s-rendered", "cloudformation", "arm")
#: sovlint discovery formats staged for each row (k8s-rendered: the Kubernetes part with
#: its kustomizations and Helm charts, each with every file it reads)
FORMATS = {
    "terraform": ("terraform", "terraform-json", "tfvars"),
    "kubernetes": ("kubernetes",),
    "k8s-rendered": ("kubernetes", "kustomization", "helm-chart"),
    "cloudformation": ("cloudformation",),
    "arm": ("arm", "arm-parameters"),
}
#: Checkov frameworks of each row (k8s-rendered: Checkov renders kustomizations and charts too)
CHECKOV_FRAMEWORKS = {"k8s-rendered": ("kubernetes", "kustomize", "helm")}
SPEED_TARGET = {"terraform": 20.0, "kubernetes": 10.0, "k8s-rendered": 10.0, "cloudformation": 10.0,
                "arm": 10.0}
RSS_TARGET_MB = 300
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
PRECOMMIT_FILE = "terraform-aws-modules__terraform-aws-s3-bucket/main.tf"
PRECOMMIT_TARGET_S = 0.4
PRECOMMIT_RATIO = 5.0

#: Runs Checkov's runner on each file alone, in one process; prints the files that raise.
CRASH_FINDER = r'''
import importlib, logging, os, sys
logging.disable(logging.CRITICAL)
fw, root = sys.argv[1], sys.argv[2]
mod = importlib.import_module(f"checkov.{fw}.runner")
from checkov.runner_filter import RunnerFilter
exts = (".json", ".yaml", ".yml", ".template")
for d, dirs, files in sorted(os.walk(root)):
    dirs.sort()
    for name in sorted(files):
        if not name.endswith(exts):
            continue
        path = os.path.join(d, name)
        try:
            mod.Runner().run(root_folder=None, files=[path], runner_filter=RunnerFilter(framework=[fw]))
        except Exception as exc:
            print(f"{os.path.relpath(path, root)}\t{type(exc).__name__}: {exc}", flush=True)
'''


@dataclass
class Run:
    wall: float
    rss_mb: float
    rc: int
    out: str
    err: str


@dataclass
class Result:
    framework: str
    files: int = 0
    checkov: list[Run] = field(default_factory=list)
    checkov_crash: Run | None = None
    crashers: list[str] = field(default_factory=list)
    checkov_resource_count: int | None = None
    checkov_distinct: int | None = None
    checkov_parsing_errors: int | None = None
    sovlint: list[Run] = field(default_factory=list)
    sovlint_resources: int | None = None
    sovlint_errors: int | None = None


def measure(cmd: list[str], cwd: Path, env: dict[str, str]) -> Run:
    """Run ``cmd``; wall time and peak RSS (``/usr/bin/time -f %M``).

    The RSS comes from a small ``time`` process and not from this one's wait4:
    at exec the kernel seeds the child's maxrss with the RSS of the process it
    was forked from, so a parent that once held a 200 MB JSON report would
    make every later child look that big.
    """
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        wrapped = [TIME, "-f", "%M", "-o", str(rss_file), *cmd] if TIME else cmd
        with open(Path(tmp) / "out", "wb") as out, open(Path(tmp) / "err", "wb") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(wrapped, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
        rc = os.waitstatus_to_exitcode(status)
        rss_kb = usage.ru_maxrss
        if TIME:
            lines = rss_file.read_text().split()
            rss_kb = int(lines[-1]) if lines and lines[-1].isdigit() else 0
        return Run(wall, rss_kb / 1024, rc,
                   (Path(tmp) / "out").read_text("utf-8", "replace"),
                   (Path(tmp) / "err").read_text("utf-8", "replace")[-20000:])


def checkov_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BC_API", "PRISMA", "CKV_API", "BC_SOURCE"))}
    env.update(BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false", LOG_LEVEL="WARNING",
               CHECKOV_RUN_SCA_PACKAGE_SCAN="false")
    return env


_SOVLINT_CACHE: list[str] = []


def sovlint_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    if not _SOVLINT_CACHE:  # compile the built-in data once, untimed
        _SOVLINT_CACHE.append(tempfile.mkdtemp(prefix="sovlint-cache-"))
        empty = tempfile.mkdtemp(prefix="sovlint-empty-")
        env["SOVLINT_CACHE_DIR"] = _SOVLINT_CACHE[0]
        subprocess.run([sys.executable, "-m", "sovlint", "scan", empty, "--no-cache", "-q"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        os.rmdir(empty)
    env["SOVLINT_CACHE_DIR"] = _SOVLINT_CACHE[0]
    return env


def ensure_checkov(venv: Path) -> Path:
    exe = venv / "bin" / "checkov"
    if not exe.exists():
        print(f"creating {venv} with checkov=={CHECKOV_VERSION} ...", flush=True)
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"checkov=={CHECKOV_VERSION}"], check=True)
    return exe


def stage(corpus: Path, work: Path) -> dict[str, list[str]]:
    """Copy each framework's files into work/<framework>/; the relative paths per framework."""
    here = Path.cwd()
    os.chdir(corpus)
    try:
        found = discover([Path(".")])
    finally:
        os.chdir(here)
    staged: dict[str, list[str]] = {fw: [] for fw in FRAMEWORKS}
    for src in found.files:
        for fw, formats in FORMATS.items():
            if src.format in formats:
                dst = work / fw / src.display
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(corpus / src.display, dst)
                staged[fw].append(src.display)
                if src.format in ("kustomization", "helm-chart"):
                    for needed in rendered_inputs(corpus, src.display, src.format):
                        target = work / fw / needed
                        if not target.exists():
                            target.parent.mkdir(parents=True, exist_ok=True)
                            shutil.copy2(corpus / needed, target)
    return staged


def rendered_inputs(corpus: Path, display: str, fmt: str) -> list[str]:
    """The files (relative to the corpus) a kustomization or chart reads, to stage with it."""
    from sovlint.units import WorkUnit
    from sovlint.normalise.renderers import render_inputs

    found = render_inputs(WorkUnit(fmt, str(corpus / display), (display,))) or []
    return [os.path.relpath(p, corpus) for p in found if os.path.isfile(p)
            and not os.path.relpath(p, corpus).startswith("..")]


def checkov_report(run: Run, framework: str) -> dict | None:
    """Checkov's report of a row: one check type, or the sum of the row's check types."""
    try:
        doc = json.loads(run.out)
    except json.JSONDecodeError:
        return None
    reports = [r for r in (doc if isinstance(doc, list) else [doc]) if isinstance(r, dict)]
    wanted = CHECKOV_FRAMEWORKS.get(framework, (framework,))
    chosen = [r for r in reports if r.get("check_type") in wanted]
    if not chosen:
        # every framework found nothing: Checkov prints one empty summary
        empty = [r for r in reports if "summary" in r and "check_type" not in r]
        return {"summary": {"resource_count": 0, "parsing_errors": 0}, "results": {}} if empty \
            or (reports and all("passed" in r for r in reports)) else None
    if len(chosen) == 1:
        return chosen[0]
    merged: dict = {"summary": {"resource_count": 0, "parsing_errors": 0},
                    "results": {"passed_checks": [], "failed_checks": [], "skipped_checks": []}}
    for report in chosen:
        for key in ("resource_count", "parsing_errors"):
            merged["summary"][key] += report.get("summary", {}).get(key, 0)
        for key in merged["results"]:
            merged["results"][key] += report.get("results", {}).get(key, [])
    return merged


def distinct_resources(report: dict) -> int:
    results = report.get("results", {})
    return len({(c["file_path"], c["resource"])
                for key in ("passed_checks", "failed_checks", "skipped_checks")
                for c in results.get(key, [])})


def find_crashers(venv: Path, framework: str, root: Path) -> list[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(CRASH_FINDER)
    proc = subprocess.run([str(venv / "bin" / "python"), handle.name, framework, str(root)],
                          env=checkov_env(), capture_output=True, text=True)
    os.unlink(handle.name)
    crashers = []
    for line in proc.stdout.splitlines():
        path, _, why = line.partition("\t")
        crashers.append(path)
        print(f"    checkov crashes on {path}: {why}", flush=True)
    return crashers


def bench_framework(fw: str, root: Path, files: list[str], exe: Path, venv: Path, runs: int,
                    keep: Path | None = None) -> Result:
    res = Result(fw, files=len(files))
    tops = sorted({f.split("/")[0] for f in files})
    base = [str(exe), "-d", ".", "--framework", *CHECKOV_FRAMEWORKS.get(fw, (fw,)), "--compact", "-o", "json",
            "--skip-download"]
    print(f"== {fw}: {len(files)} files", flush=True)

    # sovlint first (fast), cold cache each run; one untimed run first compiles the shipped
    # data this row's formats read (Kubernetes tables, location semantics...) into the
    # cache, as a user's first run does: the scanned files are never cached (--no-cache)
    measure([sys.executable, "-m", "sovlint", "scan", *tops, "--format", "json", "--no-cache"],
            root, sovlint_env())
    for _ in range(runs):
        run = measure([sys.executable, "-m", "sovlint", "scan", *tops, "--format", "json", "--no-cache"],
                      root, sovlint_env())
        if "Traceback" in run.err:
            print(run.err[-3000:])
        res.sovlint.append(run)
        print(f"  sovlint  {run.wall:7.1f} s {run.rss_mb:7.0f} MB rc={run.rc}", flush=True)
    doc = json.loads(res.sovlint[-1].out)
    if keep:
        (keep / f"{fw}-sovlint.json").write_text(res.sovlint[-1].out)
    mine = set(files)
    res.sovlint_resources = sum(Path(r["path"]).as_posix() in mine for r in doc["resources"])
    res.sovlint_errors = len(doc["errors"])

    quiet = fw != "terraform"
    n = runs if quiet else 1
    skips: list[str] = []
    cmd = base + (["--quiet"] if quiet else [])
    while len(res.checkov) < n:
        run = measure(cmd + skips, root, checkov_env())
        report = checkov_report(run, fw)
        print(f"  checkov  {run.wall:7.1f} s {run.rss_mb:7.0f} MB rc={run.rc}"
              f"{'' if report else ' (no report: crashed)'}", flush=True)
        if report is None:
            if res.checkov_crash is not None or quiet is False:
                res.checkov_crash = run
                break  # crashes again even without the files found: give up
            res.checkov_crash = run
            res.crashers = find_crashers(venv, CHECKOV_FRAMEWORKS.get(fw, (fw,))[0], root)
            if not res.crashers:
                break
            skips = [a for p in res.crashers for a in ("--skip-path", re.escape(p))]
            continue
        res.checkov.append(run)
        if not quiet:
            if keep:
                (keep / f"{fw}-checkov.json").write_text(run.out)
            res.checkov_resource_count = report["summary"]["resource_count"]
            res.checkov_parsing_errors = report["summary"]["parsing_errors"]
            res.checkov_distinct = distinct_resources(report)
            run.out = ""  # the terraform report is 200 MB
    if quiet and res.checkov:
        full = measure(base + skips, root, checkov_env())  # untimed: the passed checks list the resources
        report = checkov_report(full, fw)
        print(f"  checkov  {full.wall:7.1f} s {full.rss_mb:7.0f} MB rc={full.rc} (full output, for the resources)",
              flush=True)
        if keep:
            (keep / f"{fw}-checkov.json").write_text(full.out)
        if report:
            res.checkov_resource_count = report["summary"]["resource_count"]
            res.checkov_parsing_errors = report["summary"]["parsing_errors"]
            res.checkov_distinct = distinct_resources(report)
    return res


def med(runs: list[Run]) -> tuple[float, float]:
    return statistics.median(r.wall for r in runs), max(r.rss_mb for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--checkov-venv", type=Path, default=Path("/tmp/checkov-venv"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the staging directory and the JSON reports")
    for fw in (*FRAMEWORKS, "whole", "precommit"):
        parser.add_argument(f"--skip-{fw}", action="store_true")
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    if not corpus.is_dir():
        print(f"no corpus at {corpus}")
        return 2

    exe = ensure_checkov(args.checkov_venv)
    ck_version = subprocess.run([str(exe), "--version"], env=checkov_env(), capture_output=True,
                                text=True).stdout.strip()
    sov_version = subprocess.run([sys.executable, "-m", "sovlint", "--version"], env=sovlint_env(),
                                 capture_output=True, text=True).stdout.strip()
    print(f"date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB; "
          f"Python {platform.python_version()}")
    print(f"versions: {sov_version}; checkov {ck_version}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    work = Path(tempfile.mkdtemp(prefix="checkov-compare-"))
    staged = stage(corpus, work)
    results: list[Result] = []
    for fw in FRAMEWORKS:
        if not getattr(args, f"skip_{fw}".replace("-", "_")):
            results.append(bench_framework(fw, work / fw, staged[fw], exe, args.checkov_venv, args.runs,
                                           work if args.keep else None))

    whole: list[Run] = []
    if not args.skip_whole:
        print("== whole corpus, sovlint only", flush=True)
        for _ in range(args.runs):
            run = measure([sys.executable, "-m", "sovlint", "scan", ".", "--format", "json", "--no-cache"],
                          corpus, sovlint_env())
            whole.append(run)
            print(f"  sovlint  {run.wall:7.1f} s {run.rss_mb:7.0f} MB rc={run.rc}", flush=True)

    pre_sov: list[Run] = []
    pre_ck: list[Run] = []
    if not args.skip_precommit:
        print(f"== pre-commit: {PRECOMMIT_FILE}", flush=True)
        target = corpus / PRECOMMIT_FILE
        for _ in range(5):
            pre_sov.append(measure([sys.executable, "-m", "sovlint", "scan", str(target), "--format", "json",
                                    "--no-cache"], target.parent, sovlint_env()))
            pre_ck.append(measure([str(exe), "-f", str(target), "--quiet", "--compact", "-o", "json",
                                   "--skip-download"], target.parent, checkov_env()))
            print(f"  sovlint {pre_sov[-1].wall:5.2f} s rc={pre_sov[-1].rc}   "
                  f"checkov {pre_ck[-1].wall:5.2f} s rc={pre_ck[-1].rc}", flush=True)

    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print("| framework | files | Checkov wall | Checkov peak RSS | sovlint wall | sovlint peak RSS "
          "| speed-up | target | RSS ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for r in results:
        sov_t, sov_m = med(r.sovlint)
        if r.checkov:
            ck_t, ck_m = med(r.checkov)
            how = f"median of {len(r.checkov)}" if len(r.checkov) > 1 else "1 run"
            ratio = ck_t / sov_t
            ok = "ok" if ratio >= SPEED_TARGET[r.framework] else "MISSED"
            print(f"| {r.framework} | {r.files} | {ck_t:.1f} s ({how}) | {ck_m:.0f} MB | {sov_t:.2f} s "
                  f"| {sov_m:.0f} MB | {ratio:.1f}x | >= {SPEED_TARGET[r.framework]:.0f}x {ok} | {ck_m / sov_m:.1f}x |")
        else:
            print(f"| {r.framework} | {r.files} | no report | - | {sov_t:.2f} s | {sov_m:.0f} MB | - | - | - |")
    if whole:
        t, m = med(whole)
        print(f"| whole corpus (sovlint) | - | - | - | {t:.1f} s | {m:.0f} MB | - | "
              f"RSS <= {RSS_TARGET_MB} MB {'ok' if m <= RSS_TARGET_MB else 'MISSED'} | - |")
    crashed = [r for r in results if r.checkov_crash]
    if crashed:
        print()
        for r in crashed:
            crash = r.checkov_crash
            assert crash is not None
            print(f"Checkov {r.framework}: the run over all files crashed after {crash.wall:.1f} s (exit {crash.rc}, no "
                  f"report); the timed runs skip the {len(r.crashers)} files that crash it alone: "
                  + ", ".join(r.crashers))
    if pre_sov:
        s = statistics.median(r.wall for r in pre_sov)
        c: float = statistics.median(r.wall for r in pre_ck)
        ok = "ok" if s <= PRECOMMIT_TARGET_S and c / s >= PRECOMMIT_RATIO else "MISSED"
        print()
        print(f"pre-commit, one file ({PRECOMMIT_FILE}), medians of 5: sovlint {s:.2f} s "
              f"({max(r.rss_mb for r in pre_sov):.0f} MB), checkov -f {c:.2f} s "
              f"({max(r.rss_mb for r in pre_ck):.0f} MB): {c / s:.1f}x "
              f"(target sovlint <= {PRECOMMIT_TARGET_S} s and >= {PRECOMMIT_RATIO:.0f}x: {ok})")
    print()
    print("| framework | files | sovlint resources | sovlint errors | Checkov resource_count "
          "| Checkov distinct resources with a check | Checkov parsing errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        def show(v: int | None) -> str:
            return "-" if v is None else str(v)
        print(f"| {r.framework} | {r.files} | {show(r.sovlint_resources)} | {show(r.sovlint_errors)} "
              f"| {show(r.checkov_resource_count)} | {show(r.checkov_distinct)} | {show(r.checkov_parsing_errors)} |")
    if args.keep:
        print(f"\nstaging directory kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
