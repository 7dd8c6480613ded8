#!/usr/bin/env python3
"""Scan the shared corpus and print the figures of the core issue.

    python bench/corpus_scan.py [CORPUS]      (default: ../shared/corpus)

Prints: files, resources, data-bearing resources and how many have a country,
findings by rule, errors, OpenTofu files and Terragrunt units found and
evaluated, wall time and peak memory of the scan (a child process, cold parse cache), the share of resources of known providers whose
type is in the type->category map, and the startup time of `sovlint --version`.
"""

from __future__ import annotations

import collections
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sovlint(*args: str, cwd: Path, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sovlint", *args], cwd=cwd, env=env,
                          capture_output=True, text=True)
    return time.perf_counter() - start, proc


def main() -> int:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus").resolve()
    if not corpus.is_dir():
        print(f"no corpus at {corpus}")
        return 2
    env = {**os.environ, "SOVLINT_CACHE_DIR": tempfile.mkdtemp(prefix="sovlint-bench-")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    wall, proc = sovlint("scan", ".", "--format", "json", cwd=corpus, env=env)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if "Traceback" in proc.stderr:
        print(proc.stderr)
        return 1
    doc = json.loads(proc.stdout)
    resources = doc["resources"]
    bearing = [r for r in resources if r["category"] not in ("other", "key-management")]
    located = [r for r in bearing if r["country"]]
    by_rule = collections.Counter(f["rule"] for f in doc["findings"])
    by_format = collections.Counter(Path(r["path"]).suffix for r in resources)
    print(f"command: cd {corpus} && sovlint scan . --format json   (cold parse cache)")
    print(f"exit code: {proc.returncode}; wall: {wall:.1f} s; peak RSS: {max(peak_kb, before) / 1024:.0f} MB")
    print(f"files: {doc['summary']['files']}; resources: {len(resources)}; data-bearing: {len(bearing)}, "
          f"with a country: {len(located)} ({100 * len(located) / max(len(bearing), 1):.1f} %)")
    print(f"findings by rule: {dict(sorted(by_rule.items()))}")
    print(f"resources by file suffix: {dict(sorted(by_format.items()))}")
    print(f"errors: {len(doc['errors'])}; SOV900: {by_rule.get('SOV900', 0)}")
    tofu = [p for p in corpus.rglob("*") if p.name.endswith((".tofu", ".tofu.json")) and p.is_file()]
    units = [p for p in corpus.rglob("terragrunt.hcl*") if p.name in ("terragrunt.hcl", "terragrunt.hcl.json")
             and ".terragrunt-cache" not in p.parts]
    through = {r["root"] for r in resources if r.get("root")}
    print(f"OpenTofu files (.tofu, .tofu.json): {len(tofu)}; resources in them: "
          f"{sum(1 for r in resources if r['path'].endswith(('.tofu', '.tofu.json')))}")
    print(f"Terragrunt units (terragrunt.hcl): {len(units)}; units evaluated (resources naming their "
          f"unit): {len(through)}; resources through units: {sum(1 for r in resources if r.get('root'))}")
    warm, _ = sovlint("scan", ".", "--format", "json", cwd=corpus, env=env)
    print(f"warm re-scan (parse cache filled): {warm:.1f} s")

    # share of Terraform resources of catalog providers whose type is mapped
    sys.path.insert(0, str(ROOT))
    from sovlint.catalog import load_catalog
    from sovlint.resolve import category_map

    catalog = load_catalog()
    mapped = category_map().get("terraform", {})
    pattern = re.compile(r'^resource\s+"([A-Za-z0-9_]+)"', re.M)
    known = in_map = 0
    for path in (p for p in corpus.rglob("*.tf") if p.is_file()):
        for rtype in pattern.findall(path.read_text(encoding="utf-8", errors="replace")):
            if catalog.provider_for_type(rtype):
                known += 1
                in_map += rtype in mapped
    print(f"Terraform resources of catalog providers in the corpus: {known}; type in the category map: "
          f"{in_map} ({100 * in_map / max(known, 1):.1f} %; the rest is network/IAM/DNS, category other)")

    times = [sovlint("--version", cwd=corpus, env=env)[0] for _ in range(5)]
    print(f"startup: sovlint --version median of 5: {statistics.median(times) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
