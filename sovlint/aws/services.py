"""Per-service collectors: the read-only calls, then ``sovlint.aws.normalise``.

A collector reviews one service in one region of one account and returns a
``Harvest``: resources, error entries, and follow-up tasks (S3 lists the
account's buckets once, then each bucket is a task). A call that fails
(access denied, throttled past the retries, an API the endpoint lacks) is an
error entry naming the account, region, service and operation; what could be
read is kept, and a resource whose tags could not be read keeps the default
data class (fail closed).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Iterable, Mapping

from sovlint.aws import normalise
from sovlint.aws.api import AccountApi, describe_failure, error_code
from sovlint.aws.operations import REVIEWED_SERVICES
from sovlint.model import Resource, ScanError

#: The pseudo-region of account-wide work (listing S3 buckets, assuming a role).
GLOBAL = "global"


@dataclass(frozen=True)
class Task:
    """One unit of the review: a service in a region of an account."""

    account: str
    service: str
    region: str
    run: Callable[[], "Harvest"]


@dataclass
class Harvest:
    """What a task found (filled by the task that owns it, then handed to the scheduler)."""

    resources: list[Resource] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    followups: list[Task] = field(default_factory=list)

    def fail(self, account: str, region: str, what: str, exc: BaseException) -> None:
        """Record a failed call; the review goes on."""
        self.errors.append(ScanError(normalise.source_path(account, region),
                                     f"{what}: {describe_failure(exc)}"))


def _items(api: AccountApi, harvest: Harvest, service: str, region: str, operation: str,
           key: str, **params: Any) -> list[Any]:
    """Every item under ``key`` of every page; on failure an error entry and what was read."""
    found: list[Any] = []
    try:
        for page in api.pages(service, region, operation, **params):
            found.extend(page.get(key) or ())
    except Exception as exc:  # one failed listing must not stop the review
        harvest.fail(api.account, region, f"{service}:{operation}", exc)
    return found


def _tags(api: AccountApi, harvest: Harvest, service: str, region: str, operation: str,
          key: str, subject: str, tag_key: str = "Key", tag_value: str = "Value",
          **params: Any) -> dict[str, str]:
    """The tags a list-tags operation answers as pairs; ``{}`` (and an error entry) on failure."""
    try:
        items = [t for page in api.pages(service, region, operation, **params)
                 for t in page.get(key) or ()]
    except Exception as exc:
        harvest.fail(api.account, region, f"{service}:{operation} on {subject}", exc)
        return {}
    return normalise.tag_map(items, tag_key, tag_value)


# --- S3 -------------------------------------------------------------------------------------


class BucketBook:
    """The account's bucket names and their regions, shared by the bucket tasks."""

    def __init__(self, api: AccountApi, names: Iterable[str]):
        self._api = api
        self.names = frozenset(names)
        self._lock = threading.Lock()
        self._regions: dict[str, tuple[str | None, str | None]] = {}

    def region_of(self, name: str) -> tuple[str | None, str | None]:
        """(region, None), or (None, why it cannot be known)."""
        if name not in self.names:
            return None, (f"the region of bucket {name} cannot be read: it is not in account "
                          f"{self._api.account} and a bucket ARN carries no region")
        with self._lock:
            if name in self._regions:
                return self._regions[name]
        try:
            answer = self._api.call("s3", None, "GetBucketLocation", Bucket=name)
            result: tuple[str | None, str | None] = (
                normalise.s3_region(answer.get("LocationConstraint")), None)
        except Exception as exc:
            result = (None, f"GetBucketLocation on bucket {name} failed: {describe_failure(exc)}")
        with self._lock:
            self._regions[name] = result
        return result


def collect_s3(api: AccountApi, regions: frozenset[str]) -> Harvest:
    """List the account's buckets; each bucket becomes a follow-up task."""
    harvest = Harvest()
    buckets = _items(api, harvest, "s3", GLOBAL, "ListBuckets", "Buckets")
    book = BucketBook(api, (b["Name"] for b in buckets))
    for name in sorted(book.names):
        harvest.followups.append(Task(api.account, "s3", GLOBAL,
                                      partial(collect_bucket, api, book, name, regions)))
    return harvest


def collect_bucket(api: AccountApi, book: BucketBook, name: str,
                   regions: frozenset[str]) -> Harvest:
    """One bucket: region, tags, replication (skipped when its region is not reviewed)."""
    harvest = Harvest()
    region, why = book.region_of(name)
    if region is None:
        harvest.errors.append(ScanError(normalise.source_path(api.account, None), str(why)))
        harvest.resources.append(normalise.s3_bucket(name, api.account, api.partition, None, {},
                                                     (), unresolved=(str(why),)))
        return harvest
    if region not in regions:
        return harvest
    tags: dict[str, str] = {}
    try:
        answer = api.call("s3", region, "GetBucketTagging", Bucket=name)
        tags = normalise.tag_map(answer.get("TagSet"))
    except Exception as exc:
        if error_code(exc) != "NoSuchTagSet":
            harvest.fail(api.account, region, f"s3:GetBucketTagging on {name}", exc)
    replication: dict[str, Any] | None = None
    try:
        replication = api.call("s3", region, "GetBucketReplication",
                               Bucket=name).get("ReplicationConfiguration")
    except Exception as exc:
        if error_code(exc) != "ReplicationConfigurationNotFoundError":
            harvest.fail(api.account, region, f"s3:GetBucketReplication on {name}", exc)
    arn = f"arn:{api.partition}:s3:::{name}"
    replicas = normalise.s3_replicas(arn, replication, book.region_of)
    harvest.resources.append(normalise.s3_bucket(name, api.account, api.partition, region, tags,
                                                 replicas))
    return harvest


# --- regional services ----------------------------------------------------------------------


def collect_rds(api: AccountApi, region: str) -> Harvest:
    """DB clusters (with global database members), instances, manual snapshots, replicated backups."""
    harvest = Harvest()
    account = api.account
    clusters = _items(api, harvest, "rds", region, "DescribeDBClusters", "DBClusters")
    writers: dict[str, list[Mapping[str, Any]]] = {}
    if clusters:
        for cluster in _items(api, harvest, "rds", region, "DescribeGlobalClusters",
                              "GlobalClusters"):
            members = list(cluster.get("GlobalClusterMembers") or ())
            for member in members:
                if member.get("IsWriter"):
                    writers[str(member.get("DBClusterArn"))] = members
    for cluster in clusters:
        harvest.resources.append(normalise.rds_cluster(
            cluster, account, region, writers.get(str(cluster["DBClusterArn"]), ())))
    for instance in _items(api, harvest, "rds", region, "DescribeDBInstances", "DBInstances"):
        harvest.resources.append(normalise.rds_instance(instance, account, region))
    # manual snapshots: cross-region copies are manual snapshots of the destination region;
    # automated ones stay in the instance's region and hold the instance's own data
    for snapshot in _items(api, harvest, "rds", region, "DescribeDBSnapshots", "DBSnapshots",
                           SnapshotType="manual"):
        harvest.resources.append(normalise.rds_snapshot(snapshot, account, region))
    for backup in _items(api, harvest, "rds", region, "DescribeDBInstanceAutomatedBackups",
                         "DBInstanceAutomatedBackups"):
        replicated = normalise.rds_replicated_backup(backup, account, region)
        if replicated is not None:
            harvest.resources.append(replicated)
    return harvest


def collect_dynamodb(api: AccountApi, region: str) -> Harvest:
    """Tables, with their global table replicas and tags."""
    harvest = Harvest()
    for name in _items(api, harvest, "dynamodb", region, "ListTables", "TableNames"):
        try:
            table = api.call("dynamodb", region, "DescribeTable", TableName=name)["Table"]
        except Exception as exc:
            harvest.fail(api.account, region, f"dynamodb:DescribeTable on {name}", exc)
            continue
        tags = _tags(api, harvest, "dynamodb", region, "ListTagsOfResource", "Tags", name,
                     ResourceArn=table["TableArn"])
        harvest.resources.append(normalise.dynamodb_table(table, tags, api.account, region))
    return harvest


def collect_ebs(api: AccountApi, region: str) -> Harvest:
    """EBS volumes and the account's own snapshots."""
    harvest = Harvest()
    for volume in _items(api, harvest, "ec2", region, "DescribeVolumes", "Volumes"):
        harvest.resources.append(normalise.ebs_volume(volume, api.account, api.partition, region))
    for snapshot in _items(api, harvest, "ec2", region, "DescribeSnapshots", "Snapshots",
                           OwnerIds=["self"]):
        harvest.resources.append(normalise.ebs_snapshot(snapshot, api.account, api.partition,
                                                        region))
    return harvest


def collect_efs(api: AccountApi, region: str) -> Harvest:
    """File systems and their replication destinations."""
    harvest = Harvest()
    systems = _items(api, harvest, "efs", region, "DescribeFileSystems", "FileSystems")
    replications: list[Any] = []
    if systems:
        try:
            for page in api.pages("efs", region, "DescribeReplicationConfigurations"):
                replications.extend(page.get("Replications") or ())
        except Exception as exc:
            if error_code(exc) != "ReplicationNotFound":
                harvest.fail(api.account, region, "efs:DescribeReplicationConfigurations", exc)
    for system in systems:
        harvest.resources.append(normalise.efs_file_system(system, replications, api.account,
                                                           region))
    return harvest


def collect_backup(api: AccountApi, region: str) -> Harvest:
    """Backup vaults, and backup plans with their cross-region copy actions."""
    harvest = Harvest()
    for vault in _items(api, harvest, "backup", region, "ListBackupVaults", "BackupVaultList"):
        tags = _tags_dict(api, harvest, region, vault["BackupVaultArn"])
        harvest.resources.append(normalise.backup_vault(vault, tags, api.account, region))
    for summary in _items(api, harvest, "backup", region, "ListBackupPlans", "BackupPlansList"):
        arn = str(summary["BackupPlanArn"])
        try:
            plan = api.call("backup", region, "GetBackupPlan",
                            BackupPlanId=summary["BackupPlanId"])["BackupPlan"]
        except Exception as exc:
            harvest.fail(api.account, region, f"backup:GetBackupPlan on {arn}", exc)
            continue
        tags = _tags_dict(api, harvest, region, arn)
        harvest.resources.append(normalise.backup_plan(arn, plan, tags, api.account, region))
    return harvest


def _tags_dict(api: AccountApi, harvest: Harvest, region: str, arn: str) -> dict[str, str]:
    """AWS Backup's ``ListTags`` answers a mapping, not a list of pairs."""
    tags: dict[str, str] = {}
    try:
        for page in api.pages("backup", region, "ListTags", ResourceArn=arn):
            tags.update({str(k): str(v) for k, v in (page.get("Tags") or {}).items()})
    except Exception as exc:
        harvest.fail(api.account, region, f"backup:ListTags on {arn}", exc)
    return tags


def collect_redshift(api: AccountApi, region: str) -> Harvest:
    """Redshift clusters and their cross-region snapshot copy."""
    harvest = Harvest()
    for cluster in _items(api, harvest, "redshift", region, "DescribeClusters", "Clusters"):
        harvest.resources.append(normalise.redshift_cluster(cluster, api.account, api.partition,
                                                            region))
    return harvest


def collect_elasticache(api: AccountApi, region: str) -> Harvest:
    """Replication groups (Multi-AZ, global datastores) and stand-alone cache clusters."""
    harvest = Harvest()
    groups = _items(api, harvest, "elasticache", region, "DescribeReplicationGroups",
                    "ReplicationGroups")
    members: dict[str, list[Mapping[str, Any]]] = {}
    if any((g.get("GlobalReplicationGroupInfo") or {}).get("GlobalReplicationGroupMemberRole")
           == "PRIMARY" for g in groups):
        for datastore in _items(api, harvest, "elasticache", region,
                                "DescribeGlobalReplicationGroups", "GlobalReplicationGroups",
                                ShowMemberInfo=True):
            listed = list(datastore.get("Members") or ())
            for member in listed:
                if str(member.get("Role", "")).upper() == "PRIMARY":
                    members[str(member.get("ReplicationGroupId"))] = listed
    for group in groups:
        tags = _tags(api, harvest, "elasticache", region, "ListTagsForResource", "TagList",
                     group["ARN"], ResourceName=group["ARN"])
        harvest.resources.append(normalise.elasticache_replication_group(
            group, tags, members.get(str(group["ReplicationGroupId"]), ()), api.account, region))
    for cluster in _items(api, harvest, "elasticache", region, "DescribeCacheClusters",
                          "CacheClusters"):
        if cluster.get("ReplicationGroupId"):
            continue
        tags = _tags(api, harvest, "elasticache", region, "ListTagsForResource", "TagList",
                     cluster["ARN"], ResourceName=cluster["ARN"])
        harvest.resources.append(normalise.elasticache_cluster(cluster, tags, api.account, region))
    return harvest


def collect_opensearch(api: AccountApi, region: str) -> Harvest:
    """OpenSearch (and legacy Elasticsearch) domains."""
    harvest = Harvest()
    names = [d["DomainName"] for d in _items(api, harvest, "opensearch", region,
                                             "ListDomainNames", "DomainNames")]
    for start in range(0, len(names), 5):  # DescribeDomains takes at most 5 names
        batch = names[start:start + 5]
        for domain in _items(api, harvest, "opensearch", region, "DescribeDomains",
                             "DomainStatusList", DomainNames=batch):
            tags = _tags(api, harvest, "opensearch", region, "ListTags", "TagList",
                         domain["ARN"], ARN=domain["ARN"])
            harvest.resources.append(normalise.opensearch_domain(domain, tags, api.account,
                                                                 region))
    return harvest


def collect_kms(api: AccountApi, region: str) -> Harvest:
    """Customer-managed keys (AWS-managed keys are skipped) and their multi-region replicas."""
    harvest = Harvest()
    for key in _items(api, harvest, "kms", region, "ListKeys", "Keys"):
        try:
            metadata = api.call("kms", region, "DescribeKey", KeyId=key["KeyId"])["KeyMetadata"]
        except Exception as exc:
            harvest.fail(api.account, region, f"kms:DescribeKey on {key.get('KeyArn')}", exc)
            continue
        if metadata.get("KeyManager") == "AWS":
            continue
        tags = _tags(api, harvest, "kms", region, "ListResourceTags", "Tags", metadata["Arn"],
                     tag_key="TagKey", tag_value="TagValue", KeyId=key["KeyId"])
        harvest.resources.append(normalise.kms_key(metadata, tags, api.account, region))
    return harvest


#: The regional collectors, by the service name users give to ``--service``.
REGIONAL_COLLECTORS: Mapping[str, Callable[[AccountApi, str], Harvest]] = {
    "rds": collect_rds,
    "dynamodb": collect_dynamodb,
    "ebs": collect_ebs,
    "efs": collect_efs,
    "backup": collect_backup,
    "redshift": collect_redshift,
    "elasticache": collect_elasticache,
    "opensearch": collect_opensearch,
    "kms": collect_kms,
}
#: Every service ``sovlint aws`` reviews (S3 is account-wide, the others per region).
SERVICES = ("s3", *REGIONAL_COLLECTORS)
assert SERVICES == REVIEWED_SERVICES, "operations.REVIEWED_SERVICES must list the collectors"
