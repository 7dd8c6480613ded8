"""The Cloud Asset client of ``sovlint gcp``: the only module that imports the Google Cloud library.

Every request is ``searchAllResources`` (``GET /v1/{scope}:searchAllResources``):
it reads, and needs ``cloudasset.assets.searchAllResources`` on the scope (role
``roles/cloudasset.viewer``). Requests go over the REST transport. Throttling
(HTTP 429) and unavailability are retried a bounded number of times, waiting
what ``Retry-After`` says (at most ``max_wait``) or an exponential backoff.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import google.auth
import google.auth.exceptions
from google.api_core import exceptions as api_exceptions
from google.api_core.client_options import ClientOptions
from google.cloud import asset_v1
from google.protobuf import json_format

from sovlint.live.review import LiveSetupError, endpoint_refusal

#: Results per page: the most ``searchAllResources`` returns.
#: https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllResources
PAGE_SIZE = 500
#: The fields asked for: ``versionedResources`` is not returned unless named.
READ_MASK = ("name,assetType,project,location,labels,parentFullResourceName,"
             "parentAssetType,versionedResources")
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
_RETRIED = (api_exceptions.TooManyRequests, api_exceptions.ServiceUnavailable,
            api_exceptions.InternalServerError, api_exceptions.GatewayTimeout,
            api_exceptions.DeadlineExceeded)


class GcpSetupError(LiveSetupError):
    """The review cannot start or go on (credentials, endpoint)."""


class ScopeError(Exception):
    """The search was refused for its scope (a project, folder or organisation)."""


@dataclass(frozen=True)
class Page:
    """One page of a search's results, as JSON-shaped mappings."""

    results: list[dict[str, Any]]
    next_token: str | None


def default_credentials() -> tuple[Any, str | None]:
    """Application default credentials and their project (``gcloud auth application-default login``,
    ``GOOGLE_APPLICATION_CREDENTIALS``, the metadata server...)."""
    try:
        credentials, project = google.auth.default(scopes=list(SCOPES))
    except google.auth.exceptions.DefaultCredentialsError as exc:
        raise GcpSetupError("no Google Cloud credentials: run `gcloud auth application-default "
                            f"login` or set GOOGLE_APPLICATION_CREDENTIALS ({exc})") from None
    return credentials, project


def describe(exc: BaseException) -> str:
    """A one-line description of a failed request, for an error entry."""
    if isinstance(exc, api_exceptions.GoogleAPICallError):
        text = f"HTTP {exc.code} {exc.reason or type(exc).__name__}: {exc.message}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class AssetApi:
    """``searchAllResources`` pages, counted (every HTTP request sent, retries included)."""

    def __init__(self, credentials: Any, endpoint: str | None = None, retries: int = 5,
                 max_wait: float = 60.0, timeout: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep):
        options = None
        if endpoint:
            refusal = endpoint_refusal(endpoint)
            if refusal:
                raise GcpSetupError(refusal)
            options = ClientOptions(api_endpoint=endpoint)
        self._client = asset_v1.AssetServiceClient(credentials=credentials, transport="rest",
                                                   client_options=options)
        self.endpoint = endpoint or "https://cloudasset.googleapis.com"
        self.calls = 0
        self._retries = retries
        self._max_wait = max_wait
        self._timeout = timeout
        self._sleep = sleep

    def search(self, scope: str, asset_types: Sequence[str], page_token: str | None = None,
               page_size: int = PAGE_SIZE) -> Page:
        """One page of the search over ``scope`` (``GcpSetupError``, ``ScopeError`` on failure)."""
        request = asset_v1.SearchAllResourcesRequest(
            scope=scope, asset_types=list(asset_types), page_size=page_size,
            page_token=page_token or "", read_mask=READ_MASK)
        for attempt in range(self._retries + 1):
            self.calls += 1
            try:
                pager = self._client.search_all_resources(request=request, retry=None,
                                                          timeout=self._timeout)
                response = next(iter(pager.pages))
                break
            except _RETRIED as exc:
                if attempt == self._retries:
                    raise ScopeError(f"{describe(exc)} (after {attempt + 1} attempts)") from None
                wait = _retry_after(exc)
                self._sleep(min(wait if wait is not None else 0.5 * 2 ** attempt, self._max_wait))
            except (api_exceptions.Unauthorized, google.auth.exceptions.RefreshError,
                    google.auth.exceptions.DefaultCredentialsError) as exc:
                raise GcpSetupError(
                    "Google Cloud credentials are missing, expired or invalid "
                    f"({describe(exc)}); run `gcloud auth application-default login` "
                    "and run again") from None
            except api_exceptions.GoogleAPICallError as exc:
                raise ScopeError(describe(exc)) from None
            except google.auth.exceptions.TransportError as exc:
                raise GcpSetupError(f"cannot reach Cloud Asset Inventory at {self.endpoint}: "
                                    f"{describe(exc)}") from None
            except OSError as exc:  # requests' connection errors
                raise GcpSetupError(f"cannot reach Cloud Asset Inventory at {self.endpoint}: "
                                    f"{describe(exc)}") from None
        results = [_as_json(r) for r in response.results]
        return Page(results=results, next_token=response.next_page_token or None)


def _as_json(result: Any) -> dict[str, Any]:
    """A ``ResourceSearchResult`` as the REST API writes it (camelCase names)."""
    message = asset_v1.ResourceSearchResult.pb(result)
    return dict(json_format.MessageToDict(message, preserving_proto_field_name=False))
