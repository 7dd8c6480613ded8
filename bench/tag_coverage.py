#!/usr/bin/env python3
"""How many providers and controller families does sovlint know the tag syntax of?

A provider of the catalog with Terraform type prefixes is *known* when its file
in ``policies/locations/`` has a ``tags:`` section (the forms it names, or an
empty list saying its resources carry no tags); otherwise a generic reading
(a ``tags``/``labels`` map or ``key=value`` strings) stands in for it. Also
weighted by data-bearing Terraform types (``policies/categories.yaml``), and
for the controller families of ``policies/kubernetes-types.yaml`` (the
``cloud_object_tags`` of ``policies/kubernetes-signals.yaml``). The data files
are read directly, so the script also measures an older checkout:
``python bench/tag_coverage.py --root ../other-checkout``.

Usage:
    python bench/tag_coverage.py [--root DIR] [--list]
"""

from __future__ import annotations

import argparse
import pathlib
from typing import Any

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
#: Categories whose resources hold data (sovlint.model.DATA_BEARING, less the unknown one).
DATA_BEARING = {"storage", "database", "backup", "compute", "analytics", "messaging", "logging", "ai"}


def _load(path: pathlib.Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None


def _forms(section: dict[str, Any]) -> str:
    resource = section.get("resource") or []
    if not resource:
        return "none (no tags)"
    text = ", ".join(sorted({f"{s['argument']} {s['form']}" for s in resource}))
    if section.get("provider"):
        text += "; provider defaults"
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=pathlib.Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--list", action="store_true", help="list each provider's forms")
    args = parser.parse_args()
    root: pathlib.Path = args.root
    categories = _load(root / "policies" / "categories.yaml")["terraform"]
    rows = []
    for path in sorted((root / "policies" / "catalog").glob("*.yaml")):
        provider = _load(path)
        prefixes = tuple((provider.get("terraform") or {}).get("type_prefixes") or ()) \
            if isinstance(provider, dict) and "id" in provider else ()
        if not prefixes:
            continue
        bearing = sum(1 for t, c in categories.items() if c in DATA_BEARING and t.startswith(prefixes))
        semantics = _load(root / "policies" / "locations" / f"{provider['id']}.yaml") or {}
        section = semantics.get("tags")
        rows.append((provider["id"], section is not None, bearing,
                     _forms(section) if section is not None else "unknown (generic reading)"))
    known = [r for r in rows if r[1]]
    print(f"providers of the catalog with Terraform types: {len(rows)}")
    print(f"  tag syntax known: {len(known)}/{len(rows)} ({100 * len(known) / len(rows):.0f} %)")
    total = sum(r[2] for r in rows)
    print(f"  data-bearing Terraform types whose provider's tag syntax is known: "
          f"{sum(r[2] for r in known)}/{total} ({100 * sum(r[2] for r in known) / total:.0f} %)")
    families = (_load(root / "policies" / "kubernetes-types.yaml") or {}).get("families") or {}
    signals = _load(root / "policies" / "kubernetes-signals.yaml") or {}
    with_tags = {e["family"] for e in signals.get("cloud_object_tags") or ()}
    print(f"Kubernetes controller families: {len(families)}")
    print(f"  tag syntax known (as data): {len(with_tags & set(families))}/{len(families)}")
    if args.list:
        for provider_id, _, bearing, forms in rows:
            print(f"  {provider_id:<18} {bearing:>4} data-bearing types  {forms}")
        for family in sorted(families):
            print(f"  {family:<26} {'known' if family in with_tags else 'unknown'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
