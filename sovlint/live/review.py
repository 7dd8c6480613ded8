"""The answer of a live review, the error that stops one, and suppressions written as tags.

A live review is a normaliser like the file formats': it reads a cloud's own
description of its resources and builds the same ``Resource`` model, which
``engine.review_resources`` then resolves and evaluates with the same rules.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlparse

from sovlint.model import Resource, ScanError, SourceSpan, Suppression

#: The tag (AWS, Azure) or label (Google Cloud) whose value is an inline suppression's text.
IGNORE_TAG = "sovlint:ignore"


class LiveSetupError(Exception):
    """The review cannot start or go on (credentials, SDK, scope): one message, exit code 2."""


def endpoint_refusal(endpoint: str) -> str | None:
    """Why ``--endpoint`` is refused (``None``: accepted): https only, or a loopback test server."""
    if urlparse(endpoint).scheme == "https":
        return None
    host = urlparse(endpoint).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return None if loopback else f"--endpoint {endpoint}: only https (or a loopback test server)"


@dataclass(frozen=True)
class LiveReview:
    """What a review read: normalised resources, error entries, and what was looked at."""

    resources: tuple[Resource, ...]
    errors: tuple[ScanError, ...]
    sources: tuple[str, ...]  # the places reviewed (aws://ACCOUNT/REGION, azure://SUB, gcp://PROJECT)
    scopes: tuple[str, ...]  # accounts, subscriptions or projects reviewed
    api_calls: int


def tag_suppressions(tags: Mapping[str, str], span: SourceSpan) -> tuple[Suppression, ...]:
    """The suppressions a resource's tags carry: ``sovlint:ignore`` = ``SOV002 -- reason``
    (the tag name compared case-insensitively; the value as an inline comment's text)."""
    from sovlint.suppress import parse_suppression_text

    return tuple(
        s for k, v in tags.items() if k.lower() == IGNORE_TAG
        if (s := parse_suppression_text(f"{IGNORE_TAG} {v}", span)) is not None
    )
