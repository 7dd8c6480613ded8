#!/usr/bin/env python3
"""How much of a Terraform corpus does ``policies/categories.yaml`` map?

Lists every resource type declared in the corpus's ``.tf`` files (a regex on
``resource "TYPE"`` lines), keeps the types of providers the catalog knows
(their ``terraform.type_prefixes``), and prints the share of those resources
whose type is mapped, then the unmapped types sorted by frequency.

Usage:
    python bench/category_coverage.py [CORPUS_DIR] [--all]

``--all`` also lists the types of unknown providers (random_, null_, ...).
Network/IAM/DNS types stay unmapped on purpose (category ``other``), so 100 %
is not the goal; the unmapped list is what a reviewer reads.
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import re

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESOURCE = re.compile(r'^\s*resource\s+"([A-Za-z0-9_-]+)"', re.MULTILINE)
# azapi_resource carries its ARM type in `type = "Microsoft.X/y@version"`.
AZAPI = re.compile(r'^\s*resource\s+"azapi_resource"[^\n]*\n(?:(?!^\s*resource\s).*\n)*?\s*type\s*=\s*"([^"@]+)@',
                   re.MULTILINE)
CFN = re.compile(r'^\s*"?Type"?\s*:\s*"?(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"?\s*,?\s*$', re.MULTILINE)
ARM = re.compile(r'"type"\s*:\s*"(Microsoft\.[A-Za-z.]+/[A-Za-z0-9/]+)"', re.IGNORECASE)
KIND = re.compile(r'^kind:\s*([A-Za-z0-9]+)\s*$', re.MULTILINE)


def known_prefixes() -> dict[str, str]:
    out = {}
    for path in sorted((ROOT / "policies" / "catalog").glob("*.yaml")):
        if path.name == "sources.yaml":
            continue
        data = yaml.safe_load(path.read_text())
        for prefix in data.get("terraform", {}).get("type_prefixes", []):
            out[prefix] = data["id"]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=ROOT.parent / "shared" / "corpus", type=pathlib.Path)
    ap.add_argument("--all", action="store_true", help="also list types of providers the catalog does not know")
    args = ap.parse_args(argv)

    categories = yaml.safe_load((ROOT / "policies" / "categories.yaml").read_text())
    mapped = categories["terraform"]
    prefixes = known_prefixes()
    counts: collections.Counter[str] = collections.Counter()
    files = 0
    azapi: collections.Counter[str] = collections.Counter()
    for path in args.corpus.rglob("*.tf"):
        if not path.is_file():  # a directory can be named x.tf
            continue
        files += 1
        text = path.read_text(errors="replace")
        counts.update(RESOURCE.findall(text))
        azapi.update(t.lower() for t in AZAPI.findall(text))
    other: dict[str, collections.Counter[str]] = {"cloudformation": collections.Counter(),
                                                  "arm": collections.Counter(), "kubernetes": collections.Counter()}
    for path in args.corpus.rglob("*"):
        if not path.is_file() or path.suffix not in (".yaml", ".yml", ".json", ".template"):
            continue
        text = path.read_text(errors="replace")
        other["cloudformation"].update(CFN.findall(text))
        if path.suffix == ".json":
            other["arm"].update(t.lower() for t in ARM.findall(text))
        else:
            other["kubernetes"].update(KIND.findall(text))

    def provider(rtype: str) -> str | None:
        for prefix, pid in prefixes.items():
            if rtype.startswith(prefix):
                return pid
        return None

    known = {t: n for t, n in counts.items() if provider(t)}
    total = sum(known.values())
    hit = sum(n for t, n in known.items() if t in mapped)
    by_cat: collections.Counter[str] = collections.Counter()
    for t, n in known.items():
        by_cat[mapped.get(t, "other")] += n
    print(f"corpus: {args.corpus} ({files} .tf files, {sum(counts.values())} resource blocks, "
          f"{len(counts)} types)")
    print(f"resources of known providers: {total} in {len(known)} types")
    if total:
        print(f"mapped: {hit}/{total} resources = {100 * hit / total:.1f} % "
              f"({sum(1 for t in known if t in mapped)}/{len(known)} types)")
    print("by category: " + ", ".join(f"{c} {n}" for c, n in by_cat.most_common()))
    if azapi:
        n_az = sum(azapi.values())
        hit_az = sum(n for t, n in azapi.items() if t in categories["arm"])
        print(f"azapi_resource by ARM type (via `arm:`): {hit_az}/{n_az} mapped; unmapped: "
              + ", ".join(f"{t} {n}" for t, n in azapi.most_common() if t not in categories["arm"]))
    for fmt, cnt in other.items():
        n_all = sum(cnt.values())
        n_hit = sum(n for t, n in cnt.items() if categories.get(fmt, {}).get(t, "other") != "other")
        if n_all:
            print(f"{fmt}: {n_hit}/{n_all} = {100 * n_hit / n_all:.1f} % of declarations mapped to a data category "
                  f"(regex count, includes parameter types / non-resource kinds)")
    print("\nunmapped types of known providers (count type):")
    for t, n in sorted(known.items(), key=lambda kv: (-kv[1], kv[0])):
        if t not in mapped:
            print(f"{n:5d} {t}")
    if args.all:
        print("\ntypes of providers not in the catalog:")
        for t, n in counts.most_common():
            if not provider(t):
                print(f"{n:5d} {t}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
