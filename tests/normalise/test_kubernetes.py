"""Kubernetes manifests -> resources, locations, suppressions and findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovlint.config import Cluster
from manifest_scan import FIXTURES, by_address, findings, normalise

APP = FIXTURES / "kubernetes" / "app" / "manifests.yaml"
NO_CLUSTER = "no cluster location: map these manifests in kubernetes.clusters"


def test_every_object_with_its_location() -> None:
    result = normalise("kubernetes", APP)
    assert result.failures == []
    got = [(r.address, r.resource_type, r.source.line, r.provider, r.region, r.unresolved)
           for r in result.resources]
    assert got == [
        ("StorageClass/paris", "StorageClass", 1, "aws", "eu-west-3a", ()),
        # no storageClassName: the default class of the manifest set
        ("PersistentVolumeClaim/shop/uploads", "PersistentVolumeClaim", 14, "aws", "eu-west-3a", ()),
        # a class that is not in the scan, and no cluster in the config
        ("PersistentVolumeClaim/shop/scratch", "PersistentVolumeClaim", 24, None, None, (NO_CLUSTER,)),
        # required node affinity on topology.kubernetes.io/region: a region with no provider
        ("StatefulSet/shop/db", "StatefulSet", 34, None, "us-east-1", ()),
        ("PersistentVolumeClaim/shop/pgdata-db", "PersistentVolumeClaim", 63, "aws", "eu-west-3a", ()),
        ("ConfigMap/shop/db-settings", "ConfigMap", 68, None, None, (NO_CLUSTER,)),
        # List items; Azure load-balancer annotations; Config Connector's spec.region
        ("Service/shop/front", "Service", 79, "azurerm", None, (NO_CLUSTER,)),
        ("SQLInstance/reporting", "SQLInstance", 88, "google", "europe-west9", ()),
        ("Deployment/web", "Deployment", 95, None, "eu-west-2", ()),
    ]


def test_tags_suppressions_images_and_saas() -> None:
    resources = by_address(normalise("kubernetes", APP))
    db = resources["StatefulSet/shop/db"]
    assert db.inherited_tags == {"data-classification": "health"}
    assert [(s.rules, s.reason) for s in db.suppressions] == [(("SOV002",), "sovereign hosting contract")]
    assert db.attributes["images"] == ["postgres:16"]
    assert db.attributes["foreign_registry_images"] == ["postgres:16 (Docker Hub (Docker, Inc.), US)"]
    assert [(e["host"], e["via"]) for e in db.attributes["foreign_saas"]] == [
        ("hooks.slack.com", "envFrom ConfigMap db-settings key ALERT_WEBHOOK")]
    # the comment above the document
    uploads = resources["PersistentVolumeClaim/shop/uploads"]
    assert [(s.rules, s.reason, s.span.line if s.span else None) for s in uploads.suppressions] == [
        (("SOV004",), "restored from backups every night", 13)]
    # a claim template inherits the set's and the pod template's labels, not its suppressions
    claim = resources["PersistentVolumeClaim/shop/pgdata-db"]
    assert claim.inherited_tags["data-classification"] == "health"
    assert claim.suppressions == ()
    assert claim.attributes["volume_claim_template_of"] == "StatefulSet/shop/db"
    # a ConfigMap a workload uses is not reported itself
    assert "foreign_saas" not in resources["ConfigMap/shop/db-settings"].attributes


def test_findings() -> None:
    got = findings(normalise("kubernetes", APP))
    assert got == {
        # us-east-1: every provider that has it puts it in the US
        ("SOV001", "StatefulSet/shop/db"),
        ("SOV002", "PersistentVolumeClaim/shop/pgdata-db"),
        ("SOV002", "PersistentVolumeClaim/shop/uploads"),
        # a Config Connector SQL instance in Paris: Google's exposure, not a location problem
        ("SOV002", "SQLInstance/reporting"),

        ("SOV007", "StatefulSet/shop/db"),
        ("SOV010", "StatefulSet/shop/db"),
    }


def test_ambiguous_region_name_gives_no_country() -> None:
    from manifest_scan import resolved

    web = resolved(normalise("kubernetes", APP))["Deployment/web"]
    # eu-west-2 is London for AWS and France for Outscale
    assert web.country is None


def test_cluster_from_config(tmp_path: Path) -> None:
    manifest = tmp_path / "pvc.yaml"
    manifest.write_text("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n")
    cluster = Cluster(paths=("prod/**",), provider="ovh", region="GRA")
    result = normalise("kubernetes", manifest, "prod/pvc.yaml", clusters=(cluster,))
    (pvc,) = result.resources
    assert (pvc.address, pvc.provider, pvc.region, pvc.unresolved) == (
        "PersistentVolumeClaim/data", "ovh", "GRA", ())
    assert findings(result, clusters=(cluster,)) == set()
    other = normalise("kubernetes", manifest, "staging/pvc.yaml", clusters=(cluster,))
    assert other.resources[0].unresolved == (NO_CLUSTER,)
    assert findings(other) == {("SOV004", "PersistentVolumeClaim/data")}


def test_eksctl_cluster_beside_json_manifest() -> None:
    result = normalise("kubernetes", FIXTURES / "kubernetes" / "eks" / "app.json")
    (pvc,) = result.resources
    assert (pvc.address, pvc.source.line, pvc.provider, pvc.region) == (
        "PersistentVolumeClaim/prod/data", 1, "aws", "eu-west-3")


@pytest.mark.parametrize("name, line, message", [
    ("broken.yaml", 6, "invalid YAML"),
    ("latin1.yaml", 4, "not valid UTF-8"),
    ("nul.yaml", 2, "binary content"),
    ("deep.yaml", 3, "nesting depth"),
    ("bomb.yaml", None, "alias bomb"),
])
def test_bad_input_is_one_failure(name: str, line: int | None, message: str) -> None:
    result = normalise("kubernetes", FIXTURES / "kubernetes" / name)
    assert result.resources == []
    ((path, got_line, got_message),) = result.failures
    assert path == name
    assert message in got_message
    if line is not None:
        assert got_line == line


def test_helm_chart_without_helm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    chart = tmp_path / "Chart.yaml"
    chart.write_text("apiVersion: v2\nname: demo\nversion: 0.1.0\n")
    result = normalise("helm-chart", chart, "chart/Chart.yaml")
    assert result.failures == [("chart/Chart.yaml", 1, "not rendered: helm not found")]


def test_kustomization_without_kustomize(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [app.yaml]\nnamespace: prod\npatches:\n  - path: patch.yaml\n")
    result = normalise("kustomization", tmp_path / "kustomization.yaml", "k/kustomization.yaml")
    assert result.resources == [] and result.failures == []
    assert [e.message for e in result.errors] == [
        "kustomization not rendered: kustomize not found; its plain manifests are scanned as "
        "they are, without patches, namespace"]


@pytest.mark.skipif(__import__("shutil").which("kubectl") is None
                    and __import__("shutil").which("kustomize") is None,
                    reason="neither kustomize nor kubectl on PATH")
def test_kustomization_rendered(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n")
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [app.yaml]\nnamespace: prod\ncommonLabels: {data-classification: public}\n")
    result = normalise("kustomization", tmp_path / "kustomization.yaml", "k/kustomization.yaml")
    assert result.errors == []
    (pvc,) = result.resources
    assert (pvc.address, pvc.source.path, pvc.source.line, pvc.tags) == (
        "PersistentVolumeClaim/prod/data", "k/kustomization.yaml", None,
        {"data-classification": "public"})


def test_an_empty_kustomization_is_not_a_parse_failure(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("# just an empty file\n")
    result = normalise("kustomization", tmp_path / "kustomization.yaml", "k/kustomization.yaml")
    assert result.failures == []  # valid YAML: no SOV900
    assert [e.message for e in result.errors] == [
        "kustomization not rendered: it is empty (kustomize refuses an empty kustomization)"]
