"""Kubernetes manifests -> resources, locations, suppressions and findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sovlint.config import Cluster
from filetree import write_tree
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
        # a Config Connector SQL instance in Paris: Google's exposure, not a location problem;
        # its settings name no availabilityType, so it is ZONAL (google_sql_database_instance)
        ("SOV002", "SQLInstance/reporting"),
        ("SOV009", "SQLInstance/reporting"),

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
    assert result.failures == [("chart/Chart.yaml", 1, "not rendered: helm not found; its templates "
                                "were not scanned; install helm (https://helm.sh/docs/intro/install/) "
                                "to include it")]


def test_kustomization_without_kustomize(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [app.yaml]\nnamespace: prod\npatches:\n  - path: patch.yaml\n")
    result = normalise("kustomization", tmp_path / "kustomization.yaml", "k/kustomization.yaml")
    assert result.resources == [] and result.errors == []
    # what could not be applied is a SOV900 naming it and the tool to install
    assert result.failures == [("k/kustomization.yaml", 1,
                                "not rendered: kustomize not found; its plain manifests were scanned "
                                "without patches, namespace; install kustomize "
                                "(https://kubectl.docs.kubernetes.io/installation/kustomize/) or kubectl "
                                "to include it")]


def test_kustomization_without_kustomize_that_only_lists_manifests(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - app.yaml\n")
    result = normalise("kustomization", tmp_path / "kustomization.yaml", "k/kustomization.yaml")
    # the plain manifests are all there is: nothing is lost, nothing to report as a finding
    assert result.failures == [] and result.resources == []
    assert [e.message for e in result.errors] == [
        "kustomization not rendered: kustomize not found; its plain manifests are scanned as they are"]


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


NOT_CLUSTER_OBJECTS = {
    # terraform-google-modules: blueprint metadata and tests
    "metadata.yaml": "apiVersion: blueprints.cloud.google.com/v1alpha1\nkind: BlueprintMetadata\n"
                     "metadata:\n  name: terraform-google-sql-db\n  annotations:\n"
                     "    config.kubernetes.io/local-config: \"true\"\nspec:\n  info:\n    title: Cloud SQL\n",
    "test/integration/test.yaml": "apiVersion: blueprints.cloud.google.com/v1alpha1\nkind: BlueprintTest\n"
                                  "metadata:\n  name: test\nspec:\n  skip: [mysql-ha]\n",
    "kubeconfig.yaml": "apiVersion: v1\nkind: Config\nclusters:\n  - name: prod\n    cluster:\n"
                       "      server: https://prod.example.com\ncontexts: []\n",
    "kubelet.yaml": "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
                    "cgroupDriver: systemd\n",
    "Kptfile.yaml": "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: app\n",
    "catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: shop\n"
                         "spec:\n  type: service\n",
    "setters.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: setters\n  annotations:\n"
                    "    config.kubernetes.io/local-config: \"true\"\ndata:\n  region: us-east-1\n",
}


def test_files_in_the_shape_of_objects_are_not_resources(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {**NOT_CLUSTER_OBJECTS,
                          "app.yaml": "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n"})
    _, doc = scan_json(".", cwd=tmp_path)
    assert [r["address"] for r in doc["resources"]] == ["PersistentVolumeClaim/data"]
    # a ConfigMap that is applied is still read
    (tmp_path / "setters.yaml").write_text(NOT_CLUSTER_OBJECTS["setters.yaml"].replace(
        '"true"', '"false"'))
    _, doc = scan_json(".", cwd=tmp_path)
    assert {r["address"] for r in doc["resources"]} == {"PersistentVolumeClaim/data", "ConfigMap/setters"}


KUSTOMIZE = __import__("shutil").which("kustomize") or __import__("shutil").which("kubectl")
BASE_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
spec:
  template:
    spec:
      containers:
        - name: server
          image: docker.io/acme/frontend:1.4.0
"""


@pytest.mark.skipif(KUSTOMIZE is None, reason="neither kustomize nor kubectl on PATH")
def test_overlays_do_not_repeat_the_findings_of_their_base(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {
        "base/frontend.yaml": BASE_DEPLOYMENT,
        "base/kustomization.yaml": "resources:\n  - frontend.yaml\n",
        "overlays/staging/kustomization.yaml": "resources:\n  - ../../base\nnamespace: staging\n"
                                               "namePrefix: staging-\n",
        # this overlay changes the image: its finding is its own
        "overlays/prod/kustomization.yaml": "resources:\n  - ../../base\nnamespace: prod\nimages:\n"
                                            "  - name: docker.io/acme/frontend\n"
                                            "    newName: ghcr.io/acme/frontend\n    newTag: 1.4.1\n",
    })
    _, doc = scan_json(".", cwd=tmp_path)
    sov010 = sorted((f["path"], f["address"]) for f in doc["findings"] if f["rule"] == "SOV010")
    assert sov010 == [("base/frontend.yaml", "Deployment/frontend"),
                      ("overlays/prod/kustomization.yaml", "Deployment/prod/frontend")]
    # the rendered objects are still listed where they are deployed
    assert ("overlays/staging/kustomization.yaml", "Deployment/staging/staging-frontend") in {
        (r["path"], r["address"]) for r in doc["resources"]}


def test_an_empty_kustomization_is_not_a_parse_failure(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("# just an empty file\n")
    result = normalise("kustomization", tmp_path / "kustomization.yaml", "k/kustomization.yaml")
    assert result.failures == []  # valid YAML: no SOV900
    assert [e.message for e in result.errors] == [
        "kustomization not rendered: it is empty (kustomize refuses an empty kustomization)"]
