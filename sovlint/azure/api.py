"""The Resource Graph client of ``sovlint azure``: the only module that imports the Azure SDK.

Every request is a Resource Graph query (``POST /providers/Microsoft.ResourceGraph/resources``):
it reads, and needs the ``Reader`` role on what it reads. The pipeline is built
here without the SDK's automatic resource-provider registration (the one
policy that could write), with retries bounded in count and in wait (a
``Retry-After`` longer than ``max_wait`` is cut to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence
from urllib.parse import urlparse

from azure.core.exceptions import (ClientAuthenticationError, HttpResponseError,
                                   ServiceRequestError, ServiceResponseError)
from azure.core.pipeline import policies
from azure.core.pipeline.policies import RetryPolicy
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy, ARMHttpLoggingPolicy
from azure.mgmt.resourcegraph import ResourceGraphClient
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

from sovlint.live.review import LiveSetupError, endpoint_refusal

#: Azure Resource Manager in the public cloud (``--endpoint`` names another: China, US Government).
PUBLIC_ENDPOINT = "https://management.azure.com"
#: Rows per page: the largest ``$top`` Resource Graph accepts.
#: https://learn.microsoft.com/azure/governance/resource-graph/concepts/work-with-data#paging-results
PAGE_SIZE = 1000
#: Subscriptions one request may name.
#: https://learn.microsoft.com/azure/governance/resource-graph/troubleshoot/general#scenario-too-many-subscriptions
MAX_SUBSCRIPTIONS = 1000


class AzureSetupError(LiveSetupError):
    """The review cannot start or go on (credentials, endpoint)."""


class ScopeError(Exception):
    """Resource Graph refused a query for its scope (a subscription or management group)."""

    def __init__(self, message: str, status: int | None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Page:
    """One page of a query's answer."""

    rows: list[dict[str, Any]]
    skip_token: str | None
    total: int | None


class _Counter(policies.SansIOHTTPPolicy):  # type: ignore[type-arg]
    """Counts the HTTP requests sent (after the retry policy: each try counts)."""

    def __init__(self) -> None:
        self.count = 0

    def on_request(self, request: Any) -> None:
        """One more request."""
        self.count += 1


class _BoundedRetry(RetryPolicy):
    """The SDK's retries (429, 5xx, with ``Retry-After``), a server's wait cut to ``max_wait``."""

    def __init__(self, max_wait: float, **kwargs: Any):
        super().__init__(**kwargs)
        self._max_wait = max_wait

    def get_retry_after(self, response: Any) -> float | None:
        """The server's ``Retry-After``, at most ``max_wait`` seconds."""
        wait = super().get_retry_after(response)
        return None if wait is None else min(wait, self._max_wait)


def default_credential() -> Any:
    """``DefaultAzureCredential``: environment, workload or managed identity, Azure CLI login..."""
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


def describe(exc: BaseException) -> str:
    """A one-line description of a failed request, for an error entry."""
    if isinstance(exc, HttpResponseError):
        code = getattr(getattr(exc, "error", None), "code", None) or exc.reason or ""
        message = getattr(getattr(exc, "error", None), "message", None) or str(exc.message or exc)
        text = f"HTTP {exc.status_code} {code}: {message}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


class GraphApi:
    """Resource Graph queries, counted (every HTTP request sent, retries included)."""

    def __init__(self, credential: Any, endpoint: str | None = None, retries: int = 5,
                 max_wait: float = 60.0, timeout: float = 60.0):
        refusal = endpoint_refusal(endpoint) if endpoint else None
        if refusal:
            raise AzureSetupError(refusal)
        self._counter = _Counter()
        self._insecure = bool(endpoint) and urlparse(str(endpoint)).scheme == "http"
        base = (endpoint or PUBLIC_ENDPOINT).rstrip("/")
        retry = _BoundedRetry(max_wait, retry_total=retries, retry_backoff_factor=0.5,
                              retry_backoff_max=max_wait)
        pipeline = [  # the SDK's own list, less ARMAutoResourceProviderRegistrationPolicy
            policies.RequestIdPolicy(), policies.HeadersPolicy(),
            policies.UserAgentPolicy(user_agent="sovlint"), policies.ProxyPolicy(),
            policies.ContentDecodePolicy(), policies.RedirectPolicy(), retry,
            ARMChallengeAuthenticationPolicy(credential, f"{base}/.default"), self._counter,
            policies.CustomHookPolicy(), policies.NetworkTraceLoggingPolicy(),
            policies.DistributedTracingPolicy(), policies.SensitiveHeaderCleanupPolicy(),
            ARMHttpLoggingPolicy(),
        ]
        client = ResourceGraphClient(credential, base_url=base, policies=pipeline,
                                     connection_timeout=10, read_timeout=timeout)
        self._client = client
        self.endpoint = base

    @property
    def calls(self) -> int:
        """The HTTP requests sent so far, retries included."""
        return self._counter.count

    def query(self, text: str, *, subscriptions: Sequence[str] = (),
              management_groups: Sequence[str] = (), skip_token: str | None = None,
              top: int = PAGE_SIZE) -> Page:
        """One page of ``text`` over the scope (``AzureSetupError``, ``ScopeError`` on failure)."""
        request = QueryRequest(
            query=text, subscriptions=list(subscriptions) or None,
            management_groups=list(management_groups) or None,
            options=QueryRequestOptions(skip_token=skip_token, top=top,
                                        result_format="objectArray"))
        try:
            answer = self._client.resources(request, enforce_https=not self._insecure)
        except ClientAuthenticationError as exc:
            raise AzureSetupError(
                "Azure credentials are missing, expired or invalid "
                f"({describe(exc)}); sign in again (az login, or the identity's environment) "
                "and run again") from None
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise AzureSetupError(f"cannot reach Azure Resource Graph at {self.endpoint}: "
                                  f"{describe(exc)}") from None
        except HttpResponseError as exc:
            raise ScopeError(describe(exc), exc.status_code) from None
        rows: list[Any] = answer.data if isinstance(answer.data, list) else []
        return Page(rows=[r for r in rows if isinstance(r, dict)],
                    skip_token=answer.skip_token or None, total=answer.total_records)
