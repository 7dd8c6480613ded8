"""Checks of ``policies/alternatives.yaml`` against its schema, the catalog and the category map.

Nothing proposed may claim more than the catalog records: every provider,
region and certification of an offer is checked against ``policies/catalog``.
"""

from __future__ import annotations

import json
import pathlib

import jsonschema
import pytest
import yaml

from sovlint.catalog import load_catalog
from sovlint.remediation import load_alternatives

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "policies" / "alternatives.yaml"
NOT_DATA_BEARING = {"other", "key-management"}
HYPERSCALERS = ("aws_", "azurerm_", "google_")


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def categories() -> dict:
    return yaml.safe_load((ROOT / "policies" / "categories.yaml").read_text(encoding="utf-8"))


def test_matches_schema(raw: dict) -> None:
    schema = json.loads((ROOT / "sovlint" / "alternatives_schema.json").read_text())
    errors = [f"{list(e.path)}: {e.message}" for e in jsonschema.Draft202012Validator(schema).iter_errors(raw)]
    assert errors == []
    load_alternatives()  # the loader's own checks (offer ids, kind ids)


def test_offer_ids_unique_and_used(raw: dict) -> None:
    ids = [o["id"] for o in raw["offers"]]
    assert len(ids) == len(set(ids))
    used = {o for kind in raw["kinds"].values() for o in kind["offers"]}
    assert set(ids) - used == set(), "offers listed under no kind"


def test_sources_exist(raw: dict) -> None:
    sources = yaml.safe_load((ROOT / "policies" / "catalog" / "sources.yaml").read_text())["sources"]
    for offer in raw["offers"]:
        keys = [offer["source"]] if isinstance(offer["source"], str) else offer["source"]
        assert set(keys) <= set(sources), offer["id"]


def test_providers_have_no_exposure(raw: dict, catalog) -> None:
    for offer in raw["offers"]:
        provider = catalog.get(offer["provider"])
        assert provider is not None, f"{offer['id']}: provider {offer['provider']} not in the catalog"
        assert provider.exposures == (), offer["id"]


def test_regions_exist_and_are_in_france(raw: dict, catalog) -> None:
    for offer in raw["offers"]:
        provider = catalog.get(offer["provider"])
        for code in offer["regions"]:
            region = provider.find_region(code)
            assert region is not None, f"{offer['id']}: {code} not a {offer['provider']} region"
            assert region.code == code, f"{offer['id']}: write the catalog code {region.code}, not {code}"
            assert region.country == "FR", f"{offer['id']}: {code} is in {region.country}"
            assert provider.exposures_in(region) == (), f"{offer['id']}: {code} has exposures"


def test_certification_claims_are_recorded_in_the_catalog(raw: dict, catalog) -> None:
    for offer in raw["offers"]:
        provider = catalog.get(offer["provider"])
        claims = offer.get("certifications") or {}
        for code in claims.get("hds", []):
            assert code in offer["regions"], offer["id"]
            assert provider.is_hds_host(provider.find_region(code)) is True, f"{offer['id']}: HDS in {code}"
        for code in claims.get("secnumcloud", []):
            assert code in offer["regions"], offer["id"]
            assert any(provider.is_secnumcloud(provider.find_region(code), t) is True
                       for t in offer["resource_types"]), f"{offer['id']}: SecNumCloud in {code}"


def test_offer_types_belong_to_their_provider_and_are_categorised(raw: dict, catalog, categories: dict) -> None:
    for offer in raw["offers"]:
        for resource_type in offer["resource_types"]:
            owner = catalog.provider_for_type(resource_type)
            # S3NS is written with the google provider (operator by region)
            expected = "google" if offer["provider"] == "s3ns" else offer["provider"]
            assert owner == expected, f"{offer['id']}: {resource_type} belongs to {owner}"
        mapped = [categories["terraform"].get(t) for t in offer["resource_types"]]
        assert any(c not in (None, "other") for c in mapped), f"{offer['id']}: no type in categories.yaml"


def test_every_hyperscaler_data_bearing_type_has_a_kind(raw: dict, categories: dict) -> None:
    kinds = raw["service_kinds"]
    excused = raw.get("no_equivalent") or {}
    missing = []
    for family in ("terraform", "cloudformation", "arm"):
        for resource_type, category in categories[family].items():
            if category in NOT_DATA_BEARING:
                continue
            if family == "terraform" and not resource_type.startswith(HYPERSCALERS):
                continue
            key = resource_type.lower() if family == "arm" else resource_type
            if key not in kinds.get(family, {}) and key not in excused.get(family, {}):
                missing.append(f"{family}:{resource_type}")
    assert missing == []


def test_kinds_without_offer_say_why(raw: dict) -> None:
    for kind_id, kind in raw["kinds"].items():
        proposable = [o for o in raw["offers"] if o["id"] in kind["offers"] and o.get("verified", True)]
        if not proposable:
            assert kind.get("gap"), f"{kind_id}: no verified offer and no gap"
