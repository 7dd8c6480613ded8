"""The live normaliser on API response shapes, including those moto does not produce."""

from __future__ import annotations

from sovlint.aws import normalise
from sovlint.model import Replica

ACCOUNT = "111122223333"


def test_bucket_location_constraints() -> None:
    assert normalise.s3_region(None) == "us-east-1"
    assert normalise.s3_region("") == "us-east-1"
    assert normalise.s3_region("EU") == "eu-west-1"
    assert normalise.s3_region("eu-west-3") == "eu-west-3"


def test_arn_region() -> None:
    assert normalise.arn_region("arn:aws:rds:us-east-1:1:db:x") == "us-east-1"
    assert normalise.arn_region("arn:aws:s3:::bucket") is None
    assert normalise.arn_region("orders-replica") is None


def test_s3_replication_destination_outside_the_account_is_unresolved_not_guessed() -> None:
    rules = {"Rules": [
        {"ID": "a", "Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::mine"}},
        {"ID": "b", "Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::theirs"}},
        {"ID": "c", "Status": "Disabled", "Destination": {"Bucket": "arn:aws:s3:::off"}},
    ]}
    regions = {"mine": ("eu-central-1", None), "theirs": (None, "not in the account")}
    replicas = normalise.s3_replicas("arn:aws:s3:::src", rules, regions.__getitem__)
    assert [(r.region, r.unresolved) for r in replicas] == [
        ("eu-central-1", None), (None, "not in the account")]
    assert replicas[0].declared_at is not None
    assert replicas[0].declared_at.path == "replication rule 'a' of arn:aws:s3:::src"


def test_dynamodb_global_table_replicas_are_the_other_regions() -> None:
    table = {"TableArn": f"arn:aws:dynamodb:eu-west-3:{ACCOUNT}:table/t",
             "GlobalTableVersion": "2019.11.21",
             "Replicas": [{"RegionName": "eu-west-3"}, {"RegionName": "us-east-1"}]}
    resource = normalise.dynamodb_table(table, {"classification": "sensitive"}, ACCOUNT,
                                        "eu-west-3")
    assert [(r.region, r.via) for r in resource.replicas] == [
        ("us-east-1", "DynamoDB global table replica")]
    assert resource.source.path == f"aws://{ACCOUNT}/eu-west-3"
    assert resource.account == ACCOUNT and resource.input_format == "aws"


def test_rds_instance_replicas_backups_and_single_site() -> None:
    item = {"DBInstanceArn": f"arn:aws:rds:eu-west-3:{ACCOUNT}:db:orders", "MultiAZ": False,
            "Engine": "postgres", "TagList": [{"Key": "data_classification", "Value": "health"}],
            "ReadReplicaDBInstanceIdentifiers": [
                "orders-local", f"arn:aws:rds:eu-central-1:{ACCOUNT}:db:orders-de"],
            "DBInstanceAutomatedBackupsReplications": [{
                "DBInstanceAutomatedBackupsArn":
                    f"arn:aws:rds:us-west-2:{ACCOUNT}:auto-backup:ab-x"}]}
    resource = normalise.rds_instance(item, ACCOUNT, "eu-west-3")
    assert [r.region for r in resource.replicas] == ["eu-west-3", "eu-central-1", "us-west-2"]
    assert resource.attributes["single_site"] is True
    assert resource.attributes["single_site_reason"] == "RDS instance with MultiAZ false"
    member = normalise.rds_instance({**item, "DBClusterIdentifier": "c"}, ACCOUNT, "eu-west-3")
    assert "single_site" not in member.attributes  # the cluster carries the redundancy


def test_rds_replicated_automated_backup_is_a_resource_of_its_region() -> None:
    source = f"arn:aws:rds:eu-west-3:{ACCOUNT}:db:orders"
    copy = {"DBInstanceAutomatedBackupsArn": f"arn:aws:rds:us-west-2:{ACCOUNT}:auto-backup:ab-x",
            "DBInstanceArn": source}
    resource = normalise.rds_replicated_backup(copy, ACCOUNT, "us-west-2")
    assert resource is not None and resource.region == "us-west-2"
    assert resource.attributes["source_region"] == "eu-west-3"
    local = {**copy, "DBInstanceAutomatedBackupsArn": f"arn:aws:rds:eu-west-3:{ACCOUNT}:x"}
    assert normalise.rds_replicated_backup(local, ACCOUNT, "eu-west-3") is None


def test_global_database_secondaries_are_replicas_of_the_writer() -> None:
    writer = f"arn:aws:rds:eu-west-3:{ACCOUNT}:cluster:main"
    members = [{"DBClusterArn": writer, "IsWriter": True},
               {"DBClusterArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:second",
                "IsWriter": False}]
    cluster = normalise.rds_cluster({"DBClusterArn": writer, "MultiAZ": True}, ACCOUNT,
                                    "eu-west-3", members)
    assert [r.region for r in cluster.replicas] == ["us-east-1"]
    assert "single_site" not in cluster.attributes


def test_efs_replication_and_one_zone() -> None:
    system = {"FileSystemId": "fs-1", "FileSystemArn": f"arn:aws:elasticfilesystem:eu-west-3:"
              f"{ACCOUNT}:file-system/fs-1", "AvailabilityZoneName": "eu-west-3a", "Tags": []}
    replications = [{"SourceFileSystemId": "fs-1", "Destinations": [{"Region": "us-east-1",
                                                                      "FileSystemId": "fs-2"}]},
                     {"SourceFileSystemId": "fs-9", "Destinations": [{"Region": "eu-west-1"}]}]
    resource = normalise.efs_file_system(system, replications, ACCOUNT, "eu-west-3")
    assert [r.region for r in resource.replicas] == ["us-east-1"]
    assert resource.attributes["single_site"] is True


def test_backup_plan_copy_actions_are_its_replicas() -> None:
    plan = {"BackupPlanName": "p", "Rules": [{"RuleName": "r", "CopyActions": [
        {"DestinationBackupVaultArn": f"arn:aws:backup:eu-central-1:{ACCOUNT}:backup-vault:v"}]}]}
    resource = normalise.backup_plan("arn:aws:backup:eu-west-3:1:backup-plan:x", plan, {},
                                     ACCOUNT, "eu-west-3")
    assert [r.region for r in resource.replicas] == ["eu-central-1"]


def test_elasticache_global_datastore_and_multi_az() -> None:
    group = {"ARN": f"arn:aws:elasticache:eu-west-3:{ACCOUNT}:replicationgroup:g",
             "ReplicationGroupId": "g", "MultiAZ": "disabled"}
    members = [{"ReplicationGroupId": "g", "ReplicationGroupRegion": "eu-west-3",
                "Role": "PRIMARY"},
               {"ReplicationGroupId": "g2", "ReplicationGroupRegion": "us-east-1",
                "Role": "SECONDARY"}]
    resource = normalise.elasticache_replication_group(group, {}, members, ACCOUNT, "eu-west-3")
    assert [r.region for r in resource.replicas] == ["us-east-1"]
    assert resource.attributes["single_site_reason"] == (
        "ElastiCache replication group with Multi-AZ disabled")


def test_kms_replica_keys_and_their_primary() -> None:
    primary = {"Arn": f"arn:aws:kms:eu-west-3:{ACCOUNT}:key/mrk-1", "MultiRegion": True,
               "MultiRegionConfiguration": {"MultiRegionKeyType": "PRIMARY",
                                            "ReplicaKeys": [{"Region": "us-east-1"}]}}
    assert normalise.kms_key(primary, {}, ACCOUNT, "eu-west-3").replicas == (
        Replica(via="multi-region replica key", region="us-east-1",
                declared_at=normalise.SourceSpan(
                    f"MultiRegionConfiguration of {primary['Arn']}")),)
    replica = {**primary, "MultiRegionConfiguration": {"MultiRegionKeyType": "REPLICA"}}
    assert normalise.kms_key(replica, {}, ACCOUNT, "us-east-1").resource_type == (
        "AWS::KMS::ReplicaKey")


def test_sovlint_ignore_tag_is_a_suppression() -> None:
    resource = normalise.live_resource(
        arn="arn:aws:s3:::b", resource_type=normalise.S3_BUCKET, account=ACCOUNT,
        region="eu-west-3", tags={"sovlint:ignore": "SOV002 -- EU sovereign contract"})
    assert [(s.rules, s.reason) for s in resource.suppressions] == [
        (("SOV002",), "EU sovereign contract")]
