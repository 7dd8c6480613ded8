"""--deploy-env: the region a provider takes from the environment when the code sets none.

Without the flag (or config ``terraform.deploy_env``) nothing of the environment is
read, whatever the shell holds; ``terraform.provider_regions`` sets regions explicitly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from filetree import FIXTURES_DIR, write_tree

#: Every variable a provider reads, emptied so that the developer's own shell never leaks in.
CLEAN = {name: "" for name in (
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE",
    "GOOGLE_REGION", "GCLOUD_REGION", "CLOUDSDK_COMPUTE_REGION", "GOOGLE_ZONE", "GCLOUD_ZONE",
    "CLOUDSDK_COMPUTE_ZONE", "SCW_DEFAULT_REGION", "SCW_REGION", "SCALEWAY_REGION",
    "SCW_DEFAULT_ZONE", "SCW_ZONE", "SCALEWAY_ZONE", "SCW_PROFILE", "SCW_CONFIG_PATH",
    "XDG_CONFIG_HOME", "OS_REGION_NAME", "OUTSCALE_REGION")}

# What a pipeline deploys: the region is left to the environment (a common pattern with
# AWS CodeBuild / GitLab runners that export AWS_REGION).
AWS_ROOT = """
terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

provider "aws" {}

resource "aws_s3_bucket" "invoices" {
  bucket = "acme-invoices"
}
"""


def _scan(run_cli: Any, cwd: Path, home: Path, *args: str, **env: str) -> dict[str, Any]:
    code, out, err = run_cli("scan", ".", "--format", "json", *args, cwd=cwd,
                             env={**CLEAN, "HOME": str(home), **env})
    assert code in (0, 1), err
    return json.loads(out)  # type: ignore[no-any-return]


def _only(doc: dict[str, Any]) -> dict[str, Any]:
    (resource,) = doc["resources"]
    return resource


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home directory of the test's own, with an AWS and a Scaleway profile file."""
    return write_tree(tmp_path / "home", {
        ".aws/config": "[default]\nregion = ap-southeast-2\n\n[profile paris]\nregion = eu-west-3\n"
                       "output = json\n",
        ".config/scw/config.yaml": "default_region: nl-ams\ndefault_zone: nl-ams-1\n"
                                   "profiles:\n  warsaw:\n    default_region: pl-waw\n",
    })


def test_nothing_of_the_environment_is_read_without_the_flag(tmp_path: Path, home: Path,
                                                             run_cli: Any) -> None:
    write_tree(tmp_path / "infra", {"main.tf": AWS_ROOT})
    doc = _scan(run_cli, tmp_path / "infra", home, AWS_REGION="us-east-1",
                AWS_DEFAULT_REGION="us-west-2", AWS_PROFILE="paris")
    bucket = _only(doc)
    assert bucket["region"] is None and "region_source" not in bucket
    assert bucket["unresolved"] == [
        "provider aws sets no region; it comes from the environment at deploy time"]
    assert sorted(f["rule"] for f in doc["findings"]) == ["SOV002", "SOV004"]


def test_aws_region_from_the_environment(tmp_path: Path, home: Path, run_cli: Any) -> None:
    write_tree(tmp_path / "infra", {"main.tf": AWS_ROOT})
    doc = _scan(run_cli, tmp_path / "infra", home, "--deploy-env", AWS_REGION="us-east-1",
                AWS_DEFAULT_REGION="eu-west-3")
    bucket = _only(doc)
    assert (bucket["region"], bucket["country"], bucket["unresolved"]) == ("us-east-1", "US", [])
    assert bucket["region_source"] == "AWS_REGION in the environment"
    sov001 = next(f for f in doc["findings"] if f["rule"] == "SOV001")
    assert sov001["message"].endswith("(region us-east-1 from AWS_REGION in the environment)")
    assert sov001["region_source"] == "AWS_REGION in the environment"
    doc = _scan(run_cli, tmp_path / "infra", home, "--deploy-env", AWS_DEFAULT_REGION="eu-west-3")
    assert (_only(doc)["region"], _only(doc)["region_source"]) == (
        "eu-west-3", "AWS_DEFAULT_REGION in the environment")


def test_aws_profile_of_the_shared_config_file(tmp_path: Path, home: Path, run_cli: Any) -> None:
    write_tree(tmp_path / "infra", {"main.tf": AWS_ROOT})
    doc = _scan(run_cli, tmp_path / "infra", home, "--deploy-env")
    assert (_only(doc)["region"], _only(doc)["region_source"]) == (
        "ap-southeast-2", f"profile default of {home / '.aws' / 'config'}")
    doc = _scan(run_cli, tmp_path / "infra", home, "--deploy-env", AWS_PROFILE="paris")
    assert _only(doc)["region"] == "eu-west-3"
    # the provider block's own profile wins over AWS_PROFILE
    write_tree(tmp_path / "infra", {"main.tf": AWS_ROOT.replace(
        'provider "aws" {}', 'provider "aws" {\n  profile = "paris"\n}')})
    doc = _scan(run_cli, tmp_path / "infra", home, "--deploy-env", AWS_PROFILE="default")
    assert _only(doc)["region"] == "eu-west-3"
    other = write_tree(tmp_path / "other", {"aws.ini": "[profile paris]\nregion = sa-east-1\n"})
    doc = _scan(run_cli, tmp_path / "infra", home, "--deploy-env",
                AWS_CONFIG_FILE=str(other / "aws.ini"))
    assert (_only(doc)["region"], _only(doc)["country"]) == ("sa-east-1", "BR")


def test_a_region_in_the_code_is_never_replaced(tmp_path: Path, home: Path, run_cli: Any) -> None:
    write_tree(tmp_path / "infra", {"main.tf": AWS_ROOT.replace(
        'provider "aws" {}', 'variable "region" {}\nprovider "aws" {\n  region = var.region\n}')})
    doc = _scan(run_cli, tmp_path / "infra", home, "--deploy-env", AWS_REGION="us-east-1")
    # an unset variable is not "no region": it stays unknown, named
    assert _only(doc)["region"] is None
    assert "var.region" in _only(doc)["unresolved"][0]


def test_scaleway_environment_profile_and_default(tmp_path: Path, home: Path, run_cli: Any) -> None:
    write_tree(tmp_path / "infra", {"main.tf": """
provider "scaleway" {}

resource "scaleway_rdb_instance" "main" {
  name           = "main"
  node_type      = "DB-DEV-S"
  engine         = "PostgreSQL-15"
  is_ha_cluster  = true
  backup_same_region = true
}
"""})
    empty_home = tmp_path / "empty-home"
    empty_home.mkdir()
    doc = _scan(run_cli, tmp_path / "infra", empty_home, "--deploy-env")
    assert (_only(doc)["region"], _only(doc)["region_source"]) == (
        "fr-par", "the provider's own default")
    doc = _scan(run_cli, tmp_path / "infra", home, "--deploy-env")
    assert (_only(doc)["region"], _only(doc)["country"]) == ("nl-ams", "NL")
    assert _only(doc)["region_source"] == (
        f"default_region of profile default in {home / '.config' / 'scw' / 'config.yaml'}")
    doc = _scan(run_cli, tmp_path / "infra", home, "--deploy-env", SCW_PROFILE="warsaw")
    assert (_only(doc)["region"], _only(doc)["country"]) == ("pl-waw", "PL")
    doc = _scan(run_cli, tmp_path / "infra", home, "--deploy-env", SCW_DEFAULT_REGION="fr-par")
    assert (_only(doc)["region"], _only(doc)["region_source"]) == (
        "fr-par", "SCW_DEFAULT_REGION in the environment")
    doc = _scan(run_cli, tmp_path / "infra", home)  # no flag: not even the provider's default
    assert _only(doc)["region"] is None


def test_google_and_openstack_variables(tmp_path: Path, home: Path, run_cli: Any) -> None:
    write_tree(tmp_path / "gcp", {"main.tf": """
provider "google" {
  project = "acme"
}
resource "google_sql_database_instance" "main" {
  database_version = "POSTGRES_15"
  settings {
    tier = "db-f1-micro"
  }
}
"""})
    doc = _scan(run_cli, tmp_path / "gcp", home, "--deploy-env", GCLOUD_REGION="us-central1",
                CLOUDSDK_COMPUTE_REGION="europe-west9")
    assert (_only(doc)["region"], _only(doc)["region_source"]) == (
        "us-central1", "GCLOUD_REGION in the environment")
    write_tree(tmp_path / "ovh", {"main.tf": """
provider "openstack" {
  auth_url = "https://auth.cloud.ovh.net/v3/"
}
resource "openstack_blockstorage_volume_v3" "data" {
  name = "data"
  size = 100
}
"""})
    doc = _scan(run_cli, tmp_path / "ovh", home, "--deploy-env", OS_REGION_NAME="GRA11")
    volume = _only(doc)
    assert (volume["provider"], volume["region"], volume["country"]) == ("ovh", "GRA11", "FR")
    assert volume["region_source"] == "OS_REGION_NAME in the environment"


def test_provider_regions_in_the_configuration(tmp_path: Path, home: Path, run_cli: Any) -> None:
    write_tree(tmp_path / "infra", {
        "main.tf": AWS_ROOT,
        ".sovlint.yaml": "terraform:\n  provider_regions:\n    aws: eu-west-3\n",
    })
    # explicit configuration: read without the flag, and it wins over the environment
    for args in ((), ("--deploy-env",)):
        doc = _scan(run_cli, tmp_path / "infra", home, *args, AWS_REGION="us-east-1")
        assert (_only(doc)["region"], _only(doc)["region_source"]) == (
            "eu-west-3", "terraform.provider_regions in .sovlint.yaml")
    write_tree(tmp_path / "infra", {".sovlint.yaml": "terraform:\n  deploy_env: true\n"})
    doc = _scan(run_cli, tmp_path / "infra", home, AWS_REGION="ca-central-1")
    assert (_only(doc)["region"], _only(doc)["country"]) == ("ca-central-1", "CA")


def test_a_bad_provider_regions_setting_is_a_usage_error(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {".sovlint.yaml": "terraform:\n  provider_regions:\n    aws: 3\n",
                          "main.tf": AWS_ROOT})
    code, _, err = run_cli("scan", ".", cwd=tmp_path)
    assert code == 2 and "provider_regions" in err


def test_the_cache_follows_the_environment(tmp_path: Path, home: Path, run_cli: Any) -> None:
    """A cached result is not reused when the deploy environment changed."""
    write_tree(tmp_path / "infra", {"main.tf": AWS_ROOT})
    cache = {"SOVLINT_CACHE_DIR": str(tmp_path / "cache")}
    regions = []
    for region in ("us-east-1", "eu-west-3", "us-east-1"):
        doc = _scan(run_cli, tmp_path / "infra", home, "--deploy-env", AWS_REGION=region, **cache)
        regions.append(_only(doc)["region"])
    doc = _scan(run_cli, tmp_path / "infra", home, AWS_REGION="eu-west-3", **cache)
    regions.append(_only(doc)["region"])
    assert regions == ["us-east-1", "eu-west-3", "us-east-1", None]


def test_a_plan_whose_provider_sets_no_region(tmp_path: Path, home: Path, run_cli: Any) -> None:
    plan = json.loads((FIXTURES_DIR / "terraform_plan" / "tofu-plan.json").read_text())
    del plan["configuration"]["provider_config"]["scaleway"]["expressions"]
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    doc = _scan(run_cli, tmp_path, home, SCW_DEFAULT_REGION="pl-waw")
    exports = next(r for r in doc["resources"] if r["address"] == "scaleway_object_bucket.exports")
    assert exports["region"] is None
    doc = _scan(run_cli, tmp_path, home, "--deploy-env", SCW_DEFAULT_REGION="pl-waw")
    exports = next(r for r in doc["resources"] if r["address"] == "scaleway_object_bucket.exports")
    assert (exports["region"], exports["region_source"]) == (
        "pl-waw", "SCW_DEFAULT_REGION in the environment")


def test_the_data_table_names_catalog_providers_with_sources() -> None:
    from sovlint.datafiles import load_yaml_file, policies_dir
    from sovlint.catalog import cached_catalog

    table = load_yaml_file(policies_dir() / "deploy-environment.yaml")["providers"]
    catalog = cached_catalog(())
    for provider_id, entry in table.items():
        provider = catalog.get(provider_id)
        assert provider is not None, provider_id
        assert isinstance(entry.get("source"), str) and "@" in entry["source"], provider_id
        attributes = [k for k in entry if k != "source"]
        # the steps stand in for the provider block's own region arguments
        assert set(attributes) <= set(provider.terraform.get("provider_region_attributes", [])), \
            provider_id
        for attribute in attributes:
            for step in entry[attribute]:
                kinds = set(step) - {"key"}
                assert len(kinds) == 1 and kinds <= {"env", "profile", "default"}, (provider_id, step)
                if "profile" in step:
                    assert step["profile"] in {"aws-config", "scaleway-config"}
