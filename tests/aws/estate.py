"""A realistic AWS estate built in a moto server, and the findings it must give.

What moto (5.2) does not implement, and how the tests cover it instead:

- DynamoDB global tables: ``UpdateTable(ReplicaUpdates=...)`` is accepted but
  ``DescribeTable`` never returns ``Replicas`` (and ``ListGlobalTables``
  fails). The estate creates the replica table in us-east-1 as its own table
  (which is how a replica shows up in that region); ``Replicas`` is tested on
  the normaliser and through a stubbed client (test_services.py).
- EFS ``DescribeReplicationConfigurations`` answers HTTP 500: no EFS file
  system in the estate; tested through a stubbed client.
- RDS automated backup replication and global clusters: not implemented
  (``DescribeDBInstanceAutomatedBackups`` exists but has no ARNs); tested on
  the normaliser.
"""

from __future__ import annotations

from typing import Any

import boto3

ACCOUNT = "123456789012"


def client(endpoint: str, service: str, region: str) -> Any:
    """A client of the moto server."""
    return boto3.client(service, region_name=region, endpoint_url=endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _bucket(endpoint: str, name: str, region: str, data_class: str | None) -> None:
    s3 = client(endpoint, "s3", region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if data_class:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [
            {"Key": "data_classification", "Value": data_class}]})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def _replicate(endpoint: str, source: str, region: str, destination: str) -> None:
    client(endpoint, "s3", region).put_bucket_replication(Bucket=source, ReplicationConfiguration={
        "Role": f"arn:aws:iam::{ACCOUNT}:role/replication",
        "Rules": [{"ID": f"to-{destination}", "Status": "Enabled", "Priority": 1,
                   "Filter": {"Prefix": ""},
                   "DeleteMarkerReplication": {"Status": "Disabled"},
                   "Destination": {"Bucket": f"arn:aws:s3:::{destination}"}}]})


def build_estate(endpoint: str) -> None:
    """Buckets, databases, tables, backups, volumes, caches, search, keys in 3 regions."""
    _bucket(endpoint, "paris-reports", "eu-west-3", "strategic")
    _bucket(endpoint, "virginia-copy", "us-east-1", "sensitive")
    _bucket(endpoint, "frankfurt-archive", "eu-central-1", "strategic")
    _bucket(endpoint, "paris-website", "eu-west-3", "public")
    _bucket(endpoint, "paris-to-frankfurt", "eu-west-3", "strategic")
    _bucket(endpoint, "paris-to-partner", "eu-west-3", "strategic")
    _replicate(endpoint, "paris-reports", "eu-west-3", "virginia-copy")
    _replicate(endpoint, "paris-to-frankfurt", "eu-west-3", "frankfurt-archive")
    _replicate(endpoint, "paris-to-partner", "eu-west-3", "partner-bucket-elsewhere")

    rds = client(endpoint, "rds", "eu-west-3")
    rds.create_db_instance(DBInstanceIdentifier="orders", Engine="postgres",
                           DBInstanceClass="db.t3.micro", AllocatedStorage=20, MultiAZ=True,
                           MasterUsername="admin1", MasterUserPassword="password123",
                           Tags=[{"Key": "data_classification", "Value": "sensitive"}])
    rds.create_db_instance(DBInstanceIdentifier="ledger", Engine="postgres",
                           DBInstanceClass="db.t3.micro", AllocatedStorage=20, MultiAZ=False,
                           MasterUsername="admin1", MasterUserPassword="password123",
                           Tags=[{"Key": "Data-Classification", "Value": "confidential"}])
    client(endpoint, "rds", "us-east-1").create_db_instance_read_replica(
        DBInstanceIdentifier="orders-replica", DBInstanceClass="db.t3.micro", MultiAZ=True,
        SourceDBInstanceIdentifier=f"arn:aws:rds:eu-west-3:{ACCOUNT}:db:orders")

    for region in ("eu-west-3", "us-east-1"):  # a global table and its replica (see above)
        client(endpoint, "dynamodb", region).create_table(
            TableName="customers", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            Tags=[{"Key": "data_classification", "Value": "strategic"}])
    client(endpoint, "dynamodb", "eu-west-3").create_table(
        TableName="feature-flags", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        Tags=[{"Key": "classification", "Value": "internal"}])

    paris_backup = client(endpoint, "backup", "eu-west-3")
    paris_backup.create_backup_vault(BackupVaultName="paris-vault",
                                     BackupVaultTags={"data_classification": "public"})
    client(endpoint, "backup", "us-east-1").create_backup_vault(
        BackupVaultName="virginia-vault", BackupVaultTags={"data_classification": "public"})
    paris_backup.create_backup_plan(BackupPlan={"BackupPlanName": "nightly", "Rules": [{
        "RuleName": "nightly-with-copy", "TargetBackupVaultName": "paris-vault",
        "CopyActions": [{"DestinationBackupVaultArn":
                         f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:virginia-vault"}]}]},
        BackupPlanTags={"data_classification": "sensitive"})

    paris_ec2 = client(endpoint, "ec2", "eu-west-3")
    volume = paris_ec2.create_volume(AvailabilityZone="eu-west-3a", Size=8, TagSpecifications=[
        {"ResourceType": "volume", "Tags": [{"Key": "data_classification", "Value": "public"}]}])
    snapshot = paris_ec2.create_snapshot(VolumeId=volume["VolumeId"], TagSpecifications=[
        {"ResourceType": "snapshot",
         "Tags": [{"Key": "data_classification", "Value": "public"}]}])
    client(endpoint, "ec2", "us-east-1").copy_snapshot(
        SourceRegion="eu-west-3", SourceSnapshotId=snapshot["SnapshotId"],
        TagSpecifications=[{"ResourceType": "snapshot",
                            "Tags": [{"Key": "data_classification", "Value": "health"}]}])

    cache = client(endpoint, "elasticache", "eu-west-3")
    cache.create_cache_cluster(CacheClusterId="sessions", Engine="redis",
                               CacheNodeType="cache.t3.micro", NumCacheNodes=1,
                               Tags=[{"Key": "data_classification", "Value": "internal"}])
    client(endpoint, "opensearch", "eu-west-3").create_domain(
        DomainName="audit-logs", ClusterConfig={"ZoneAwarenessEnabled": False},
        TagList=[{"Key": "data_classification", "Value": "strategic"}])
    paris_redshift = client(endpoint, "redshift", "eu-west-3")
    paris_redshift.create_cluster(ClusterIdentifier="warehouse", NodeType="dc2.large",
                                  MasterUsername="admin1", MasterUserPassword="Password123",
                                  ClusterType="single-node",
                                  Tags=[{"Key": "data_classification", "Value": "sensitive"}])
    paris_redshift.enable_snapshot_copy(ClusterIdentifier="warehouse",
                                        DestinationRegion="us-east-1")
    kms = client(endpoint, "kms", "eu-west-3")
    key = kms.create_key(MultiRegion=True, Tags=[{"TagKey": "data_classification",
                                                  "TagValue": "strategic"}])
    kms.replicate_key(KeyId=key["KeyMetadata"]["KeyId"], ReplicaRegion="us-east-1")
