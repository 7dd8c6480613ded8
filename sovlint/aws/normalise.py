"""AWS API responses -> ``Resource``: the live review's normaliser (pure functions).

Conventions of live resources:

- ``address`` is the resource's ARN; ``account`` its account id;
  ``input_format`` is ``aws``; ``provider`` is ``aws``.
- ``resource_type`` is the CloudFormation type name (``AWS::S3::Bucket``), so
  the ``cloudformation`` table of ``policies/categories.yaml`` gives the
  category; ``LIVE_RESOURCE_TYPES`` lists every type built here.
- ``source`` is ``SourceSpan("aws://ACCOUNT/REGION")`` with no line: the
  place the resource was read from. Findings, baselines and fingerprints use
  it as their path.
- Tags are the resource's own tags (the data class is read from them by the
  resolver, as for code); a tag ``sovlint:ignore`` with the same text as an
  inline comment (``SOV002 -- reason``) suppresses findings on the resource.
- A replica is attached to the resource whose data is copied (SPEC §2);
  ``declared_at`` names the setting that declares the copy.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

from sovlint.live.review import tag_suppressions
from sovlint.model import Replica, Resource, SourceSpan

S3_BUCKET = "AWS::S3::Bucket"
RDS_INSTANCE = "AWS::RDS::DBInstance"
RDS_CLUSTER = "AWS::RDS::DBCluster"
RDS_SNAPSHOT = "AWS::RDS::DBSnapshot"
RDS_AUTOMATED_BACKUP = "AWS::RDS::DBInstanceAutomatedBackup"
DYNAMODB_TABLE = "AWS::DynamoDB::Table"
EBS_VOLUME = "AWS::EC2::Volume"
EBS_SNAPSHOT = "AWS::EC2::Snapshot"
EFS_FILE_SYSTEM = "AWS::EFS::FileSystem"
BACKUP_VAULT = "AWS::Backup::BackupVault"
BACKUP_PLAN = "AWS::Backup::BackupPlan"
REDSHIFT_CLUSTER = "AWS::Redshift::Cluster"
ELASTICACHE_REPLICATION_GROUP = "AWS::ElastiCache::ReplicationGroup"
ELASTICACHE_CLUSTER = "AWS::ElastiCache::CacheCluster"
OPENSEARCH_DOMAIN = "AWS::OpenSearchService::Domain"
KMS_KEY = "AWS::KMS::Key"
KMS_REPLICA_KEY = "AWS::KMS::ReplicaKey"

#: Every resource type the live review builds (the category map must cover them).
LIVE_RESOURCE_TYPES = (
    S3_BUCKET, RDS_INSTANCE, RDS_CLUSTER, RDS_SNAPSHOT, RDS_AUTOMATED_BACKUP, DYNAMODB_TABLE,
    EBS_VOLUME, EBS_SNAPSHOT, EFS_FILE_SYSTEM, BACKUP_VAULT, BACKUP_PLAN, REDSHIFT_CLUSTER,
    ELASTICACHE_REPLICATION_GROUP, ELASTICACHE_CLUSTER, OPENSEARCH_DOMAIN, KMS_KEY, KMS_REPLICA_KEY,
)

def source_path(account: str, region: str | None) -> str:
    """Where a live resource was read from: ``aws://ACCOUNT/REGION``."""
    return f"aws://{account}/{region or 'unknown-region'}"


def arn_region(arn: str) -> str | None:
    """The region field of an ARN (``None`` when empty, as for S3 buckets)."""
    parts = arn.split(":")
    return (parts[3] or None) if len(parts) > 5 and parts[0] == "arn" else None


def s3_region(location_constraint: str | None) -> str:
    """A bucket's region from ``GetBucketLocation``: empty means us-east-1, ``EU`` eu-west-1."""
    if not location_constraint:
        return "us-east-1"
    if location_constraint == "EU":
        return "eu-west-1"
    return location_constraint


def tag_map(items: Iterable[Mapping[str, Any]] | None, key: str = "Key",
            value: str = "Value") -> dict[str, str]:
    """``[{"Key": k, "Value": v}]`` (or another key/value naming: each API names the list and its
    fields, the collector says which) as a dict, read by the one tag reader of every format."""
    from sovlint.placement.semantics import TagSpec
    from sovlint.placement.tags import read_tags
    from sovlint.placement.trees import TreeArguments

    return read_tags((TagSpec(argument="tags", form="pairs", key=key, value=value),),
                     TreeArguments({"tags": list(items or ())}))


def live_resource(*, arn: str, resource_type: str, account: str, region: str | None,
                  tags: Mapping[str, str] | None = None, replicas: Sequence[Replica] = (),
                  attributes: Mapping[str, Any] | None = None,
                  unresolved: Sequence[str] = ()) -> Resource:
    """One live resource with the conventions of this module."""
    own_tags = dict(tags or {})
    span = SourceSpan(source_path(account, region))
    suppressions = tag_suppressions(own_tags, span)
    return Resource(
        address=arn, resource_type=resource_type, source=span, input_format="aws",
        provider="aws", region=region, unresolved=tuple(unresolved), tags=own_tags,
        replicas=tuple(replicas), attributes=dict(attributes or {}),
        suppressions=suppressions, account=account,
    )


def _declared(text: str) -> SourceSpan:
    return SourceSpan(text)


def _single_site(attributes: dict[str, Any], reason: str | None) -> dict[str, Any]:
    if reason is not None:
        attributes["single_site"] = True
        attributes["single_site_reason"] = reason
    return attributes


# --- S3 -------------------------------------------------------------------------------------


def s3_bucket_name(destination: str) -> str:
    """The bucket name of a replication destination (``arn:aws:s3:::name``)."""
    return destination.rsplit(":", 1)[-1] if destination.startswith("arn:") else destination


def s3_replicas(arn: str, replication: Mapping[str, Any] | None,
                destination_region: Callable[[str], tuple[str | None, str | None]]
                ) -> list[Replica]:
    """The enabled replication rules' destinations.

    ``destination_region(bucket)`` returns (region, None) or (None, why the
    region cannot be read): a bucket ARN carries no region, so the caller
    looks it up in the account or gives up (never a guess).
    """
    replicas: list[Replica] = []
    for rule in (replication or {}).get("Rules") or ():
        if rule.get("Status") != "Enabled":
            continue
        bucket = s3_bucket_name(str((rule.get("Destination") or {}).get("Bucket") or ""))
        if not bucket:
            continue
        where = _declared(f"replication rule {rule.get('ID') or '(unnamed)'!r} of {arn}")
        region, why = destination_region(bucket)
        if region is not None:
            replicas.append(Replica(via=f"S3 replication to bucket {bucket}", region=region,
                                    declared_at=where))
        else:
            replicas.append(Replica(via=f"S3 replication to bucket {bucket}", region=None,
                                    unresolved=why, declared_at=where))
    return replicas


def s3_bucket(name: str, account: str, partition: str, region: str | None,
              tags: Mapping[str, str], replicas: Sequence[Replica],
              unresolved: Sequence[str] = ()) -> Resource:
    """A bucket in its region (``region`` ``None`` when its location could not be read)."""
    return live_resource(arn=f"arn:{partition}:s3:::{name}", resource_type=S3_BUCKET,
                         account=account, region=region, tags=tags, replicas=replicas,
                         attributes={"name": name}, unresolved=unresolved)


# --- RDS ------------------------------------------------------------------------------------


def rds_instance(item: Mapping[str, Any], account: str, region: str) -> Resource:
    """A DB instance: read replicas, automated backup replication, Multi-AZ."""
    arn = str(item["DBInstanceArn"])
    replicas: list[Replica] = []
    for replica in item.get("ReadReplicaDBInstanceIdentifiers") or ():
        replicas.append(Replica(
            via=f"read replica {replica}",
            region=arn_region(replica) if str(replica).startswith("arn:") else region,
            declared_at=_declared(f"ReadReplicaDBInstanceIdentifiers of {arn}")))
    for backup in item.get("DBInstanceAutomatedBackupsReplications") or ():
        target = str(backup.get("DBInstanceAutomatedBackupsArn") or "")
        replicas.append(Replica(
            via="automated backup replication", region=arn_region(target),
            unresolved=None if arn_region(target) else f"automated backup replication {target!r}",
            declared_at=_declared(f"DBInstanceAutomatedBackupsReplications of {arn}")))
    attributes: dict[str, Any] = {"engine": item.get("Engine"), "multi_az": bool(item.get("MultiAZ"))}
    if item.get("ReadReplicaSourceDBInstanceIdentifier"):
        attributes["read_replica_of"] = item["ReadReplicaSourceDBInstanceIdentifier"]
    if item.get("DBClusterIdentifier"):
        attributes["cluster"] = item["DBClusterIdentifier"]  # the cluster carries redundancy
    elif not item.get("MultiAZ"):
        _single_site(attributes, "RDS instance with MultiAZ false")
    return live_resource(arn=arn, resource_type=RDS_INSTANCE, account=account, region=region,
                         tags=tag_map(item.get("TagList")), replicas=replicas,
                         attributes=attributes)


def rds_cluster(item: Mapping[str, Any], account: str, region: str,
                global_members: Sequence[Mapping[str, Any]] = ()) -> Resource:
    """A DB cluster: cross-region read replica clusters, global database secondaries, Multi-AZ.

    ``global_members`` are the ``GlobalClusterMembers`` of the global cluster
    this cluster writes for (empty when it is not a global writer).
    """
    arn = str(item["DBClusterArn"])
    replicas: list[Replica] = []
    for replica in item.get("ReadReplicaIdentifiers") or ():
        replicas.append(Replica(
            via=f"cross-region read replica cluster {replica}",
            region=arn_region(replica) if str(replica).startswith("arn:") else region,
            declared_at=_declared(f"ReadReplicaIdentifiers of {arn}")))
    for member in global_members:
        member_arn = str(member.get("DBClusterArn") or "")
        if member_arn == arn or member.get("IsWriter"):
            continue
        replicas.append(Replica(
            via=f"global database secondary {member_arn}", region=arn_region(member_arn),
            declared_at=_declared(f"global cluster of {arn}")))
    attributes: dict[str, Any] = {"engine": item.get("Engine"), "multi_az": bool(item.get("MultiAZ"))}
    if not item.get("MultiAZ"):
        _single_site(attributes, "DB cluster with MultiAZ false (no instance in a second AZ)")
    return live_resource(arn=arn, resource_type=RDS_CLUSTER, account=account, region=region,
                         tags=tag_map(item.get("TagList")), replicas=replicas,
                         attributes=attributes)


def rds_snapshot(item: Mapping[str, Any], account: str, region: str) -> Resource:
    """A DB snapshot in its region (a cross-region copy is a snapshot of the destination)."""
    attributes: dict[str, Any] = {"snapshot_type": item.get("SnapshotType"),
                                  "source_instance": item.get("DBInstanceIdentifier")}
    if item.get("SourceRegion"):
        attributes["copied_from_region"] = item["SourceRegion"]
    return live_resource(arn=str(item["DBSnapshotArn"]), resource_type=RDS_SNAPSHOT,
                         account=account, region=region, tags=tag_map(item.get("TagList")),
                         attributes=attributes)


def rds_replicated_backup(item: Mapping[str, Any], account: str, region: str) -> Resource | None:
    """An automated backup replicated into ``region`` from another region, else ``None``."""
    arn = str(item.get("DBInstanceAutomatedBackupsArn") or "")
    source = str(item.get("DBInstanceArn") or "")
    if not arn or not source or arn_region(source) in (None, region):
        return None
    return live_resource(arn=arn, resource_type=RDS_AUTOMATED_BACKUP, account=account,
                         region=region, tags=tag_map(item.get("TagList")),
                         attributes={"source_instance": source,
                                     "source_region": arn_region(source)})


# --- DynamoDB -------------------------------------------------------------------------------


def dynamodb_table(table: Mapping[str, Any], tags: Mapping[str, str], account: str,
                   region: str) -> Resource:
    """A table; each global table replica in another region is a copy of its data."""
    arn = str(table["TableArn"])
    replicas = [
        Replica(via="DynamoDB global table replica", region=str(r["RegionName"]),
                declared_at=_declared(f"Replicas of {arn}"))
        for r in table.get("Replicas") or ()
        if r.get("RegionName") and r["RegionName"] != region
    ]
    attributes: dict[str, Any] = {}
    if table.get("GlobalTableVersion"):
        attributes["global_table_version"] = table["GlobalTableVersion"]
    return live_resource(arn=arn, resource_type=DYNAMODB_TABLE, account=account, region=region,
                         tags=tags, replicas=replicas, attributes=attributes)


# --- EC2 (EBS) ------------------------------------------------------------------------------


def ebs_volume(item: Mapping[str, Any], account: str, partition: str, region: str) -> Resource:
    """An EBS volume (zonal by nature: not a single-site finding)."""
    return live_resource(
        arn=f"arn:{partition}:ec2:{region}:{account}:volume/{item['VolumeId']}",
        resource_type=EBS_VOLUME, account=account, region=region, tags=tag_map(item.get("Tags")),
        attributes={"availability_zone": item.get("AvailabilityZone"),
                    "encrypted": bool(item.get("Encrypted"))})


def ebs_snapshot(item: Mapping[str, Any], account: str, partition: str, region: str) -> Resource:
    """An EBS snapshot in its region (a copy to another region is a snapshot there)."""
    return live_resource(
        arn=f"arn:{partition}:ec2:{region}::snapshot/{item['SnapshotId']}",
        resource_type=EBS_SNAPSHOT, account=account, region=region, tags=tag_map(item.get("Tags")),
        attributes={"volume_id": item.get("VolumeId"), "description": item.get("Description")})


# --- EFS ------------------------------------------------------------------------------------


def efs_file_system(item: Mapping[str, Any], replications: Sequence[Mapping[str, Any]],
                    account: str, region: str) -> Resource:
    """A file system, its replication destinations, and One Zone storage as single site."""
    arn = str(item["FileSystemArn"])
    replicas = [
        Replica(via=f"EFS replication to {d.get('FileSystemId') or 'a new file system'}",
                region=str(d["Region"]),
                declared_at=_declared(f"replication configuration of {arn}"))
        for config in replications
        if config.get("SourceFileSystemId") == item.get("FileSystemId")
        or config.get("SourceFileSystemArn") == arn
        for d in config.get("Destinations") or ()
        if d.get("Region")
    ]
    attributes: dict[str, Any] = {}
    if item.get("AvailabilityZoneName"):
        attributes["availability_zone"] = item["AvailabilityZoneName"]
        _single_site(attributes, f"EFS One Zone file system in {item['AvailabilityZoneName']}")
    return live_resource(arn=arn, resource_type=EFS_FILE_SYSTEM, account=account, region=region,
                         tags=tag_map(item.get("Tags")), replicas=replicas, attributes=attributes)


# --- AWS Backup -----------------------------------------------------------------------------


def backup_vault(item: Mapping[str, Any], tags: Mapping[str, str], account: str,
                 region: str) -> Resource:
    """A backup vault: where recovery points are stored."""
    return live_resource(arn=str(item["BackupVaultArn"]), resource_type=BACKUP_VAULT,
                         account=account, region=region, tags=tags,
                         attributes={"name": item.get("BackupVaultName")})


def backup_plan(plan_arn: str, plan: Mapping[str, Any], tags: Mapping[str, str], account: str,
                region: str) -> Resource:
    """A backup plan; its rules' copy actions are copies of the data it backs up.

    SOV003 belongs to the resource whose data is copied: the plan is where the
    copy is declared and what the review can see (which resources it selects
    would need ``ListBackupSelections``), so the copies are its replicas.
    """
    replicas: list[Replica] = []
    for rule in plan.get("Rules") or ():
        for action in rule.get("CopyActions") or ():
            target = str(action.get("DestinationBackupVaultArn") or "")
            where = _declared(f"copy action of rule {rule.get('RuleName')!r} of {plan_arn}")
            region_of = arn_region(target)
            replicas.append(Replica(
                via=f"backup copy to vault {target}", region=region_of, declared_at=where,
                unresolved=None if region_of else f"backup copy destination {target!r}"))
    return live_resource(arn=plan_arn, resource_type=BACKUP_PLAN, account=account, region=region,
                         tags=tags, replicas=replicas,
                         attributes={"name": plan.get("BackupPlanName")})


# --- Redshift -------------------------------------------------------------------------------


def redshift_cluster(item: Mapping[str, Any], account: str, partition: str,
                     region: str) -> Resource:
    """A Redshift cluster and its cross-region snapshot copy."""
    arn = f"arn:{partition}:redshift:{region}:{account}:cluster:{item['ClusterIdentifier']}"
    replicas: list[Replica] = []
    copy = item.get("ClusterSnapshotCopyStatus") or {}
    if copy.get("DestinationRegion"):
        replicas.append(Replica(via="cross-region snapshot copy",
                                region=str(copy["DestinationRegion"]),
                                declared_at=_declared(f"ClusterSnapshotCopyStatus of {arn}")))
    return live_resource(arn=arn, resource_type=REDSHIFT_CLUSTER, account=account, region=region,
                         tags=tag_map(item.get("Tags")), replicas=replicas,
                         attributes={"node_type": item.get("NodeType")})


# --- ElastiCache ----------------------------------------------------------------------------


def elasticache_replication_group(item: Mapping[str, Any], tags: Mapping[str, str],
                                  global_members: Sequence[Mapping[str, Any]], account: str,
                                  region: str) -> Resource:
    """A replication group: Multi-AZ, and the secondaries of a global datastore it leads."""
    arn = str(item["ARN"])
    replicas = [
        Replica(via=f"global datastore secondary {m.get('ReplicationGroupId')}",
                region=str(m["ReplicationGroupRegion"]),
                declared_at=_declared(f"global datastore of {arn}"))
        for m in global_members
        if m.get("Role", "").upper() == "SECONDARY" and m.get("ReplicationGroupRegion")
    ]
    multi_az = str(item.get("MultiAZ") or "disabled").lower()
    attributes: dict[str, Any] = {"multi_az": multi_az == "enabled"}
    if multi_az != "enabled":
        _single_site(attributes, f"ElastiCache replication group with Multi-AZ {multi_az}")
    return live_resource(arn=arn, resource_type=ELASTICACHE_REPLICATION_GROUP, account=account,
                         region=region, tags=tags, replicas=replicas, attributes=attributes)


def elasticache_cluster(item: Mapping[str, Any], tags: Mapping[str, str], account: str,
                        region: str) -> Resource:
    """A cache cluster outside any replication group."""
    zone = str(item.get("PreferredAvailabilityZone") or "")
    attributes: dict[str, Any] = {"engine": item.get("Engine"), "availability_zone": zone or None}
    if zone != "Multiple":
        _single_site(attributes, "cache cluster outside a replication group, in one AZ")
    return live_resource(arn=str(item["ARN"]), resource_type=ELASTICACHE_CLUSTER,
                         account=account, region=region, tags=tags, attributes=attributes)


# --- OpenSearch -----------------------------------------------------------------------------


def opensearch_domain(item: Mapping[str, Any], tags: Mapping[str, str], account: str,
                      region: str) -> Resource:
    """A domain; without zone awareness it sits in one AZ."""
    cluster = item.get("ClusterConfig") or {}
    attributes: dict[str, Any] = {"zone_awareness": bool(cluster.get("ZoneAwarenessEnabled"))}
    if not cluster.get("ZoneAwarenessEnabled"):
        _single_site(attributes, "OpenSearch domain without zone awareness")
    return live_resource(arn=str(item["ARN"]), resource_type=OPENSEARCH_DOMAIN, account=account,
                         region=region, tags=tags, attributes=attributes)


# --- KMS ------------------------------------------------------------------------------------


def kms_key(metadata: Mapping[str, Any], tags: Mapping[str, str], account: str,
            region: str) -> Resource:
    """A customer key; a multi-region primary's replica keys are copies of its key material."""
    arn = str(metadata["Arn"])
    config = metadata.get("MultiRegionConfiguration") or {}
    is_replica = config.get("MultiRegionKeyType") == "REPLICA"
    replicas = [] if is_replica else [
        Replica(via="multi-region replica key", region=str(r["Region"]),
                declared_at=_declared(f"MultiRegionConfiguration of {arn}"))
        for r in config.get("ReplicaKeys") or () if r.get("Region")
    ]
    return live_resource(arn=arn, resource_type=KMS_REPLICA_KEY if is_replica else KMS_KEY,
                         account=account, region=region, tags=tags, replicas=replicas,
                         attributes={"multi_region": bool(metadata.get("MultiRegion"))})
