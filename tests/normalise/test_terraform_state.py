"""Terraform state (format 4, ``terraform show -json``) -> what is deployed, with its real locations."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from manifest_scan import FIXTURES, normalise
from reviewed import reviewed_resources
from state_shapes import show_json

from sovlint.config import Config
from sovlint.engine import ScanResult, scan
from sovlint.model import Resource

STATES = FIXTURES / "terraform_state"
CLOUD = STATES / "cloud.tfstate"
REAL = STATES / "terraform-data"
TERRAFORM = shutil.which("terraform")


def run_scan(*paths: Path) -> ScanResult:
    """The whole pipeline with the shipped catalog and rules."""
    return scan(list(paths), Config(jobs=1, cache=False), explicit_files=True)


def places(result: ScanResult) -> dict[tuple[str, tuple[str, ...]], tuple[Any, ...]]:
    """(address, instances) -> where it is, how that was decided, its copies and data class."""
    return {(r.address, r.instances): (
        r.region, r.countries, r.location_origin, r.unresolved, r.data_class, r.module,
        tuple((c.via, c.region, c.relative, c.countries, c.unresolved) for c in r.replicas))
        for r in result.resources}


def rules(result: ScanResult) -> set[tuple[str, str]]:
    return {(f.rule, f.address or "") for f in result.findings}


# ----------------------------------------------------------------------------- real terraform
def real_state_resources(state: Path, show: Path) -> list[list[tuple[Any, ...]]]:
    found = []
    for path in (state, show):
        result = normalise("terraform-state", path)
        assert result.failures == []
        found.append(sorted((r.address, r.resource_type, r.module, r.instances, r.provider, r.region,
                             r.unresolved) for r in result.resources))
    return found


REAL_RESOURCES = [
    ("module.child.terraform_data.c", "terraform_data", "module.child", (), "terraform", None,
     ("the state records no region for module.child.terraform_data.c: its location would be its "
      "provider's region, which a state does not keep",)),
    ("terraform_data.many", "terraform_data", None, (), "terraform", None,
     ("the state records no region for terraform_data.many: its location would be its provider's "
      "region, which a state does not keep",)),
    ("terraform_data.one", "terraform_data", None, (), "terraform", None,
     ("the state records no region for terraform_data.one: its location would be its provider's "
      "region, which a state does not keep",)),
]


def test_state_made_by_terraform() -> None:
    # terraform.tfstate and show.json as terraform 1.11.4 wrote them (make.sh): module instances
    # (module.child["eu"]), for_each and count keys, a sensitive nested value, outputs
    v4, show = real_state_resources(REAL / "terraform.tfstate", REAL / "show.json")
    assert v4 == show == REAL_RESOURCES
    result = run_scan(REAL / "terraform.tfstate", REAL / "show.json")
    assert result.errors == [] and list(result.findings) == []  # terraform_data holds no data anywhere


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not on PATH")
def test_state_made_now_by_terraform(tmp_path: Path) -> None:
    # the same configuration applied by the terraform on PATH, offline (built-in provider only)
    work = tmp_path / "work"
    shutil.copytree(REAL / "config", work)
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    for command in (["init", "-input=false", "-no-color"],
                    ["apply", "-auto-approve", "-input=false", "-no-color"]):
        done = subprocess.run([str(TERRAFORM), *command], cwd=work, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    show = subprocess.run([str(TERRAFORM), "show", "-json"], cwd=work, env=env, capture_output=True,
                          text=True, timeout=300, check=True).stdout
    (work / "show.json").write_text(show, encoding="utf-8")
    v4, shown = real_state_resources(work / "terraform.tfstate", work / "show.json")
    assert v4 == shown == REAL_RESOURCES
    assert "HUNTER2-PLANTED-SECRET" in (work / "terraform.tfstate").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- cloud resources
CLOUD_PLACES = {
    # AWS provider v6 writes `region` on every resource
    ("aws_s3_bucket.reports", ()): (
        "us-east-1", ("US",), None, (), "health", None,
        # the replication configuration's copy, to the bucket it names by ARN (in eu-west-3), and the
        # copy to a bucket that is not in the state: an S3 ARN carries no region (value not shown)
        (("S3 replication", None, None, (), "S3 replication destination (value not shown) carries no region"),
         ("S3 replication", "eu-west-3", None, ("FR",), None))),
    ("aws_s3_bucket.replica", ()): ("eu-west-3", ("FR",), None, (), "health", None, ()),
    # count instances in two regions: one entry per region, the keys in `instances`
    ("aws_s3_bucket.logs", ("[0]", "[2]")): ("eu-west-3", ("FR",), None, (), "strategic", None, ()),
    ("aws_s3_bucket.logs", ("[1]",)): ("us-west-2", ("US",), None, (), "strategic", None, ()),
    ("aws_s3_bucket_replication_configuration.reports", ()): (
        "us-east-1", ("US",), None, (), "strategic", None, ()),
    ("aws_s3_bucket_replication_configuration.orphan", ()): (
        "us-east-1", ("US",), None, (), "strategic", None, ()),
    # provider v5: no `region` attribute, the ARN records it
    ("aws_db_instance.legacy", ()): (
        "eu-central-1", ("DE",), "as its arn records it", (), "personal", None, ()),
    # a global resource: its ARN has no region, and nothing else says one
    ("aws_iam_role.replication", ()): (
        None, (), None, ("the state records no region for aws_iam_role.replication: its location would "
                         "be its provider's region, which a state does not keep",), "strategic", None, ()),
    # module instances (module.archive["eu"], ["us"]) in two regions
    ("module.archive.aws_dynamodb_table.this", ('["eu"]',)): (
        "eu-west-3", ("FR",), None, (), "strategic", "module.archive", ()),
    ("module.archive.aws_dynamodb_table.this", ('["us"]',)): (
        "us-east-1", ("US",), None, (), "strategic", "module.archive",
        (("DynamoDB global table replica", "eu-west-1", None, ("IE",), None),)),
    ("module.network.module.vpc.aws_ebs_volume.data", ()): (
        "eu-west-3b", ("FR",), None, (), "strategic", "module.network.module.vpc", ()),
    # Azure: `location`; GRS copies to the paired region; a container where its account is
    ("azurerm_resource_group.main", ()): ("francecentral", ("FR",), None, (), "strategic", None, ()),
    ("azurerm_storage_account.docs", ()): (
        "francecentral", ("FR",), None, (), "sensitive", None,
        (("geo-redundant storage pair", "francesouth", "paired-region", ("FR",), None),)),
    ("azurerm_storage_container.files", ()): (
        "francecentral", ("FR",), "where its storage_account_id is", (), "strategic", None, ()),
    ("azurerm_storage_container.orphan", ()): (
        None, (), None, ("storage_account_id = (value not shown): the resource it refers to is not in "
                         "this configuration, so its location is unknown",), "strategic", None, ()),
    # Google: a BigQuery multi-region, a cluster's location, a region only the id records
    ("google_bigquery_dataset.analytics", ()): (
        "EU", ("BE", "NL"), None, (), "strategic", None, ()),
    ("google_container_cluster.main", ()): ("europe-west9", ("FR",), None, (), "strategic", None, ()),
    ("google_redis_instance.cache", ()): (
        "us-central1", ("US",), "as its id records it", (), "strategic", None, ()),
    # Scaleway: region; a database where its instance is (found by its regional id); an imported
    # instance with no region but a regional id
    ("scaleway_rdb_instance.main", ()): (
        "fr-par", ("FR",), None, (), "strategic", None,
        (("logical backups in another region", None, "other-region", ("IT", "NL", "PL"), None),)),
    ("scaleway_rdb_database.app", ()): ("fr-par", ("FR",), "where its instance_id is", (), "strategic",
                                        None, ()),
    ("scaleway_rdb_instance.imported", ()): (
        "nl-ams", ("NL",), "as its id records it", (), "internal", None, ()),
}

CLOUD_RULES = {
    ("SOV001", "aws_s3_bucket.logs"), ("SOV001", "aws_s3_bucket.reports"),
    ("SOV001", "google_bigquery_dataset.analytics"), ("SOV001", "google_redis_instance.cache"),
    ("SOV001", "module.archive.aws_dynamodb_table.this"),
    ("SOV003", "module.archive.aws_dynamodb_table.this"), ("SOV003", "scaleway_rdb_instance.main"),
    ("SOV004", "aws_s3_bucket.reports"), ("SOV004", "azurerm_storage_container.orphan"),
    ("SOV006", "aws_s3_bucket.reports"),
    ("SOV009", "scaleway_rdb_instance.main"),
}


def test_cloud_state() -> None:
    result = run_scan(CLOUD)
    assert result.errors == []
    got = places(result)
    assert got == CLOUD_PLACES, {k: v for k, v in got.items() if CLOUD_PLACES.get(k) != v}
    assert {r for r in rules(result) if r[0] != "SOV002"} == CLOUD_RULES
    # data sources are not resources; the resource's own tags and those it inherits
    assert not [r for r in result.resources if r.resource_type == "aws_caller_identity"]
    with reviewed_resources() as kept:  # tags are not reported: as the store was given them
        run_scan(CLOUD)
    reports = next(r for r in kept if r.address == "aws_s3_bucket.reports")
    assert (reports.tags, reports.inherited_tags) == ({"data_classification": "health"}, {"team": "data"})
    analytics = next(r for r in kept if r.address == "google_bigquery_dataset.analytics")
    assert (analytics.tags, analytics.inherited_tags) == (
        {}, {"env": "prod", "goog-terraform-provisioned": "true"})
    # a resource is reported at its (first) instance
    logs = sorted((r.instances, r.source.line) for r in result.resources if r.address == "aws_s3_bucket.logs")
    assert logs == [(("[0]", "[2]"), 86), (("[1]",), 92)]


def test_show_json_of_the_same_state(tmp_path: Path) -> None:
    shown = tmp_path / "show.json"
    shown.write_text(json.dumps(show_json(json.loads(CLOUD.read_text(encoding="utf-8"))), indent=2),
                     encoding="utf-8")
    result = run_scan(shown)
    assert result.errors == []
    assert places(result) == CLOUD_PLACES
    assert {r for r in rules(result) if r[0] != "SOV002"} == CLOUD_RULES


def _state(tmp_path: Path, resources: list[dict[str, Any]], name: str = "terraform.tfstate") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"version": 4, "terraform_version": "1.9.8", "serial": 1,
                                "lineage": "x", "outputs": {}, "resources": resources}, indent=2),
                    encoding="utf-8")
    return path


def _aws(kind: str, name: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {"mode": "managed", "type": kind, "name": name,
            "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
            "instances": [{"schema_version": 0, "attributes": attributes, "sensitive_attributes": []}]}


def test_no_region_recorded_is_unresolved(tmp_path: Path) -> None:
    # provider v5 wrote no `region` on an SQS queue, and the ARN here has none: never guessed
    path = _state(tmp_path, [
        _aws("aws_sqs_queue", "jobs", {"id": "https://sqs.amazonaws.com/1/jobs", "name": "jobs",
                                       "arn": "arn:aws:sqs::123456789012:jobs"}),
        _aws("aws_sqs_queue", "events", {"name": "events",
                                         "arn": "arn:aws:sqs:eu-west-3:123456789012:events"}),
    ])
    result = run_scan(path)
    got = {r.address: (r.region, r.unresolved) for r in result.resources}
    assert got == {
        "aws_sqs_queue.jobs": (None, ("the state records no region for aws_sqs_queue.jobs: its location "
                                      "would be its provider's region, which a state does not keep",)),
        "aws_sqs_queue.events": ("eu-west-3", ()),
    }
    assert ("SOV004", "aws_sqs_queue.jobs") in rules(result)


def test_deploy_environment_is_not_read_for_a_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the state says what was deployed; today's shell says nothing about it
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    path = _state(tmp_path, [_aws("aws_sqs_queue", "jobs", {"name": "jobs"})])
    result = scan([path], Config(jobs=1, cache=False, deploy_env=True), explicit_files=True)
    (queue,) = result.resources
    assert queue.region is None and queue.unresolved


def test_a_reference_names_the_resource_of_its_type(tmp_path: Path) -> None:
    # the bucket, its versioning and its policy all have the bucket's name as id: `bucket` names a bucket
    path = _state(tmp_path, [
        _aws("aws_s3_bucket_policy", "p", {"bucket": "b", "id": "b"}),
        _aws("aws_s3_bucket_versioning", "v", {"bucket": "b", "id": "b"}),
        _aws("aws_s3_bucket", "b", {"bucket": "b", "id": "b", "region": "eu-west-1",
                                    "arn": "arn:aws:s3:::b"}),
        _aws("aws_s3_object", "o", {"bucket": "b", "key": "k", "id": "k"}),
    ])
    result = run_scan(path)
    obj = next(r for r in result.resources if r.address == "aws_s3_object.o")
    assert (obj.region, obj.location_origin) == ("eu-west-1", "where its bucket is")


@pytest.mark.parametrize(("document", "message"), [
    ({"version": 3, "serial": 1, "lineage": "x", "modules": []},
     "Terraform state format version 3 is not read (sovlint reads version 4, written by Terraform 0.12 "
     "and later and by OpenTofu: `terraform state pull` with one of them writes it)"),
    ({"serial": 1, "lineage": "x", "meta": {}, "encrypted_data": "AAAA", "encryption_version": "v0"},
     "an encrypted OpenTofu state: not readable without its key; scan the output of `tofu show -json` "
     "instead"),
    ({"format_version": "2.0", "values": {}},
     "JSON output format version 2.0 is not read (sovlint reads version 1.x)"),
    # what stands where a version should be is not quoted either
    ({"format_version": "HUNTER2-PLANTED-SECRET", "values": {}},
     "JSON output format version (not a version number) is not read (sovlint reads version 1.x)"),
    ({"version": "HUNTER2-PLANTED-SECRET", "resources": []},
     "Terraform state format version (none) is not read (sovlint reads version 4, written by Terraform "
     "0.12 and later and by OpenTofu: `terraform state pull` with one of them writes it)"),
    ([], "a Terraform state must be a JSON object"),
])
def test_states_not_read_are_said(tmp_path: Path, document: Any, message: str) -> None:
    path = tmp_path / "terraform.tfstate"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert normalise("terraform-state", path).failures == [("terraform.tfstate", 1, message)]


def test_an_empty_state_has_no_resources(tmp_path: Path) -> None:
    # after `terraform destroy`, and `terraform show -json` of it
    empty = _state(tmp_path, [])
    (tmp_path / "show.json").write_text('{"format_version": "1.0"}', encoding="utf-8")
    for path in (empty, tmp_path / "show.json"):
        result = normalise("terraform-state", path)
        assert (result.failures, result.resources) == ([], [])


def test_an_internal_error_never_quotes_the_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sovlint.normalise import terraform_state

    def failing(self: Any) -> list[Resource]:
        raise ValueError("HUNTER2-PLANTED-SECRET")

    monkeypatch.setattr(terraform_state.StateReader, "resources", failing)
    ((path, line, message),) = normalise("terraform-state", CLOUD).failures
    assert "HUNTER2" not in message
    assert message.startswith("internal error while reading a Terraform state: ValueError at "
                              "test_terraform_state.py:")


@pytest.mark.parametrize(("address", "base", "keys", "modules"), [
    ("aws_s3_bucket.b", "aws_s3_bucket.b", "", ()),
    ("aws_s3_bucket.b[0]", "aws_s3_bucket.b", "[0]", ()),
    ('module.a["x"].module.b.aws_s3_bucket.c["k"]', "module.a.module.b.aws_s3_bucket.c", '["x"]["k"]',
     ("a", "b")),
    # for_each keys are any string: brackets, dots and escaped quotes inside
    ('module.a["eu.west]1"].aws_s3_bucket.c["say \\"hi\\""]', "module.a.aws_s3_bucket.c",
     '["eu.west]1"]["say \\"hi\\""]', ("a",)),
])
def test_addresses_and_instance_keys(address: str, base: str, keys: str, modules: tuple[str, ...]) -> None:
    from sovlint.normalise.terraform_values import module_path, split_address

    assert split_address(address) == (base, keys)
    assert module_path(address) == modules
