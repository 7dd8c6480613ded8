"""Cloud resources declared as Kubernetes objects: typed by API group and kind (the Terraform
type they stand for), located by their controller's fields, owners and namespaces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from manifest_scan import FIXTURES, TEST_CATALOG
from reviewed import reviewed_resources
from sovlint.config import Cluster, Config
from sovlint.engine import ScanResult, scan
from sovlint.model import Resource

CLOUD = FIXTURES / "kubernetes" / "cloud"
SCAN = FIXTURES / "kubernetes" / "scan"


def _scan(*paths: Path, **settings: Any) -> ScanResult:
    result = scan(list(paths), Config(catalog=(TEST_CATALOG,), cache=False, **settings))
    assert result.errors == []
    return result


def _resources(*paths: Path, **settings: Any) -> dict[str, Resource]:
    """The resources of a scan by address, whole (their tags and attributes too)."""
    with reviewed_resources() as kept:
        _scan(*paths, **settings)
    return {r.address: r for r in kept}


def _rows(resources: dict[str, Resource], *addresses: str) -> list[tuple[Any, ...]]:
    return [(a, resources[a].category, resources[a].provider, resources[a].region,
             resources[a].country, resources[a].attributes.get("terraform_type")) for a in addresses]


def test_crossplane_upjet_kinds_are_their_terraform_types() -> None:
    found = _resources(CLOUD / "crossplane-upjet.yaml")
    assert _rows(found, "Instance/orders-db", "Bucket/billing/invoices", "Role/reader",
                 "DatabaseInstance/reporting", "Bucket/exports", "FlexibleServer/ledger",
                 "Account/archive") == [
        # the issue's example: a database in Germany, not "not a data resource at all"
        ("Instance/orders-db", "database", "aws", "eu-central-1", "DE", "aws_db_instance"),
        # Crossplane v2 namespaced group
        ("Bucket/billing/invoices", "storage", "aws", "us-east-1", "US", "aws_s3_bucket"),
        ("Role/reader", "other", "aws", None, None, "aws_iam_role"),
        ("DatabaseInstance/reporting", "database", "google", "europe-west9", "FR",
         "google_sql_database_instance"),
        ("Bucket/exports", "storage", "google", "europe-west1", "BE", "google_storage_bucket"),
        ("FlexibleServer/ledger", "database", "azurerm", "France Central", "FR",
         "azurerm_postgresql_flexible_server"),
        ("Account/archive", "storage", "azurerm", None, None, "azurerm_storage_account"),
    ]
    assert found["Instance/orders-db"].attributes["controller_family"] == "crossplane-upjet-aws"
    assert found["Instance/orders-db"].attributes["region_from"] == "spec.forProvider.region"
    assert found["Bucket/billing/invoices"].tags["data-classification"] == "personal"
    assert found["Account/archive"].unresolved == (
        "spec.forProvider.location / spec.location / spec.storageAccountSpec.location not set: "
        "the provider decides at deploy time (location is required by most kinds)",)
    # the provider's own configuration is no cloud resource of any category
    config = found["ProviderConfig/default"]
    assert (config.category, "terraform_type" in config.attributes) == ("other", False)


def test_the_issue_example_is_judged_as_a_german_database() -> None:
    result = _scan(CLOUD / "crossplane-upjet.yaml")
    rules = {f.rule for f in result.findings if f.address == "Instance/orders-db"}
    assert {"SOV001", "SOV002"} <= rules and "SOV004" not in rules
    # no location: reported, not guessed; a role holds no data and is not reported
    assert "SOV004" in {f.rule for f in result.findings if f.address == "Account/archive"}
    assert not [f for f in result.findings if f.address in ("Role/reader", "ProviderConfig/default")
                and f.rule == "SOV004"]


def test_crossplane_contrib_kinds_map_to_the_resource_they_manage() -> None:
    found = _resources(CLOUD / "crossplane-contrib.yaml")
    assert _rows(found, "RDSInstance/legacy-db", "Bucket/legacy-assets", "CloudSQLInstance/legacy-sql",
                 "Bucket/legacy-gcs", "Account/legacystore") == [
        ("RDSInstance/legacy-db", "database", "aws", "eu-west-3", "FR", "aws_db_instance"),
        ("Bucket/legacy-assets", "storage", "aws", "us-west-2", "US", "aws_s3_bucket"),
        ("CloudSQLInstance/legacy-sql", "database", "google", "europe-west9", "FR",
         "google_sql_database_instance"),
        # contrib GCP Bucket: spec.location; contrib Azure Account: spec.storageAccountSpec.location
        ("Bucket/legacy-gcs", "storage", "google", "europe-west1", "BE", "google_storage_bucket"),
        ("Account/legacystore", "storage", "azurerm", "westeurope", "NL", "azurerm_storage_account"),
    ]


def test_ack_region_annotation_then_the_namespace_of_another_folder() -> None:
    found = _resources(CLOUD / "ack", CLOUD / "ack-namespaces")
    assert _rows(found, "Bucket/ack-reports", "DBInstance/production/orders", "Table/staging/sessions") == [
        ("Bucket/ack-reports", "storage", "aws", "eu-west-3", "FR", "aws_s3_bucket"),
        ("DBInstance/production/orders", "database", "aws", "eu-central-1", "DE", "aws_db_instance"),
        ("Table/staging/sessions", "database", "aws", None, None, "aws_dynamodb_table"),
    ]
    assert found["DBInstance/production/orders"].attributes["region_from"] == (
        "namespace annotation services.k8s.aws/default-region in "
        "tests/fixtures/kubernetes/cloud/ack-namespaces/production.yaml")
    assert found["Table/staging/sessions"].unresolved == (
        "services.k8s.aws/region / the Namespace's services.k8s.aws/default-region not set: the "
        "controller's own region (its --aws-region setting) decides at deploy time",)


def test_ack_without_the_namespace_folder_stays_unknown() -> None:
    found = _resources(CLOUD / "ack")
    assert found["DBInstance/production/orders"].region is None


def test_config_connector_location_fields_and_crd_default() -> None:
    found = _resources(CLOUD / "kcc")
    assert _rows(found, "SQLInstance/kcc-sql", "ComputeDisk/kcc-disk", "PubSubTopic/kcc-events") == [
        ("SQLInstance/kcc-sql", "database", "google", "europe-west9", "FR", "google_sql_database_instance"),
        # a zone: the catalog places it in its region
        ("ComputeDisk/kcc-disk", "storage", "google", "europe-west1-b", "BE", "google_compute_disk"),
        ("PubSubTopic/kcc-events", "messaging", "google", None, None, "google_pubsub_topic"),
    ]
    # no spec.location: the StorageBucket CRD's default (US) applies, never a region of the scan
    bucket = found["StorageBucket/kcc-media"]
    assert (bucket.category, bucket.region, bucket.attributes["terraform_type"]) == (
        "storage", "US", "google_storage_bucket")
    assert bucket.attributes["region_from"] == "spec.location absent: the StorageBucket CRD defaults it to US"
    assert bucket.country != "FR"


def test_azure_service_operator_children_are_where_their_owners_are() -> None:
    found = _resources(CLOUD / "aso", CLOUD / "aso-children")
    assert _rows(found, "StorageAccount/default/asosamplestorage",
                 "StorageAccountsBlobServicesContainer/default/asosample-container",
                 "DatabaseAccount/default/aso-cosmos", "SqlDatabase/default/aso-orders",
                 "StorageAccountsBlobServicesContainer/default/orphan-container") == [
        ("StorageAccount/default/asosamplestorage", "storage", "azurerm", "francecentral", "FR",
         "azurerm_storage_account"),
        # container -> blob service -> account: the account's location
        ("StorageAccountsBlobServicesContainer/default/asosample-container", "storage", "azurerm",
         "francecentral", "FR", "azurerm_storage_container"),
        ("DatabaseAccount/default/aso-cosmos", "database", "azurerm", "northeurope", "IE",
         "azurerm_cosmosdb_account"),
        # its owner is declared in another folder of the scan
        ("SqlDatabase/default/aso-orders", "database", "azurerm", "northeurope", "IE",
         "azurerm_cosmosdb_sql_database"),
        ("StorageAccountsBlobServicesContainer/default/orphan-container", "storage", "azurerm", None, None,
         "azurerm_storage_container"),
    ]
    container = found["StorageAccountsBlobServicesContainer/default/asosample-container"]
    assert container.attributes["arm_type"] == "microsoft.storage/storageaccounts/blobservices/containers"
    assert container.attributes["region_from"] == (
        "owner StorageAccountsBlobService/asosamplestorage-blob -> StorageAccount/asosamplestorage: "
        "spec.location")
    assert found["StorageAccountsBlobServicesContainer/default/orphan-container"].unresolved == (
        "spec.location not set and its owner elsewhere-blob (microsoft.storage/storageaccounts/"
        "blobservices) is not in the scanned manifests",)
    # a top-level resource is not placed by its resource group
    assert found["StorageAccount/default/asosamplestorage"].attributes["region_from"] == "spec.location"


def test_a_kind_name_alone_no_longer_makes_a_cloud_resource(tmp_path: Path) -> None:
    (tmp_path / "bucket.yaml").write_text(
        "apiVersion: example.com/v1\nkind: Bucket\nmetadata:\n  name: b\nspec:\n  size: 1\n")
    found = _resources(tmp_path)
    assert found["Bucket/b"].category == "other"


def test_volume_snapshot_content_gets_its_csi_driver_provider() -> None:
    found = _resources(CLOUD / "snapshots.yaml")
    content = found["VolumeSnapshotContent/snapcontent-db"]
    assert (content.category, content.provider, content.attributes["driver"]) == ("backup", "aws", "ebs.csi.aws.com")
    assert found["VolumeSnapshotClass/csi-pd"].provider == "google"


def test_a_claim_binds_to_a_storage_class_of_a_sibling_folder() -> None:
    found = _resources(SCAN)
    uploads = found["PersistentVolumeClaim/shop/uploads"]
    assert (uploads.provider, uploads.region, uploads.country) == ("aws", "eu-west-3a", "FR")
    assert uploads.attributes["storage_class_from"] == "tests/fixtures/kubernetes/scan/storage/classes.yaml"
    # no class named: the scan's default class
    cache = found["PersistentVolumeClaim/shop/cache"]
    assert (cache.attributes["storage_class"], cache.country) == ("fast-paris", "FR")
    # declared twice with different locations: nothing is assumed
    scratch = found["PersistentVolumeClaim/shop/scratch"]
    assert (scratch.provider, scratch.region) == ("aws", None)
    assert scratch.unresolved == (
        "StorageClass 'standard' is declared with different locations in "
        "tests/fixtures/kubernetes/scan/team-a/class.yaml, tests/fixtures/kubernetes/scan/team-b/class.yaml",)


def test_storage_classes_of_another_cluster_are_not_used() -> None:
    clusters = (Cluster(paths=("tests/fixtures/kubernetes/scan/app/*", "tests/fixtures/kubernetes/scan/team-a/*"),
                        provider="aws", region="eu-west-3"),
                Cluster(paths=("tests/fixtures/kubernetes/scan/team-b/*", "tests/fixtures/kubernetes/scan/storage/*"),
                        provider="aws", region="us-east-1"))
    found = _resources(SCAN, clusters=clusters)
    scratch = found["PersistentVolumeClaim/shop/scratch"]
    assert (scratch.region, scratch.country) == ("eu-west-3b", "FR")
    # the class of the other cluster is not this claim's class: the cluster's own region
    uploads = found["PersistentVolumeClaim/shop/uploads"]
    assert (uploads.region, "storage_class_from" in uploads.attributes) == ("eu-west-3", False)


def test_worker_processes_see_the_whole_scan() -> None:
    single = {r.address: (r.region, r.unresolved) for r in _scan(SCAN, CLOUD).resources}
    parallel = {r.address: (r.region, r.unresolved) for r in _scan(SCAN, CLOUD, jobs=2).resources}
    assert parallel == single
    assert single["PersistentVolumeClaim/shop/uploads"][0] == "eu-west-3a"
