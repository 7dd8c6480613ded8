"""OpenTofu as OpenTofu reads it: .tofu files, provider for_each, early-evaluated sources, plans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from filetree import write_tree
from manifest_scan import FIXTURES, by_address, normalise

# A module written for both tools, as OpenTofu's documentation suggests: Terraform reads
# main.tf, OpenTofu reads main.tofu instead (https://opentofu.org/docs/language/files/).
DUAL_MODULE = {
    "main.tf": """
provider "aws" {
  region = "us-east-1"
}
""",
    "main.tofu": """
provider "aws" {
  region = "eu-west-3"
}
""",
    "storage.tf": """
resource "aws_s3_bucket" "records" {
  bucket = "records"
}
""",
}

# OpenTofu 1.9's provider iteration, as its "Provider Configuration" page writes it.
PROVIDER_FOR_EACH = """
variable "aws_regions" {
  type = map(object({
    vpc_cidr_block = string
  }))
  default = {
    eu-west-3 = { vpc_cidr_block = "10.1.0.0/16" }
    us-east-1 = { vpc_cidr_block = "10.2.0.0/16" }
  }
}

provider "aws" {
  alias    = "by_region"
  for_each = var.aws_regions

  region = each.key
}

resource "aws_s3_bucket" "logs" {
  for_each = var.aws_regions
  provider = aws.by_region[each.key]
  bucket   = "logs-${each.key}"
}

module "per_region" {
  source = "./per-region"
  for_each = {
    for region, config in var.aws_regions : region => config
    if config != null
  }
  providers = {
    aws = aws.by_region[each.key]
  }

  region_name    = each.key
  vpc_cidr_block = each.value.vpc_cidr_block
}
"""
PER_REGION = """
variable "region_name" {}
variable "vpc_cidr_block" {}

resource "aws_vpc" "main" {
  cidr_block = var.vpc_cidr_block
}

resource "aws_db_instance" "orders" {
  identifier = "orders-${var.region_name}"
  multi_az   = true
}
"""


def _resources(doc: dict[str, Any]) -> list[tuple[str, str, str | None, tuple[str, ...]]]:
    return sorted((r["address"], r["path"], r["region"], tuple(r.get("instances", ())))
                  for r in doc["resources"])


def test_a_tofu_file_replaces_the_tf_file_of_the_same_name(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, DUAL_MODULE)
    _, doc = scan_json(".", cwd=tmp_path)
    assert _resources(doc) == [("aws_s3_bucket.records", "storage.tf", "eu-west-3", ())]
    assert doc["errors"] == []
    assert {f["rule"] for f in doc["findings"]} == {"SOV002"}  # Paris: no SOV001


def test_a_tofu_json_file_replaces_the_tf_json_file(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {
        "provider.tf.json": '{"provider": {"aws": {"region": "us-east-1"}}}',
        "provider.tofu.json": '{"provider": {"aws": {"region": "eu-west-3"}}}',
        "bucket.tofu": 'resource "aws_s3_bucket" "b" {}\n',
    })
    _, doc = scan_json(".", cwd=tmp_path)
    assert _resources(doc) == [("aws_s3_bucket.b", "bucket.tofu", "eu-west-3", ())]


def test_a_tofu_file_given_alone_is_read_with_its_directory(tmp_path: Path, scan_json: Any) -> None:
    """pre-commit passes the staged main.tofu: its directory is evaluated, main.tofu reported."""
    write_tree(tmp_path, {**DUAL_MODULE, "storage.tf": "", "main.tofu": DUAL_MODULE["main.tofu"]
                          + 'resource "aws_s3_bucket" "scans" {}\n',
               "variables.tf": 'resource "aws_s3_bucket" "other" {}\n'})
    _, doc = scan_json("main.tofu", cwd=tmp_path)
    assert _resources(doc) == [("aws_s3_bucket.scans", "main.tofu", "eu-west-3", ())]
    assert doc["summary"]["files"] == 1


def test_provider_for_each_gives_one_entry_per_region(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tofu": PROVIDER_FOR_EACH, "per-region/main.tf": PER_REGION})
    _, doc = scan_json(".", cwd=tmp_path)
    assert _resources(doc) == [
        ("aws_s3_bucket.logs", "main.tofu", "eu-west-3", ('["eu-west-3"]',)),
        ("aws_s3_bucket.logs", "main.tofu", "us-east-1", ('["us-east-1"]',)),
        ("module.per_region.aws_db_instance.orders", "per-region/main.tf", "eu-west-3",
         ('["eu-west-3"]',)),
        ("module.per_region.aws_db_instance.orders", "per-region/main.tf", "us-east-1",
         ('["us-east-1"]',)),
        ("module.per_region.aws_vpc.main", "per-region/main.tf", "eu-west-3", ('["eu-west-3"]',)),
        ("module.per_region.aws_vpc.main", "per-region/main.tf", "us-east-1", ('["us-east-1"]',)),
    ]
    sov001 = [(f["address"], f["region"]) for f in doc["findings"] if f["rule"] == "SOV001"]
    assert sorted(sov001) == [("aws_s3_bucket.logs", "us-east-1"),
                              ("module.per_region.aws_db_instance.orders", "us-east-1")]
    fingerprints = [f["fingerprint"] for f in doc["findings"] if f["rule"] == "SOV002"]
    assert len(fingerprints) == len(set(fingerprints)) == 4  # one per location, never merged
    # the module directory is evaluated through its caller, not as a root with no region
    assert not any("no configuration" in u for r in doc["resources"] for u in r["unresolved"])


def test_module_instances_in_one_region_give_one_entry(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {
        "main.tf": """
provider "aws" { region = "eu-west-3" }
module "bucket" {
  source   = "./bucket"
  for_each = toset(["a", "b"])
  name     = each.key
}
""",
        "bucket/main.tf": 'variable "name" {}\nresource "aws_s3_bucket" "b" { bucket = var.name }\n',
    })
    _, doc = scan_json(".", cwd=tmp_path)
    assert _resources(doc) == [("module.bucket.aws_s3_bucket.b", "bucket/main.tf", "eu-west-3", ())]


def test_an_unknown_provider_for_each_is_reported_with_its_expression(tmp_path: Path,
                                                                      scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tofu": """
variable "regions" {
  type = set(string)
}

provider "aws" {
  alias    = "by_region"
  for_each = var.regions
  region   = each.value
}

resource "aws_s3_bucket" "exports" {
  provider = aws.by_region["eu-west-3"]
}
"""})
    _, doc = scan_json(".", cwd=tmp_path)
    (bucket,) = doc["resources"]
    assert bucket["region"] is None
    assert bucket["unresolved"] == [
        'provider aws.by_region["eu-west-3"]: region = each.value (for_each of provider '
        "aws.by_region is not known (variable regions has no default and no value was given))"]
    assert [f["rule"] for f in doc["findings"]] == ["SOV002", "SOV004"]
    write_tree(tmp_path, {"terraform.tfvars": 'regions = ["eu-west-3", "eu-central-1"]\n'})
    _, doc = scan_json(".", cwd=tmp_path)
    assert [(r["region"], r["unresolved"]) for r in doc["resources"]] == [("eu-west-3", [])]


def test_a_provider_instance_key_that_does_not_exist(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tofu": """
provider "aws" {
  alias    = "by_region"
  for_each = toset(["eu-west-3"])
  region   = each.value
}
resource "aws_s3_bucket" "exports" {
  provider = aws.by_region["us-east-1"]
}
"""})
    _, doc = scan_json(".", cwd=tmp_path)
    assert doc["resources"][0]["unresolved"] == [
        'provider aws.by_region["us-east-1"]: region = each.value '
        '(provider aws.by_region has no instance "us-east-1")']


def test_early_evaluated_module_source(tmp_path: Path, scan_json: Any) -> None:
    """OpenTofu 1.8 evaluates variables and locals in module sources before anything else."""
    write_tree(tmp_path, {
        "live/main.tofu": """
variable "storage_flavour" {
  type    = string
  default = "object"
}
locals {
  modules = "../modules"
}
provider "aws" {
  region = "eu-west-3"
}
module "storage" {
  source = "${local.modules}/${var.storage_flavour}-storage"
}
""",
        "modules/object-storage/main.tf": 'resource "aws_s3_bucket" "data" {}\n',
    })
    _, doc = scan_json(".", cwd=tmp_path)
    # evaluated through its caller only: not also as a root whose provider has no region
    assert _resources(doc) == [("module.storage.aws_s3_bucket.data",
                                "modules/object-storage/main.tf", "eu-west-3", ())]


def test_tofu_show_json_plan() -> None:
    result = normalise("terraform-plan", FIXTURES / "terraform_plan" / "tofu-plan.json")
    assert result.failures == []
    resources = by_address(result)
    exports = resources["scaleway_object_bucket.exports"]
    assert (exports.provider, exports.region, exports.unresolved) == ("scaleway", "nl-ams", ())
    logs = resources['aws_s3_bucket.logs["eu-west-3"]']
    assert (logs.provider, logs.region) == ("aws", None)
    assert logs.unresolved == (
        "provider aws.by_region: region = each.value (an instance of a provider with for_each: "
        "the plan JSON does not say which instance a resource uses)",)


def test_opentofu_registry_addresses_name_catalog_providers() -> None:
    from sovlint.catalog import cached_catalog

    catalog = cached_catalog(())
    assert catalog.provider_for_source("registry.opentofu.org/hashicorp/aws") == "aws"
    assert catalog.provider_for_source("registry.opentofu.org/scaleway/scaleway") == "scaleway"
    assert catalog.provider_for_source("registry.opentofu.org/outscale/outscale") == "outscale"
