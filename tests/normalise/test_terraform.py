"""Terraform as Terraform evaluates it: providers, variables, modules, instances, replicas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from filetree import write_tree


def _resources(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["address"] + "".join(r.get("instances", [])): r for r in doc["resources"]}


def test_provider_alias_and_default(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": """
provider "aws" { region = "eu-west-3" }
provider "aws" {
  alias  = "us"
  region = "us-east-1"
}
resource "aws_s3_bucket" "a" {}
resource "aws_s3_bucket" "b" { provider = aws.us }
resource "aws_s3_bucket" "c" { region = "eu-central-1" }
"""})
    _, doc = scan_json(".", cwd=tmp_path)
    res = _resources(doc)
    assert res["aws_s3_bucket.a"]["region"] == "eu-west-3"
    assert res["aws_s3_bucket.b"]["country"] == "US"
    assert res["aws_s3_bucket.c"]["country"] == "DE"  # AWS provider v6 per-resource region


def test_variable_precedence(tmp_path: Path, scan_json: Any, run_cli: Any) -> None:
    write_tree(tmp_path, {
        "main.tf": 'variable "r" { default = "us-east-1" }\nprovider "aws" { region = var.r }\n'
                   'resource "aws_s3_bucket" "a" {}\n',
        "terraform.tfvars": 'r = "eu-west-1"\n',
        "b.auto.tfvars": 'r = "eu-central-1"\n',
        "prod.tfvars": 'r = "eu-west-3"\n',
    })
    _, doc = scan_json(".", cwd=tmp_path)
    assert doc["resources"][0]["region"] == "eu-central-1"  # *.auto.tfvars after terraform.tfvars
    _, doc = scan_json(".", "--var-file", "prod.tfvars", cwd=tmp_path)
    assert doc["resources"][0]["region"] == "eu-west-3"
    _, doc = scan_json(".", "--var-file", "prod.tfvars", "--var", "r=ap-south-1", cwd=tmp_path)
    assert doc["resources"][0]["region"] == "ap-south-1"


def test_unresolved_names_the_expression(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": """
variable "location" {}
locals { loc = lower(var.location) }
resource "azurerm_storage_account" "s" {
  name                     = "s"
  location                 = local.loc
  account_tier             = "Standard"
  account_replication_type = "ZRS"
}
"""})
    _, doc = scan_json(".", cwd=tmp_path)
    resource = doc["resources"][0]
    assert resource["country"] is None and resource["region"] is None
    assert "local.loc" in resource["unresolved"][0]
    assert [f["rule"] for f in doc["findings"]] == ["SOV002", "SOV004"]


def test_reference_to_another_resource_location(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": """
resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "francecentral"
}
locals { where = azurerm_resource_group.rg.location }
resource "azurerm_storage_account" "s" {
  name                     = "s"
  location                 = local.where
  resource_group_name      = azurerm_resource_group.rg.name
  account_tier             = "Standard"
  account_replication_type = "GRS"
}
"""})
    _, doc = scan_json(".", cwd=tmp_path)
    storage = _resources(doc)["azurerm_storage_account.s"]
    assert storage["country"] == "FR"
    assert storage["replicas"] == [{"region": "francesouth", "country": "FR", "countries": ["FR"],
                                    "via": "geo-redundant storage pair"}]


def test_local_module_with_providers_map(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {
        "root/main.tf": """
provider "aws" { region = "eu-west-3" }
provider "aws" {
  alias  = "us"
  region = "us-west-2"
}
module "store" {
  source    = "../modules/store"
  providers = { aws = aws.us }
  name      = "x"
}
""",
        "modules/store/main.tf": """
variable "name" {}
resource "aws_s3_bucket" "this" { bucket = var.name }
""",
    })
    _, doc = scan_json(".", cwd=tmp_path)
    res = _resources(doc)
    assert list(res) == ["module.store.aws_s3_bucket.this"]
    bucket = res["module.store.aws_s3_bucket.this"]
    assert bucket["path"] == "modules/store/main.tf" and bucket["line"] == 3
    assert bucket["country"] == "US"


def test_for_each_instances_in_different_regions(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": """
resource "aws_s3_bucket" "b" {
  for_each = { paris = "eu-west-3", virginia = "us-east-1", ohio = "us-east-2" }
  region   = each.value
  bucket   = each.key
}
"""})
    _, doc = scan_json(".", cwd=tmp_path)
    assert sorted((r["region"], tuple(r["instances"])) for r in doc["resources"]) == [
        ("eu-west-3", ('["paris"]',)), ("us-east-1", ('["virginia"]',)), ("us-east-2", ('["ohio"]',))]
    sov001 = [f for f in doc["findings"] if f["rule"] == "SOV001"]
    assert len(sov001) == 2 and len({f["fingerprint"] for f in sov001}) == 2


def test_count_zero_creates_nothing(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": """
variable "create" { default = false }
resource "aws_s3_bucket" "b" {
  count  = var.create ? 1 : 0
  region = "us-east-1"
}
"""})
    _, doc = scan_json(".", cwd=tmp_path)
    assert doc["resources"] == []


def test_default_tags_inherited_and_own_tags_win(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": """
provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { Data-Classification = "public" }
  }
}
resource "aws_s3_bucket" "inherits" {}
resource "aws_s3_bucket" "own" {
  tags = { "sovlint:data-class" = "phi" }
}
"""})
    _, doc = scan_json(".", cwd=tmp_path)
    res = _resources(doc)
    assert res["aws_s3_bucket.inherits"]["data_class"] == "public"
    assert res["aws_s3_bucket.own"]["data_class"] == "health"


def test_replica_to_unknown_destination_is_sov004_not_sov003(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": """
provider "aws" { region = "eu-west-3" }
resource "aws_s3_bucket" "src" {}
resource "aws_s3_bucket_replication_configuration" "r" {
  bucket = aws_s3_bucket.src.id
  role   = "arn:aws:iam::1:role/r"
  rule {
    status = "Enabled"
    destination { bucket = "arn:aws:s3:::somewhere-else" }
  }
}
"""})
    _, doc = scan_json(".", cwd=tmp_path)
    rules = {(f["rule"], f["address"]) for f in doc["findings"]}
    assert ("SOV004", "aws_s3_bucket.src") in rules
    assert not any(r == "SOV003" for r, _ in rules)


def test_module_that_calls_itself_is_bounded(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {"loop/main.tf": """
module "again" { source = "./" }
resource "aws_s3_bucket" "b" { region = "eu-west-3" }
"""})
    code, out, err = run_cli("scan", "loop", "--format", "json")
    assert code == 1 and "Traceback" not in err


def test_local_cycle_is_reported_as_unknown(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": """
locals {
  a = local.b
  b = local.a
}
resource "aws_s3_bucket" "b" { region = local.a }
"""})
    _, doc = scan_json(".", cwd=tmp_path)
    assert "cycle" in doc["resources"][0]["unresolved"][0]


def test_openstack_operator_from_auth_url(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": """
provider "openstack" {
  auth_url = "https://auth.cloud.ovh.net/v3"
  region   = "GRA11"
}
resource "openstack_blockstorage_volume_v3" "v" {
  name = "v"
  size = 10
}
"""})
    _, doc = scan_json(".", cwd=tmp_path)
    volume = doc["resources"][0]
    assert volume["provider"] == "ovh" and volume["country"] == "FR" and volume["exposures"] == []


def test_inline_suppression_with_reason_and_expiry(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": """
# sovlint:ignore SOV002 -- contract with EU sovereign clause
resource "aws_s3_bucket" "a" { region = "eu-west-3" }

resource "aws_s3_bucket" "b" {
  // sovlint:ignore SOV002 exp:2020-01-01 -- temporary
  region = "eu-west-3"
}
"""})
    code, doc = scan_json(".", cwd=tmp_path)
    by = {f["address"]: f for f in doc["findings"]}
    assert by["aws_s3_bucket.a"]["suppressed"] is True
    assert by["aws_s3_bucket.a"]["suppression_reason"] == "contract with EU sovereign clause"
    assert by["aws_s3_bucket.b"]["suppressed"] is False
    assert "expired" in by["aws_s3_bucket.b"]["message"]
    assert code == 1 and doc["summary"]["suppressed"] == 1


def test_a_variables_file_alone_checks_its_module(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"mod/main.tf": 'variable "r" {}\nresource "aws_s3_bucket" "a" {\n  region = var.r\n}\n',
                          "mod/terraform.tfvars": 'r = "us-east-1"\n'})
    _, doc = scan_json("mod/terraform.tfvars", cwd=tmp_path)
    assert [(f["rule"], f["path"]) for f in doc["findings"] if f["rule"] == "SOV001"] == [
        ("SOV001", "mod/main.tf")]


def test_remote_module_where_terraform_init_left_it(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {
        "main.tf": 'provider "aws" { region = "us-east-1" }\n'
                   'module "store" {\n  source  = "terraform-aws-modules/s3-bucket/aws"\n  version = "5.0.0"\n}\n',
        ".terraform/modules/modules.json": '{"Modules": [{"Key": "", "Source": "", "Dir": "."}, '
                                           '{"Key": "store", "Source": "registry.terraform.io/x", '
                                           '"Version": "5.0.0", "Dir": ".terraform/modules/store"}]}',
        ".terraform/modules/store/main.tf": 'resource "aws_s3_bucket" "this" {}\n',
    })
    _, doc = scan_json(".", cwd=tmp_path)
    (bucket,) = doc["resources"]
    assert bucket["address"] == "module.store.aws_s3_bucket.this"
    assert bucket["path"] == ".terraform/modules/store/main.tf" and bucket["country"] == "US"
