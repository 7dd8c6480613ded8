#!/usr/bin/env python3
"""How much of the data-bearing world do the location semantics cover?

For each provider of the catalog, the share of its data-bearing Terraform
types (``policies/categories.yaml``) that have a location-semantics entry
(``policies/locations/<provider>.yaml``); the types without one keep the
generic rule (a region/location argument, else the provider's region) and are
listed with ``--list``. Also counts the CloudFormation and ARM types reached
through the entries' equivalents.

Usage:
    python bench/location_coverage.py [--list] [--provider ID ...]
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sovlint.catalog import load_catalog  # noqa: E402
from sovlint.model import DATA_BEARING  # noqa: E402
from sovlint.placement.semantics import build_semantics, semantics_files  # noqa: E402

#: The providers the location-semantics work covers in full.
GOAL_PROVIDERS = ("google", "aws", "azurerm", "scaleway", "ovh", "outscale")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="list the types without an entry")
    parser.add_argument("--provider", action="append", help="only these providers")
    args = parser.parse_args()
    categories = yaml.safe_load((ROOT / "policies" / "categories.yaml").read_text())
    semantics = build_semantics(semantics_files())
    catalog = load_catalog()
    rows = []
    for provider in sorted(catalog.providers.values(), key=lambda p: p.id):
        if args.provider and provider.id not in args.provider:
            continue
        prefixes = tuple(provider.terraform.get("type_prefixes", []) or ())
        if not prefixes:
            continue
        bearing = sorted(t for t, c in categories["terraform"].items()
                         if c in DATA_BEARING and t.startswith(prefixes))
        if not bearing:
            continue
        missing = [t for t in bearing if semantics.get(t) is None]
        rows.append((provider.id, len(bearing) - len(missing), len(bearing), missing))
    print(f"{'provider':<18} {'entries':>8} {'data-bearing':>13} {'share':>7}  goal")
    for provider_id, count, total, _ in rows:
        goal = "100 %" if provider_id in GOAL_PROVIDERS else ""
        print(f"{provider_id:<18} {count:>8} {total:>13} {100 * count / total:>6.1f}%  {goal}")
    goal_rows = [r for r in rows if r[0] in GOAL_PROVIDERS]
    goal_count = sum(r[1] for r in goal_rows)
    goal_total = sum(r[2] for r in goal_rows)
    if goal_total:
        print(f"{'six providers':<18} {goal_count:>8} {goal_total:>13} "
              f"{100 * goal_count / goal_total:>6.1f}%")
    equivalents = {(e.format, e.type) for entry in semantics.types.values() for e in entry.equivalents}
    for fmt in ("cloudformation", "arm"):
        print(f"{fmt} types reached through equivalents: {sum(1 for f, _ in equivalents if f == fmt)}")
    if args.list:
        for provider_id, _, _, missing in rows:
            for resource_type in missing:
                print(f"  no entry: {provider_id} {resource_type}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
