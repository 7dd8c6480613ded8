"""``--format json``: the stable, schema_version 1 document of SPEC §5."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sovlint import __version__
from sovlint.engine import ScanResult
from sovlint.model import Finding, Resource


def finding_dict(finding: Finding) -> dict[str, Any]:
    """One finding as SPEC §5 writes it."""
    data: dict[str, Any] = {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity.label,
        "message": finding.message,
        "path": finding.source.path,
        "line": finding.source.line,
        "end_line": finding.source.end_line,
        "address": finding.address,
        "resource_type": finding.resource_type,
        "provider": finding.provider,
        "region": finding.region,
        "country": finding.country,
        "countries": list(finding.countries),
        "data_class": finding.data_class,
        "fingerprint": finding.fingerprint,
        "suppressed": finding.suppressed,
        "suppression_reason": finding.suppression_reason,
    }
    if finding.region_source:
        data["region_source"] = finding.region_source
    if finding.root:
        data["root"] = finding.root
    if finding.remediation:
        data["remediation"] = finding.remediation
    if finding.alternatives:
        from sovlint.remediation import alternative_dict

        data["alternatives"] = [alternative_dict(a) for a in finding.alternatives]
    return data


def resource_dict(resource: Resource) -> dict[str, Any]:
    """One resource as SPEC §5 writes it."""
    data: dict[str, Any] = {
        "address": resource.address,
        "resource_type": resource.resource_type,
        "path": resource.source.path,
        "line": resource.source.line,
        "provider": resource.provider,
        "category": resource.category,
        "region": resource.canonical_region or (resource.region if resource.country else None),
        "country": resource.country,
        "countries": list(resource.countries),
        "exposures": list(resource.exposures),
        "data_class": resource.data_class,
        "replicas": [{"region": r.region, "country": r.country, "countries": list(r.countries),
                      "via": r.via} for r in resource.replicas],
        "unresolved": list(resource.unresolved) + [r.unresolved for r in resource.replicas
                                                   if r.unresolved],
    }
    if resource.location_label and resource.location_label != resource.canonical_region:
        data["location"] = resource.location_label  # "EU multi-region", "any region of ..."
    if resource.location_origin:
        data["location_origin"] = resource.location_origin
    if resource.instances:
        data["instances"] = list(resource.instances)
    if resource.module:
        data["module"] = resource.module
    if resource.root:
        data["root"] = resource.root
    if resource.account:
        data["account"] = resource.account
    if resource.region_source:
        data["region_source"] = resource.region_source
    return data


def document(result: ScanResult) -> dict[str, Any]:
    """The whole JSON document as Python data."""
    findings = list(result.findings)  # read back from the scan's store once, not per figure
    by_severity = Counter(f.severity.label for f in findings if not f.suppressed)
    resources = [resource_dict(r) for r in result.resources]
    return {
        "schema_version": 1,
        "tool": {"name": "sovlint", "version": __version__},
        "profile": result.profile,
        "findings": [finding_dict(f) for f in findings],
        "resources": resources,
        "errors": [{"path": e.path, "line": e.line, "message": e.message} for e in result.errors],
        "summary": {
            "files": len(result.files),
            "resources": len(resources),
            "findings": sum(1 for f in findings if not f.suppressed),
            "suppressed": sum(1 for f in findings if f.suppressed),
            "by_severity": dict(sorted(by_severity.items())),
        },
    }


def render(result: ScanResult, options: dict[str, Any]) -> str:
    """Serialise deterministically (a ``--shard`` job's report also has its ``shard`` section)."""
    from sovlint.formatters.indented_json import indented_json
    from sovlint.quoting import json_text

    data = document(result)
    if options.get("shard") is not None:
        from sovlint.shards import shard_section

        data["shard"] = shard_section(result, options["shard"])
    return json_text(indented_json(data)) + "\n"
