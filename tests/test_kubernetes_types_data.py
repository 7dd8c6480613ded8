"""Checks of ``policies/kubernetes-types.yaml``: its schema, its judgements, its Terraform types.

Plain YAML + jsonschema, like the catalog checks: the data is held to its
documented shape on its own, not through sovlint's loader.
"""

from __future__ import annotations

import json
import pathlib
import re
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DATA = yaml.load((ROOT / "policies" / "kubernetes-types.yaml").read_text(encoding="utf-8"), Loader=LOADER)
JUDGEMENTS = yaml.load((ROOT / "scripts" / "kubernetes-types-judgements.yaml").read_text(encoding="utf-8"),
                       Loader=LOADER)
CATEGORIES = yaml.safe_load((ROOT / "policies" / "categories.yaml").read_text(encoding="utf-8"))
SIGNALS = yaml.safe_load((ROOT / "policies" / "kubernetes-signals.yaml").read_text(encoding="utf-8"))
FAMILIES: dict[str, Any] = DATA["families"]

#: Names of Terraform types that hold or route data (buckets, tables, clusters...), unless the
#: name ends like a setting of another resource (policy, ACL, association, rule...).
DATA_WORDS = re.compile(
    r"bucket|_object$|_table$|database|_db_|_db$|volume|disk|snapshot|backup|vault|queue|topic|stream|"
    r"cache|redis|repository|registry|dataset|datastore|file_system|filesystem|_share$|warehouse|_lake$|"
    r"notebook|_cluster$|_instance$|workspace|collection|_index$|graph|secret|log_group|_logs?$|trail|_key$|"
    r"_store$|_model$|_domain$|_server$|_account$|_app$|_function$|_job$|_pipeline$|_environment$|"
    r"container$|image|_keyspace|_ledger|_memory$")
SETTING_SUFFIX = re.compile(
    r"_(policy|policies|acl|attachment|association|rule|rules|permission|permissions|iam_[a-z_]+|iam|"
    r"subnet_group|parameter_group|option_group|configuration|config|settings?|member|membership|binding|"
    r"role|user|users|route|routes|alias|tag|tags|endpoint|endpoints|certificate|version|versions|target|"
    r"targets|trigger|schedule|alarm|alert|dashboard|notification|subscription|access_point|access|"
    r"rule_group|authorizer|integration|integration_response|method|method_response|deployment|stage|"
    r"usage_plan|usage_plan_key|api_key|domain_name|mapping|ip_set|web_acl|firewall|peering|gateway|"
    r"network|vpc|link|identity|provider|connection|credential|token|profile|template|definition|document|"
    r"classifier|crawler|registry_policy|lifecycle_policy|key_pair|dns_[a-z_]+|record|zone|lock|"
    r"lock_configuration)$")


def _terraform(entry: Any) -> str | None:
    return entry if isinstance(entry, str) else entry.get("terraform")


def test_matches_schema() -> None:
    schema = json.loads((ROOT / "sovlint" / "kubernetes_types_schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(DATA))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:10])


def test_the_schema_rejects_a_judgement_without_reason() -> None:
    schema = json.loads((ROOT / "sovlint" / "kubernetes_types_schema.json").read_text())
    broken = {"families": {"f": {**FAMILIES["aws-controllers-k8s"],
                                 "kinds": {"s3.services.k8s.aws/Bucket": {"terraform": None}}}}}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken))


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_family_names_its_controller_and_its_groups_belong_to_it(name: str) -> None:
    family = FAMILIES[name]
    controllers = {c["name"]: c for c in SIGNALS["infrastructure_controllers"]}
    controller = controllers[family["controller"]]
    assert controller["provider"] == family["provider"]
    for key in family["kinds"]:
        group = "." + key.split("/")[0]
        assert any(group.endswith(s) for s in controller["api_group_suffixes"]), (name, key)
        _terraform_type = _terraform(family["kinds"][key])
        assert _terraform_type is None or _terraform_type.startswith(family["provider"] + "_"), (name, key)


def test_a_group_and_kind_is_in_one_family_only() -> None:
    seen: dict[str, str] = {}
    for name, family in FAMILIES.items():
        for key in family["kinds"]:
            assert key not in seen, (key, seen.get(key), name)
            seen[key] = name


def test_every_family_has_mappings_and_commits() -> None:
    counts = {name: len(f["kinds"]) for name, f in FAMILIES.items()}
    # the upstream code lists these many kinds; far fewer means a broken generation
    assert counts["crossplane-upjet-aws"] > 1500 and counts["crossplane-upjet-azure"] > 1000
    assert counts["crossplane-upjet-gcp"] > 600 and counts["config-connector"] > 400
    assert counts["aws-controllers-k8s"] > 200 and counts["azure-service-operator"] > 150
    assert min(counts.values()) > 0
    for family in FAMILIES.values():
        assert all(re.fullmatch(r"[0-9a-f]{40}", s["commit"]) for s in family["sources"])


def test_judgements_are_what_the_data_says() -> None:
    """The data file was regenerated after the last edit of the judgements."""
    family_of = {key: name for name, f in FAMILIES.items() for key in f["kinds"]}
    for section in ("config-connector", "aws-controllers-k8s", "crossplane-contrib"):
        for key, entry in JUDGEMENTS[section].items():
            assert key in family_of, (section, key)
            assert _terraform(FAMILIES[family_of[key]]["kinds"][key]) == _terraform(entry), (section, key)
    for key, entry in JUDGEMENTS["azure-service-operator"].items():
        written = FAMILIES["azure-service-operator"]["kinds"][key]
        assert written["arm"] == entry["arm"], key
        if "terraform" in entry:
            assert written["terraform"] == entry["terraform"], key


def test_upjet_namespaced_groups_mirror_the_cluster_ones() -> None:
    for cloud in ("aws", "gcp", "azure"):
        kinds = FAMILIES[f"crossplane-upjet-{cloud}"]["kinds"]
        namespaced = {k.replace(f".{cloud}.m.upbound.io/", f".{cloud}.upbound.io/"): v
                      for k, v in kinds.items() if f".{cloud}.m.upbound.io/" in k}
        assert namespaced, cloud
        for key, terraform_type in namespaced.items():
            if key in kinds:
                assert kinds[key] == terraform_type, key


def test_every_data_bearing_terraform_type_has_a_category() -> None:
    """A mapped type whose name says it holds data is in categories.yaml (deliberately `other` at worst)."""
    known = CATEGORIES["terraform"]
    missing = sorted({t for f in FAMILIES.values() for t in map(_terraform, f["kinds"].values())
                      if t is not None and t not in known and DATA_WORDS.search(t)
                      and not SETTING_SUFFIX.search(t)})
    assert not missing, missing


def test_kinds_without_a_terraform_type_say_what_they_hold() -> None:
    categories = set(CATEGORIES["terraform"].values())
    for name, family in FAMILIES.items():
        for key, entry in family["kinds"].items():
            if _terraform(entry) is None:
                assert entry["category"] in categories and entry["why"], (name, key)


def test_location_defaults_are_fields_the_controller_reads() -> None:
    controllers = {c["name"]: c for c in SIGNALS["infrastructure_controllers"]}
    for family in FAMILIES.values():
        fields = controllers[family["controller"]].get("region_fields") or []
        for key, default in (family.get("location_defaults") or {}).items():
            assert key in family["kinds"] and default["field"] in fields, key


def test_the_issue_examples_are_mapped() -> None:
    kinds = {k: v for f in FAMILIES.values() for k, v in f["kinds"].items()}
    assert kinds["rds.aws.upbound.io/Instance"] == "aws_db_instance"
    assert kinds["rds.aws.m.upbound.io/Instance"] == "aws_db_instance"
    assert kinds["s3.services.k8s.aws/Bucket"] == "aws_s3_bucket"
    assert kinds["storage.cnrm.cloud.google.com/StorageBucket"] == "google_storage_bucket"
    assert kinds["storage.azure.com/StorageAccount"]["terraform"] == "azurerm_storage_account"
    assert CATEGORIES["terraform"]["aws_db_instance"] == "database"
