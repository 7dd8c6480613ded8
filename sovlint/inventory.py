"""``sovlint inventory``: where every resource lives, as text, JSON, CSV or an HTML report."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, Sequence

from sovlint.engine import ScanResult
from sovlint.model import Resource
from sovlint.quoting import csv_cell, json_text, visible

if TYPE_CHECKING:
    from sovlint.remediation import WayOut

COLUMNS = ("address", "resource_type", "path", "line", "provider", "category", "region",
           "country", "countries", "exposures", "data_class", "replicas", "unresolved",
           "root",  # the root module (or Terragrunt unit) the resource was evaluated through
           "alternatives")


def _row(resource: Resource) -> dict[str, Any]:
    from sovlint.formatters.json_report import resource_dict

    return resource_dict(resource)


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(
            f"{v.get('via')}:{v.get('region')}({' '.join(v.get('countries') or []) or None})"
            if isinstance(v, dict) else str(v)
            for v in value)
    return str(value)


def way_out_dicts(way_out: Sequence[WayOut]) -> list[dict[str, Any]]:
    """The ``way_out`` list of the JSON inventory."""
    from sovlint.remediation import alternative_dict

    return [{"service_kind": w.kind, "title": w.title, "resources": w.resources,
             "health_resources": w.health_resources,
             "options": [alternative_dict(a) for a in w.options],
             "hds_options": [alternative_dict(a) for a in w.hds_options],
             "gap": w.gap if not w.options else None} for w in way_out]


def _resource_alternatives(resource: Resource, catalog: Any, profile: str) -> str:
    """CSV ``alternatives``: the offers for a data-bearing resource at a provider with exposures."""
    from sovlint.remediation import alternatives_for

    if not resource.is_data_bearing or not resource.exposures:
        return ""
    return "; ".join(f"{a.provider}:{a.offer_id}" for a in alternatives_for(resource, None, profile, catalog))


def render_inventory(result: ScanResult, fmt: str, options: dict[str, Any]) -> str:
    """The inventory in one format (``text``, ``json``, ``csv`` or ``html``).

    ``options["catalog"]`` is the catalog of the scan (the shipped one when
    absent); the way out (sovereign alternatives) is computed with it.
    """
    from sovlint.remediation import way_out

    catalog = options.get("catalog")
    if catalog is None:
        from sovlint.catalog import cached_catalog

        catalog = cached_catalog(())
    rows = [_row(r) for r in result.resources]
    if fmt == "json":
        from sovlint.formatters.json_report import document

        doc = document(result)
        from sovlint.formatters.indented_json import indented_json

        text = indented_json({"schema_version": 1, "tool": doc["tool"], "resources": rows,
                              "way_out": way_out_dicts(way_out(result.resources, catalog, result.profile)),
                              "summary": doc["summary"]}) + "\n"
        return json_text(text)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for resource, row in zip(result.resources, rows):
            row["alternatives"] = _resource_alternatives(resource, catalog, result.profile)
            writer.writerow([csv_cell(_flat(row.get(c))) for c in COLUMNS])
        return buffer.getvalue()
    if fmt == "html":
        from sovlint.formatters.html import render

        return render(result, {**options, "command": "inventory",
                               "way_out": way_out(result.resources, catalog, result.profile)})
    if fmt != "text":
        raise ValueError(f"unknown inventory format {fmt!r} (text, json, csv, html)")
    lines = [f"{'address':<48} {'provider':<10} {'region':<22} {'ctry':<4} {'class':<10} law"]
    for row in rows:
        place = row.get("location") or row["region"] or "?"
        lines.append(visible(f"{row['address'][:48]:<48} {str(row['provider'] or '?'):<10} "
                             f"{str(place):<22} {','.join(row['countries']) or '?':<4} "
                             f"{str(row['data_class'] or ''):<10} {', '.join(row['exposures']) or '-'}"))
    return "\n".join(lines) + "\n"
