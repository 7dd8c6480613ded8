"""Every AWS operation the live review may send, with the IAM action it needs.

``READ_ONLY_OPERATIONS`` is the single gate: ``AccountApi`` refuses any
operation that is not a key of it, ``docs/aws-iam-policy.json`` lists exactly
its actions (a test checks both), and every name is a List/Get/Describe call,
except ``sts:GetCallerIdentity`` (who am I: reads nothing of the account's
resources, needs no permission) and ``sts:AssumeRole`` (obtains temporary
credentials for the member accounts of ``--org``; it changes no resource).
"""

from __future__ import annotations

from typing import Mapping

#: The services ``sovlint aws`` reviews, by the names ``--service`` takes (S3 is account-wide).
REVIEWED_SERVICES = ("s3", "rds", "dynamodb", "ebs", "efs", "backup", "redshift", "elasticache",
                     "opensearch", "kms")

#: (boto3 service name, API operation name) -> IAM action.
READ_ONLY_OPERATIONS: Mapping[tuple[str, str], str] = {
    ("sts", "GetCallerIdentity"): "sts:GetCallerIdentity",
    ("sts", "AssumeRole"): "sts:AssumeRole",
    ("organizations", "ListAccounts"): "organizations:ListAccounts",
    ("ec2", "DescribeRegions"): "ec2:DescribeRegions",
    ("ec2", "DescribeVolumes"): "ec2:DescribeVolumes",
    ("ec2", "DescribeSnapshots"): "ec2:DescribeSnapshots",
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetBucketLocation"): "s3:GetBucketLocation",
    ("s3", "GetBucketTagging"): "s3:GetBucketTagging",
    ("s3", "GetBucketReplication"): "s3:GetReplicationConfiguration",
    ("rds", "DescribeDBInstances"): "rds:DescribeDBInstances",
    ("rds", "DescribeDBClusters"): "rds:DescribeDBClusters",
    ("rds", "DescribeGlobalClusters"): "rds:DescribeGlobalClusters",
    ("rds", "DescribeDBInstanceAutomatedBackups"): "rds:DescribeDBInstanceAutomatedBackups",
    ("rds", "DescribeDBSnapshots"): "rds:DescribeDBSnapshots",
    ("dynamodb", "ListTables"): "dynamodb:ListTables",
    ("dynamodb", "DescribeTable"): "dynamodb:DescribeTable",
    ("dynamodb", "ListTagsOfResource"): "dynamodb:ListTagsOfResource",
    ("efs", "DescribeFileSystems"): "elasticfilesystem:DescribeFileSystems",
    ("efs", "DescribeReplicationConfigurations"):
        "elasticfilesystem:DescribeReplicationConfigurations",
    ("backup", "ListBackupVaults"): "backup:ListBackupVaults",
    ("backup", "ListBackupPlans"): "backup:ListBackupPlans",
    ("backup", "GetBackupPlan"): "backup:GetBackupPlan",
    ("backup", "ListTags"): "backup:ListTags",
    ("redshift", "DescribeClusters"): "redshift:DescribeClusters",
    ("elasticache", "DescribeReplicationGroups"): "elasticache:DescribeReplicationGroups",
    ("elasticache", "DescribeCacheClusters"): "elasticache:DescribeCacheClusters",
    ("elasticache", "DescribeGlobalReplicationGroups"):
        "elasticache:DescribeGlobalReplicationGroups",
    ("elasticache", "ListTagsForResource"): "elasticache:ListTagsForResource",
    ("opensearch", "ListDomainNames"): "es:ListDomainNames",
    ("opensearch", "DescribeDomains"): "es:DescribeDomains",
    ("opensearch", "ListTags"): "es:ListTags",
    ("kms", "ListKeys"): "kms:ListKeys",
    ("kms", "DescribeKey"): "kms:DescribeKey",
    ("kms", "ListResourceTags"): "kms:ListResourceTags",
}

#: Operations that are not List/Get/Describe but change no resource (see the module docstring).
IDENTITY_OPERATIONS = frozenset({("sts", "GetCallerIdentity"), ("sts", "AssumeRole")})


def iam_actions() -> list[str]:
    """The IAM actions of the minimal review policy, sorted."""
    return sorted(set(READ_ONLY_OPERATIONS.values()))


def iam_policy() -> dict[str, object]:
    """The minimal IAM policy document for ``sovlint aws`` (``docs/aws-iam-policy.json``)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "SovlintReadOnlyReview",
            "Effect": "Allow",
            "Action": iam_actions(),
            "Resource": "*",
        }],
    }
