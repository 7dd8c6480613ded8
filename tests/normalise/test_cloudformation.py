"""CloudFormation/SAM templates -> resources, regions, replicas and findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from manifest_scan import FIXTURES, by_address, findings, normalise

STACK = FIXTURES / "cloudformation" / "stack.yaml"
DEPLOY_TIME = "AWS::Region is chosen at deploy time (set aws.default_region or pin it in Rules)"


def test_resources_regions_and_replicas() -> None:
    result = normalise("cloudformation", STACK)
    assert result.failures == []
    got = [(r.address, r.resource_type, r.source.line, r.region, r.attributes.get("region_from"))
           for r in result.resources]
    assert got == [
        ("Source", "AWS::S3::Bucket", 16, "eu-west-3", "Rules"),
        ("Dest", "AWS::S3::Bucket", 26, "eu-west-3", "Rules"),
        ("Table", "AWS::DynamoDB::GlobalTable", 29, "eu-west-3", "Rules"),
        ("Plan", "AWS::Backup::BackupPlan", 33, "eu-west-3", "Rules"),
        ("Db", "AWS::RDS::DBInstance", 41, "eu-west-3", "Rules"),
        # Fn::ForEach over a CommaDelimitedList parameter default
        ("Topica", "AWS::SNS::Topic", 44, "eu-west-3", "Rules"),
        ("Topicb", "AWS::SNS::Topic", 44, "eu-west-3", "Rules"),
        ("Mod", "Rain::Module", 48, "eu-west-3", "Rules"),
        # Condition: InVirginia requires AWS::Region = us-east-1
        ("Virg", "AWS::S3::Bucket", 50, "us-east-1", "Condition InVirginia"),
    ]
    resources = by_address(result)
    replicas = {address: [(r.via, r.region, r.unresolved, r.declared_at.line if r.declared_at else None)
                          for r in resource.replicas]
                for address, resource in resources.items() if resource.replicas}
    assert replicas == {
        "Source": [("S3 replication", "eu-west-3", None, 24),
                   ("S3 replication", None, "replication destination arn:aws:s3:::elsewhere: "
                    "an S3 bucket ARN carries no region", 25)],
        "Table": [("global table replica", "us-east-1", None, 32)],
        "Plan": [("backup copy", "us-west-2", None, 39), ("backup copy", "eu-west-1", None, 40)],
        "Db": [("read replica of a source database", "us-east-1", None, 43)],
    }
    assert resources["Source"].tags == {"data_classification": "health"}
    assert [(s.rules, s.reason) for s in resources["Source"].suppressions] == [(("SOV002",), "test")]
    assert [(s.rules, s.reason) for s in resources["Dest"].suppressions] == [(("SOV001",), "ok")]
    assert resources["Db"].attributes["single_site"] is True


def test_findings() -> None:
    got = findings(normalise("cloudformation", STACK))
    assert {f for f in got if f[0] != "SOV002"} == {
        ("SOV003", "Table"), ("SOV003", "Plan"), ("SOV003", "Db"),
        ("SOV004", "Source"),  # the replication destination outside the template
        ("SOV009", "Db"),
        ("SOV001", "Virg"),
    }
    assert ("SOV002", "Mod") not in got  # a Rain module is not data-bearing


def test_region_from_config_or_unresolved(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
    (bucket,) = normalise("cloudformation", template).resources
    assert (bucket.region, bucket.unresolved) == (None, (DEPLOY_TIME,))
    (bucket,) = normalise("cloudformation", template, aws_default_region="eu-west-3").resources
    assert (bucket.region, bucket.unresolved) == ("eu-west-3", ())


def test_rules_win_over_config(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Rules:\n  R:\n    Assertions:\n      - Assert:\n          Fn::Contains:\n"
        "            - [eu-west-3, eu-central-1]\n            - !Ref AWS::Region\n"
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
    (bucket,) = normalise("cloudformation", template, aws_default_region="us-east-1").resources
    assert bucket.region is None
    assert bucket.unresolved == (
        "AWS::Region is one of eu-west-3, eu-central-1 (Rules); chosen at deploy time",)
    (bucket,) = normalise("cloudformation", template, aws_default_region="eu-central-1").resources
    assert bucket.region == "eu-central-1"


def test_tab_indented_json_and_metadata_suppression() -> None:
    result = normalise("cloudformation", FIXTURES / "cloudformation" / "tabs.json")
    (logs,) = result.resources
    assert (logs.address, logs.source.line) == ("Logs", 4)
    assert [(s.rules, s.reason, s.expires) for s in logs.suppressions] == [
        (("SOV004",), "set by the pipeline", "2030-01-01")]


@pytest.mark.parametrize("text, line", [
    ("Resources:\n  B:\n    Type: AWS::S3::Bucket\n   Properties: {}\n", 4),
    ("Resources:\n  B: !Ref [\n", 3),
])
def test_bad_yaml(tmp_path: Path, text: str, line: int) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(text)
    result = normalise("cloudformation", template)
    ((_, got_line, message),) = result.failures
    assert got_line == line and message.startswith("invalid YAML")


def test_unknown_shapes_do_not_crash(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n"
        "  Fn::ForEach::Bad: not-a-list\n"
        "  Fn::ForEach::Unknown:\n    - X\n    - !Ref Missing\n    - B${X}: {Type: AWS::S3::Bucket}\n"
        "  Weird: {Type: [1, 2], Properties: !Ref x}\n"
        "  Sub: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub [1, 2], Tags: !Ref T}}\n")
    result = normalise("cloudformation", template, aws_default_region="eu-west-3")
    assert [(r.address, r.resource_type) for r in result.resources] == [
        ("Fn::ForEach::Bad", "Fn::ForEach"), ("B${X}", "AWS::S3::Bucket"),
        ("Weird", "unknown"), ("Sub", "AWS::S3::Bucket")]
    assert result.resources[1].unresolved == (
        "Fn::ForEach::Unknown collection is not known (Ref Missing (not a parameter of the template))",)


def test_nested_for_each_loops_are_bounded(tmp_path: Path) -> None:
    """Five nested loops over 100 values: 10^10 copies if expanded; bounded before copying."""
    from sovlint.normalise.cloudformation import MAX_EXPANDED

    values = "[" + ", ".join(f"v{i}" for i in range(100)) + "]"
    body = "B${A}${B}${C}${D}${E}: {Type: AWS::S3::Bucket}"
    for level, name in reversed(list(enumerate("ABCDE"))):
        indent = "  " * (level + 1)
        body = f"Fn::ForEach::L{name}:\n{indent}  - {name}\n{indent}  - {values}\n{indent}  - {body}"
    template = tmp_path / "t.yaml"
    template.write_text('AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::LanguageExtensions\n'
                        "Resources:\n  " + body + "\n")
    result = normalise("cloudformation", template, aws_default_region="eu-west-3")
    assert result.failures == []
    buckets = [r for r in result.resources if r.resource_type == "AWS::S3::Bucket"]
    assert 0 < len(buckets) <= MAX_EXPANDED
    limits = [r.unresolved for r in result.resources if r.resource_type == "Fn::ForEach"]
    assert limits and "expands to more than 1,000 resources" in limits[0][0]
