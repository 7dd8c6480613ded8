#!/usr/bin/env python3
"""How many Kubernetes group+kind -> Terraform type mappings does each controller family have?

Reads ``policies/kubernetes-types.yaml`` and prints, per controller family
(Crossplane Upjet and contrib providers, ACK, Config Connector, Azure Service
Operator): the group+kind mappings, how many stand for a Terraform type, how
many of those types hold data (a category other than ``other`` in
``policies/categories.yaml``), and the upstream commits the mappings come from.

With ``--corpus DIR``, also counts the cloud objects declared in that tree's
YAML manifests (documents whose apiVersion belongs to a controller family) and
how many of them have a mapping.

Usage:
    python bench/kubernetes_types.py [--corpus DIR]
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import re
from typing import Any

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
API_VERSION = re.compile(r"^apiVersion:\s*[\"']?([a-z0-9.-]+)/[A-Za-z0-9]+[\"']?\s*$", re.MULTILINE)
KIND = re.compile(r"^kind:\s*[\"']?([A-Za-z0-9]+)[\"']?\s*$", re.MULTILINE)


def _terraform(entry: Any) -> str | None:
    return entry if isinstance(entry, str) else entry.get("terraform")


def family_table(data: dict[str, Any], categories: dict[str, str]) -> list[tuple[str, int, int, int, str]]:
    """(family, mappings, with a Terraform type, data-bearing, sources) per family."""
    rows = []
    for name, family in data["families"].items():
        kinds = family["kinds"]
        typed = [t for t in map(_terraform, kinds.values()) if t is not None]
        bearing = sum(1 for e in kinds.values()
                      if (categories.get(_terraform(e) or "", "other") if _terraform(e) else e.get("category", "other"))
                      != "other")
        sources = ", ".join(f"{s['repository'].split('/')[-1]}@{s['commit'][:8]}" for s in family["sources"][:3])
        if len(family["sources"]) > 3:
            sources += f" (+{len(family['sources']) - 3} repositories)"
        rows.append((name, len(kinds), len(typed), bearing, sources))
    return rows


def corpus_objects(corpus: pathlib.Path, data: dict[str, Any],
                   suffixes: list[str]) -> tuple[collections.Counter[str], collections.Counter[str]]:
    """Cloud objects of the corpus by group/Kind: (all of them, those without a mapping)."""
    mapped = {k for f in data["families"].values() for k in f["kinds"]}
    seen: collections.Counter[str] = collections.Counter()
    unmapped: collections.Counter[str] = collections.Counter()
    for path in corpus.rglob("*.y*ml"):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for document in re.split(r"^---\s*$", text, flags=re.MULTILINE):
            group, kind = API_VERSION.search(document), KIND.search(document)
            if not group or not kind or not any(("." + group.group(1)).endswith(s) for s in suffixes):
                continue
            key = f"{group.group(1)}/{kind.group(1)}"
            seen[key] += 1
            if key not in mapped:
                unmapped[key] += 1
    return seen, unmapped


def main(argv: list[str] | None = None) -> int:
    """Print the table (and the corpus counts)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=pathlib.Path, help="also count the cloud objects of this tree")
    args = parser.parse_args(argv)
    data = yaml.load((ROOT / "policies" / "kubernetes-types.yaml").read_text(encoding="utf-8"), Loader=LOADER)
    categories = yaml.safe_load((ROOT / "policies" / "categories.yaml").read_text(encoding="utf-8"))["terraform"]
    rows = family_table(data, categories)
    print(f"{'family':28} {'group+kind':>10} {'terraform':>10} {'data':>6}  sources")
    for name, count, typed, bearing, sources in rows:
        print(f"{name:28} {count:10} {typed:10} {bearing:6}  {sources}")
    print(f"{'total':28} {sum(r[1] for r in rows):10} {sum(r[2] for r in rows):10} {sum(r[3] for r in rows):6}")
    if args.corpus is not None:
        signals = yaml.safe_load((ROOT / "policies" / "kubernetes-signals.yaml").read_text(encoding="utf-8"))
        suffixes = [s for c in signals["infrastructure_controllers"] for s in c["api_group_suffixes"]]
        seen, unmapped = corpus_objects(args.corpus, data, suffixes)
        total = sum(seen.values())
        share = 100.0 * (total - sum(unmapped.values())) / total if total else 100.0
        print(f"\ncorpus {args.corpus}: {total} cloud objects, {share:.1f} % with a mapping")
        for key, count in unmapped.most_common():
            print(f"  unmapped {count:4}  {key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
