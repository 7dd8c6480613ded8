"""The read-only gate: the operations table, the shipped IAM policy, the wrapper that checks."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from sovlint.aws.api import AccountApi, NotReadOnlyError, client_config
from sovlint.aws.operations import (IDENTITY_OPERATIONS, READ_ONLY_OPERATIONS, REVIEWED_SERVICES,
                                    iam_actions)

POLICY = Path(__file__).resolve().parents[2] / "docs" / "aws-iam-policy.json"


def test_every_operation_is_list_get_or_describe() -> None:
    for service, operation in set(READ_ONLY_OPERATIONS) - IDENTITY_OPERATIONS:
        assert operation.startswith(("List", "Get", "Describe")), (service, operation)
    assert IDENTITY_OPERATIONS == {("sts", "GetCallerIdentity"), ("sts", "AssumeRole")}


def test_every_operation_exists_in_botocore() -> None:
    session = boto3.Session(region_name="us-east-1")
    for service, operation in READ_ONLY_OPERATIONS:
        model = session._session.get_service_model(service)  # noqa: SLF001 - a model lookup
        assert operation in model.operation_names, (service, operation)


def test_shipped_iam_policy_is_exactly_the_callable_actions() -> None:
    document = json.loads(POLICY.read_text(encoding="utf-8"))
    actions = [a for statement in document["Statement"] for a in statement["Action"]]
    assert sorted(actions) == iam_actions()
    assert all(s["Effect"] == "Allow" and s["Resource"] == "*" for s in document["Statement"])


def test_the_wrapper_refuses_an_operation_outside_the_table() -> None:
    api = AccountApi(boto3.Session(region_name="eu-west-3", aws_access_key_id="x",
                                   aws_secret_access_key="y"),
                     "1", "aws", "eu-west-3", None, client_config(1))
    with pytest.raises(NotReadOnlyError):
        api.call("s3", None, "DeleteBucket", Bucket="b")
    with pytest.raises(NotReadOnlyError):
        next(api.pages("ec2", None, "TerminateInstances", InstanceIds=["i-1"]))


def test_cli_lists_the_same_services_as_the_collectors() -> None:
    from sovlint.aws.services import SERVICES
    from sovlint.cli import AWS_SERVICES

    assert AWS_SERVICES == REVIEWED_SERVICES == SERVICES
