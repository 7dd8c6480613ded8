"""Terragrunt units read as Terragrunt reads them: each unit is a root, named in its findings.

``tests/fixtures/terragrunt`` is a live/ tree laid out as Terragrunt's documentation and
its infrastructure-live example show it: a ``root.hcl`` that generates the provider from
``account.hcl``/``region.hcl``/``env.hcl`` found with ``find_in_parent_folders``, an
``_envcommon`` file included with ``expose``, a local module source with ``//``, a
``dependency`` with and without ``mock_outputs``, and a remote module source.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from filetree import FIXTURES_DIR, touch_later, write_tree

LIVE = FIXTURES_DIR / "terragrunt"


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """A copy of the fixture tree (tests may edit it)."""
    shutil.copytree(LIVE, tmp_path / "infra")
    return tmp_path / "infra"


def _resources(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted((r["address"], r["path"], r["line"], r["region"], r.get("root"))
                  for r in doc["resources"])


def test_each_unit_is_a_root_named_in_its_findings(live: Path, scan_json: Any) -> None:
    _, doc = scan_json(".", cwd=live)
    assert _resources(doc) == [
        ("aws_db_instance.this", "modules/database/main.tf", 23, "eu-west-3",
         "live/prod/eu-west-3/database"),
        ("aws_db_instance.this", "modules/database/main.tf", 23, "us-east-1",
         "live/staging/us-east-1/database"),
        ("aws_db_subnet_group.this", "modules/database/main.tf", 18, "eu-west-3",
         "live/prod/eu-west-3/database"),
        ("aws_db_subnet_group.this", "modules/database/main.tf", 18, "us-east-1",
         "live/staging/us-east-1/database"),
        ("aws_vpc.this", "modules/vpc/main.tf", 5, "eu-west-3", "live/prod/eu-west-3/vpc"),
        # the unit whose module is remote: not evaluated, reported where its source is set
        ("terraform.source", "live/prod/eu-west-3/exports/terragrunt.hcl", 7, None,
         "live/prod/eu-west-3/exports"),
    ]
    assert doc["errors"] == []
    findings = [(f["rule"], f["address"], f.get("root")) for f in doc["findings"]]
    assert sorted(findings) == [
        ("SOV001", "aws_db_instance.this", "live/staging/us-east-1/database"),
        ("SOV002", "aws_db_instance.this", "live/prod/eu-west-3/database"),
        ("SOV002", "aws_db_instance.this", "live/staging/us-east-1/database"),
        ("SOV004", "terraform.source", "live/prod/eu-west-3/exports"),
    ]
    # two units deploying one module: two findings, told apart by text and fingerprint
    sov002 = [f for f in doc["findings"] if f["rule"] == "SOV002"]
    assert len({f["fingerprint"] for f in sov002}) == 2
    assert {f["message"].rsplit(" ", 1)[-1] for f in sov002} == {
        "live/prod/eu-west-3/database)", "live/staging/us-east-1/database)"}
    sov004 = next(f for f in doc["findings"] if f["rule"] == "SOV004")
    assert "'git::https://github.com/acme/infra-modules.git//bucket?ref=v1.4.0' is remote" \
        in sov004["message"]


def test_the_generated_provider_gives_region_and_default_tags(live: Path, scan_json: Any) -> None:
    """The ``default_tags`` of the provider root.hcl generates reach the module's resources."""
    write_tree(live, {"live/staging/env.hcl": 'locals {\n  environment = "staging"\n'
                                               '  data_classification = "public"\n}\n'})
    _, doc = scan_json(".", cwd=live)
    classes = {(r["address"], r["root"]): r["data_class"] for r in doc["resources"]}
    assert classes[("aws_db_instance.this", "live/staging/us-east-1/database")] == "public"
    assert classes[("aws_db_instance.this", "live/prod/eu-west-3/database")] == "strategic"
    assert not any(f["rule"] == "SOV001" for f in doc["findings"])  # public data may leave France


def test_a_unit_file_given_alone_checks_that_unit(live: Path, scan_json: Any) -> None:
    _, doc = scan_json("live/staging/us-east-1/database/terragrunt.hcl", cwd=live)
    assert {r.get("root") for r in doc["resources"]} == {"live/staging/us-east-1/database"}
    assert [f["rule"] for f in doc["findings"]] == ["SOV001", "SOV002"]


def test_an_included_file_given_alone_checks_the_units_below_it(live: Path, scan_json: Any) -> None:
    """pre-commit with a staged env.hcl: the units that can read it are checked."""
    _, doc = scan_json("live/staging/env.hcl", cwd=live)
    assert {r.get("root") for r in doc["resources"]} == {"live/staging/us-east-1/database"}
    _, doc = scan_json("live/root.hcl", cwd=live)
    assert len({r.get("root") for r in doc["resources"]}) == 4
    _, doc = scan_json(".terraform.lock.hcl", cwd=write_tree(live, {".terraform.lock.hcl": ""}))
    assert doc["resources"] == []


def test_the_legacy_root_terragrunt_hcl(tmp_path: Path, scan_json: Any) -> None:
    """find_in_parent_folders() with no name finds a parent terragrunt.hcl, which is no unit."""
    write_tree(tmp_path, {
        "terragrunt.hcl": """
generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite"
  contents  = <<EOF
provider "scaleway" {
  region = "${local.region}"
}
EOF
}
locals {
  region = "fr-par"
}
inputs = {
  state_key = "${path_relative_to_include()}/terraform.tfstate"
}
""",
        "app/db/terragrunt.hcl": 'include {\n  path = find_in_parent_folders()\n}\n',
        "app/db/main.tf": """
variable "state_key" {}
resource "scaleway_rdb_instance" "main" {
  name               = var.state_key
  node_type          = "DB-DEV-S"
  engine             = "PostgreSQL-15"
  is_ha_cluster      = true
  backup_same_region = true
}
""",
    })
    _, doc = scan_json(".", cwd=tmp_path)
    assert _resources(doc) == [("scaleway_rdb_instance.main", "app/db/main.tf", 3, "fr-par", "app/db")]
    assert doc["findings"] == []  # Paris, Scaleway, high availability


def test_inputs_sit_below_the_module_variables_files(tmp_path: Path, scan_json: Any,
                                                      run_cli: Any) -> None:
    write_tree(tmp_path, {
        "unit/terragrunt.hcl": """
terraform {
  source = "../module"
}
generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite"
  contents  = "provider \\"aws\\" {\\n  region = var.region\\n}\\n"
}
inputs = {
  region = "eu-west-3"
}
""",
        "module/main.tf": 'variable "region" {}\nresource "aws_s3_bucket" "b" {}\n',
    })
    _, doc = scan_json(".", cwd=tmp_path)
    assert [r["region"] for r in doc["resources"]] == ["eu-west-3"]
    # Terragrunt passes inputs as TF_VAR_*: the module's own terraform.tfvars wins over them
    write_tree(tmp_path, {"module/terraform.tfvars": 'region = "eu-central-1"\n'})
    _, doc = scan_json(".", cwd=tmp_path)
    assert [r["region"] for r in doc["resources"]] == ["eu-central-1"]
    # ... and so do the unit folder's (Terragrunt copies it over the module)
    write_tree(tmp_path, {"unit/terraform.tfvars": 'region = "eu-south-1"\n'})
    _, doc = scan_json(".", cwd=tmp_path)
    assert [r["region"] for r in doc["resources"]] == ["eu-south-1"]


def test_if_exists_decides_between_the_module_and_the_generated_file(tmp_path: Path,
                                                                      scan_json: Any) -> None:
    unit = """
terraform {{
  source = "../module"
}}
generate "provider" {{
  path      = "provider.tf"
  if_exists = "{mode}"
  contents  = <<EOF
provider "aws" {{
  region = "eu-west-3"
}}
EOF
}}
"""
    write_tree(tmp_path, {
        "module/provider.tf": 'provider "aws" {\n  region = "us-east-1"\n}\n',
        "module/main.tf": 'resource "aws_s3_bucket" "b" {}\n',
        "unit/terragrunt.hcl": unit.format(mode="overwrite_terragrunt"),
    })
    _, doc = scan_json(".", cwd=tmp_path)
    assert [r["region"] for r in doc["resources"]] == ["eu-west-3"]
    write_tree(tmp_path, {"unit/terragrunt.hcl": unit.format(mode="skip")})
    _, doc = scan_json(".", cwd=tmp_path)
    assert [r["region"] for r in doc["resources"]] == ["us-east-1"]


def test_a_unit_without_source_deploys_its_own_folder(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {
        "root.hcl": """
generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<EOF
provider "aws" {
  region = "eu-west-3"
}
EOF
}
""",
        "storage/terragrunt.hcl": 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n',
        "storage/main.tf": 'resource "aws_s3_bucket" "archive" {}\n',
    })
    _, doc = scan_json(".", cwd=tmp_path)
    # once, through the unit (not also as a plain root whose provider has no region)
    assert _resources(doc) == [("aws_s3_bucket.archive", "storage/main.tf", 1, "eu-west-3", "storage")]
    _, doc = scan_json("storage/main.tf", cwd=tmp_path)
    # staged alone, the folder is a plain root (its own): no provider region
    assert _resources(doc) == [("aws_s3_bucket.archive", "storage/main.tf", 1, None, "storage")]


def test_dependency_outputs(tmp_path: Path, scan_json: Any) -> None:
    unit = """
terraform {{
  source = "../module"
}}
dependency "network" {{
  config_path = "../network"
  {mocks}
}}
inputs = {{
  region = dependency.network.outputs.region
}}
"""
    write_tree(tmp_path, {
        "module/main.tf": 'variable "region" {}\nprovider "aws" {\n  region = var.region\n}\n'
                          'resource "aws_s3_bucket" "b" {}\n',
        "app/terragrunt.hcl": unit.format(mocks='mock_outputs = { region = "eu-west-3" }'),
    })
    _, doc = scan_json(".", cwd=tmp_path)
    assert [r["region"] for r in doc["resources"]] == ["eu-west-3"]
    write_tree(tmp_path, {"app/terragrunt.hcl": unit.format(mocks="")})
    _, doc = scan_json(".", cwd=tmp_path)
    (bucket,) = doc["resources"]
    assert bucket["region"] is None
    assert "outputs of dependency network (../network) are known once it is applied" \
        in bucket["unresolved"][0]


def test_get_env_reads_the_environment_only_with_deploy_env(tmp_path: Path, run_cli: Any) -> None:
    import json

    write_tree(tmp_path, {
        "module/main.tf": 'variable "region" {}\nprovider "aws" {\n  region = var.region\n}\n'
                          'resource "aws_s3_bucket" "b" {}\n',
        "app/terragrunt.hcl": """
terraform {
  source = "../module"
}
inputs = {
  region = get_env("DEPLOY_REGION", "eu-west-3")
}
""",
        "other/terragrunt.hcl": """
terraform {
  source = "../module"
}
inputs = {
  region = get_env("DEPLOY_REGION")
}
""",
    })

    def regions(*args: str) -> dict[str, Any]:
        code, out, err = run_cli("scan", ".", "--format", "json", *args, cwd=tmp_path,
                                 env={"DEPLOY_REGION": "us-east-1"})
        assert code in (0, 1), err
        return {r["root"]: (r["region"], r["unresolved"]) for r in json.loads(out)["resources"]}

    assert regions() == {
        "app": ("eu-west-3", []),
        "other": (None, ["provider aws: region = var.region (get_env('DEPLOY_REGION'): DEPLOY_REGION "
                         "is read from the environment only with --deploy-env)"]),
    }
    assert regions("--deploy-env") == {"app": ("us-east-1", []), "other": ("us-east-1", [])}


def test_nothing_is_executed_or_asked_of_a_cloud(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {
        "module/main.tf": 'variable "region" {}\nprovider "aws" {\n  region = var.region\n}\n'
                          'resource "aws_s3_bucket" "b" {}\n',
        "app/terragrunt.hcl": """
locals {
  region  = run_cmd("sh", "-c", "touch executed && echo eu-west-3")
  account = get_aws_account_id()
}
terraform {
  source = "../module"
}
inputs = {
  region = local.region
}
""",
    })
    _, doc = scan_json(".", cwd=tmp_path)
    assert not (tmp_path / "app" / "executed").exists() and not (tmp_path / "executed").exists()
    (bucket,) = doc["resources"]
    assert bucket["region"] is None
    assert "run_cmd() runs a command: sovlint never executes anything" in bucket["unresolved"][0]


def test_read_terragrunt_config_default_and_merge_strategies(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {
        "module/main.tf": """
variable "regions" {
  type = map(string)
}
provider "aws" {
  region = var.regions["primary"]
}
provider "aws" {
  alias  = "copy"
  region = var.regions["copy"]
}
resource "aws_s3_bucket" "b" {}
resource "aws_s3_bucket" "c" {
  provider = aws.copy
}
""",
        "common.hcl": 'inputs = {\n  regions = {\n    primary = "eu-west-3"\n    copy = "eu-west-1"\n  }\n}\n',
        "app/terragrunt.hcl": """
include "common" {
  path           = find_in_parent_folders("common.hcl")
  merge_strategy = "deep"
}
locals {
  optional = read_terragrunt_config(find_in_parent_folders("absent.hcl", "absent.hcl"),
                                    { inputs = { extra = "none" } })
}
terraform {
  source = "../module"
}
inputs = {
  regions = {
    copy = local.optional.inputs.extra == "none" ? "eu-central-1" : "?"
  }
}
""",
    })
    _, doc = scan_json(".", cwd=tmp_path)
    assert {r["address"]: r["region"] for r in doc["resources"]} == {
        "aws_s3_bucket.b": "eu-west-3", "aws_s3_bucket.c": "eu-central-1"}
    # shallow (the default): the unit's `regions` replaces the included one whole
    text = (tmp_path / "app" / "terragrunt.hcl").read_text()
    touch_later(tmp_path / "app" / "terragrunt.hcl", text.replace('"deep"', '"shallow"'))
    _, doc = scan_json(".", cwd=tmp_path)
    regions = {r["address"]: (r["region"], r["unresolved"]) for r in doc["resources"]}
    assert regions["aws_s3_bucket.c"] == ("eu-central-1", [])
    assert regions["aws_s3_bucket.b"][0] is None


def test_path_functions_in_a_root_source(tmp_path: Path, scan_json: Any) -> None:
    """The documented pattern: ``source = "${path_relative_from_include()}/../sources//${path_relative_to_include()}"``."""
    write_tree(tmp_path, {
        "terragrunt/root.hcl": """
terraform {
  source = "${path_relative_from_include()}/../sources//${path_relative_to_include()}"
}
generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite"
  contents  = "provider \\"google\\" {\\n  region = \\"europe-west9\\"\\n}\\n"
}
inputs = {
  common_dir = get_parent_terragrunt_dir()
}
""",
        "terragrunt/secrets/mysql/terragrunt.hcl":
            'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n',
        "sources/secrets/mysql/main.tf": """
variable "common_dir" {}
resource "google_sql_database_instance" "mysql" {
  database_version = "MYSQL_8_0"
  settings {
    tier = "db-f1-micro"
    user_labels = {
      data_classification = basename(var.common_dir) == "terragrunt" ? "sensitive" : "public"
    }
  }
}
""",
    })
    _, doc = scan_json(".", cwd=tmp_path)
    (instance,) = doc["resources"]
    assert (instance["path"], instance["region"], instance["root"]) == (
        "sources/secrets/mysql/main.tf", "europe-west9", "terragrunt/secrets/mysql")


def test_a_broken_root_file_is_a_parse_error(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {
        "root.hcl": 'locals {\n  region = "eu-west-3"\n',
        "app/terragrunt.hcl": 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n',
        "app/main.tf": 'resource "aws_s3_bucket" "b" {}\n',
    })
    _, doc = scan_json(".", cwd=tmp_path)
    sov900 = [f for f in doc["findings"] if f["rule"] == "SOV900"]
    assert [f["path"] for f in sov900] == ["root.hcl"]


def test_a_json_unit(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {
        "app/terragrunt.hcl.json": '{"terraform": {"source": "../module"}, '
                                   '"inputs": {"region": "eu-west-3"}}',
        "module/main.tf": 'variable "region" {}\nprovider "aws" {\n  region = var.region\n}\n'
                          'resource "aws_s3_bucket" "b" {}\n',
    })
    _, doc = scan_json(".", cwd=tmp_path)
    assert [(r["region"], r["root"]) for r in doc["resources"]] == [("eu-west-3", "app")]


def test_a_cached_unit_follows_every_file_it_read(live: Path, run_cli: Any, tmp_path: Path) -> None:
    """Editing region.hcl, or adding an env.hcl nearer the unit, changes the result."""
    import json

    cache = {"SOVLINT_CACHE_DIR": str(tmp_path / "cache")}

    def regions() -> dict[str, Any]:
        code, out, err = run_cli("scan", ".", "--format", "json", cwd=live, env=cache)
        assert code in (0, 1), err
        return {r["root"]: r["region"] for r in json.loads(out)["resources"]
                if r["address"] == "aws_db_instance.this"}

    assert regions()["live/staging/us-east-1/database"] == "us-east-1"
    touch_later(live / "live/staging/us-east-1/region.hcl", 'locals {\n  aws_region = "eu-west-3"\n}\n')
    assert regions()["live/staging/us-east-1/database"] == "eu-west-3"
    write_tree(live, {"live/staging/us-east-1/env.hcl": 'locals {\n  environment = "qa"\n'
                                                         '  data_classification = "public"\n}\n'})
    code, out, _ = run_cli("scan", ".", "--format", "json", cwd=live, env=cache)
    doc = json.loads(out)
    qa = next(r for r in doc["resources"] if r["root"] == "live/staging/us-east-1/database"
              and r["address"] == "aws_db_instance.this")
    assert qa["data_class"] == "public"


def test_sarif_and_text_name_the_unit(live: Path, run_cli: Any) -> None:
    import json

    code, out, err = run_cli("scan", ".", "--format", "sarif", cwd=live)
    assert code == 1, err
    results = json.loads(out)["runs"][0]["results"]
    roots = sorted(r["properties"]["root"] for r in results if r["ruleId"] == "SOV002")
    assert roots == ["live/prod/eu-west-3/database", "live/staging/us-east-1/database"]
    code, out, _ = run_cli("scan", ".", "--no-color", cwd=live)
    assert "(through root live/staging/us-east-1/database)" in out


def test_extra_arguments_var_files(tmp_path: Path, scan_json: Any) -> None:
    """The documented ``common.tfvars`` pattern of ``get_parent_terragrunt_dir``."""
    write_tree(tmp_path, {
        "root.hcl": """
terraform {
  extra_arguments "common_vars" {
    commands = get_terraform_commands_that_need_vars()
    required_var_files = ["${get_parent_terragrunt_dir()}/common.tfvars"]
    optional_var_files = ["${get_terragrunt_dir()}/absent.tfvars"]
  }
}
""",
        "common.tfvars": 'region = "eu-west-3"\n',
        "app/terragrunt.hcl": 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'
                              'terraform {\n  source = "../module"\n}\n'
                              'inputs = {\n  region = "us-east-1"\n}\n',
        "module/main.tf": 'variable "region" {}\nprovider "aws" {\n  region = var.region\n}\n'
                          'resource "aws_s3_bucket" "b" {}\n',
    })
    _, doc = scan_json(".", cwd=tmp_path)
    # -var-file wins over inputs (TF_VAR_*), as with Terraform run by Terragrunt
    assert [r["region"] for r in doc["resources"]] == ["eu-west-3"]


def test_the_module_folder_a_unit_deploys(live: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a graph of roots and module folders needs (pull-request mode), without evaluating."""
    from sovlint.config import Config
    from sovlint.terragrunt.unit import deployed_directory

    monkeypatch.chdir(live)
    assert deployed_directory("live/prod/eu-west-3/database/terragrunt.hcl", Config()) == \
        live / "modules" / "database"
    assert deployed_directory("live/prod/eu-west-3/exports/terragrunt.hcl", Config()) is None


def test_the_inventory_names_the_unit(live: Path, run_cli: Any) -> None:
    import csv
    import io

    code, out, err = run_cli("inventory", ".", "--format", "csv", cwd=live)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted((r["region"], r["root"]) for r in rows if r["address"] == "aws_db_instance.this") == [
        ("eu-west-3", "live/prod/eu-west-3/database"), ("us-east-1", "live/staging/us-east-1/database")]
