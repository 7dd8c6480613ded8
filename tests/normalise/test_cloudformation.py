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
                   ("S3 replication", None, "S3 replication destination 'arn:aws:s3:::elsewhere' "
                    "carries no region", 25)],
        # the replica in the stack's own region is the table itself: the catalog drops it
        "Table": [("DynamoDB global table replica", "eu-west-3", None, 32),
                  ("DynamoDB global table replica", "us-east-1", None, 32)],
        "Plan": [("AWS Backup copy", "us-west-2", None, 39), ("AWS Backup copy", "eu-west-1", None, 40)],
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
    # the data may be in either allowed region: the location is that set, judged on each
    assert (bucket.region, bucket.region_set, bucket.unresolved) == (
        None, ("eu-west-3", "eu-central-1"), ())
    assert bucket.location_origin == "AWS::Region is one of eu-west-3, eu-central-1 (Rules)"
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


# The classic region map of an AMI (AWS CloudFormation user guide, "Mappings" section:
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/mappings-section-structure.html)
AMI_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: Web server with its log bucket
Parameters:
  Environment:
    Type: String
    AllowedValues: [dev, prod]
Mappings:
  RegionMap:
    eu-west-3:
      AMI: ami-0a1b2c3d4e5f60718
    eu-west-1:
      AMI: ami-0f1e2d3c4b5a69788
    us-east-1:
      HVM64: ami-0ff8a91507f77f867
Resources:
  WebServer:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: !FindInMap [RegionMap, !Ref "AWS::Region", AMI]
      InstanceType: t3.micro
  Logs:
    Type: AWS::S3::Bucket
"""


def test_a_region_keyed_mapping_limits_where_the_stack_can_be(tmp_path: Path) -> None:
    template = tmp_path / "web.yaml"
    template.write_text(AMI_TEMPLATE)
    result = normalise("cloudformation", template)
    for resource in result.resources:  # us-east-1 has no AMI key: the stack cannot be created there
        assert (resource.region, resource.region_set, resource.unresolved) == (
            None, ("eu-west-3", "eu-west-1"), ())
        assert resource.attributes["possible_regions"] == ["eu-west-3", "eu-west-1"]
    # the data may be in Ireland: SOV001 judges that member of the set; nothing is unknown
    got = findings(result)
    assert ("SOV001", "Logs") in got and ("SOV004", "Logs") not in got
    # the config's default region counts when the template allows it, not otherwise
    (_, logs) = normalise("cloudformation", template, aws_default_region="eu-west-1").resources
    assert (logs.region, logs.attributes["region_from"]) == (
        "eu-west-1", "aws.default_region (allowed by Mappings RegionMap)")
    (_, logs) = normalise("cloudformation", template, aws_default_region="us-east-1").resources
    assert logs.region is None


def test_a_mapping_with_one_region_pins_the_stack(tmp_path: Path) -> None:
    template = tmp_path / "paris.yaml"
    template.write_text(AMI_TEMPLATE.replace("    eu-west-1:\n      AMI: ami-0f1e2d3c4b5a69788\n", ""))
    result = normalise("cloudformation", template)
    assert [(r.address, r.region, r.attributes.get("region_from")) for r in result.resources] == [
        ("WebServer", "eu-west-3", "Mappings RegionMap"), ("Logs", "eu-west-3", "Mappings RegionMap")]


def test_mappings_and_rules_together(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(AMI_TEMPLATE + """\
Rules:
  Regions:
    Assertions:
      - Assert: !Contains [[eu-west-1, us-east-1], !Ref "AWS::Region"]
""")
    (_, logs) = normalise("cloudformation", template).resources
    assert (logs.region, logs.attributes["region_from"]) == ("eu-west-1", "Rules and Mappings RegionMap")


@pytest.mark.parametrize("image", [
    # a default value: any region can be created
    '!FindInMap [RegionMap, !Ref "AWS::Region", AMI, {DefaultValue: ami-0123456789abcdef0}]',
    # in a branch of Fn::If: evaluated only when the condition selects it
    '!If [IsProd, !FindInMap [RegionMap, !Ref "AWS::Region", AMI], ami-0123456789abcdef0]',
])
def test_lookups_that_do_not_always_happen_limit_nothing(tmp_path: Path, image: str) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(AMI_TEMPLATE.replace('!FindInMap [RegionMap, !Ref "AWS::Region", AMI]', image)
                        + "Conditions:\n  IsProd: !Equals [!Ref Environment, prod]\n")
    (_, logs) = normalise("cloudformation", template).resources
    assert logs.unresolved == (DEPLOY_TIME,) and "possible_regions" not in logs.attributes


def test_a_resource_under_an_unknown_condition_limits_nothing(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(AMI_TEMPLATE.replace("  WebServer:\n    Type: AWS::EC2::Instance\n",
                                             "  WebServer:\n    Type: AWS::EC2::Instance\n"
                                             "    Condition: IsProd\n")
                        + "Conditions:\n  IsProd: !Equals [!Ref Environment, prod]\n")
    (_, logs) = normalise("cloudformation", template).resources
    assert logs.unresolved == (DEPLOY_TIME,)


def test_the_region_as_the_second_key(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("""\
Parameters:
  Stage:
    Type: String
Mappings:
  Subnets:
    prod:
      eu-west-3: subnet-0a
    dev:
      eu-west-3: subnet-0b
      eu-central-1: subnet-0c
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      DBSubnetGroupName: !FindInMap [Subnets, !Ref Stage, !Ref "AWS::Region"]
""")
    (db,) = normalise("cloudformation", template).resources
    assert db.attributes["possible_regions"] == ["eu-west-3", "eu-central-1"]
    template.write_text(template.read_text().replace("    Type: String\n", "    Type: String\n"
                                                     "    Default: prod\n", 1))
    (db,) = normalise("cloudformation", template).resources
    assert db.region == "eu-west-3"


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
