"""Collectors on stubbed clients, for the answers moto does not give (see estate.py)."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from sovlint.aws.api import AccountApi, client_config
from sovlint.aws.services import collect_dynamodb, collect_efs

ACCOUNT = "111122223333"
REGION = "eu-west-3"


def _api() -> AccountApi:
    session = boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
    return AccountApi(session, ACCOUNT, "aws", REGION, None, client_config(1))


def test_dynamodb_global_table_replicas() -> None:
    api = _api()
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/customers"
    with Stubber(api.client("dynamodb", REGION)) as stub:
        stub.add_response("list_tables", {"TableNames": ["customers"]})
        stub.add_response("describe_table", {"Table": {
            "TableName": "customers", "TableArn": arn, "GlobalTableVersion": "2019.11.21",
            "Replicas": [{"RegionName": "us-east-1"}, {"RegionName": REGION}]}},
            {"TableName": "customers"})
        stub.add_response("list_tags_of_resource",
                          {"Tags": [{"Key": "data_classification", "Value": "sensitive"}]},
                          {"ResourceArn": arn})
        harvest = collect_dynamodb(api, REGION)
    [table] = harvest.resources
    assert [r.region for r in table.replicas] == ["us-east-1"]
    assert table.tags == {"data_classification": "sensitive"}


def test_efs_replication_destinations_and_a_denied_replication_listing() -> None:
    api = _api()
    system = {"OwnerId": ACCOUNT, "CreationToken": "t", "FileSystemId": "fs-1",
              "FileSystemArn": f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/fs-1",
              "CreationTime": "2024-01-01T00:00:00Z", "LifeCycleState": "available",
              "NumberOfMountTargets": 0, "SizeInBytes": {"Value": 0},
              "PerformanceMode": "generalPurpose", "Tags": []}
    with Stubber(api.client("efs", REGION)) as stub:
        stub.add_response("describe_file_systems", {"FileSystems": [system]})
        stub.add_response("describe_replication_configurations", {"Replications": [{
            "SourceFileSystemId": "fs-1", "SourceFileSystemRegion": REGION,
            "SourceFileSystemArn": system["FileSystemArn"], "OriginalSourceFileSystemArn": "x",
            "CreationTime": "2024-01-01T00:00:00Z",
            "Destinations": [{"Status": "ENABLED", "FileSystemId": "fs-2",
                              "Region": "us-east-1"}]}]})
        harvest = collect_efs(api, REGION)
    assert [r.region for r in harvest.resources[0].replicas] == ["us-east-1"]
    with Stubber(api.client("efs", REGION)) as stub:
        stub.add_response("describe_file_systems", {"FileSystems": [system]})
        stub.add_client_error("describe_replication_configurations", "AccessDeniedException",
                              "no", 403)
        harvest = collect_efs(api, REGION)
    assert [e.message for e in harvest.errors] == [
        "efs:DescribeReplicationConfigurations: access denied (AccessDeniedException): no"]
    assert len(harvest.resources) == 1  # the file system is still reviewed
