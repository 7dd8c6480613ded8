"""Checks of the shipped catalog data against its schemas and its references.

Plain YAML + jsonschema: this does not use sovlint's loader, so it holds the
data to the documented format (docs/catalog-format.md) on its own.
"""

from __future__ import annotations

import json
import os
import pathlib
import re

import jsonschema
import pytest
import yaml

from filetree import SHARED

ROOT = pathlib.Path(__file__).resolve().parent.parent
CATALOG = ROOT / "policies" / "catalog"
FACTS = pathlib.Path(os.environ.get("SOVLINT_FACTS", str(SHARED / "reference" / "catalog-facts.yaml")))

CATEGORIES = {"storage", "database", "backup", "compute", "analytics", "messaging", "logging", "ai",
              "key-management", "other"}
EXPECTED_PROVIDERS = {
    "aws", "azurerm", "google", "oci", "alicloud", "huaweicloud", "tencentcloud", "ibm", "digitalocean", "linode",
    "vultr", "hcloud", "ionoscloud", "exoscale", "upcloud", "stackit", "ovh", "openstack", "scaleway", "outscale",
    "cloudtemple", "numspot", "clevercloud", "flexibleengine", "opentelekomcloud", "s3ns",
}
# ISO 3166-1 alpha-2 codes the catalog may use (all assigned codes would do; this list keeps typos out).
ISO_COUNTRIES = set("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA
CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA
GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS
MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS
RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW
TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split())


def norm(name: str) -> str:
    """The documented matching rule: case-insensitive, spaces/_/- ignored."""
    return re.sub(r"[\s_-]", "", name.lower())


def _load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


PROVIDER_FILES = sorted(p for p in CATALOG.glob("*.yaml") if p.name != "sources.yaml")
PROVIDERS = {p.stem: _load(p) for p in PROVIDER_FILES}
SOURCES = _load(CATALOG / "sources.yaml")["sources"]


def _regions(pid):
    return {r["code"]: r for r in PROVIDERS[pid]["regions"]}


def _source_keys(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _walk_sources(node):
    """Every value of a key named like a source (source, exposures_source, paired_source)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("source", "exposures_source", "paired_source"):
                yield from _source_keys(v)
            else:
                yield from _walk_sources(v)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_sources(item)


# --------------------------------------------------------------------------- schemas
def test_schemas_are_valid_json_schema():
    for name in ("catalog_schema.json", "categories_schema.json"):
        schema = json.loads((ROOT / "sovlint" / name).read_text())
        jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", PROVIDER_FILES, ids=lambda p: p.stem)
def test_provider_file_matches_schema(path):
    schema = json.loads((ROOT / "sovlint" / "catalog_schema.json").read_text())
    data = _load(path)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    assert data["id"] == path.stem


def test_categories_match_schema():
    schema = json.loads((ROOT / "sovlint" / "categories_schema.json").read_text())
    data = _load(ROOT / "policies" / "categories.yaml")
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_sources_file_shape():
    assert SOURCES
    for key, src in SOURCES.items():
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", key), key
        assert set(src) == {"what", "where"}, key
        assert src["what"] and src["where"], key


# --------------------------------------------------------------------------- completeness
def test_every_expected_provider_has_a_file():
    assert set(PROVIDERS) == EXPECTED_PROVIDERS


def test_every_source_key_exists():
    missing = {(pid, k) for pid, d in PROVIDERS.items() for k in _walk_sources(d) if k not in SOURCES}
    assert not missing, sorted(missing)


def test_every_region_has_an_iso_country_and_a_source():
    for pid, d in PROVIDERS.items():
        for r in d["regions"]:
            assert r.get("country") in ISO_COUNTRIES, (pid, r["code"], r.get("country"))
            assert r.get("source"), (pid, r["code"])
        if d["country"] is not None:
            assert d["country"] in ISO_COUNTRIES, pid


def test_zone_patterns_compile_with_region_group():
    for pid, d in PROVIDERS.items():
        for pat in d.get("zone_patterns", []):
            assert "region" in re.compile(pat).groupindex, (pid, pat)


def test_no_two_regions_share_a_normalised_name():
    for pid, d in PROVIDERS.items():
        seen: dict[str, str] = {}
        for r in d["regions"]:
            names = {norm(r["code"])} | {norm(a) for a in r.get("aliases", [])}
            for n in names:
                assert n not in seen or seen[n] == r["code"], (pid, n, seen.get(n), r["code"])
                seen[n] = r["code"]


def test_type_prefixes_and_sources_are_not_shared():
    owner: dict[str, str] = {}
    for pid, d in PROVIDERS.items():
        for key in [*d["terraform"]["type_prefixes"], *(s.lower() for s in d["terraform"]["sources"])]:
            assert key not in owner, (key, owner.get(key), pid)
            owner[key] = pid


def test_operators_point_to_catalog_providers():
    for pid, d in PROVIDERS.items():
        for op in d.get("operators", []):
            assert op["provider"] in PROVIDERS, (pid, op)
            if "region" in op:
                assert op["region"] in _regions(op["provider"]), (pid, op)
    hosts = {op.get("auth_url"): op["provider"] for op in PROVIDERS["openstack"]["operators"]}
    assert hosts["auth.cloud.ovh.net"] == "ovh"
    assert hosts["*.otc.t-systems.com"] == "opentelekomcloud"


def test_zone_patterns_reduce_known_zones():
    cases = {
        "aws": {"eu-west-3a": "eu-west-3", "us-east-1-bos-1a": "us-east-1", "us-gov-west-1b": "us-gov-west-1",
                "eusc-de-east-1a": "eusc-de-east-1", "cn-north-1a": "cn-north-1"},
        "google": {"europe-west9-b": "europe-west9", "us-central1-f": "us-central1"},
        "s3ns": {"u-france-east1-a": "u-france-east1"},
        "scaleway": {"fr-par-1": "fr-par", "nl-ams-3": "nl-ams", "pl-waw-2": "pl-waw"},
        "outscale": {"eu-west-2a": "eu-west-2", "cloudgouv-eu-west-1c": "cloudgouv-eu-west-1"},
        "numspot": {"cloudgouv-eu-west-1a": "cloudgouv-eu-west-1"},
        "ovh": {"EU-WEST-PAR-A": "eu-west-par", "rbx8": "rbx", "gra3": "gra"},
        "opentelekomcloud": {"eu-de-01": "eu-de"},
    }
    for pid, zones in cases.items():
        regs = {norm(a): r["code"] for r in PROVIDERS[pid]["regions"] for a in [r["code"], *r.get("aliases", [])]}
        for zone, expected in zones.items():
            got = None
            for pat in PROVIDERS[pid]["zone_patterns"]:
                m = re.match(pat, zone, re.IGNORECASE)
                if m:
                    got = m.group("region")
                    break
            assert got is not None and norm(got) == norm(expected), (pid, zone, got)
            assert norm(got) in regs, (pid, zone, got)


# --------------------------------------------------------------------------- AWS vs botocore
# Descriptions that do not name a country, or name it in a way the table below does not parse.
AWS_EXPLICIT = {
    "us-east-1": "US",  # US East (N. Virginia)
    "us-east-2": "US",  # US East (Ohio)
    "us-west-1": "US",  # US West (N. California)
    "us-west-2": "US",  # US West (Oregon)
    "eu-west-1": "IE",  # Europe (Ireland)
    "eu-west-2": "GB",  # Europe (London)
    "eu-west-3": "FR",  # Europe (Paris)
    "eu-central-1": "DE",  # Europe (Frankfurt)
    "eu-central-2": "CH",  # Europe (Zurich)
    "eu-north-1": "SE",  # Europe (Stockholm)
    "eu-south-1": "IT",  # Europe (Milan)
    "eu-south-2": "ES",  # Europe (Spain)
    "af-south-1": "ZA",  # Africa (Cape Town)
    "ap-east-1": "HK",  # Asia Pacific (Hong Kong)
    "ap-east-2": "TW",  # Asia Pacific (Taipei)
    "ap-northeast-1": "JP",  # Tokyo
    "ap-northeast-2": "KR",  # Seoul
    "ap-northeast-3": "JP",  # Osaka
    "ap-south-1": "IN",  # Mumbai
    "ap-south-2": "IN",  # Hyderabad
    "ap-southeast-1": "SG",
    "ap-southeast-2": "AU",  # Sydney
    "ap-southeast-3": "ID",  # Jakarta
    "ap-southeast-4": "AU",  # Melbourne
    "ap-southeast-5": "MY",  # Malaysia
    "ap-southeast-6": "NZ",  # New Zealand
    "ap-southeast-7": "TH",  # Thailand
    "ca-central-1": "CA",
    "ca-west-1": "CA",  # Canada West (Calgary)
    "il-central-1": "IL",  # Israel (Tel Aviv)
    "me-central-1": "AE",  # Middle East (UAE)
    "me-south-1": "BH",  # Middle East (Bahrain)
    "mx-central-1": "MX",  # Mexico (Central)
    "sa-east-1": "BR",  # South America (Sao Paulo)
    "cn-north-1": "CN",  # China (Beijing)
    "cn-northwest-1": "CN",  # China (Ningxia)
    "us-gov-east-1": "US",
    "us-gov-west-1": "US",
    "us-iso-east-1": "US",
    "us-iso-west-1": "US",
    "us-isob-east-1": "US",
    "us-isob-west-1": "US",
    "us-isof-east-1": "US",
    "us-isof-south-1": "US",
    "eu-isoe-west-1": "GB",  # 'EU ISOE West', dnsSuffix cloud.adc-e.uk (verified: false in the catalog)
    "eusc-de-east-1": "DE",  # AWS European Sovereign Cloud (Germany)
}
# Country names botocore descriptions use, and the city-only ones.
AWS_DESCRIPTION_WORDS = {
    "Germany": "DE", "Malaysia": "MY", "New Zealand": "NZ", "Thailand": "TH", "Spain": "ES", "Ireland": "IE",
    "Canada": "CA", "Israel": "IL", "Mexico": "MX", "China": "CN", "UAE": "AE", "Bahrain": "BH", "US": "US",
    "Paris": "FR", "London": "GB", "Frankfurt": "DE", "Zurich": "CH", "Stockholm": "SE", "Milan": "IT",
    "Tokyo": "JP", "Osaka": "JP", "Seoul": "KR", "Mumbai": "IN", "Hyderabad": "IN", "Singapore": "SG",
    "Sydney": "AU", "Melbourne": "AU", "Jakarta": "ID", "Hong Kong": "HK", "Taipei": "TW", "Cape Town": "ZA",
    "Sao Paulo": "BR", "Calgary": "CA", "Tel Aviv": "IL",
}


def _botocore_regions():
    botocore = pytest.importorskip("botocore")
    path = pathlib.Path(botocore.__file__).parent / "data" / "endpoints.json"
    data = json.loads(path.read_text())
    return {code: (part["partition"], info.get("description", ""))
            for part in data["partitions"] for code, info in part["regions"].items()}


def _country_from_description(desc: str) -> str | None:
    found = {cc for word, cc in AWS_DESCRIPTION_WORDS.items() if re.search(rf"\b{re.escape(word)}\b", desc)}
    return found.pop() if len(found) == 1 else None


def test_every_botocore_region_is_in_the_aws_catalog_with_the_right_country():
    boto = _botocore_regions()
    assert {"aws", "aws-cn", "aws-us-gov", "aws-eusc"} <= {p for p, _ in boto.values()}
    regs = _regions("aws")
    for code, (partition, desc) in boto.items():
        assert code in regs, f"{code} ({partition}: {desc}) missing from aws.yaml"
        derived = _country_from_description(desc)
        expected = AWS_EXPLICIT.get(code, derived)
        assert expected is not None, f"no expected country for {code} '{desc}': add it to AWS_EXPLICIT"
        if derived is not None:
            assert derived == expected, (code, desc, derived, expected)
        assert regs[code]["country"] == expected, (code, desc, regs[code]["country"], expected)
        assert desc in regs[code].get("aliases", []), (code, desc)


def test_aws_special_regions():
    regs = _regions("aws")
    prov = set(PROVIDERS["aws"]["exposures"])
    assert prov == {"US-CLOUD-Act", "US-FISA-702"}
    for code in ("cn-north-1", "cn-northwest-1"):
        assert set(regs[code]["exposures"]) == prov | {"CN-NIL"}, code
    for code in ("us-gov-east-1", "us-gov-west-1"):
        assert regs[code]["country"] == "US"
        assert "exposures" not in regs[code]  # provider list applies
    assert regs["eusc-de-east-1"]["country"] == "DE"
    assert "exposures" not in regs["eusc-de-east-1"]  # still US-controlled
    assert regs["eu-west-3"]["country"] == "FR"


# --------------------------------------------------------------------------- Azure
# One-way rows of Microsoft's cross-region replication table.
AZURE_ONE_WAY = {"brazilsouth", "brazilsoutheast", "westindia", "westus3", "usgovvirginia"}


def test_azure_regions_match_the_research_notes():
    if not FACTS.exists():
        pytest.skip(f"research notes not available at {FACTS}")
    facts = yaml.safe_load(FACTS.read_text())
    azure = next(p for p in facts["providers"] if p["id"] == "azurerm")
    regs = _regions("azurerm")
    for r in azure["regions"]:
        assert r["code"] in regs, r["code"]
        assert regs[r["code"]]["country"] == r["country"], r["code"]
        if r.get("display_name"):
            assert norm(r["display_name"]) in {norm(a) for a in regs[r["code"]]["aliases"]} | {r["code"]}


def test_azure_pairs():
    regs = _regions("azurerm")
    for code, r in regs.items():
        assert "paired" in r, f"{code}: paired must be given (null when the region has no pair)"
        pair = r["paired"]
        if pair is None:
            continue
        assert pair in regs, (code, pair)
        assert pair != code
        assert r.get("paired_verified") is False and r.get("paired_source") == "azure-region-pairs", code
        if code not in AZURE_ONE_WAY:
            assert regs[pair]["paired"] == code, (code, pair, regs[pair]["paired"])
    expected = {"francecentral": "francesouth", "westeurope": "northeurope", "germanywestcentral": "germanynorth",
                "uksouth": "ukwest", "eastus": "westus", "eastus2": "centralus", "swedencentral": "swedensouth",
                "brazilsouth": "southcentralus", "westus3": "eastus"}
    for a, b in expected.items():
        assert regs[a]["paired"] == b, a
    for unpaired in ("italynorth", "spaincentral", "polandcentral", "israelcentral", "qatarcentral",
                     "mexicocentral"):
        assert regs[unpaired]["paired"] is None, unpaired


def test_azure_china_and_display_names():
    regs = _regions("azurerm")
    for code in ("chinaeast", "chinaeast2", "chinaeast3", "chinanorth", "chinanorth2", "chinanorth3"):
        assert regs[code]["country"] == "CN"
        assert set(regs[code]["exposures"]) == {"US-CLOUD-Act", "US-FISA-702", "CN-NIL"}
    assert "France Central" in regs["francecentral"]["aliases"]


# --------------------------------------------------------------------------- shared codes, operators
def test_shared_region_codes_have_their_own_countries():
    # The same code means different places at different providers: a wrong country is a compliance bug.
    expected = {
        ("aws", "eu-west-2"): "GB", ("outscale", "eu-west-2"): "FR", ("numspot", "eu-west-2"): "FR",
        ("aws", "eu-west-1"): "IE", ("alicloud", "eu-west-1"): "GB",
        ("aws", "ap-southeast-1"): "SG", ("alicloud", "ap-southeast-1"): "SG", ("huaweicloud", "ap-southeast-1"): "HK",
        ("aws", "ap-southeast-2"): "AU", ("alicloud", "ap-southeast-2"): "AU", ("huaweicloud", "ap-southeast-2"): "TH",
        ("aws", "ap-southeast-3"): "ID", ("alicloud", "ap-southeast-3"): "MY", ("huaweicloud", "ap-southeast-3"): "SG",
        ("aws", "ap-southeast-4"): "AU", ("huaweicloud", "ap-southeast-4"): "ID",
        ("aws", "ap-southeast-5"): "MY", ("alicloud", "ap-southeast-5"): "ID", ("huaweicloud", "ap-southeast-5"): "PH",
        ("aws", "ap-southeast-6"): "NZ", ("alicloud", "ap-southeast-6"): "PH",
        ("aws", "me-central-1"): "AE", ("alicloud", "me-central-1"): "SA", ("google", "me-central1"): "QA",
        ("alicloud", "me-east-1"): "AE", ("huaweicloud", "me-east-1"): "SA",
        # same code, same country: asserted so that a change on one side is noticed
        ("aws", "us-east-2"): "US", ("outscale", "us-east-2"): "US",
        ("aws", "us-west-1"): "US", ("outscale", "us-west-1"): "US", ("alicloud", "us-west-1"): "US",
        ("aws", "ap-northeast-1"): "JP", ("outscale", "ap-northeast-1"): "JP", ("alicloud", "ap-northeast-1"): "JP",
        ("aws", "eu-central-1"): "DE", ("alicloud", "eu-central-1"): "DE",
        ("aws", "af-south-1"): "ZA", ("huaweicloud", "af-south-1"): "ZA",
        ("huaweicloud", "eu-west-0"): "FR", ("flexibleengine", "eu-west-0"): "FR",
        ("ibm", "eu-de"): "DE", ("opentelekomcloud", "eu-de"): "DE",
        ("scaleway", "fr-par"): "FR", ("linode", "fr-par"): "FR",
        ("ovh", "DE"): "DE", ("ovh", "UK"): "GB",
        ("outscale", "cloudgouv-eu-west-1"): "FR", ("numspot", "cloudgouv-eu-west-1"): "FR",
    }
    for (pid, code), country in expected.items():
        assert _regions(pid)[code]["country"] == country, (pid, code)
    # every code used by two providers with two countries must appear in the table above
    by_code: dict[str, dict[str, str]] = {}
    for pid, d in PROVIDERS.items():
        for r in d["regions"]:
            by_code.setdefault(norm(r["code"]), {})[pid] = r["country"]
    for code, owners in by_code.items():
        if len(set(owners.values())) > 1:
            for pid in owners:
                assert any(norm(c) == code and p == pid for p, c in expected), (code, owners)


def test_region_specific_exposures():
    ovh = _regions("ovh")
    for code in ("US-EAST-VA-1", "US-WEST-OR-1"):
        assert set(ovh[code]["exposures"]) == {"US-CLOUD-Act", "US-FISA-702"}
        assert ovh[code]["country"] == "US"
    assert PROVIDERS["ovh"]["exposures"] == []
    out = _regions("outscale")
    for code in ("us-east-2", "us-west-1"):
        assert set(out[code]["exposures"]) == {"US-CLOUD-Act", "US-FISA-702"}
    assert "exposures" not in out["eu-west-2"] and PROVIDERS["outscale"]["exposures"] == []
    assert out["ap-northeast-1"]["country"] == "JP"


def test_ovh_short_codes_and_object_storage_regions():
    ovh = PROVIDERS["ovh"]["regions"]
    names = {norm(a): r for r in ovh for a in [r["code"], *r.get("aliases", [])]}
    for short, country in {"GRA": "FR", "SBG": "FR", "RBX": "FR", "BHS": "CA", "WAW": "PL", "UK": "GB", "DE": "DE",
                           "SGP": "SG", "SYD": "AU", "eu-west-par": "FR", "ap-south-mum": "IN",
                           "ca-east-tor": "CA", "us-east-va": "US", "us-west-or": "US",
                           "ap-southeast-syd": "AU"}.items():
        assert names[norm(short)]["country"] == country, short
    if FACTS.exists():
        facts = yaml.safe_load(FACTS.read_text())
        o = next(p for p in facts["providers"] if p["id"] == "ovh")
        for region, country in o["object_storage_region_hosts"]["region_country"].items():
            assert names[norm(region)]["country"] == country, region


# --------------------------------------------------------------------------- certifications
def test_certifications():
    for pid, d in PROVIDERS.items():
        hds = d["certifications"]["hds"]
        assert hds.get("eea_only") is True, pid
    certified = {pid for pid, d in PROVIDERS.items() if d["certifications"]["hds"]["status"] == "certified"}
    assert certified == {"aws", "azurerm", "google", "ovh"}
    for pid in certified:
        assert PROVIDERS[pid]["certifications"]["hds"]["source"] == "hds-press"

    def offers(pid):
        snc = PROVIDERS[pid]["certifications"]["secnumcloud"]
        return snc["status"], {tuple(o["regions"]) for o in snc.get("offers", [])}

    assert offers("outscale") == ("qualified_offers", {("cloudgouv-eu-west-1",)})
    assert offers("s3ns") == ("qualified_offers", {("u-france-east1",)})
    assert offers("ovh") == ("qualified_offers", {()})
    assert offers("cloudtemple") == ("qualified_offers", {()})
    qualified = {pid for pid, d in PROVIDERS.items()
                 if d["certifications"]["secnumcloud"]["status"] in ("qualified", "qualified_offers")}
    assert qualified == {"outscale", "s3ns", "ovh", "cloudtemple"}
    for pid in ("aws", "azurerm", "google", "oci", "alicloud", "huaweicloud", "tencentcloud"):
        assert PROVIDERS[pid]["certifications"]["secnumcloud"]["status"] == "not_qualified", pid
    # offers name regions that exist
    for pid in qualified:
        for o in PROVIDERS[pid]["certifications"]["secnumcloud"]["offers"]:
            for code in o["regions"]:
                assert code in _regions(pid), (pid, code)
    clever = _regions("clevercloud")
    assert {c for c, r in clever.items() if r.get("hds")} == {"parhds", "grahds", "rbxhds"}
    assert _regions("s3ns")["u-france-east1"]["country"] == "FR" and PROVIDERS["s3ns"]["exposures"] == []


# --------------------------------------------------------------------------- categories
def test_categories_values_and_prefixes():
    data = _load(ROOT / "policies" / "categories.yaml")
    assert set(data) == {"terraform", "cloudformation", "arm", "kubernetes"}
    for section, mapping in data.items():
        for t, c in mapping.items():
            assert c in CATEGORIES, (section, t, c)
    for t in data["arm"]:
        assert t == t.lower(), t
    prefixes = [p for d in PROVIDERS.values() for p in d["terraform"]["type_prefixes"]] + ["kubernetes_"]
    for t in data["terraform"]:
        assert any(t.startswith(p) for p in prefixes), t
    tf = data["terraform"]
    spot = {
        "aws_s3_bucket": "storage", "aws_db_instance": "database", "aws_dynamodb_global_table": "database",
        "aws_ebs_snapshot": "backup", "aws_backup_vault": "backup", "aws_kms_key": "key-management",
        "aws_cloudtrail": "logging", "aws_ecr_repository": "storage", "aws_instance": "compute",
        "azurerm_storage_account": "storage", "azurerm_key_vault": "key-management",
        "azurerm_mssql_database": "database", "google_bigquery_dataset": "analytics",
        "google_kms_crypto_key": "key-management", "ovh_cloud_project_database": "database",
        "scaleway_object_bucket": "storage", "outscale_vm": "compute", "openstack_compute_instance_v2": "compute",
    }
    for t, c in spot.items():
        assert tf[t] == c, t
    assert data["cloudformation"]["AWS::S3::Bucket"] == "storage"
    assert data["cloudformation"]["AWS::DynamoDB::GlobalTable"] == "database"
    assert data["arm"]["microsoft.storage/storageaccounts"] == "storage"
    assert data["kubernetes"]["PersistentVolumeClaim"] == "storage"
    assert data["kubernetes"]["StatefulSet"] == "compute"
