"""The way out of findings: which offers are proposed, and where they show."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile
from typing import Any

import jsonschema
import pytest

from sovlint.catalog import load_catalog
from sovlint.model import Finding, Resource, Severity, SourceSpan
from sovlint.remediation import (AlternativesError, alternatives_for, attach_remediation, constraints_for,
                                 kind_alternatives, load_alternatives, parse_alternatives, service_kind_of,
                                 way_out)

from filetree import SHARED

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA = SHARED / "schemas" / "scan-output.schema.json"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _resource(resource_type: str = "aws_s3_bucket", data_class: str = "strategic", **extra: Any) -> Resource:
    values: dict[str, Any] = dict(address=f"{resource_type}.x", resource_type=resource_type, source=SourceSpan("main.tf", 1, 3),
                  input_format="terraform", provider="aws", region="eu-west-3", category="storage",
                  data_class=data_class, country="FR", exposures=("US-CLOUD-Act", "US-FISA-702"),
                  exposures_known=True)
    values.update(extra)
    return Resource(**values)


def test_service_kinds_of_each_family() -> None:
    assert service_kind_of("aws_s3_bucket", "terraform") == "object-storage"
    assert service_kind_of("AWS::S3::Bucket", "cloudformation") == "object-storage"
    assert service_kind_of("AWS::S3::Bucket", "aws") == "object-storage"
    assert service_kind_of("Microsoft.DBforPostgreSQL/flexibleServers", "arm") == "managed-postgresql"
    assert service_kind_of("PersistentVolumeClaim", "kubernetes") == "block-storage"
    assert service_kind_of("scaleway_rdb_instance", "terraform") == "relational-database"  # an offer's own type
    assert service_kind_of("aws_vpc", "terraform") is None


def test_constraints_follow_rule_class_and_profile() -> None:
    assert constraints_for("SOV001", "strategic", "france") == ("france", "no_exposure")
    assert constraints_for("SOV006", "health", "france") == ("hds", "france", "no_exposure")
    assert constraints_for("SOV001", "health", "france")[0] == "hds"
    assert constraints_for("SOV002", "strategic", "secnumcloud") == ("secnumcloud", "france", "no_exposure")
    assert "secnumcloud" in constraints_for("SOV005", "strategic", "secnumcloud")


def test_strategic_bucket_gets_french_offers_without_exposure(catalog) -> None:
    found = alternatives_for(_resource(), "SOV002", "france", catalog)
    providers = {a.provider for a in found}
    assert {"ovh", "scaleway", "s3ns"} <= providers
    for alternative in found:
        provider = catalog.get(alternative.provider)
        assert provider.exposures == ()
        assert all(provider.find_region(code).country == "FR" for code in alternative.regions)


def test_health_bucket_on_aws_gets_only_hds_options(catalog) -> None:
    found = alternatives_for(_resource(data_class="health"), "SOV006", "france", catalog)
    assert found, "OVHcloud object storage is HDS in the catalog"
    for alternative in found:
        provider = catalog.get(alternative.provider)
        assert "HDS" in alternative.certifications
        assert all(provider.is_hds_host(provider.find_region(code)) is True for code in alternative.regions)
    assert {a.provider for a in found} == {"ovh"}  # Scaleway/Outscale/S3NS HDS status is unknown
    # the same under SOV001 (any protected health finding)
    assert alternatives_for(_resource(data_class="health"), "SOV001", "france", catalog) == found


def test_health_database_keeps_only_hds_zones(catalog) -> None:
    found = alternatives_for(_resource("aws_db_instance", "health", category="database"), "SOV006", "france",
                             catalog)
    clever = [a for a in found if a.provider == "clevercloud"]
    assert clever and all(set(a.regions) <= {"parhds", "grahds"} for a in clever)


def test_secnumcloud_profile_proposes_only_qualified_offers(catalog) -> None:
    vm = alternatives_for(_resource("aws_instance", category="compute"), "SOV005", "secnumcloud", catalog)
    assert {(a.provider, a.regions) for a in vm} == {("outscale", ("cloudgouv-eu-west-1",)),
                                                     ("s3ns", ("u-france-east1",))}
    bucket = alternatives_for(_resource(), "SOV002", "secnumcloud", catalog)
    assert [(a.provider, a.regions) for a in bucket] == [("s3ns", ("u-france-east1",))]
    for alternative in vm + bucket:
        provider = catalog.get(alternative.provider)
        assert all(any(provider.is_secnumcloud(provider.find_region(code), t) for t in alternative.resource_types)
                   for code in alternative.regions)


def test_health_under_secnumcloud_has_no_offer_and_says_so(catalog) -> None:
    resource = _resource(data_class="health")
    finding = Finding(rule="SOV005", name="not-secnumcloud", severity=Severity.HIGH, message="m",
                      source=resource.source, address=resource.address, resource_type=resource.resource_type,
                      remediation="generic")
    [out] = attach_remediation([finding], [resource], catalog, "secnumcloud")
    assert out.alternatives == ()
    assert "No object storage offer" in (out.remediation or "")


def test_unverified_offers_are_never_proposed(catalog) -> None:
    data = load_alternatives()
    unverified = {o.id for o in data.offers.values() if not o.verified}
    assert unverified
    for kind in data.kinds:
        for profile in ("france", "secnumcloud"):
            found = kind_alternatives(kind, constraints_for("SOV002", "strategic", profile), catalog)
            assert not {a.offer_id for a in found} & unverified


def test_other_rules_and_unknown_types_keep_the_policy_text(catalog) -> None:
    resource = _resource("aws_vpc", category="other")
    finding = Finding(rule="SOV002", name="x", severity=Severity.HIGH, message="m", source=resource.source,
                      address=resource.address, remediation="generic")
    assert attach_remediation([finding], [resource], catalog, "france")[0].remediation == "generic"
    bucket = _resource()
    other = Finding(rule="SOV003", name="x", severity=Severity.HIGH, message="m", source=bucket.source,
                    address=bucket.address, remediation="generic")
    assert attach_remediation([other], [bucket], catalog, "france")[0] == other


def test_catalog_withdrawing_a_certification_withdraws_the_proposal(tmp_path: pathlib.Path) -> None:
    import yaml

    data = yaml.safe_load((ROOT / "policies" / "catalog" / "ovh.yaml").read_text())
    data["certifications"]["hds"]["status"] = "not_certified"
    path = tmp_path / "ovh.yaml"
    path.write_text(yaml.safe_dump(data))
    found = alternatives_for(_resource(data_class="health"), "SOV006", "france", load_catalog([path]))
    assert found == []


def test_bad_data_is_an_error_with_its_place() -> None:
    with pytest.raises(AlternativesError, match="offers/0"):
        parse_alternatives({"requirements": {"rules": [], "always": []}, "kinds": {}, "service_kinds": {},
                            "offers": [{"id": "x"}]})


def test_way_out_counts_kinds_at_foreign_law_providers(catalog) -> None:
    resources = [_resource(), _resource(address="aws_s3_bucket.y", data_class="health"),
                 _resource("ovh_cloud_project_storage", provider="ovh", exposures=())]
    [entry] = way_out(resources, catalog, "france")
    assert (entry.kind, entry.resources, entry.health_resources) == ("object-storage", 2, 1)
    assert {a.provider for a in entry.hds_options} == {"ovh"}
    assert len(entry.options) > len(entry.hds_options)


def _cli(*args: str, cwd: pathlib.Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOVLINT_CACHE_DIR": tempfile.mkdtemp()}
    return subprocess.run([sys.executable, "-m", "sovlint", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def examples_json() -> dict:
    run = _cli("scan", "examples", "--format", "json")
    assert run.returncode == 1, run.stderr
    return json.loads(run.stdout)


def test_examples_json_carries_remediation(examples_json: dict) -> None:
    if SCHEMA.exists():
        jsonschema.validate(examples_json, json.loads(SCHEMA.read_text()))
    by_rule: dict[str, dict[str, Any]] = {}
    for finding in examples_json["findings"]:
        by_rule.setdefault(finding["rule"], finding)
    for rule in ("SOV001", "SOV002", "SOV006"):
        assert rule in by_rule
        assert "OVHcloud" in by_rule[rule]["remediation"], by_rule[rule]
        assert by_rule[rule]["alternatives"]
    health = by_rule["SOV006"]
    assert all("HDS" in a["certifications"] for a in health["alternatives"])


def test_text_shows_the_way_out_only_when_asked() -> None:
    plain = _cli("scan", "examples/terraform", "--no-color")
    shown = _cli("scan", "examples/terraform", "--no-color", "--show-remediation")
    assert "\u2192" not in plain.stdout
    assert "\u2192 Sovereign options for object storage" in shown.stdout


def test_sarif_and_inventory_carry_the_way_out() -> None:
    sarif = json.loads(_cli("scan", "examples/terraform", "--format", "sarif").stdout)
    run = sarif["runs"][0]
    with_alternatives = [r for r in run["results"] if r["properties"].get("alternatives")]
    assert with_alternatives and "fixes" not in with_alternatives[0]
    help_text = {r["id"]: r["help"]["text"] for r in run["tool"]["driver"]["rules"]}
    assert "Sovereign alternatives by service kind" in help_text["SOV002"]
    inventory = json.loads(_cli("inventory", "examples", "--format", "json").stdout)
    assert inventory["way_out"][0]["service_kind"] == "object-storage"
    csv_text = _cli("inventory", "examples", "--format", "csv").stdout
    assert csv_text.splitlines()[0].endswith(",alternatives")
    assert "ovh:ovh-object-storage" in csv_text
    html = _cli("inventory", "examples", "--format", "html").stdout
    assert 'id="way-out-table"' in html


def test_explain_lists_the_general_way_out() -> None:
    text = _cli("explain", "SOV005").stdout
    assert "Sovereign alternatives by service kind" in text
    assert "cloudgouv-eu-west-1" in text and "u-france-east1" in text
    assert "Sovereign alternatives" not in _cli("explain", "SOV009").stdout
