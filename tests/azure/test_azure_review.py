"""``sovlint azure``: the real Resource Graph client against a local server with a recorded estate.

Paging (skip tokens), throttling (429 with Retry-After, retries bounded), an
expired token (401: exit 2), a subscription refused (403: reported, the others
reviewed), subscriptions asked for but not visible, management groups; and the
command itself: outputs, exit codes, baselines, suppressions by tag.
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from live_servers import Faults, ResourceGraphServer, StaticToken, load_estate
from sovlint.azure.collect import AzureOptions, review_azure
from sovlint.cli import main
from sovlint.live.progress import ProgressBar
from sovlint.live.review import LiveSetupError

ESTATE = load_estate("azure")
HEALTH = ESTATE["subscriptions"][0]["subscriptionId"]
ANALYTICS = ESTATE["subscriptions"][1]["subscriptionId"]
UNKNOWN = "99999999-9999-4999-8999-999999999999"


def _review(server: ResourceGraphServer, **options: Any) -> Any:
    return review_azure(AzureOptions(endpoint=server.url, **options), credential=StaticToken())


def _names(review: Any) -> set[str]:
    return {r.address.rsplit("/", 1)[-1] for r in review.resources}


def test_whole_tenant_in_pages(httpserver: HTTPServer) -> None:
    server = ResourceGraphServer(httpserver, ESTATE, page_size=5)
    review = _review(server)
    assert len(review.resources) == len(ESTATE["resources"])
    assert set(review.scopes) == {HEALTH, ANALYTICS}
    asked = server.faults.requests
    # one query for the subscriptions, then the resources query: 17 rows in pages of 5
    assert "resourcecontainers" in asked[0]["query"] and "subscriptions" not in asked[0]
    assert [r["options"].get("$skipToken") for r in asked[1:]] == [None, "page-5", "page-10",
                                                                    "page-15"]
    assert all(sorted(r["subscriptions"]) == sorted([HEALTH, ANALYTICS]) for r in asked[1:])
    assert review.api_calls == len(asked) == 5
    assert review.errors == ()


def test_resources_in_the_model(httpserver: HTTPServer) -> None:
    review = _review(ResourceGraphServer(httpserver, ESTATE))
    by_name = {r.address.rsplit("/", 1)[-1]: r for r in review.resources}
    reports = by_name["reports"]
    assert reports.resource_type == "Microsoft.Storage/storageAccounts"
    assert reports.source.path == f"azure://{HEALTH}/francecentral"
    assert reports.region == "francecentral" and reports.input_format == "azure"
    assert [(c.via, c.relative) for c in reports.replicas] == [("geo-redundant storage pair",
                                                                "paired-region")]
    app = by_name["app"]
    assert app.resource_type == "Microsoft.Sql/servers/databases"
    assert app.attributes["single_site"] is True


def test_throttled_then_answered(httpserver: HTTPServer) -> None:
    server = ResourceGraphServer(httpserver, ESTATE, faults=Faults(throttle=1, retry_after="1"))
    started = time.monotonic()
    review = _review(server)
    assert time.monotonic() - started >= 0.9  # Retry-After was honoured
    assert len(review.resources) == len(ESTATE["resources"])
    assert review.api_calls == 3  # the throttled request counts


def test_throttling_retries_are_bounded(httpserver: HTTPServer) -> None:
    server = ResourceGraphServer(httpserver, ESTATE,
                                 faults=Faults(throttle=100, retry_after="3600"))
    started = time.monotonic()
    with pytest.raises(LiveSetupError, match="tenant-wide query.*429"):
        _review(server, retries=2, max_wait=0.05)
    assert time.monotonic() - started < 10  # a Retry-After of an hour is cut to max_wait
    assert len(server.faults.requests) == 3  # the first try and two retries


def test_throttled_subscriptions_are_reported_not_halved(httpserver: HTTPServer) -> None:
    server = ResourceGraphServer(httpserver, ESTATE, faults=Faults(retry_after="0.01"))
    original = server.handle

    def throttle_resources(request: Any) -> Any:  # the subscription list answers, then 429s
        if "resourcecontainers" not in request.get_json()["query"]:
            server.faults.throttle = 1
        return original(request)

    httpserver.clear()
    httpserver.expect_request("/providers/Microsoft.ResourceGraph/resources",
                              method="POST").respond_with_handler(throttle_resources)
    review = _review(server, retries=1, max_wait=0.01)
    assert review.resources == () and review.scopes == ()
    assert sorted(e.path for e in review.errors) == sorted(
        [f"azure://{HEALTH}", f"azure://{ANALYTICS}"])
    assert len(server.faults.requests) == 3  # the list, then one request and its retry


def test_expired_token_stops_the_review(httpserver: HTTPServer) -> None:
    server = ResourceGraphServer(httpserver, ESTATE, faults=Faults(expired=True))
    with pytest.raises(LiveSetupError, match="expired or invalid.*ExpiredAuthenticationToken"):
        _review(server)
    assert len(server.faults.requests) == 1  # a 401 is not retried


def test_refused_subscription_is_reported_and_the_rest_reviewed(httpserver: HTTPServer) -> None:
    server = ResourceGraphServer(httpserver, ESTATE, faults=Faults(refused={ANALYTICS}))
    review = _review(server, subscriptions=(HEALTH, ANALYTICS))
    assert review.scopes == (HEALTH,)
    assert {r.account for r in review.resources} == {HEALTH}
    assert [(e.path, "AuthorizationFailed" in e.message) for e in review.errors] == [
        (f"azure://{ANALYTICS}", True)]


def test_refused_subscription_found_among_many(httpserver: HTTPServer) -> None:
    """Hundreds of subscriptions are one query; a refused one is isolated by halving the list."""
    many = [f"{i:08d}-0000-4000-8000-000000000000" for i in range(300)]
    estate = {"subscriptions": [*ESTATE["subscriptions"],
                                *({"subscriptionId": s, "name": s} for s in many)],
              "resources": ESTATE["resources"]}
    server = ResourceGraphServer(httpserver, estate, faults=Faults(refused={many[123]}))
    review = _review(server)
    assert len(review.scopes) == 301 and many[123] not in review.scopes
    assert len(review.resources) == len(ESTATE["resources"])
    assert [e.path for e in review.errors] == [f"azure://{many[123]}"]
    assert len(server.faults.requests) < 2 * 10 + 3  # log2(302) halvings, not one per subscription


def test_subscription_not_visible(httpserver: HTTPServer) -> None:
    review = _review(ResourceGraphServer(httpserver, ESTATE), subscriptions=(HEALTH, UNKNOWN))
    assert review.scopes == (HEALTH,)
    assert [e.path for e in review.errors] == [f"azure://{UNKNOWN}"]
    assert "Reader" in review.errors[0].message


def test_management_group(httpserver: HTTPServer) -> None:
    server = ResourceGraphServer(httpserver, ESTATE, management_groups={"health": [HEALTH]})
    review = _review(server, management_groups=("health",))
    assert review.scopes == (HEALTH,)
    assert server.faults.requests[0]["managementGroups"] == ["health"]
    assert server.faults.requests[1]["subscriptions"] == [HEALTH]


def test_progress_bar_on_a_terminal(httpserver: HTTPServer) -> None:
    stream = io.StringIO()
    server = ResourceGraphServer(httpserver, ESTATE, page_size=5)
    review_azure(AzureOptions(endpoint=server.url), credential=StaticToken(),
                 progress=ProgressBar(stream, enabled=True, label="sovlint azure"))
    drawn = stream.getvalue()
    assert "sovlint azure [" in drawn and "5/5" in drawn and drawn.endswith("\r\033[K")


# --------------------------------------------------------------------------- the command
@pytest.fixture
def cli(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> ResourceGraphServer:
    """The command's DefaultAzureCredential replaced by a static token (no sign-in service)."""
    monkeypatch.setattr("sovlint.azure.api.default_credential", lambda: StaticToken())
    return ResourceGraphServer(httpserver, ESTATE)


def _run(server: ResourceGraphServer, *args: str) -> Any:
    return CliRunner().invoke(main, ["azure", "--endpoint", server.url, *args])


def test_command_json(cli: ResourceGraphServer, tmp_path: Path) -> None:
    result = _run(cli, "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["summary"]["resources"] == len(ESTATE["resources"])
    findings = {(f["address"].rsplit("/", 1)[-1], f["rule"]) for f in data["findings"]
                if not f["suppressed"]}
    assert ("archive", "SOV001") in findings  # West Europe: NL
    assert ("patients", "SOV003") in findings  # Cosmos DB copy in West Europe
    assert ("sqlprimary", "SOV003") in findings  # failover group partner in North Europe
    assert ("rsv", "SOV003") in findings  # GRS vault in West Europe -> North Europe
    assert ("frlrs", "SOV009") in findings  # LRS in France
    assert ("usexport", "SOV008") in findings  # personal data in the US
    assert not any(name in ("web", "vnet", "publicsite") for name, _ in findings)
    suppressed = [f for f in data["findings"] if f["suppressed"]]
    assert [(f["address"].rsplit("/", 1)[-1], f["rule"], f["suppression_reason"])
            for f in suppressed] == [("contracted", "SOV001",
                                      "hosting contract with an EU sovereign clause")]
    assert all(f["path"].startswith("azure://") and f["line"] is None for f in data["findings"])


def test_command_baseline(cli: ResourceGraphServer, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert _run(cli, "--write-baseline", str(baseline)).exit_code == 0
    result = _run(cli, "--baseline", str(baseline), "--format", "json")
    assert result.exit_code == 0, result.output
    assert all(f["suppressed"] for f in json.loads(result.output)["findings"])


def test_command_sarif_and_fail_on(cli: ResourceGraphServer, tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    result = _run(cli, "--format", f"sarif:{sarif}", "--fail-on", "never")
    assert result.exit_code == 0
    assert json.loads(sarif.read_text())["version"] == "2.1.0"


def test_command_expired_token_exit_2(httpserver: HTTPServer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sovlint.azure.api.default_credential", lambda: StaticToken())
    server = ResourceGraphServer(httpserver, ESTATE, faults=Faults(expired=True))
    result = _run(server)
    assert result.exit_code == 2
    assert "az login" in result.output and "Traceback" not in result.output


def test_command_usage_errors(cli: ResourceGraphServer) -> None:
    assert _run(cli, "--subscription", HEALTH, "--all-subscriptions").exit_code == 2
    assert _run(cli, "--subscription", HEALTH, "--management-group", "g").exit_code == 2
    result = CliRunner().invoke(main, ["azure", "--endpoint", "http://example.com"])
    assert result.exit_code == 2 and "loopback" in result.output


def test_command_without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sovlint.azure.collect", None)  # as if not installed
    result = CliRunner().invoke(main, ["azure"])
    assert result.exit_code == 2 and "pip install 'sovlint[azure]'" in result.output
