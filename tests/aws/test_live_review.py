"""``sovlint aws`` against a moto server: findings, read-only calls, failures, organisations."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from estate import ACCOUNT, build_estate, client
from faults import Fault, OperationRecorder, session_factory
from sovlint.aws.api import AwsSetupError
from sovlint.aws.collect import ReviewOptions, review_aws
from sovlint.aws.operations import IDENTITY_OPERATIONS, READ_ONLY_OPERATIONS
from sovlint.cli import main

PARIS, VIRGINIA = "eu-west-3", "us-east-1"
PLAN = re.compile(rf"arn:aws:backup:eu-west-3:{ACCOUNT}:backup-plan:[0-9a-f-]+")
REPLICA_SNAPSHOT = re.compile(r"arn:aws:ec2:us-east-1::snapshot/snap-[0-9a-f]+")

#: (rule, address) of every finding the estate must give; ``PLAN`` and ``REPLICA_SNAPSHOT``
#: stand for the addresses moto generates.
EXPECTED = {
    # Paris: AWS is exposed to US law whatever the region (SOV002), copies abroad (SOV003)
    ("SOV002", "arn:aws:s3:::paris-reports"),
    ("SOV003", "arn:aws:s3:::paris-reports"),  # replication to virginia-copy (us-east-1)
    ("SOV002", "arn:aws:s3:::paris-to-frankfurt"),
    ("SOV003", "arn:aws:s3:::paris-to-frankfurt"),  # to eu-central-1, a region not reviewed
    ("SOV002", "arn:aws:s3:::paris-to-partner"),
    ("SOV004", "arn:aws:s3:::paris-to-partner"),  # destination bucket not in the account
    ("SOV002", f"arn:aws:rds:eu-west-3:{ACCOUNT}:db:orders"),
    ("SOV003", f"arn:aws:rds:eu-west-3:{ACCOUNT}:db:orders"),  # cross-region read replica
    ("SOV002", f"arn:aws:rds:eu-west-3:{ACCOUNT}:db:ledger"),
    ("SOV009", f"arn:aws:rds:eu-west-3:{ACCOUNT}:db:ledger"),  # MultiAZ false
    ("SOV002", f"arn:aws:dynamodb:eu-west-3:{ACCOUNT}:table/customers"),
    ("SOV002", "PLAN"),
    ("SOV003", "PLAN"),  # copy action to a us-east-1 vault
    ("SOV002", f"arn:aws:es:eu-west-3:{ACCOUNT}:domain/audit-logs"),
    ("SOV009", f"arn:aws:es:eu-west-3:{ACCOUNT}:domain/audit-logs"),  # no zone awareness
    ("SOV002", f"arn:aws:redshift:eu-west-3:{ACCOUNT}:cluster:warehouse"),
    ("SOV003", f"arn:aws:redshift:eu-west-3:{ACCOUNT}:cluster:warehouse"),  # snapshot copy
    # Virginia: outside France, and US law
    ("SOV001", "arn:aws:s3:::virginia-copy"),
    ("SOV002", "arn:aws:s3:::virginia-copy"),
    ("SOV001", f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders-replica"),
    ("SOV002", f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders-replica"),
    ("SOV001", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/customers"),
    ("SOV002", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/customers"),
    ("SOV001", "REPLICA_SNAPSHOT"),  # the snapshot copied to us-east-1, tagged health
    ("SOV002", "REPLICA_SNAPSHOT"),
    ("SOV006", "REPLICA_SNAPSHOT"),  # health data outside the EEA: not an HDS host
}


def _shape(address: str) -> str:
    if PLAN.fullmatch(address):
        return "PLAN"
    if REPLICA_SNAPSHOT.fullmatch(address):
        return "REPLICA_SNAPSHOT"
    return address


def _run(args: list[str]) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(main, ["aws", *args, "--format", "json"])
    document = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, document, result.stderr


def test_review_gives_the_estate_findings(moto: str, live_catalog: Path) -> None:
    build_estate(moto)
    code, document, _ = _run(["--endpoint-url", moto, "--region", PARIS, "--region", VIRGINIA])
    assert code == 1
    assert document["errors"] == []
    found = {(f["rule"], _shape(f["address"])) for f in document["findings"]}
    assert found == EXPECTED
    paths = {f["path"] for f in document["findings"]}
    assert paths == {f"aws://{ACCOUNT}/{PARIS}", f"aws://{ACCOUNT}/{VIRGINIA}"}
    assert all(f["line"] is None for f in document["findings"])
    resources = {r["address"]: r for r in document["resources"]}
    assert "arn:aws:s3:::frankfurt-archive" not in resources  # eu-central-1 is not reviewed
    assert resources["arn:aws:s3:::paris-reports"]["replicas"] == [
        {"region": "us-east-1", "country": "US", "countries": ["US"],
         "via": "S3 replication to bucket virginia-copy"}]
    assert resources["arn:aws:s3:::paris-to-partner"]["replicas"][0]["region"] is None
    assert resources["arn:aws:s3:::paris-website"]["data_class"] == "public"
    assert resources[f"arn:aws:rds:eu-west-3:{ACCOUNT}:db:ledger"]["data_class"] == "sensitive"
    kms = [r for r in document["resources"] if r["resource_type"] == "AWS::KMS::Key"]
    assert [r["category"] for r in kms] == ["key-management"]
    assert document["summary"]["files"] == 2  # the two account/region sources


def test_review_sends_only_read_only_operations(moto: str, live_catalog: Path) -> None:
    build_estate(moto)
    recorder = OperationRecorder()
    review = review_aws(ReviewOptions(endpoint_url=moto, regions=(PARIS, VIRGINIA, "eu-central-1"),
                                      max_workers=4),
                        session_factory=session_factory(recorder))
    assert review.errors == ()
    sent = {(service, operation) for service, operation, _ in recorder.sent}
    assert sent <= set(READ_ONLY_OPERATIONS)
    for service, operation in sent - IDENTITY_OPERATIONS:
        assert operation.startswith(("List", "Get", "Describe")), (service, operation)
    assert review.api_calls == len(recorder.sent)
    # every service was exercised, so the check above covers the whole review
    assert {service for service, _ in sent} >= {"sts", "ec2", "s3", "rds", "dynamodb", "backup",
                                                "redshift", "elasticache", "opensearch", "kms"}


def test_access_denied_on_one_service_is_reported_and_the_rest_goes_on(
        moto: str, live_catalog: Path) -> None:
    build_estate(moto)
    faults = (Fault("rds", "DescribeDBInstances", "AccessDenied", region=PARIS),
              Fault("s3", "GetBucketTagging", "AccessDenied",
                    when=lambda params: "paris-website" in str(params)))
    review = review_aws(ReviewOptions(endpoint_url=moto, regions=(PARIS, VIRGINIA)),
                        session_factory=session_factory(faults=faults))
    messages = sorted((e.path, e.message.split(": injected")[0]) for e in review.errors)
    assert messages == [
        (f"aws://{ACCOUNT}/{PARIS}", "rds:DescribeDBInstances: access denied (AccessDenied)"),
        (f"aws://{ACCOUNT}/{PARIS}",
         "s3:GetBucketTagging on paris-website: access denied (AccessDenied)")]
    addresses = {r.address for r in review.resources}
    assert f"arn:aws:rds:eu-west-3:{ACCOUNT}:db:orders" not in addresses
    assert f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders-replica" in addresses
    website = next(r for r in review.resources if r.address == "arn:aws:s3:::paris-website")
    assert website.tags == {}  # unknown tags: the default data class applies (fail closed)


def test_invalid_credentials_stop_with_one_message_and_exit_2(
        moto: str, live_catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AwsSetupError, match="expired or invalid .ExpiredToken."):
        review_aws(ReviewOptions(endpoint_url=moto),
                   session_factory=session_factory(
                       faults=(Fault("sts", "GetCallerIdentity", "ExpiredToken"),)))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, document, stderr = _run(["--endpoint-url", moto, "--region", PARIS])
    assert code == 2
    assert document == {}
    assert stderr.strip().splitlines() == [
        "sovlint: AWS credentials are missing, expired or invalid (NoCredentialsError); refresh "
        "them (aws sso login, aws configure, AWS_PROFILE) and run again"]


def test_unknown_and_disabled_regions_are_skipped_and_reported(
        moto: str, live_catalog: Path) -> None:
    review = review_aws(ReviewOptions(endpoint_url=moto, regions=(PARIS, "mars-north-1"),
                                      services=("dynamodb",)),
                        session_factory=session_factory())
    assert [e.message for e in review.errors] == [
        f"region mars-north-1 is not a region of account {ACCOUNT}: skipped"]
    assert review.sources == (f"aws://{ACCOUNT}/{PARIS}",)


def _organisation(endpoint: str, members: int) -> list[str]:
    orgs = client(endpoint, "organizations", "us-east-1")
    orgs.create_organization(FeatureSet="ALL")
    ids = []
    for index in range(members):
        status = orgs.create_account(AccountName=f"member{index}",
                                     Email=f"member{index}@example.com")["CreateAccountStatus"]
        ids.append(status["AccountId"])
    return ids


def _member_table(endpoint: str, account: str, region: str, name: str) -> None:
    sts = client(endpoint, "sts", "us-east-1")
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/Audit",
                                  RoleSessionName="setup")["Credentials"]
    import boto3

    boto3.client("dynamodb", region_name=region, endpoint_url=endpoint,
                 aws_access_key_id=credentials["AccessKeyId"],
                 aws_secret_access_key=credentials["SecretAccessKey"],
                 aws_session_token=credentials["SessionToken"]).create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])


def test_organisation_review_names_each_account(moto: str, live_catalog: Path) -> None:
    members = _organisation(moto, 3)
    for account in members:
        _member_table(moto, account, VIRGINIA, "orders")
    denied = members[2]
    faults = (Fault("sts", "AssumeRole", "AccessDenied",
                    when=lambda params: denied in str(params.get("body"))),)
    recorder = OperationRecorder()
    review = review_aws(
        ReviewOptions(endpoint_url=moto, regions=(VIRGINIA,), services=("dynamodb",), org=True,
                      role_name="OrganizationAccountAccessRole"),
        session_factory=session_factory(recorder, faults))
    assert set(review.accounts) == {ACCOUNT, *members}
    tables = sorted((r.account, r.address) for r in review.resources)
    assert tables == sorted((a, f"arn:aws:dynamodb:us-east-1:{a}:table/orders")
                            for a in members[:2])
    assert [e.path for e in review.errors] == [f"aws://{denied}/global"]
    assert review.errors[0].message.startswith(
        f"account {denied} skipped: cannot assume role OrganizationAccountAccessRole: "
        "access denied (AccessDenied)")
    sent = {(s, o) for s, o, _ in recorder.sent}
    assert ("organizations", "ListAccounts") in sent and ("sts", "AssumeRole") in sent
