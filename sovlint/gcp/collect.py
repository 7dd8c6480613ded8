"""The review of ``sovlint gcp``: scopes, one paged search each, failures per scope.

A scope is an organisation, a folder or a project: an organisation with
thousands of projects is one search, paged. Several ``--project`` (or
``--folder``) are one search each; one that is refused (no permission, no such
project) is reported and the others go on. The results are normalised
together (a table is placed where its dataset is).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sovlint.gcp import normalise
from sovlint.gcp.api import PAGE_SIZE, AssetApi, ScopeError
from sovlint.live.progress import ProgressBar
from sovlint.live.review import LiveReview, LiveSetupError
from sovlint.model import ScanError


@dataclass(frozen=True)
class GcpOptions:
    """What ``sovlint gcp`` was asked to review."""

    projects: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    organization: str | None = None
    endpoint: str | None = None  # the Cloud Asset API (a test server)
    page_size: int = PAGE_SIZE
    retries: int = 5
    max_wait: float = 60.0  # the longest Retry-After honoured, in seconds


def scopes_of(options: GcpOptions, default_project: str | None) -> list[str]:
    """The search scopes (``projects/P``, ``folders/F``, ``organizations/O``), in order."""
    given = sum(1 for kind in (options.projects, options.folders, options.organization) if kind)
    if given > 1:
        raise LiveSetupError("give --project, --folder or --organization, not several of them")
    if options.organization:
        return [f"organizations/{options.organization}"]
    if options.folders:
        return [f"folders/{f}" for f in dict.fromkeys(options.folders)]
    projects = list(dict.fromkeys(options.projects)) or ([default_project] if default_project else [])
    if not projects:
        raise LiveSetupError("no scope: give --project, --folder or --organization (the "
                             "application default credentials name no project)")
    return [f"projects/{p}" for p in projects]


def review_gcp(options: GcpOptions, credentials: Any = None, default_project: str | None = None,
               progress: ProgressBar | None = None,
               sleep: Callable[[float], None] | None = None) -> LiveReview:
    """Review the scopes; ``LiveSetupError`` if the review cannot start or go on."""
    if credentials is None:
        from sovlint.gcp.api import default_credentials

        credentials, found = default_credentials()
        default_project = default_project or found
    scopes = scopes_of(options, default_project)
    extra: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
    api = AssetApi(credentials, options.endpoint, retries=options.retries,
                   max_wait=options.max_wait, **extra)
    types = sorted(normalise.asset_types())
    bar = progress or ProgressBar(enabled=False, label="sovlint gcp")
    errors: list[ScanError] = []
    results: list[dict[str, Any]] = []
    reviewed: list[str] = []
    bar.grow(len(scopes))
    try:
        for scope in scopes:
            searched = _search(api, scope, types, options.page_size, bar)
            if isinstance(searched, ScopeError):
                errors.append(ScanError(f"gcp://{scope}", f"{scope} not reviewed: {searched}"))
            else:
                results.extend(searched)
                reviewed.append(scope)
    finally:
        bar.close()
    resources = normalise.normalise_results(results)
    return LiveReview(resources=tuple(resources), errors=tuple(errors),
                      sources=tuple(f"gcp://{s}" for s in reviewed), scopes=tuple(reviewed),
                      api_calls=api.calls)


def _search(api: AssetApi, scope: str, types: list[str], page_size: int,
            bar: ProgressBar) -> list[dict[str, Any]] | ScopeError:
    """Every result of one scope, page after page (or why the scope was refused)."""
    results: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        try:
            page = api.search(scope, types, token, page_size)
        except ScopeError as exc:
            bar.advance(scope)
            return exc
        results.extend(page.results)
        token = page.next_token
        if not token:
            bar.advance(f"{scope} {len(results)} resources")
            return results
        bar.grow(1)
        bar.advance(f"{scope} {len(results)} resources")
