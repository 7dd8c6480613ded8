"""Region matching and the questions rules ask the catalog."""

from __future__ import annotations

import pytest

from sovlint.catalog import load_catalog


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog()


@pytest.mark.parametrize("provider, name, code, country", [
    ("aws", "eu-west-3", "eu-west-3", "FR"),
    ("aws", "eu-west-3a", "eu-west-3", "FR"),
    ("aws", "us-east-1-bos-1a", "us-east-1", "US"),
    ("aws", "eu-west-2", "eu-west-2", "GB"),
    ("outscale", "eu-west-2", "eu-west-2", "FR"),
    ("outscale", "cloudgouv-eu-west-1a", "cloudgouv-eu-west-1", "FR"),
    ("scaleway", "fr-par-2", "fr-par", "FR"),
    ("scaleway", "nl-ams-1", "nl-ams", "NL"),
    ("google", "europe-west9-b", "europe-west9", "FR"),
    ("azurerm", "France Central", "francecentral", "FR"),
    ("azurerm", "francecentral", "francecentral", "FR"),
    ("azurerm", "West Europe", "westeurope", "NL"),
    ("ovh", "GRA11", "GRA11", "FR"),
    ("ovh", "gra", None, "FR"),
    ("ovh", "SBG5", "SBG5", "FR"),
    ("ovh", "BHS5", "BHS5", "CA"),
])
def test_region_names_as_people_write_them(catalog, provider, name, code, country) -> None:  # type: ignore[no-untyped-def]
    region = catalog.resolve_region(provider, name)
    assert region is not None, name
    assert region.country == country
    if code:
        assert region.code == code


def test_bare_region_name_needs_agreement(catalog) -> None:  # type: ignore[no-untyped-def]
    assert catalog.resolve_region(None, "us-east-1").country == "US"
    assert catalog.resolve_region(None, "eu-west-2") is None  # London for AWS, France for Outscale


def test_unknown_region_is_none(catalog) -> None:  # type: ignore[no-untyped-def]
    assert catalog.resolve_region("aws", "mars-north-1") is None


def test_exposures_and_certifications(catalog) -> None:  # type: ignore[no-untyped-def]
    aws = catalog.get("aws")
    paris = aws.find_region("eu-west-3")
    assert {"US-CLOUD-Act", "US-FISA-702"} <= set(aws.exposures_in(paris))
    assert "CN-NIL" in aws.exposures_in(aws.find_region("cn-north-1"))
    assert aws.is_hds_host(paris) is True
    assert aws.is_hds_host(aws.find_region("us-east-1")) is False  # HDS v2: EEA only
    ovh = catalog.get("ovh")
    assert ovh.exposures_in(ovh.find_region("GRA11")) == ()
    assert ovh.exposures_in(ovh.find_region("US-EAST-VA-1"))
    outscale = catalog.get("outscale")
    assert outscale.is_secnumcloud(outscale.find_region("cloudgouv-eu-west-1"), "outscale_volume")
    assert not outscale.is_secnumcloud(outscale.find_region("eu-west-2"), "outscale_volume")
    assert not aws.is_secnumcloud(paris, "aws_s3_bucket")
    assert catalog.get("scaleway").is_hds_host(catalog.resolve_region("scaleway", "fr-par")) is False


def test_azure_pairs(catalog) -> None:  # type: ignore[no-untyped-def]
    azure = catalog.get("azurerm")
    assert azure.find_region("francecentral").paired == "francesouth"
    assert azure.find_region("westeurope").paired == "northeurope"


def test_s3ns_region_is_operated_by_s3ns(catalog) -> None:  # type: ignore[no-untyped-def]
    assert catalog.operator_for_region("google", "u-france-east1") == "s3ns"
    s3ns = catalog.get("s3ns")
    assert s3ns.exposures_in(s3ns.find_region("u-france-east1-a")) == ()


def test_openstack_operator_from_auth_url(catalog) -> None:  # type: ignore[no-untyped-def]
    assert catalog.operator_for_url("openstack", "https://auth.cloud.ovh.net/v3") == "ovh"


def test_terraform_type_and_source_to_provider(catalog) -> None:  # type: ignore[no-untyped-def]
    assert catalog.provider_for_type("aws_s3_bucket") == "aws"
    assert catalog.provider_for_type("azurerm_storage_account") == "azurerm"
    assert catalog.provider_for_type("ovh_cloud_project_database") == "ovh"
    assert catalog.provider_for_source("registry.terraform.io/hashicorp/aws") == "aws"
    assert catalog.provider_for_type("random_id") is None
