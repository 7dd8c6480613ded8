"""The review of ``sovlint azure``: which subscriptions, one paged query, failures per subscription.

1. The subscriptions of the scope (``--subscription``, ``--management-group``, or
   every subscription the identity can read) come from one paged query of
   ``resourcecontainers``; a subscription asked for but not visible is reported.
2. One paged query of ``resources`` over those subscriptions (at most
   ``MAX_SUBSCRIPTIONS`` a request: a tenant with hundreds of subscriptions is
   one query). When Resource Graph refuses a request for its scope (HTTP
   4xx but 429), the subscriptions are split in halves and each half asked
   again, down to the one refused, which is reported: the rest goes on.
   Throttling or an outage that outlasts the retries is reported for every
   subscription of the request (halving would only multiply the requests).
3. The rows are normalised together (a row's ids may name other rows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sovlint.azure import normalise
from sovlint.azure.api import MAX_SUBSCRIPTIONS, PAGE_SIZE, GraphApi, ScopeError
from sovlint.live.progress import ProgressBar
from sovlint.live.review import LiveReview, LiveSetupError
from sovlint.model import ScanError

SUBSCRIPTIONS_QUERY = (
    "resourcecontainers"
    " | where type =~ 'microsoft.resources/subscriptions'"
    " | project subscriptionId, name"
    " | order by subscriptionId asc"
)
RESOURCES_QUERY = (
    "resources"
    " | project id, name, type, location, kind, sku, properties, tags, subscriptionId,"
    " resourceGroup, zones, managedBy"
    " | order by id asc"
)


@dataclass(frozen=True)
class AzureOptions:
    """What ``sovlint azure`` was asked to review."""

    subscriptions: tuple[str, ...] = ()  # empty: every subscription of the scope
    management_groups: tuple[str, ...] = ()
    endpoint: str | None = None  # Resource Manager (a sovereign cloud, or a test server)
    page_size: int = PAGE_SIZE
    retries: int = 5
    max_wait: float = 60.0  # the longest Retry-After honoured, in seconds


def review_azure(options: AzureOptions, credential: Any = None,
                 progress: ProgressBar | None = None) -> LiveReview:
    """Review the scope; ``LiveSetupError`` if the review cannot start or go on."""
    from sovlint.azure.api import default_credential

    if options.subscriptions and options.management_groups:
        raise LiveSetupError("--subscription and --management-group exclude each other")
    api = GraphApi(credential if credential is not None else default_credential(),
                   options.endpoint, retries=options.retries, max_wait=options.max_wait)
    bar = progress or ProgressBar(enabled=False)
    errors: list[ScanError] = []
    try:
        wanted = _subscriptions(api, options, errors, bar)
        rows: list[dict[str, Any]] = []
        for start in range(0, len(wanted), MAX_SUBSCRIPTIONS):
            rows.extend(_rows(api, RESOURCES_QUERY, wanted[start:start + MAX_SUBSCRIPTIONS],
                              options.page_size, errors, bar))
    finally:
        bar.close()
    resources = normalise.normalise_rows(rows)
    failed = {e.path for e in errors}
    reviewed = tuple(s for s in wanted if _scope_path(s) not in failed)
    return LiveReview(resources=tuple(resources), errors=tuple(errors),
                      sources=tuple(_scope_path(s) for s in reviewed), scopes=reviewed,
                      api_calls=api.calls)


def _scope_path(subscription: str) -> str:
    return f"azure://{subscription}"


def _subscriptions(api: GraphApi, options: AzureOptions, errors: list[ScanError],
                   bar: ProgressBar) -> list[str]:
    """The subscriptions to review, in order; those asked for but not visible are reported."""
    if options.management_groups:
        found = _pages(api, SUBSCRIPTIONS_QUERY, options.page_size, bar,
                       management_groups=options.management_groups)
    elif options.subscriptions:
        found = _rows(api, SUBSCRIPTIONS_QUERY, list(options.subscriptions), options.page_size,
                      errors, bar)
    else:
        found = _pages(api, SUBSCRIPTIONS_QUERY, options.page_size, bar)
    visible = sorted({str(r.get("subscriptionId")).lower() for r in found
                      if r.get("subscriptionId")})
    if not options.subscriptions:
        if not visible:
            raise LiveSetupError("no subscription is visible to this identity in the scope "
                                 "(it needs the Reader role on them)")
        return visible
    failed = {e.path for e in errors}
    for asked in options.subscriptions:
        if asked.lower() not in visible and _scope_path(asked.lower()) not in failed:
            errors.append(ScanError(_scope_path(asked.lower()), (
                f"subscription {asked} not reviewed: it does not exist or this identity cannot "
                "read it (it needs the Reader role)")))
    return [s for s in dict.fromkeys(a.lower() for a in options.subscriptions) if s in visible]


def _pages(api: GraphApi, text: str, page_size: int, bar: ProgressBar,
           **scope: Any) -> list[dict[str, Any]]:
    """Every row of a query over one scope, page after page (``ScopeError`` stops it)."""
    rows: list[dict[str, Any]] = []
    token: str | None = None
    bar.grow(1)
    while True:
        try:
            page = api.query(text, skip_token=token, top=page_size, **scope)
        except ScopeError as exc:
            if scope.get("management_groups"):
                raise LiveSetupError(f"management group {', '.join(scope['management_groups'])}: "
                                     f"{exc}") from None
            if not scope:
                raise LiveSetupError(f"Resource Graph refused the tenant-wide query: {exc}") from None
            raise
        rows.extend(page.rows)
        if token is None and page.total is not None and page.skip_token:  # pages to come
            bar.grow(max(0, math.ceil(page.total / max(len(page.rows), 1)) - 1))
        bar.advance(f"{len(rows)} rows")
        token = page.skip_token
        if not token:
            return rows


def _rows(api: GraphApi, text: str, subscriptions: list[str], page_size: int,
          errors: list[ScanError], bar: ProgressBar) -> list[dict[str, Any]]:
    """The rows of a query over subscriptions; a refused subscription is isolated and reported."""
    if not subscriptions:
        return []
    try:
        return _pages(api, text, page_size, bar, subscriptions=subscriptions)
    except ScopeError as exc:
        refused = exc.status is not None and 400 <= exc.status < 500 and exc.status != 429
        if len(subscriptions) == 1 or not refused:  # throttling or an outage: not one's fault
            errors.extend(ScanError(_scope_path(s.lower()), f"subscription {s} not reviewed: {exc}")
                          for s in subscriptions)
            return []
        middle = len(subscriptions) // 2
        return (_rows(api, text, subscriptions[:middle], page_size, errors, bar)
                + _rows(api, text, subscriptions[middle:], page_size, errors, bar))
