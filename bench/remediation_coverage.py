#!/usr/bin/env python3
"""How much of a corpus does ``policies/alternatives.yaml`` give a way out for?

Counts the data-bearing resource types of aws, azurerm and google declared in a
corpus (Terraform ``resource "TYPE"`` blocks; CloudFormation ``Type: AWS::...``
and ARM ``"type": "Microsoft..."`` declarations, by regex), and prints the share
whose service kind has at least one proposable sovereign offer:

- general (SOV001/SOV002 under the france profile: French region, no exposure),
- health (HDS-certified offers only: SOV006, any protected health finding),
- SecNumCloud-constrained (SOV005, or any rule under the secnumcloud profile).

Usage:
    python bench/remediation_coverage.py [CORPUS_DIR] [--gaps]

``--gaps`` lists the most frequent types with no proposable offer, per constraint.
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sovlint.catalog import load_catalog  # noqa: E402
from sovlint.remediation import constraints_for, kind_alternatives, load_alternatives, service_kind_of  # noqa: E402

RESOURCE = re.compile(r'^\s*resource\s+"([A-Za-z0-9_-]+)"', re.MULTILINE)
CFN = re.compile(r'^\s*"?Type"?\s*:\s*"?(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"?\s*,?\s*$', re.MULTILINE)
ARM = re.compile(r'"type"\s*:\s*"(Microsoft\.[A-Za-z.]+/[A-Za-z0-9/]+)"', re.IGNORECASE)
HYPERSCALERS = ("aws_", "azurerm_", "google_")
FORMATS = {"terraform": "terraform", "cloudformation": "cloudformation", "arm": "arm"}


def corpus_types(corpus: pathlib.Path) -> dict[str, collections.Counter[str]]:
    """Declared types per family (Terraform of the three hyperscalers only)."""
    found: dict[str, collections.Counter[str]] = {f: collections.Counter() for f in FORMATS}
    for path in corpus.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".tf":
            found["terraform"].update(t for t in RESOURCE.findall(path.read_text(errors="replace"))
                                      if t.startswith(HYPERSCALERS))
        elif path.suffix in (".yaml", ".yml", ".json", ".template"):
            text = path.read_text(errors="replace")
            found["cloudformation"].update(CFN.findall(text))
            if path.suffix == ".json":
                found["arm"].update(t.lower() for t in ARM.findall(text))
    return found


def main(argv: list[str] | None = None) -> int:
    """Print the coverage figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=ROOT.parent / "shared" / "corpus", type=pathlib.Path)
    ap.add_argument("--gaps", action="store_true", help="list the most frequent types without an offer")
    args = ap.parse_args(argv)

    categories = yaml.safe_load((ROOT / "policies" / "categories.yaml").read_text())
    categories["arm"] = {k.lower(): v for k, v in categories["arm"].items()}
    data = load_alternatives()
    catalog = load_catalog()
    cases = {
        "general (france, no exposure)": constraints_for("SOV002", "strategic", "france", data),
        "health (HDS only)": constraints_for("SOV006", "health", "france", data),
        "SecNumCloud-constrained": constraints_for("SOV005", "strategic", "secnumcloud", data),
    }
    cache: dict[tuple[str | None, tuple[str, ...]], bool] = {}

    def covered(kind: str | None, constraints: tuple[str, ...]) -> bool:
        if (kind, constraints) not in cache:
            cache[(kind, constraints)] = bool(kind_alternatives(kind, constraints, catalog, data))
        return cache[(kind, constraints)]

    found = corpus_types(args.corpus)
    print(f"corpus: {args.corpus}")
    for family, counter in found.items():
        bearing = {t: n for t, n in counter.items()
                   if categories.get(family, {}).get(t, "other") not in ("other", "key-management")}
        total = sum(bearing.values())
        if not total:
            continue
        kinds = {t: service_kind_of(t, FORMATS[family], data) for t in bearing}
        mapped = sum(n for t, n in bearing.items() if kinds[t])
        print(f"\n{family}: {total} data-bearing declarations in {len(bearing)} types; "
              f"{mapped} ({100 * mapped / total:.1f} %) map to a service kind")
        for label, constraints in cases.items():
            hit = sum(n for t, n in bearing.items() if covered(kinds[t], constraints))
            types = sum(1 for t in bearing if covered(kinds[t], constraints))
            print(f"  {label:32} {hit:6d}/{total} = {100 * hit / total:5.1f} % of declarations "
                  f"({types}/{len(bearing)} types) have at least one alternative")
            if args.gaps:
                gaps = sorted(((n, t) for t, n in bearing.items() if not covered(kinds[t], constraints)),
                              reverse=True)[:10]
                print("    without: " + ", ".join(f"{t} ({kinds[t]}) {n}" for n, t in gaps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
