"""One account's AWS clients, and the only way the review sends a request.

``AccountApi.call``/``AccountApi.pages`` refuse any operation that is not in
``READ_ONLY_OPERATIONS``. boto3 sessions are not thread-safe but clients are:
clients are created under a lock, one per (service, region), and shared by the
worker threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import boto3
import botocore.exceptions
from botocore import xform_name
from botocore.config import Config as BotocoreConfig

from sovlint.aws.operations import READ_ONLY_OPERATIONS
from sovlint.live.review import LiveSetupError

#: Error codes that mean "this identity may not read this": reported, and the review goes on.
ACCESS_DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
    "UnauthorizedAccess", "Forbidden",
})
#: Error codes that mean the credentials themselves are unusable.
CREDENTIAL_ERROR_CODES = frozenset({
    "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "AuthFailure", "InvalidToken",
})

SessionFactory = Callable[..., boto3.Session]


class NotReadOnlyError(Exception):
    """A programming error: code tried to send an operation outside ``READ_ONLY_OPERATIONS``."""


class AwsSetupError(LiveSetupError):
    """The review cannot start (credentials, profile): one message, exit code 2."""


def client_config(max_workers: int) -> BotocoreConfig:
    """Retries with client-side rate limiting, short timeouts, a pool sized for the workers."""
    return BotocoreConfig(
        retries={"mode": "adaptive", "max_attempts": 5},
        connect_timeout=5,
        read_timeout=20,
        max_pool_connections=max(10, max_workers),
        user_agent_extra="sovlint",
    )


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a ``ClientError`` (``None`` for other exceptions)."""
    if isinstance(exc, botocore.exceptions.ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "") or None
    return None


def is_credentials_error(exc: BaseException) -> bool:
    """Whether ``exc`` says the credentials are missing, expired or invalid."""
    if isinstance(exc, (botocore.exceptions.NoCredentialsError,
                        botocore.exceptions.PartialCredentialsError,
                        botocore.exceptions.TokenRetrievalError)):
        return True
    return error_code(exc) in CREDENTIAL_ERROR_CODES


def describe_failure(exc: BaseException) -> str:
    """A one-line description of a failed call, for an error entry."""
    code = error_code(exc)
    if isinstance(exc, botocore.exceptions.ClientError):
        detail = _short(str(exc.response.get("Error", {}).get("Message") or exc))
    else:
        detail = _short(str(exc))
    if code in ACCESS_DENIED_CODES:
        return f"access denied ({code}): {detail}"
    if code is not None:
        return f"{code}: {detail}"
    return f"{type(exc).__name__}: {detail}"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


@dataclass(frozen=True)
class Identity:
    """Who the review runs as."""

    account: str
    arn: str
    partition: str


class AccountApi:
    """Read-only calls into one AWS account."""

    def __init__(self, session: boto3.Session, account: str, partition: str,
                 home_region: str, endpoint_url: str | None, config: BotocoreConfig):
        self.session = session
        self.account = account
        self.partition = partition
        self.home_region = home_region
        self.endpoint_url = endpoint_url
        self._config = config
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}

    def for_session(self, session: boto3.Session, account: str) -> AccountApi:
        """The same settings for another account's session (an assumed role)."""
        return AccountApi(session, account, self.partition, self.home_region, self.endpoint_url,
                          self._config)

    def client(self, service: str, region: str | None = None) -> Any:
        """The shared client of ``service`` in ``region`` (the home region by default)."""
        key = (service, region or self.home_region)
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                found = self.session.client(service, region_name=key[1],
                                            endpoint_url=self.endpoint_url, config=self._config)
                self._clients[key] = found
            return found

    def call(self, service: str, region: str | None, operation: str, **params: Any) -> dict[str, Any]:
        """Send one read-only operation (its API name, e.g. ``GetBucketLocation``)."""
        _check(service, operation)
        method = getattr(self.client(service, region), xform_name(operation))
        return dict(method(**params))

    def pages(self, service: str, region: str | None, operation: str,
              **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of a read-only operation: botocore's paginator, else ``NextToken``."""
        _check(service, operation)
        client = self.client(service, region)
        name = xform_name(operation)
        if client.can_paginate(name):
            yield from client.get_paginator(name).paginate(**params)
            return
        while True:
            page = dict(getattr(client, name)(**params))
            yield page
            token = page.get("NextToken")
            if not token:
                return
            params = {**params, "NextToken": token}


def _check(service: str, operation: str) -> None:
    if (service, operation) not in READ_ONLY_OPERATIONS:
        raise NotReadOnlyError(f"{service}:{operation} is not in READ_ONLY_OPERATIONS")


def open_account(factory: SessionFactory, profile: str | None, endpoint_url: str | None,
                 config: BotocoreConfig) -> tuple[AccountApi, Identity]:
    """The caller's account: a session and STS ``GetCallerIdentity``, or ``AwsSetupError``."""
    try:
        session = factory(profile_name=profile) if profile else factory()
    except botocore.exceptions.ProfileNotFound as exc:
        raise AwsSetupError(f"AWS profile not found: {exc}") from None
    home = session.region_name or "us-east-1"
    probe = AccountApi(session, "", "aws", home, endpoint_url, config)
    try:
        who = probe.call("sts", None, "GetCallerIdentity")
    except Exception as exc:  # any failure here means no review can run
        if is_credentials_error(exc):
            raise AwsSetupError(
                "AWS credentials are missing, expired or invalid "
                f"({error_code(exc) or type(exc).__name__}); refresh them "
                "(aws sso login, aws configure, AWS_PROFILE) and run again") from None
        raise AwsSetupError(f"cannot reach AWS STS: {describe_failure(exc)}") from None
    arn = str(who["Arn"])
    identity = Identity(account=str(who["Account"]), arn=arn, partition=arn.split(":")[1] or "aws")
    api = AccountApi(session, identity.account, identity.partition, home, endpoint_url, config)
    return api, identity
