"""Terraform plan JSON -> resources with the plan's addresses and resolved provider regions."""

from __future__ import annotations

from pathlib import Path

from manifest_scan import FIXTURES, by_address, findings, normalise

PLAN = FIXTURES / "terraform_plan" / "plan.json"


def test_resources_and_regions() -> None:
    result = normalise("terraform-plan", PLAN)
    assert result.failures == []
    got = [(r.address, r.resource_type, r.source.line, r.provider, r.region, r.unresolved, r.module)
           for r in result.resources]
    assert got == [
        # provider "aws": region = var.region, from the plan's variables
        ("aws_s3_bucket.reports", "aws_s3_bucket", 11, "aws", "eu-west-3", (), None),
        # provider "aws.us" (alias), and the index the plan writes
        ("aws_s3_bucket.copies[0]", "aws_s3_bucket", 23, "aws", "us-east-1", (), None),
        ("aws_s3_bucket_replication_configuration.reports",
         "aws_s3_bucket_replication_configuration", 32, "aws", "eu-west-3", (), None),
        # the per-resource region wins (AWS provider v6)
        ("aws_dynamodb_table.orders", "aws_dynamodb_table", 43, "aws", "eu-west-3", (), None),
        # a module's own provider: var.home <- module call expression <- var.replica_region
        ("module.archive.aws_s3_bucket.this", "aws_s3_bucket", 64, "aws", "us-east-1", (),
         "module.archive"),
    ]
    resources = by_address(result)
    reports = resources["aws_s3_bucket.reports"]
    assert reports.tags == {"data_classification": "health"}
    assert reports.inherited_tags == {"team": "data"}
    # the replication configuration's copy is carried by the source bucket
    assert [(r.via, r.region, r.declared_at.line if r.declared_at else None)
            for r in reports.replicas] == [("S3 replication", "us-east-1", 32)]
    assert [(r.via, r.region) for r in resources["aws_dynamodb_table.orders"].replicas] == [
        ("DynamoDB global table replica", "eu-central-1")]


def test_findings() -> None:
    got = findings(normalise("terraform-plan", PLAN))
    assert {f for f in got if f[0] != "SOV002"} == {
        ("SOV001", "module.archive.aws_s3_bucket.this"),
        ("SOV003", "aws_s3_bucket.reports"),
        ("SOV003", "aws_dynamodb_table.orders"),

    }


def test_unset_variable_is_unresolved(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(
        '{"format_version": "1.2", "variables": {},'
        ' "planned_values": {"root_module": {"resources": [{"address": "aws_s3_bucket.b",'
        ' "mode": "managed", "type": "aws_s3_bucket", "name": "b",'
        ' "provider_name": "registry.terraform.io/hashicorp/aws", "values": {}}]}},'
        ' "configuration": {"provider_config": {"aws": {"name": "aws",'
        ' "expressions": {"region": {"references": ["var.region"]}}}}}}')
    (bucket,) = normalise("terraform-plan", plan).resources
    assert (bucket.region, bucket.unresolved) == (
        None, ("provider aws: region = var.region (var.region has no value in the plan)",))


def test_bad_plan(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text('{"format_version": "1.2",\n "planned_values": {\n')
    assert normalise("terraform-plan", plan).failures == [
        ("plan.json", 3, "invalid JSON: unexpected end of document")]
    plan.write_bytes(b'{"format_version": "1.2", "x": "\xff"}')
    ((_, _, message),) = normalise("terraform-plan", plan).failures
    assert message.startswith("not valid UTF-8")
