"""``sovlint gcp``: the real Cloud Asset client (REST) against a local server with a recorded estate.

Paging (page tokens), throttling (429 with Retry-After, retries bounded), an
expired token (401: exit 2), a project refused (403: reported, the others
reviewed), and the command itself: outputs, exit codes, baselines,
suppressions by label; multi-regions, configurations and policies resolved.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from live_servers import CloudAssetServer, Faults, google_token, load_estate
from sovlint.cli import main
from sovlint.gcp.collect import GcpOptions, review_gcp
from sovlint.gcp.normalise import asset_types
from sovlint.live.progress import ProgressBar
from sovlint.live.review import LiveSetupError

ESTATE = load_estate("gcp")
HEALTH, ANALYTICS = "health-prod", "analytics-prod"
TOTAL = sum(len(v) for v in ESTATE["scopes"].values())


def _review(server: CloudAssetServer, *projects: str, **options: Any) -> Any:
    waits: list[float] = []
    review = review_gcp(GcpOptions(projects=projects or (HEALTH, ANALYTICS),
                                   endpoint=server.url, **options),
                        credentials=google_token(), sleep=waits.append)
    return review, waits


def _by_name(review: Any) -> dict[str, Any]:
    return {r.address.rsplit("/", 1)[-1]: r for r in review.resources}


def test_projects_in_pages(httpserver: HTTPServer) -> None:
    server = CloudAssetServer(httpserver, ESTATE, page_size=5)
    review, _ = _review(server)
    assert len(review.resources) == TOTAL
    assert review.scopes == (f"projects/{HEALTH}", f"projects/{ANALYTICS}")
    asked = server.faults.requests
    assert [(r["scope"], r.get("pageToken")) for r in asked] == [
        (f"projects/{HEALTH}", None), (f"projects/{HEALTH}", ["5"]), (f"projects/{HEALTH}", ["10"]),
        (f"projects/{ANALYTICS}", None)]
    assert sorted(asked[0]["assetTypes"]) == sorted(asset_types())  # the types that hold data
    assert "versionedResources" in asked[0]["readMask"][0]
    assert review.api_calls == 4 and review.errors == ()


def test_locations_resolved_through_the_semantics(httpserver: HTTPServer) -> None:
    review, _ = _review(CloudAssetServer(httpserver, ESTATE))
    found = _by_name(review)
    assert (found["eu_reports"].region, found["eu_reports"].location_scope) == ("eu", "storage")
    assert found["dual_data"].region_set == ("EUROPE-WEST9", "EUROPE-WEST1")
    assert (found["ledger"].region, found["ledger"].location_scope) == ("nam-eur-asia1", "spanner")
    assert (found["accounts"].region, found["accounts"].location_scope) == ("nam-eur-asia1",
                                                                           "spanner")
    assert (found["(default)"].region, found["(default)"].location_scope) == ("nam5", "firestore")
    assert found["events"].any_region and not found["fr-events"].any_region
    assert found["fr-events"].region == "europe-west9"
    assert found["db-password"].any_region
    assert (found["visits"].region, found["visits"].location_scope) == ("eu", "bigquery")
    assert found["data-disk"].region == "europe-west9-a"
    records = found["records"]
    assert [(c.via, c.relative) for c in records.replicas] == [
        ("Cloud SQL automated backups", "nearest:cloud-sql-backup")]
    assert records.attributes["single_site"] is True
    assert records.resource_type == "sqladmin.googleapis.com/Instance"
    assert records.attributes["terraform_type"] == "google_sql_database_instance"
    assert records.source.path == "gcp://482913570112/europe-west9"


def test_throttled_then_answered(httpserver: HTTPServer) -> None:
    server = CloudAssetServer(httpserver, ESTATE, faults=Faults(throttle=2, retry_after="7"))
    review, waits = _review(server)
    assert waits == [7.0, 7.0]  # Retry-After honoured
    assert len(review.resources) == TOTAL and review.api_calls == 4


def test_throttling_retries_are_bounded(httpserver: HTTPServer) -> None:
    server = CloudAssetServer(httpserver, ESTATE, faults=Faults(throttle=100, retry_after="3600"))
    review, waits = _review(server, HEALTH, retries=3, max_wait=30.0)
    assert waits == [30.0, 30.0, 30.0]  # an hour's Retry-After cut to max_wait, three retries
    assert review.resources == () and len(server.faults.requests) == 4
    assert [e.path for e in review.errors] == [f"gcp://projects/{HEALTH}"]
    assert "429" in review.errors[0].message and "after 4 attempts" in review.errors[0].message


def test_expired_token_stops_the_review(httpserver: HTTPServer) -> None:
    server = CloudAssetServer(httpserver, ESTATE, faults=Faults(expired=True))
    with pytest.raises(LiveSetupError, match="expired or invalid"):
        _review(server)


def test_refused_project_is_reported_and_the_rest_reviewed(httpserver: HTTPServer) -> None:
    server = CloudAssetServer(httpserver, ESTATE, faults=Faults(refused={f"projects/{HEALTH}"}))
    review, _ = _review(server)
    assert review.scopes == (f"projects/{ANALYTICS}",)
    assert len(review.resources) == len(ESTATE["scopes"][f"projects/{ANALYTICS}"])
    assert [(e.path, "PERMISSION_DENIED" in e.message or "403" in e.message)
            for e in review.errors] == [(f"gcp://projects/{HEALTH}", True)]


def test_unknown_project_is_reported(httpserver: HTTPServer) -> None:
    review, _ = _review(CloudAssetServer(httpserver, ESTATE), HEALTH, "no-such-project")
    assert [e.path for e in review.errors] == ["gcp://projects/no-such-project"]


def test_organization_scope(httpserver: HTTPServer) -> None:
    estate = {"scopes": {"organizations/1234": [r for v in ESTATE["scopes"].values() for r in v]}}
    server = CloudAssetServer(httpserver, estate, page_size=4)
    review = review_gcp(GcpOptions(organization="1234", endpoint=server.url),
                        credentials=google_token())
    assert len(review.resources) == TOTAL and review.api_calls == 4  # one search, paged


def test_scope_needed(httpserver: HTTPServer) -> None:
    with pytest.raises(LiveSetupError, match="no scope"):
        review_gcp(GcpOptions(endpoint=CloudAssetServer(httpserver, ESTATE).url),
                   credentials=google_token())


def test_progress_bar_on_a_terminal(httpserver: HTTPServer) -> None:
    stream = io.StringIO()
    server = CloudAssetServer(httpserver, ESTATE, page_size=5)
    review_gcp(GcpOptions(projects=(HEALTH, ANALYTICS), endpoint=server.url),
               credentials=google_token(),
               progress=ProgressBar(stream, enabled=True, label="sovlint gcp"))
    drawn = stream.getvalue()
    assert "sovlint gcp [" in drawn and "4/4" in drawn and drawn.endswith("\r\033[K")


# --------------------------------------------------------------------------- the command
@pytest.fixture
def cli(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> CloudAssetServer:
    """The command's application default credentials replaced by a static token."""
    monkeypatch.setattr("sovlint.gcp.api.default_credentials", lambda: (google_token(), HEALTH))
    return CloudAssetServer(httpserver, ESTATE)


def _run(server: CloudAssetServer, *args: str) -> Any:
    return CliRunner().invoke(main, ["gcp", "--endpoint", server.url, *args])


def test_command_json(cli: CloudAssetServer) -> None:
    result = _run(cli, "--project", HEALTH, "--project", ANALYTICS, "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["summary"]["resources"] == TOTAL
    findings = {(f["address"].rsplit("/", 1)[-1], f["rule"]): f for f in data["findings"]
                if not f["suppressed"]}
    assert ("eu_reports", "SOV001") in findings
    assert "FR" in findings[("eu_reports", "SOV001")]["countries"]
    assert findings[("ledger", "SOV001")]["countries"] == ["BE", "TW", "US"]
    assert ("accounts", "SOV001") in findings  # in its instance's configuration
    assert ("events", "SOV001") in findings and ("fr-events", "SOV001") not in findings
    assert ("records", "SOV009") in findings
    # the catalog does not say which backup multi-region is nearest to europe-west9: unknown
    assert "nearest to europe-west9" in findings[("records", "SOV004")]["message"]
    assert ("us_export", "SOV008") in findings and ("analytics", "SOV008") not in findings
    assert ("dual_data", "SOV001") in findings and ("fr_data", "SOV001") not in findings
    suppressed = [(f["address"].rsplit("/", 1)[-1], f["rule"], f["suppression_reason"])
                  for f in data["findings"] if f["suppressed"]]
    assert suppressed == [("waived", "SOV001", "eu sovereign contract")]


def test_command_default_project_and_baseline(cli: CloudAssetServer, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert _run(cli, "--write-baseline", str(baseline)).exit_code == 0
    assert cli.faults.requests[0]["scope"] == f"projects/{HEALTH}"  # the credentials' project
    result = _run(cli, "--baseline", str(baseline), "--format", "json")
    assert result.exit_code == 0, result.output


def test_command_expired_token_exit_2(httpserver: HTTPServer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sovlint.gcp.api.default_credentials", lambda: (google_token(), HEALTH))
    server = CloudAssetServer(httpserver, ESTATE, faults=Faults(expired=True))
    result = _run(server)
    assert result.exit_code == 2
    assert "application-default login" in result.output and "Traceback" not in result.output


def test_command_usage_errors(cli: CloudAssetServer) -> None:
    assert _run(cli, "--project", HEALTH, "--organization", "1").exit_code == 2
    result = CliRunner().invoke(main, ["gcp", "--project", "p", "--endpoint", "http://example.com"])
    assert result.exit_code == 2 and "loopback" in result.output


def test_command_without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sovlint.gcp.collect", None)  # as if not installed
    result = CliRunner().invoke(main, ["gcp", "--project", HEALTH])
    assert result.exit_code == 2 and "pip install 'sovlint[gcp]'" in result.output
