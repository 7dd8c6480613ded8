#!/usr/bin/env python3
"""How much of the Terraform corpus sovlint locates, and why the rest is unknown.

    python bench/terraform_resolution.py [CORPUS]

Scans the Terraform part of the corpus, then only its `examples/` directories
(which pin their regions), and prints data-bearing resources, how many have a
country, and the unresolved ones grouped by reason.
"""

from __future__ import annotations

import collections
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scan(paths: list[str], cwd: Path) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run([sys.executable, "-m", "sovlint", "scan", *paths, "--format", "json",
                           "--fail-on", "never", "--exclude", "**/*.yaml", "--exclude", "**/*.yml",
                           "--exclude", "**/*.json"], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def reason_of(text: str) -> str:
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"\b(var|local|module|each|data)\.[A-Za-z0-9_.\[\]\"-]+", r"\1.…", text)
    return text[:110]


def report(title: str, doc: dict) -> None:  # type: ignore[type-arg]
    bearing = [r for r in doc["resources"] if r["category"] not in ("other", "key-management")]
    located = [r for r in bearing if r["country"]]
    print(f"{title}: {len(bearing)} data-bearing resources, {len(located)} with a country "
          f"({100 * len(located) / max(len(bearing), 1):.1f} %)")
    reasons = collections.Counter(reason_of(r["unresolved"][0]) if r["unresolved"] else "(no reason)"
                                  for r in bearing if not r["country"])
    for reason, count in reasons.most_common(15):
        print(f"  {count:5}  {reason}")


def main() -> int:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus").resolve()
    repos = sorted(p.name for p in corpus.iterdir() if p.is_dir() and any(p.rglob("*.tf")))
    report("whole Terraform corpus", scan(repos, corpus))
    examples = sorted(str(p.relative_to(corpus)) for repo in repos for p in (corpus / repo).glob("examples")
                      if p.is_dir())
    print(f"examples directories: {', '.join(examples)}")
    report("examples/ directories", scan(examples, corpus))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
