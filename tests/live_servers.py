"""Local HTTP servers answering as Azure Resource Graph and Cloud Asset Inventory do.

The live-review tests drive the real SDK clients (azure-mgmt-resourcegraph,
google-cloud-asset over REST) against a pytest-httpserver on loopback. These
handlers answer from recorded estates (``tests/fixtures/live/``) in the
documented response shapes, page them with skip tokens / page tokens, and can
throttle (HTTP 429 with ``Retry-After``), refuse a scope (403) or reject the
token (401):

- Resource Graph: ``POST /providers/Microsoft.ResourceGraph/resources?api-version=...``,
  body ``{subscriptions, managementGroups, query, options: {$top, $skipToken, resultFormat}}``,
  answer ``{totalRecords, count, resultTruncated, $skipToken, data}``
  (https://learn.microsoft.com/rest/api/azureresourcegraph/resourcegraph/resources/resources).
- Cloud Asset: ``GET /v1/{scope}:searchAllResources?assetTypes=&pageSize=&pageToken=&readMask=``,
  answer ``{results, nextPageToken}``
  (https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllResources).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

LIVE_FIXTURES = Path(__file__).parent / "fixtures" / "live"
GRAPH_PATH = "/providers/Microsoft.ResourceGraph/resources"


def load_estate(name: str) -> dict[str, Any]:
    """A recorded estate (``azure`` or ``gcp``)."""
    data: dict[str, Any] = json.loads((LIVE_FIXTURES / name / "estate.json").read_text())
    return data


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {},
                    content_type="application/json")


@dataclass
class Faults:
    """What a server does besides answering: throttle, refuse scopes, reject the token."""

    throttle: int = 0  # the first N requests answer 429
    retry_after: str = "1"
    refused: set[str] = field(default_factory=set)  # scopes (subscription ids, GCP scopes) refused
    expired: bool = False  # every request answers 401
    requests: list[dict[str, Any]] = field(default_factory=list)  # what was asked, in order


class ResourceGraphServer:
    """Resource Graph over a recorded estate: subscriptions and resources, paged."""

    def __init__(self, server: HTTPServer, estate: dict[str, Any], page_size: int = 1000,
                 faults: Faults | None = None, management_groups: dict[str, list[str]] | None = None):
        self.estate = estate
        self.page_size = page_size
        self.faults = faults or Faults()
        self.management_groups = management_groups or {}
        self.url = server.url_for("").rstrip("/")
        server.expect_request(GRAPH_PATH, method="POST").respond_with_handler(self.handle)

    def _scope(self, body: dict[str, Any]) -> set[str] | None:
        if body.get("managementGroups"):
            return {s for g in body["managementGroups"] for s in self.management_groups.get(g, [])}
        if body.get("subscriptions"):
            return {s.lower() for s in body["subscriptions"]}
        return None  # the tenant: every subscription

    def handle(self, request: Request) -> Response:
        """One query."""
        body = request.get_json()
        self.faults.requests.append({"api-version": request.args.get("api-version"), **body})
        if self.faults.expired:
            return _json({"error": {"code": "ExpiredAuthenticationToken", "message":
                                    "The access token expiry UTC time is earlier than current "
                                    "UTC time."}}, 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        if self.faults.throttle > 0:
            self.faults.throttle -= 1
            return _json({"error": {"code": "RateLimiting", "message": "Please provide below info "
                                    "when asking for support: timestamp"}}, 429,
                         {"Retry-After": self.faults.retry_after,
                          "x-ms-user-quota-remaining": "0",
                          "x-ms-user-quota-resets-after": "00:00:01"})
        scope = self._scope(body)
        refused = sorted(set(scope or ()) & self.faults.refused)
        if refused:
            return _json({"error": {"code": "AuthorizationFailed", "message":
                                    f"The client does not have authorization to perform action "
                                    f"'Microsoft.ResourceGraph/resources/read' over scope "
                                    f"'/subscriptions/{refused[0]}'."}}, 403)
        if "resourcecontainers" in body["query"]:
            rows = [s for s in self.estate["subscriptions"]
                    if scope is None or s["subscriptionId"].lower() in scope]
        else:
            rows = [r for r in self.estate["resources"]
                    if scope is None or r["subscriptionId"].lower() in scope]
        options = body.get("options") or {}
        size = min(int(options.get("$top") or 1000), self.page_size)
        start = int(str(options.get("$skipToken") or "page-0").split("-")[1])
        page = rows[start:start + size]
        answer: dict[str, Any] = {"totalRecords": len(rows), "count": len(page),
                                  "resultTruncated": "false", "data": page, "facets": []}
        if start + size < len(rows):
            answer["$skipToken"] = f"page-{start + size}"
        return _json(answer)


class CloudAssetServer:
    """Cloud Asset ``searchAllResources`` over a recorded estate, by scope, paged."""

    def __init__(self, server: HTTPServer, estate: dict[str, Any], page_size: int = 500,
                 faults: Faults | None = None):
        self.estate = estate
        self.page_size = page_size
        self.faults = faults or Faults()
        self.url = server.url_for("").rstrip("/")
        server.expect_request(re.compile(r"^/v1/.+:searchAllResources$"),
                              method="GET").respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        """One page of one search."""
        scope = request.path[len("/v1/"):-len(":searchAllResources")]
        self.faults.requests.append({"scope": scope, **{k: request.args.getlist(k)
                                                        for k in request.args}})
        if self.faults.expired:
            return _json({"error": {"code": 401, "status": "UNAUTHENTICATED", "message":
                                    "Request had invalid authentication credentials."}}, 401)
        if self.faults.throttle > 0:
            self.faults.throttle -= 1
            return _json({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message":
                                    "Quota exceeded for quota metric 'Search requests'."}}, 429,
                         {"Retry-After": self.faults.retry_after})
        if scope in self.faults.refused:
            return _json({"error": {"code": 403, "status": "PERMISSION_DENIED", "message":
                                    f"The caller does not have permission on {scope}"}}, 403)
        results = self.estate["scopes"].get(scope)
        if results is None:
            return _json({"error": {"code": 404, "status": "NOT_FOUND", "message":
                                    f"{scope} not found"}}, 404)
        wanted = set(request.args.getlist("assetTypes"))
        results = [r for r in results if not wanted or r["assetType"] in wanted]
        size = min(int(request.args.get("pageSize") or 100), self.page_size)
        start = int(request.args.get("pageToken") or "0")
        answer: dict[str, Any] = {"results": results[start:start + size]}
        if start + size < len(results):
            answer["nextPageToken"] = str(start + size)
        return _json(answer)


class StaticToken:
    """An Azure token credential with a fixed token (``azure.core.credentials.TokenCredential``)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """A token valid for an hour."""
        from azure.core.credentials import AccessToken

        return AccessToken("test-token", int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        """The same, as ``SupportsTokenInfo``."""
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo("test-token", int(time.time()) + 3600)


def google_token() -> Any:
    """Google credentials holding a fixed token (no refresh: a 401 cannot be refreshed away)."""
    import google.oauth2.credentials

    return google.oauth2.credentials.Credentials(token="test-token")
