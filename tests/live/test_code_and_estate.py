"""The same estate described as Terraform and read live gives the same findings.

``tests/fixtures/live/<cloud>/terraform/main.tf`` declares what
``tests/fixtures/live/<cloud>/estate.json`` records as Resource Graph rows and
Cloud Asset search results. A scan of the code and a live review of the estate
(the real SDK clients against a local server) must find, for each resource,
the same rules with the same countries and the same suppressions: one
semantics, two formats.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import pytest
from pytest_httpserver import HTTPServer

from live_servers import (LIVE_FIXTURES, CloudAssetServer, ResourceGraphServer, StaticToken,
                          google_token, load_estate)
from sovlint.azure.collect import AzureOptions, review_azure
from sovlint.config import Config
from sovlint.engine import review_resources, scan, select_policies
from sovlint.gcp.collect import GcpOptions, review_gcp
from sovlint.model import Finding

#: A live name that no Terraform label can spell.
LABELS = {"(default)": "default"}


def _name(address: str) -> str:
    """The resource's name: the last segment of an id or full name, the label of an address."""
    tail = address.rsplit("/", 1)[-1] if "/" in address else address.rsplit(".", 1)[-1]
    return LABELS.get(tail, tail)


def by_resource(findings: Iterable[Finding]) -> dict[str, list[tuple[str, str, bool]]]:
    """Each resource's findings as (rule, countries, suppressed), sorted."""
    table: dict[str, list[tuple[str, str, bool]]] = {}
    for finding in findings:
        table.setdefault(_name(finding.address or ""), []).append(
            (finding.rule, ",".join(finding.countries) or "unknown", finding.suppressed))
    return {name: sorted(rows) for name, rows in sorted(table.items())}


def _code(cloud: str) -> Any:
    return scan([LIVE_FIXTURES / cloud / "terraform"], Config(cache=False, plugins=False))


def _live(resources: Any, errors: Any, sources: Any) -> Any:
    config = Config(cache=False, plugins=False)
    return review_resources(resources, errors, config, select_policies(config), sources)


def test_azure_code_and_estate(httpserver: HTTPServer) -> None:
    server = ResourceGraphServer(httpserver, load_estate("azure"))
    review = review_azure(AzureOptions(endpoint=server.url), credential=StaticToken())
    live = _live(review.resources, review.errors, review.sources)
    code = _code("azure")
    assert code.errors == [] and live.errors == []
    assert {_name(r.address) for r in code.resources} == {_name(r.address) for r in live.resources}
    assert by_resource(code.findings) == by_resource(live.findings)
    assert len(live.findings) >= 20  # the estate is not trivially clean


def test_gcp_code_and_estate(httpserver: HTTPServer) -> None:
    server = CloudAssetServer(httpserver, load_estate("gcp"))
    review = review_gcp(GcpOptions(projects=("health-prod", "analytics-prod"),
                                   endpoint=server.url), credentials=google_token())
    live = _live(review.resources, review.errors, review.sources)
    code = _code("gcp")
    assert code.errors == [] and live.errors == []
    assert {_name(r.address) for r in code.resources} == {_name(r.address) for r in live.resources}
    assert by_resource(code.findings) == by_resource(live.findings)
    assert len(live.findings) >= 20
