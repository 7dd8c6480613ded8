"""``--format sarif``: SARIF 2.1.0, as GitHub code scanning and other viewers read it.

One run; ``tool.driver.rules`` holds every rule of the scan (with the
``security-severity`` GitHub ranks alerts by); each result points at its
file relative to the repository root under ``%SRCROOT%``, names the resource
as a logical location, carries the finding fingerprint as
``partialFingerprints["sovlint/v1"]`` (so alerts survive line moves) and, when
suppressed, a ``suppressions`` entry: ``inSource`` for an inline
``sovlint:ignore``/annotation/metadata, ``external`` for a baseline.
Problems that are not one file's content go to the invocation's
``toolExecutionNotifications``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sovlint import __version__
from sovlint.engine import ScanResult
from sovlint.formatters.source_paths import (directory_uri, repository_path, repository_root,
                                             uri_reference)
from sovlint.model import Finding, Severity
from sovlint.quoting import json_text
from sovlint.policy.load import Policy

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/sovlint/sovlint"
SRCROOT = "%SRCROOT%"
#: The baseline's suppression reason (sovlint.suppress.apply_suppressions).
BASELINE_REASON = "in baseline"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
#: GitHub code scanning ranks alerts by this score: >9.0 critical, 7.0-8.9 high,
#: 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def _help(policy: Policy) -> dict[str, str]:
    text_parts = [policy.description.strip() or policy.title]
    md_parts = [f"**{policy.title}**", "", policy.description.strip() or policy.title]
    if policy.remediation:
        text_parts.append(f"How to fix: {policy.remediation.strip()}")
        md_parts += ["", "**How to fix**", "", policy.remediation.strip()]
    way_out = _way_out_help(policy.id)
    if way_out:
        text_parts.append("Sovereign alternatives by service kind: " + "; ".join(way_out))
        md_parts += ["", "**Sovereign alternatives by service kind**", ""] + [f"- {line}" for line in way_out]
    if policy.legal_basis:
        text_parts.append("Legal basis: " + "; ".join(policy.legal_basis))
        md_parts += ["", "**Legal basis**", ""] + [f"- {item}" for item in policy.legal_basis]
    if policy.references:
        text_parts.append("References: " + " ".join(policy.references))
        md_parts += ["", "**References**", ""] + [f"- <{ref}>" for ref in policy.references]
    return {"text": "\n\n".join(text_parts), "markdown": "\n".join(md_parts)}


def _way_out_help(rule_id: str) -> list[str]:
    """One line per service kind with the providers whose offers satisfy the rule (default profile)."""
    from sovlint.catalog import cached_catalog
    from sovlint.remediation import rule_way_out

    lines = []
    for kind, alternatives in rule_way_out(rule_id, None, cached_catalog(())):
        if alternatives:
            names = ", ".join(dict.fromkeys(f"{a.provider_name} ({', '.join(a.resource_types)})"
                                            for a in alternatives))
            lines.append(f"{kind.title}: {names}")
    return lines


def rule_descriptor(policy: Policy) -> dict[str, Any]:
    """One ``reportingDescriptor`` of ``tool.driver.rules``."""
    descriptor: dict[str, Any] = {
        "id": policy.id,
        "name": policy.name,
        "shortDescription": {"text": policy.title},
        "fullDescription": {"text": (policy.description.strip() or policy.title)},
        "help": _help(policy),
        "defaultConfiguration": {"level": LEVELS[policy.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[policy.severity],
            "tags": ["security", "data-sovereignty"],
            "precision": "high",
        },
    }
    if policy.references:
        descriptor["helpUri"] = policy.references[0]
    return descriptor


def _stand_in_policy(finding: Finding) -> Policy:
    """A descriptor for a finding whose rule is not among the scan's policies (a plugin rule)."""
    from sovlint.policy.load import FieldTest

    return Policy(id=finding.rule, name=finding.name, severity=finding.severity,
                  title=finding.name, assertion=FieldTest("", "exists", True), message="")


def _artifact(path: str, root: Path | None) -> dict[str, Any]:
    """An ``artifactLocation``: under ``%SRCROOT%`` inside the repository, else an absolute URI."""
    relative = repository_path(path, root)
    if root is not None and not relative.startswith(("/", "../")) and relative != "..":
        return {"uri": uri_reference(relative), "uriBaseId": SRCROOT}
    if root is not None or Path(path).is_absolute():
        return {"uri": uri_reference(os.path.normpath(os.path.join(os.getcwd(), path)))}
    return {"uri": uri_reference(path)}


def _location(finding: Finding, artifact: dict[str, Any]) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact}
    line = finding.source.line
    if line is not None and line >= 1:
        region: dict[str, Any] = {"startLine": line}
        end = finding.source.end_line
        if end is not None and end >= line:
            region["endLine"] = end
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.address:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.address,
                                         "kind": "resource"}]
    return location


def _result(finding: Finding, index: int, artifact: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [_location(finding, artifact)],
        "partialFingerprints": {"sovlint/v1": finding.fingerprint},
    }
    if finding.suppressed:
        external = finding.suppression_reason == BASELINE_REASON
        suppression: dict[str, Any] = {"kind": "external" if external else "inSource"}
        if finding.suppression_reason:
            suppression["justification"] = finding.suppression_reason
        result["suppressions"] = [suppression]
    properties: dict[str, Any] = {key: value for key, value in (
        ("severity", finding.severity.label),
        ("resourceType", finding.resource_type),
        ("provider", finding.provider),
        ("region", finding.region),
        ("country", finding.country),
        ("dataClass", finding.data_class),
        ("regionSource", finding.region_source),  # --deploy-env: where the region came from
        ("root", finding.root),  # the Terragrunt unit the resource is deployed by
    ) if value is not None}
    if finding.countries:
        properties["countries"] = list(finding.countries)
    if finding.root:
        properties["root"] = finding.root
    if finding.alternatives:
        # the concrete ways out; SARIF `fixes` would be edits of this file, which these are not
        properties["remediation"] = finding.remediation
        properties["alternatives"] = [
            f"{a.provider_name} {a.offer}: {', '.join(a.resource_types)} in {', '.join(a.regions)}"
            for a in finding.alternatives]
    result["properties"] = properties
    return result


def document(result: ScanResult, options: dict[str, Any]) -> dict[str, Any]:
    """The SARIF log as Python data."""
    root = repository_root(options)
    policies: list[Policy] = list(result.policies)
    known = {p.id for p in policies}
    for finding in result.findings:
        if finding.rule not in known:
            policies.append(_stand_in_policy(finding))
            known.add(finding.rule)
    policies.sort(key=lambda p: p.id)
    index = {p.id: i for i, p in enumerate(policies)}
    artifacts: dict[str, dict[str, Any]] = {}  # one per file: findings share them
    for finding in result.findings:
        if finding.source.path not in artifacts:
            artifacts[finding.source.path] = _artifact(finding.source.path, root)
    notifications = []
    for error in result.errors:
        notification: dict[str, Any] = {"level": "error", "message": {"text": error.message}}
        if error.path:
            physical: dict[str, Any] = {"artifactLocation": _artifact(error.path, root)}
            if error.line is not None and error.line >= 1:
                physical["region"] = {"startLine": error.line}
            notification["locations"] = [{"physicalLocation": physical}]
        notifications.append(notification)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "sovlint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [rule_descriptor(p) for p in policies],
        }},
        "invocations": [{"executionSuccessful": True,
                         "toolExecutionNotifications": notifications}],
        "results": [_result(f, index[f.rule], artifacts[f.source.path])
                    for f in result.findings],
        "columnKind": "unicodeCodePoints",
        "properties": {"profile": result.profile, "files": len(result.files),
                       "resources": len(result.resources)},
    }
    if root is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": directory_uri(root)}}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


#: Stands for the results while the rest of the log is indented (no scanned text holds NUL).
_RESULTS = "\x00sovlint-results\x00"


def render(result: ScanResult, options: dict[str, Any]) -> str:
    """Serialise the SARIF log deterministically: indented, one result per line.

    Indented ``json.dumps`` runs the pure-Python encoder; writing each result
    compactly on its own line keeps the C encoder for the bulk (4x faster on
    20,000 findings) and the file easy to grep and diff.
    """
    log = document(result, options)
    run = log["runs"][0]
    results = run["results"]
    run["results"] = _RESULTS
    head = json.dumps(log, indent=2, ensure_ascii=False)
    marker = json.dumps(_RESULTS)
    if head.count(marker) != 1:  # a policy text holding the marker: plain and slow
        run["results"] = results
        return json_text(json.dumps(log, indent=2, ensure_ascii=False)) + "\n"
    lines = ",\n".join("        " + json.dumps(r, ensure_ascii=False) for r in results)
    body = f"[\n{lines}\n      ]" if results else "[]"
    return json_text(head.replace(marker, body)) + "\n"  # no raw invisible character
