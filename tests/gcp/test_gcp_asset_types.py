"""policies/cloud-asset-types.yaml: shape, and every entry mapped to what the rest of the data knows."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import yaml

from filetree import ROOT
from sovlint.gcp.normalise import asset_types, label_suppression_text, normalise_results
from sovlint.placement.semantics import location_semantics
from sovlint.placement.trees import camel_case

DATA = yaml.safe_load((ROOT / "policies" / "cloud-asset-types.yaml").read_text())
SCHEMA = json.loads((ROOT / "sovlint" / "cloud_asset_types_schema.json").read_text())
CATEGORIES = yaml.safe_load((ROOT / "policies" / "categories.yaml").read_text())


def test_file_matches_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(DATA))
    assert errors == []


def test_every_type_has_a_category_and_its_arguments_are_read() -> None:
    semantics = location_semantics()
    for name, kind in asset_types().items():
        assert kind.terraform in CATEGORIES["terraform"], name
        entry = semantics.get(kind.terraform)
        readers = {r.argument or r.parent for r in entry.readers} if entry else set()
        if kind.location:  # the argument the search location stands for is one the semantics read
            assert entry is not None and kind.location in readers, name
        if kind.parent:
            assert entry is not None and kind.parent in {r.parent for r in entry.readers}, name
        if kind.requires_resource:
            assert entry is not None, name


def test_labels_spell_a_suppression() -> None:
    assert label_suppression_text({"sovlint-ignore": "sov001_sov002",
                                   "sovlint-ignore-exp": "2027-06-30",
                                   "sovlint-ignore-reason": "eu-contract"}) == \
        "SOV001,SOV002 exp:2027-06-30 -- eu contract"
    assert label_suppression_text({"env": "prod"}) is None


def _result(name: str, kind: str, location: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "assetType": kind, "project": "projects/1", "location": location, **extra}


def test_results_without_the_data_they_need_are_unknown() -> None:
    topic = _result("//pubsub.googleapis.com/projects/p/topics/t", "pubsub.googleapis.com/Topic",
                    "global")
    unknown = _result("//example.googleapis.com/projects/p/things/x", "example.googleapis.com/Thing",
                      "")
    found = {r.address: r for r in normalise_results([topic, unknown])}
    assert "versionedResources" in found[topic["name"]].unresolved[0]
    assert not found[topic["name"]].any_region  # never assumed: no policy may just be unread
    assert found[unknown["name"]].unresolved and found[unknown["name"]].resource_type == \
        "example.googleapis.com/Thing"


def test_cloud_sql_replica_is_a_copy_of_its_primary() -> None:
    primary = _result("//cloudsql.googleapis.com/projects/p/instances/main",
                      "sqladmin.googleapis.com/Instance", "europe-west9",
                      versionedResources=[{"resource": {"region": "europe-west9", "settings": {}}}])
    replica = _result("//cloudsql.googleapis.com/projects/p/instances/copy",
                      "sqladmin.googleapis.com/Instance", "us-central1",
                      versionedResources=[{"resource": {"region": "us-central1",
                                                        "masterInstanceName": "p:main",
                                                        "settings": {}}}])
    found = {r.address.rsplit("/", 1)[-1]: r for r in normalise_results([primary, replica])}
    assert [(c.via, c.region) for c in found["main"].replicas] == [("Cloud SQL replica",
                                                                    "us-central1")]
    assert camel_case("master_instance_name") == "masterInstanceName"


def test_scopes() -> None:
    from sovlint.gcp.collect import GcpOptions, scopes_of

    assert scopes_of(GcpOptions(folders=("1", "2", "1")), "p") == ["folders/1", "folders/2"]
    assert scopes_of(GcpOptions(organization="9"), "p") == ["organizations/9"]
    assert scopes_of(GcpOptions(), "default-project") == ["projects/default-project"]
