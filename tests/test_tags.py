"""Tags as each provider and controller writes them (policies/locations/ `tags:`,
policies/kubernetes-signals.yaml `cloud_object_tags`), read by one function.

The data is checked on its own (every catalog provider and every controller
family says where tags are, with sources); the reader on the shapes the data
names. Fixtures written as users write them, scanned end to end, are in
policies/fixtures/tags/ (``sovlint policy test``).
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml

from filetree import ROOT
from sovlint.aws.normalise import tag_map
from sovlint.catalog import load_catalog
from sovlint.normalise import kubernetes_signals
from sovlint.placement.interpret import Unresolved
from sovlint.placement.semantics import TagSpec, build_semantics, semantics_files
from sovlint.placement.tags import own_tags, read_tags, tags_in
from sovlint.placement.trees import TreeArguments, camel_case

SEMANTICS = build_semantics(semantics_files())
SCHEMA = json.loads((ROOT / "sovlint" / "locations_schema.json").read_text())
SIGNALS = yaml.safe_load((ROOT / "policies" / "kubernetes-signals.yaml").read_text())
FAMILIES = yaml.safe_load((ROOT / "policies" / "kubernetes-types.yaml").read_text())["families"]
TERRAFORM_PROVIDERS = sorted(p.id for p in load_catalog().providers.values()
                             if p.terraform.get("type_prefixes"))


def _read(specs: list[TagSpec], data: Any, **options: Any) -> dict[str, str]:
    return read_tags(specs, TreeArguments(data, **options))


def test_every_form_of_the_data_is_read() -> None:
    data = {"tags": {"data_classification": "health", "count": 3, "on": True, "nested": {"x": 1}},
            "defined_tags": {"Governance.data_classification": "sensitive"},
            "labels": ["team", "data_classification=personal", "owner:ops"],
            "tag": "data_classification:internal",
            "pairs": [{"tag_key": "data_classification", "tag_value": "public"}, {"tag_key": "x"}]}
    assert _read([TagSpec("tags", "map")], data) == {"data_classification": "health", "count": "3",
                                                     "on": "true"}
    assert _read([TagSpec("defined_tags", "namespaced-map")], data) == {"data_classification": "sensitive"}
    assert _read([TagSpec("labels", "strings")], data) == {"data_classification": "personal",
                                                           "owner": "ops"}
    assert _read([TagSpec("labels", "strings", separators=("=",))], data) == {
        "data_classification": "personal"}
    assert _read([TagSpec("tag", "strings")], data) == {"data_classification": "internal"}
    assert _read([TagSpec("pairs", "pairs", key="tag_key", value="tag_value")], data) == {
        "data_classification": "public"}


def test_the_first_spec_that_finds_a_key_wins_and_a_wrong_shape_finds_nothing() -> None:
    data = {"tags": [{"key": "data_classification", "value": "health"}],
            "metadata": {"data_classification": "public"}}
    specs = [TagSpec("tags", "map"), TagSpec("tags", "strings"), TagSpec("tags", "pairs"),
             TagSpec("metadata", "map")]
    assert _read(specs, data) == {"data_classification": "health"}


def test_unknown_values_are_left_out() -> None:
    unknown = Unresolved("var.tags is not set")
    data = {"tags": {"data_classification": unknown, "team": "imaging"}, "labels": unknown}
    found = _read([TagSpec("tags", "map"), TagSpec("labels", "map")], data,
                  unknown=lambda value: value.reason if isinstance(value, Unresolved) else None)
    assert found == {"team": "imaging"}


@pytest.mark.parametrize("provider", TERRAFORM_PROVIDERS)
def test_every_catalog_provider_says_how_its_resources_carry_tags(provider: str) -> None:
    """A `tags:` section with sources; an empty `resource` list (no tags at all) says why."""
    data = yaml.safe_load((ROOT / "policies" / "locations" / f"{provider}.yaml").read_text())
    section = data.get("tags")
    assert section is not None, f"policies/locations/{provider}.yaml has no tags: section"
    assert section["source"]
    assert section["resource"] or section.get("note")
    assert provider in SEMANTICS.tags


def test_a_provider_the_data_does_not_know_keeps_the_generic_reading() -> None:
    args = TreeArguments({"tags": {"data_classification": "health"},
                          "labels": ["data_classification=public"]})
    assert own_tags("unknown-cloud", args) == {"data_classification": "health"}
    assert own_tags("clevercloud", args) == {}  # its resources carry no tags


def test_every_controller_family_says_where_its_objects_carry_tags() -> None:
    entries = {e["family"]: e for e in SIGNALS["cloud_object_tags"]}
    assert set(entries) == set(FAMILIES)
    tag_spec = {**SCHEMA["$defs"]["tagSpec"], "$defs": SCHEMA["$defs"]}
    for name, family in FAMILIES.items():
        entry = entries[name]
        assert entry["source"] and (entry.get("tags") or entry.get("terraform"))
        if entry.get("terraform"):
            assert entry["terraform"] == family["provider"] and entry["under"]
        for spec in entry.get("tags") or ():
            jsonschema.validate(spec, tag_spec)
        for key in family["kinds"]:
            group = "." + key.split("/")[0]
            assert any(group.endswith(s) for s in entry["api_group_suffixes"]), (name, key)
            assert kubernetes_signals.cloud_object_tag_specs(key.split("/")[0] + "/v1")


def test_upjet_objects_carry_the_terraform_provider_tags_in_camel_case() -> None:
    specs = kubernetes_signals.cloud_object_tag_specs("sql.gcp.upbound.io/v1beta2")
    arguments = {s.argument for s in specs}
    assert {"spec.forProvider.labels", "spec.forProvider.settings.userLabels",
            "spec.initProvider.settings.userLabels"} <= arguments
    tag_blocks = [s for s in kubernetes_signals.cloud_object_tag_specs("autoscaling.aws.upbound.io/v1beta1")
                    if s.form == "pairs"]
    assert {(s.argument, s.key, s.value) for s in tag_blocks} == {
        ("spec.forProvider.tag", "key", "value"), ("spec.initProvider.tag", "key", "value")}
    assert kubernetes_signals.cloud_object_tag_specs("example.com/v1") == ()


def test_cloud_api_answers_are_read_with_the_same_specs() -> None:
    """What a live review gets from a cloud API, read as the templates and the provider write it."""
    azure = {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a",
             "location": "eastus", "Tags": {"data_classification": "health"}}
    assert tags_in("azurerm", azure, "arm", case_insensitive=True) == {"data_classification": "health"}
    cloud_sql = {"name": "patients", "region": "us-central1",
                 "settings": {"tier": "db-custom-2-7680", "userLabels": {"data_classification": "health"}}}
    assert tags_in("google", cloud_sql, translate=camel_case) == {"data_classification": "health"}
    bucket = {"name": "scans", "labels": {"data_classification": "public"}}
    assert tags_in("google", bucket, translate=camel_case) == {"data_classification": "public"}


def test_cloudformation_tags_are_evaluated_without_evaluating_the_rest() -> None:
    evaluated: list[Any] = []

    def evaluate(node: Any) -> Any:
        evaluated.append(node)
        return node

    properties = {"BucketName": "scans", "BackupVaultTags": {"data_classification": "health"},
                  "Definition": {"large": ["document"] * 100}}
    assert tags_in("aws", properties, "cloudformation", evaluate=evaluate) == {
        "data_classification": "health"}
    assert not any(isinstance(node, dict) and "Definition" in node for node in evaluated)


def test_aws_api_tag_lists_go_through_the_same_reader() -> None:
    assert tag_map([{"Key": "data_classification", "Value": "health"}, {"Key": "empty", "Value": ""}]) == {
        "data_classification": "health", "empty": ""}
    assert tag_map([{"TagKey": "classification", "TagValue": "phi"}], "TagKey", "TagValue") == {
        "classification": "phi"}
    assert tag_map(None) == {}
