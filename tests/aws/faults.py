"""Session factories for the tests: record every operation sent, or answer some with an error.

Both are botocore ``before-call`` hooks registered on every session the
review creates (its own and the assumed-role ones). A hook that returns a
response short-circuits the call, which is how AWS errors are injected into
a review against moto (which enforces no IAM).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import boto3
from botocore.awsrequest import AWSResponse


@dataclass
class OperationRecorder:
    """Every (service, operation, region) sent, in order."""

    sent: list[tuple[str, str, str | None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, model: Any, context: Any = None, **_: Any) -> None:
        region = (context or {}).get("client_region")
        with self._lock:
            self.sent.append((model.service_model.service_name, model.name, region))


@dataclass(frozen=True)
class Fault:
    """Answer matching calls with an AWS error."""

    service: str
    operation: str
    code: str
    region: str | None = None  # any region when None
    when: Callable[[dict[str, Any]], bool] = lambda params: True
    status: int = 403

    def matches(self, service: str, operation: str, region: str | None,
                params: dict[str, Any]) -> bool:
        return (service == self.service and operation == self.operation
                and (self.region is None or region == self.region) and self.when(params))


def session_factory(recorder: OperationRecorder | None = None,
                    faults: tuple[Fault, ...] = ()) -> Callable[..., boto3.Session]:
    """A ``boto3.Session`` factory with the recorder and faults registered on each session."""

    def inject(model: Any, params: Any = None, context: Any = None, **_: Any) -> Any:
        region = (context or {}).get("client_region")
        for fault in faults:
            if fault.matches(model.service_model.service_name, model.name, region, params or {}):
                response = AWSResponse("https://fault.invalid", fault.status, {}, None)
                return response, {"Error": {"Code": fault.code, "Message": "injected by the test"},
                                  "ResponseMetadata": {"HTTPStatusCode": fault.status}}
        return None

    def make(**kwargs: Any) -> boto3.Session:
        session = boto3.Session(**kwargs)
        if recorder is not None:
            session.events.register("before-call", recorder)
        if faults:
            session.events.register("before-call", inject)
        return session

    return make
