"""``sovlint inventory``: where every resource lives, as text, JSON, CSV or an HTML report."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sovlint.engine import ScanResult
from sovlint.model import Resource

COLUMNS = ("address", "resource_type", "path", "line", "provider", "category", "region",
           "country", "exposures", "data_class", "replicas", "unresolved")


def _row(resource: Resource) -> dict[str, Any]:
    from sovlint.formatters.json_report import resource_dict

    return resource_dict(resource)


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(
            f"{v.get('via')}:{v.get('region')}({v.get('country')})" if isinstance(v, dict) else str(v)
            for v in value)
    return str(value)


def render_inventory(result: ScanResult, fmt: str, options: dict[str, Any]) -> str:
    """The inventory in one format (``text``, ``json``, ``csv`` or ``html``)."""
    rows = [_row(r) for r in result.resources]
    if fmt == "json":
        from sovlint.formatters.json_report import document

        doc = document(result)
        return json.dumps({"schema_version": 1, "tool": doc["tool"], "resources": rows,
                           "summary": doc["summary"]}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_flat(row.get(c)) for c in COLUMNS])
        return buffer.getvalue()
    if fmt == "html":
        from sovlint.formatters.html import render

        return render(result, {**options, "command": "inventory"})
    if fmt != "text":
        raise ValueError(f"unknown inventory format {fmt!r} (text, json, csv, html)")
    lines = [f"{'address':<48} {'provider':<10} {'region':<22} {'ctry':<4} {'class':<10} law"]
    for row in rows:
        lines.append(f"{row['address'][:48]:<48} {str(row['provider'] or '?'):<10} "
                     f"{str(row['region'] or '?'):<22} {str(row['country'] or '?'):<4} "
                     f"{str(row['data_class'] or ''):<10} {', '.join(row['exposures']) or '-'}")
    return "\n".join(lines) + "\n"
