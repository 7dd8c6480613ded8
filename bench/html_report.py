#!/usr/bin/env python3
"""What the HTML report costs: its size, and the time it adds to a scan.

    python bench/html_report.py [CORPUS] [--runs 7]      (default: ../shared/corpus)

Prints, each with the exact command:

(a) the size of ``sovlint scan --format html`` and ``sovlint inventory --format html``
    on the shipped examples and on the whole corpus (target: under 500 KB on the corpus);
(b) ``sovlint scan CORPUS --format json`` against ``--format html``, whole processes,
    warm cache (the scan itself is the same), run in turn (json, html, json, ...) ``--runs``
    times: the medians and the median of the pairwise differences, the time the report adds;
(c) the report alone: ``html.render`` of the corpus result in one process, and the world
    map's part of it (``html_map.render``), medians of ``--runs`` calls (the map data read
    once, as a scan does).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall seconds of ``python -m sovlint ARGS`` (exit codes 0 and 1 are scans that worked)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sovlint", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:
        raise SystemExit(f"sovlint {' '.join(args)} failed: {done.stderr[-2000:]}")
    return elapsed


def sizes(target: Path, cwd: Path, env: dict[str, str], out: Path) -> None:
    """(a) for one tree."""
    for command in ("scan", "inventory"):
        report = out / f"{target.name}-{command}.html"
        extra = ["--fail-on", "never"] if command == "scan" else []
        run([command, str(target), *extra, "--format", f"html:{report}"], cwd, env)
        print(f"  cd {cwd} && sovlint {command} {target} {' '.join(extra)} --format html:REPORT".replace("  --", " --")
              + f"\n    -> {report.stat().st_size:,} bytes ({report.stat().st_size / 1024:.0f} KiB)")


def render_alone(corpus: Path, runs: int) -> tuple[list[float], list[float]]:
    """(c): the corpus scanned once in this process, then ``html.render`` and the map alone timed."""
    from sovlint.config import load_config
    from sovlint.engine import scan
    from sovlint.formatters import html, html_map

    os.chdir(corpus)
    result = scan([Path(".")], load_config(None, [Path(".")], {}))
    data = [r for r in result.resources if r.is_data_bearing]
    html.render(result, {"command": "scan"})  # the map data read, as in a scan
    pages, maps = [], []
    for _ in range(runs):
        start = time.perf_counter()
        html.render(result, {"command": "scan"})
        middle = time.perf_counter()
        html_map.render(data)
        pages.append(middle - start)
        maps.append(time.perf_counter() - middle)
    return pages, maps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    if not corpus.is_dir():
        print(f"no corpus at {corpus}")
        return 2
    env = {**os.environ, "NO_COLOR": "1",
           "SOVLINT_CACHE_DIR": os.environ.get("SOVLINT_CACHE_DIR") or tempfile.mkdtemp(prefix="sovlint-bench-")}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        print("(a) report size")
        sizes(Path("examples"), ROOT, env, out)
        sizes(Path("."), corpus, env, out)

        print(f"(b) time the report adds to a scan of the corpus, warm cache, {args.runs} runs in turn")
        json_args = ["scan", ".", "--fail-on", "never", "--format", f"json:{out / 'r.json'}"]
        html_args = ["scan", ".", "--fail-on", "never", "--format", f"html:{out / 'r.html'}"]
        run(json_args, corpus, env)  # warm-up: the cache filled
        pairs = [(run(json_args, corpus, env), run(html_args, corpus, env)) for _ in range(args.runs)]
        as_json = statistics.median(p[0] for p in pairs)
        as_html = statistics.median(p[1] for p in pairs)
        added = statistics.median(h - j for j, h in pairs)
        print(f"  cd {corpus} && sovlint scan . --fail-on never --format json:FILE   median {as_json:.2f} s")
        print(f"  cd {corpus} && sovlint scan . --fail-on never --format html:FILE   median {as_html:.2f} s")
        print(f"  html - json, median of the pairwise differences: {added:+.2f} s "
              f"({100 * added / as_json:+.0f} %)")

    pages, maps = render_alone(corpus, args.runs)
    for label, times in (("html.render (the whole page)", pages), ("html_map.render (the map)", maps)):
        print(f"(c) {label} of the corpus result, in process: median {statistics.median(times) * 1000:.1f} ms "
              f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}; {args.runs} calls)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
