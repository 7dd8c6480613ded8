#!/usr/bin/env python3
"""Generate ``policies/catalog/*.yaml`` from the research notes (catalog-facts.yaml).

The committed YAML files are the product; this script only makes them
reproducible. Every place where the shipped data departs from the research
notes is written here as an explicit correction and lands in the generated file
as a ``# correction:`` comment above the entry it changes.

Usage:
    python scripts/build_catalog.py [--facts PATH] [--out policies/catalog]

The research notes are not shipped with sovlint (they are the maintainers'
working file); the generated files cite the public sources the notes name.
"""

from __future__ import annotations

import argparse
import copy
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_FACTS = pathlib.Path(__file__).resolve().parents[2] / "shared" / "reference" / "catalog-facts.yaml"

US = ["US-CLOUD-Act", "US-FISA-702"]
US_SRC = ["us-cloud-act", "us-fisa-702"]
CN = ["CN-NIL"]

# Sources added on top of the ones the research notes list.
EXTRA_SOURCES = {
    "us-cloud-act": {
        "what": "US CLOUD Act (23 March 2018, 18 U.S.C. 2713): providers must disclose data in their possession, "
        "custody or control regardless of whether it is located within or outside the United States",
        "where": "https://www.govinfo.gov (S.2383 / Pub. L. 115-141 div. V); WilmerHale client alert",
    },
    "us-fisa-702": {
        "what": "FISA section 702 (50 U.S.C. 1881a), reauthorized by RISAA, Pub. L. 118-49 of 20 April 2024 "
        "(widened 'electronic communication service provider'; sunset 20 April 2026, status after that not checked)",
        "where": "https://www.govinfo.gov/app/details/PLAW-118publ49",
    },
    "cn-nil": {
        "what": "PRC National Intelligence Law 2017 (amended 2018), art. 7: organizations and citizens shall "
        "support, assist and cooperate with national intelligence efforts",
        "where": "https://www.chinalawtranslate.com/en/national-intelligence-law-of-the-p-r-c-2017/",
    },
    "azure-region-pairs": {
        "what": "Microsoft 'Azure cross-region replication pairings for all geographies' table (region pairs used "
        "by geo-redundant storage); transcribed from the maintainers' knowledge of the table, NOT re-read: "
        "every `paired` value is verified: false",
        "where": "https://learn.microsoft.com/azure/reliability/cross-region-replication-azure",
    },
    "research-notes": {
        "what": "sovlint maintainers' research notes (ownership, operator and exposure facts compiled from the "
        "other sources listed here; used where the notes state a fact without naming a narrower source)",
        "where": "sovlint project research notes (catalog-facts.yaml / legal-framework.md, not shipped)",
    },
    "general-knowledge": {
        "what": "maintainers' general knowledge, not confirmed by a source read: every entry citing only this "
        "source is verified: false",
        "where": "none",
    },
    "terraform-provider-docs": {
        "what": "Terraform provider source addresses and argument names (region/location/zone arguments) as used in "
        "the providers' registry documentation and public examples",
        "where": "https://registry.terraform.io/browse/providers (per-provider documentation pages)",
    },
}

# Sources from the research notes that the catalog does not use (Kubernetes and
# SaaS tables belong to other files).
SKIP_SOURCES = {"k8s-csi-drivers", "ack-multiregion", "datadog-sites", "sentry-data-location", "openai-data-residency"}


# ---------------------------------------------------------------------------
# Azure region pairs: Microsoft's cross-region replication table, from memory.
# Asymmetric rows are the ones Microsoft documents as one-way.
AZURE_PAIRS = {
    "australiacentral": "australiacentral2",
    "australiacentral2": "australiacentral",
    "australiaeast": "australiasoutheast",
    "australiasoutheast": "australiaeast",
    "brazilsouth": "southcentralus",  # one-way in Microsoft's table
    "brazilsoutheast": "brazilsouth",  # one-way
    "canadacentral": "canadaeast",
    "canadaeast": "canadacentral",
    "centralindia": "southindia",
    "southindia": "centralindia",
    "westindia": "southindia",  # one-way
    "jioindiawest": "jioindiacentral",
    "jioindiacentral": "jioindiawest",
    "eastasia": "southeastasia",
    "southeastasia": "eastasia",
    "japaneast": "japanwest",
    "japanwest": "japaneast",
    "koreacentral": "koreasouth",
    "koreasouth": "koreacentral",
    "northeurope": "westeurope",
    "westeurope": "northeurope",
    "francecentral": "francesouth",
    "francesouth": "francecentral",
    "germanywestcentral": "germanynorth",
    "germanynorth": "germanywestcentral",
    "norwayeast": "norwaywest",
    "norwaywest": "norwayeast",
    "swedencentral": "swedensouth",
    "swedensouth": "swedencentral",
    "switzerlandnorth": "switzerlandwest",
    "switzerlandwest": "switzerlandnorth",
    "uksouth": "ukwest",
    "ukwest": "uksouth",
    "uaenorth": "uaecentral",
    "uaecentral": "uaenorth",
    "southafricanorth": "southafricawest",
    "southafricawest": "southafricanorth",
    "eastus": "westus",
    "westus": "eastus",
    "eastus2": "centralus",
    "centralus": "eastus2",
    "northcentralus": "southcentralus",
    "southcentralus": "northcentralus",
    "westus2": "westcentralus",
    "westcentralus": "westus2",
    "westus3": "eastus",  # one-way
    "centraluseuap": "eastus2euap",
    "eastus2euap": "centraluseuap",
    "eastusstg": "southcentralusstg",
    "southcentralusstg": "eastusstg",
    "chinanorth": "chinaeast",
    "chinaeast": "chinanorth",
    "chinanorth2": "chinaeast2",
    "chinaeast2": "chinanorth2",
    "chinanorth3": "chinaeast3",
    "chinaeast3": "chinanorth3",
    "germanycentral": "germanynortheast",
    "germanynortheast": "germanycentral",
    "usgovvirginia": "usgovtexas",
    "usgovarizona": "usgovtexas",
    "usgovtexas": "usgovarizona",  # Texas is the pair of both Virginia and Arizona; one value kept
    "usdodeast": "usdodcentral",
    "usdodcentral": "usdodeast",
}

# ---------------------------------------------------------------------------
# Terraform sections (argument names from the providers' documentation and the
# corpus examples; see docs/catalog-format.md).
TERRAFORM = {
    "aws": dict(
        sources=["hashicorp/aws"],
        type_prefixes=["aws_"],
        provider_region_attributes=["region"],
        # AWS provider v6 added a per-resource `region` argument.
        resource_region_attributes=["region"],
        zone_attributes=["availability_zone", "availability_zones"],
    ),
    "azurerm": dict(
        sources=["hashicorp/azurerm", "Azure/azapi"],
        type_prefixes=["azurerm_", "azapi_"],
        provider_region_attributes=[],
        resource_region_attributes=["location"],
        zone_attributes=[],
    ),
    "google": dict(
        # google-beta uses the same `google_` type prefix.
        sources=["hashicorp/google", "hashicorp/google-beta"],
        type_prefixes=["google_"],
        provider_region_attributes=["region", "zone"],
        resource_region_attributes=["location", "region"],
        zone_attributes=["zone"],
    ),
    "oci": dict(
        sources=["oracle/oci", "hashicorp/oci"],
        type_prefixes=["oci_"],
        provider_region_attributes=["region"],
        resource_region_attributes=["region"],
        zone_attributes=["availability_domain"],
    ),
    "alicloud": dict(
        sources=["aliyun/alicloud", "hashicorp/alicloud"],
        type_prefixes=["alicloud_"],
        provider_region_attributes=["region"],
        resource_region_attributes=[],
        zone_attributes=["zone_id", "availability_zone"],
    ),
    "huaweicloud": dict(
        sources=["huaweicloud/huaweicloud"],
        type_prefixes=["huaweicloud_"],
        provider_region_attributes=["region"],
        resource_region_attributes=["region"],
        zone_attributes=["availability_zone"],
    ),
    "tencentcloud": dict(
        sources=["tencentcloudstack/tencentcloud"],
        type_prefixes=["tencentcloud_"],
        provider_region_attributes=["region"],
        resource_region_attributes=[],
        zone_attributes=["availability_zone"],
    ),
    "ibm": dict(
        sources=["IBM-Cloud/ibm"],
        type_prefixes=["ibm_"],
        provider_region_attributes=["region"],
        resource_region_attributes=["region", "location"],
        zone_attributes=["zone"],
    ),
    "digitalocean": dict(
        sources=["digitalocean/digitalocean"],
        type_prefixes=["digitalocean_"],
        provider_region_attributes=[],
        resource_region_attributes=["region"],
        zone_attributes=[],
    ),
    "linode": dict(
        sources=["linode/linode"],
        type_prefixes=["linode_"],
        provider_region_attributes=[],
        resource_region_attributes=["region"],
        zone_attributes=[],
    ),
    "vultr": dict(
        sources=["vultr/vultr"],
        type_prefixes=["vultr_"],
        provider_region_attributes=[],
        resource_region_attributes=["region"],
        zone_attributes=[],
    ),
    "hcloud": dict(
        sources=["hetznercloud/hcloud"],
        type_prefixes=["hcloud_"],
        provider_region_attributes=[],
        resource_region_attributes=["location"],
        zone_attributes=["datacenter"],
    ),
    "ionoscloud": dict(
        sources=["ionos-cloud/ionoscloud"],
        type_prefixes=["ionoscloud_"],
        provider_region_attributes=[],
        resource_region_attributes=["location"],
        zone_attributes=[],
    ),
    "exoscale": dict(
        sources=["exoscale/exoscale"],
        type_prefixes=["exoscale_"],
        provider_region_attributes=[],
        # Exoscale calls its regions "zones" (ch-gva-2): a region-level argument.
        resource_region_attributes=["zone"],
        zone_attributes=[],
    ),
    "upcloud": dict(
        sources=["UpCloudLtd/upcloud"],
        type_prefixes=["upcloud_"],
        provider_region_attributes=[],
        # UpCloud calls its locations "zones" (fi-hel1): a region-level argument.
        resource_region_attributes=["zone"],
        zone_attributes=[],
    ),
    "stackit": dict(
        sources=["stackitcloud/stackit"],
        type_prefixes=["stackit_"],
        provider_region_attributes=["default_region", "region"],
        resource_region_attributes=["region"],
        zone_attributes=["availability_zone"],
    ),
    "ovh": dict(
        sources=["ovh/ovh"],
        type_prefixes=["ovh_"],
        provider_region_attributes=[],
        # ovh_cloud_project_* use `region`, storage uses `region_name`,
        # private networks `regions` (a list) - all seen in the provider examples.
        resource_region_attributes=["region", "region_name", "regions"],
        zone_attributes=["availability_zone"],
    ),
    "openstack": dict(
        sources=["terraform-provider-openstack/openstack"],
        type_prefixes=["openstack_"],
        provider_region_attributes=["region"],
        resource_region_attributes=["region"],
        zone_attributes=["availability_zone"],
    ),
    "scaleway": dict(
        sources=["scaleway/scaleway"],
        type_prefixes=["scaleway_"],
        provider_region_attributes=["region", "zone"],
        resource_region_attributes=["region"],
        zone_attributes=["zone"],
    ),
    "outscale": dict(
        sources=["outscale/outscale"],
        type_prefixes=["outscale_"],
        provider_region_attributes=["region"],
        resource_region_attributes=[],
        zone_attributes=["subregion_name"],
    ),
    "numspot": dict(
        sources=["numspot/numspot"],
        type_prefixes=["numspot_"],
        # The region is part of the API host (api.<region>.numspot.com); the
        # zone argument name below is not verified against the provider schema.
        provider_region_attributes=[],
        resource_region_attributes=[],
        zone_attributes=["availability_zone_name"],
    ),
    "cloudtemple": dict(
        sources=["Cloud-Temple/cloudtemple"],
        type_prefixes=["cloudtemple_"],
        provider_region_attributes=[],
        resource_region_attributes=[],
        zone_attributes=[],
    ),
    "clevercloud": dict(
        sources=["CleverCloud/clevercloud"],
        type_prefixes=["clevercloud_"],
        provider_region_attributes=[],
        resource_region_attributes=["region"],
        zone_attributes=[],
    ),
    "flexibleengine": dict(
        sources=["FlexibleEngineCloud/flexibleengine"],
        type_prefixes=["flexibleengine_"],
        provider_region_attributes=["region"],
        resource_region_attributes=["region"],
        zone_attributes=["availability_zone"],
    ),
    "opentelekomcloud": dict(
        sources=["opentelekomcloud/opentelekomcloud"],
        type_prefixes=["opentelekomcloud_"],
        provider_region_attributes=["region"],
        resource_region_attributes=["region"],
        zone_attributes=["availability_zone"],
    ),
    "s3ns": dict(
        # Same Terraform provider as Google Cloud: resources are attributed to
        # s3ns through `operators:` in google.yaml (region u-france-east1 or the
        # S3NS universe domain), not through sources/prefixes of their own.
        sources=[],
        type_prefixes=[],
        provider_region_attributes=["region", "zone"],
        resource_region_attributes=["location", "region"],
        zone_attributes=["zone"],
    ),
}

ZONE_PATTERNS = {
    "aws": [
        r"^(?P<region>[a-z]+(-[a-z]+)+-\d+)[a-z]$",  # eu-west-3a, us-gov-west-1a, eusc-de-east-1a
        r"^(?P<region>[a-z]+(-[a-z]+)+-\d+)-[a-z]+-\d+[a-z]$",  # local zones us-east-1-bos-1a
        r"^(?P<region>[a-z]+(-[a-z]+)+-\d+)-wl1-[a-z0-9-]+$",  # wavelength us-east-1-wl1-bos-wlz-1
    ],
    "google": [r"^(?P<region>[a-z]+-[a-z]+\d+)-[a-z]$"],  # europe-west9-b
    "s3ns": [r"^(?P<region>u-[a-z]+-[a-z]+\d+)-[a-z]$"],  # u-france-east1-a
    "oci": [r"^(?:[a-z0-9]+:)?(?P<region>[a-z]+-[a-z]+-\d+)-ad-\d+$"],  # Uocm:EU-PARIS-1-AD-1
    "alicloud": [
        r"^(?P<region>[a-z]+(-[a-z]+)+-\d+)[a-z]$",  # ap-southeast-1a
        r"^(?P<region>[a-z]+(-[a-z]+)+(-\d+)?)-[a-z]$",  # cn-hangzhou-h
    ],
    "huaweicloud": [r"^(?P<region>[a-z]+(-[a-z]+)+-\d+)[a-z]$"],  # cn-north-4a
    "tencentcloud": [r"^(?P<region>[a-z]+(-[a-z]+)+)-\d+$"],  # ap-guangzhou-3
    "ibm": [r"^(?P<region>[a-z]{2}-[a-z]+)-\d+$"],  # us-south-1
    "hcloud": [r"^(?P<region>[a-z]+\d*)-dc\d+$"],  # fsn1-dc14
    "stackit": [r"^(?P<region>eu\d{2})-(\d+|m)$"],  # eu01-1, eu02-m
    "ovh": [
        r"^(?P<region>[a-z]{2}-[a-z]+(-lz)?-[a-z]{3})-[a-z]$",  # EU-WEST-PAR-A, EU-SOUTH-LZ-MAD-A
        # dedicated-server datacentre names (rbx8, gra3, lim3, eri1, itmil01)
        r"^(?P<region>rbx|gra|sbg|eri|lim|waw|bhs|sgp|syd|vin|hil|ynm|yyz|itmil)-?\d+$",
    ],
    "scaleway": [r"^(?P<region>[a-z]{2}-[a-z]{3})-\d+$"],  # fr-par-1
    "outscale": [r"^(?P<region>[a-z]+(-[a-z]+)+-\d+)[a-z]$"],  # eu-west-2a, cloudgouv-eu-west-1a
    "numspot": [r"^(?P<region>[a-z]+(-[a-z]+)+-\d+)[a-z]$"],
    "flexibleengine": [r"^(?P<region>[a-z]+(-[a-z]+)+-\d+)[a-z]$"],  # eu-west-0a
    "opentelekomcloud": [r"^(?P<region>eu-[a-z]{2})-\d{2}$"],  # eu-de-01
}

HDS_CERTIFIED = {"aws", "azurerm", "google", "ovh"}  # reference says yes, with source hds-press


def region(code, country, city=None, source=None, **extra):
    r = {"code": code, "country": country, "city": city}
    for key in ("aliases", "paired", "exposures", "hds"):
        if key in extra:
            r[key] = extra.pop(key)
    r["source"] = source
    if extra.get("verified") is False:
        r["verified"] = False
    extra.pop("verified", None)
    for key in ("note", "_comment"):
        value = extra.pop(key, None)
        if value:
            r[key] = value
    assert not extra, extra
    return r


# ---------------------------------------------------------------------------
def aws_regions(p):
    out = []
    for r in p["regions"]:
        city = r.get("city")
        note = r.get("note")
        kw = {}
        part = r["partition"]
        if part == "aws-cn":
            kw["exposures"] = US + CN
            note = ("AWS China partition (amazonaws.com.cn), operated by Chinese partner companies: CN law in "
                    "addition to the US exposures of the brand owner")
            src = ["botocore-endpoints", "research-notes"]
        elif part == "aws-eusc":
            note = ("partition aws-eusc (AWS European Sovereign Cloud, amazonaws.eu, GA 15 Jan 2026): run by German "
                    "GmbHs wholly owned by Amazon; kept as a region of `aws` with the US exposures (press judges "
                    "CLOUD Act reach unresolved)")
            src = ["botocore-endpoints", "aws-esc-press"]
        elif part == "aws-iso-e":
            kw["verified"] = False
            src = ["botocore-endpoints"]
        else:
            src = "botocore-endpoints"
        if r["code"] == "ca-central-1":
            src = ["botocore-endpoints", "research-notes"]
            note = "botocore says 'Canada (Central)'; city Montreal from a third-party table (MariaDB docs)"
        if r["code"].startswith("us-gov-"):
            note = "AWS GovCloud (US) partition"
        if city is None and part == "aws" and not note:
            note = f"botocore: '{r['description']}'; city not given"
        if part == "aws" and city is None:
            note = f"botocore: '{r['description']}'; city not given"
        out.append(region(r["code"], r["country"], city, src, aliases=[r["description"]], note=note, **kw))
    return out


def azure_regions(p):
    out = []
    for r in p["regions"]:
        code = r["code"]
        kw = {}
        src = "azure-avm-regions"
        note = r.get("note")
        if r.get("cloud") == "AzureChinaCloud":
            src = "claranet-azure-regions"
            kw["exposures"] = US + CN
            note = ("Azure China (AzureChinaCloud), operated by a Chinese company (21Vianet, not verified here): CN law "
                    "in addition to Microsoft's US exposures; city inferred from Claranet short codes")
        elif r.get("status") == "legacy_closed":
            src = "claranet-azure-regions"
            note = "legacy Microsoft Cloud Deutschland region (closed)"
        elif r.get("cloud") == "AzureUSGovernment":
            src = "general-knowledge"
            kw["verified"] = False
            note = "Azure US Government region name from general knowledge"
        elif r.get("status") == "announced_or_restricted":
            kw["verified"] = False
            note = "only in the AVM geo-code table (announced/restricted); country inferred from the name"
        if r.get("display_name") and re.sub(r"[\s_-]", "", r["display_name"].lower()) != code:
            kw["aliases"] = [r["display_name"]]
        elif r.get("display_name"):
            kw["aliases"] = [r["display_name"]]
        else:
            kw["aliases"] = []
        kw["paired"] = AZURE_PAIRS.get(code)
        reg = region(code, r["country"], r.get("city"), src, note=note, **kw)
        if reg["paired"]:
            reg["paired_source"] = "azure-region-pairs"
            reg["paired_verified"] = False
        out.append(reg)
    return out


def google_regions(p):
    out = []
    for r in p["regions"]:
        src = "tal66-cloud-regions"
        if r["code"] in ("europe-north2", "asia-southeast3"):
            src = "gcp-docs-locations"
        out.append(region(r["code"], r["country"], r.get("city"), src, aliases=[]))
    return out


def oci_regions(p):
    out, omitted = [], []
    for r in p["regions"]:
        if not r.get("country"):
            omitted.append(f"{r['code']} (realm {r.get('realm')}): country unknown")
            continue
        kw = {"aliases": [r["key"].upper()] if r.get("key") else []}
        note = None
        realm = r.get("realm")
        if "sovereignsky" in (r.get("note") or ""):
            src = "sovereignsky"
            note = "listed by sovereignsky (2025-12), not in the 2024 oci-python-sdk file"
        elif realm == "oc1":
            src = ["oci-python-sdk", "sovereignsky"]
        else:
            src = "oci-python-sdk"
            kw["verified"] = False
            note = (r.get("note") or f"realm {realm}") if realm != "oc19" else (
                "realm oc19 Oracle EU Sovereign Cloud (oraclecloud.eu): EU-based Oracle entities, US parent - keeps "
                "the US exposures; city/country inferred from the region name")
        if note and note.startswith("realm") and "inferred" not in note:
            note += "; city/country inferred from region name"
        out.append(region(r["code"], r["country"], r.get("city"), src, note=note, **kw))
    return out, omitted


def simple_regions(p, default_src, per_code=None, unverified=()):
    per_code = per_code or {}
    out, omitted = [], []
    for r in p["regions"]:
        if not r.get("country"):
            omitted.append(f"{r['code']}: country unknown ({r.get('note', '')})")
            continue
        src = per_code.get(r["code"], default_src)
        kw = {"aliases": []}
        if r["code"] in unverified:
            kw["verified"] = False
        note = r.get("note")
        if r.get("name") and r["name"] != r["code"]:
            name = r["name"]
            if "(" in name:
                name = name.split(" (")[0]
            kw["aliases"] = [name]
        out.append(region(r["code"], r["country"], r.get("city"), src, note=note, **kw))
    return out, omitted


def ovh_regions(p):
    tf = "ovh-tf-provider"
    third = "ovh-region-thirdparty"
    schema = "ovh-api-schema"
    usx = dict(exposures=US)
    regs = [
        region("GRA1", "FR", "Gravelines", tf, aliases=[], note="legacy, used in Terraform docs examples"),
        region("GRA5", "FR", "Gravelines", third, aliases=[], note="older region seen in third-party use"),
        region("GRA7", "FR", "Gravelines", tf, aliases=[]),
        region("GRA9", "FR", "Gravelines", tf, aliases=[]),
        region("GRA11", "FR", "Gravelines", tf, aliases=[]),
        region("SBG5", "FR", "Strasbourg", tf, aliases=[]),
        region("SBG7", "FR", "Strasbourg", third, aliases=[], verified=False, note="region id not confirmed"),
        region("RBX-A", "FR", "Roubaix", tf, aliases=[]),
        region("EU-WEST-PAR", "FR", "Paris", tf, aliases=[],
               note="3-AZ region, zones EU-WEST-PAR-A/B/C; also the object-storage region and location codename "
               "eu-west-par"),
        region("EU-SOUTH-MIL", "IT", "Milan", third, aliases=[],
               note="3-AZ region; also the location codename eu-south-mil"),
        region("DE1", "DE", "Limburg", third, aliases=[], note="datacentre lim1-3 (Limburg); city mapping inferred"),
        region("UK1", "GB", "Erith (London)", third, aliases=[], note="datacentre eri1/eri2; city mapping inferred"),
        region("WAW1", "PL", "Warsaw", third, aliases=[]),
        region("BHS1", "CA", "Beauharnois", third, aliases=[], note="legacy"),
        region("BHS5", "CA", "Beauharnois", third, aliases=[]),
        region("SGP1", "SG", "Singapore", third, aliases=[]),
        region("SYD1", "AU", "Sydney", third, aliases=[]),
        region("AP-SOUTH-MUM-1", "IN", "Mumbai", third, aliases=["ap-south-mum", "ynm"],
               note="object-storage region / codename ap-south-mum; dedicated datacentre ynm1"),
        region("CA-EAST-TOR", "CA", "Toronto", [third, schema], aliases=["yyz"],
               note="exact Public Cloud region id uncertain (S3 endpoint s3.ca-east-tor.io.cloud.ovh.net); "
               "dedicated datacentre yyz01"),
        dict(region("US-EAST-VA-1", "US", "Vint Hill, Virginia", [third, "research-notes"],
               aliases=["us-east-va", "us-east-vin", "vin"], **usx,
               note="OVHcloud US: operated by a separate US subsidiary (*.ovh.us) - US law applies; "
               "object-storage region us-east-va, codename us-east-vin"),
             _comment="addition: provider-level exposures are [], but the notes say OVHcloud US is a separate US "
             "subsidiary: US exposures on both US regions"),
        dict(region("US-WEST-OR-1", "US", "Hillsboro, Oregon", [third, "research-notes"],
               aliases=["us-west-or", "us-west-hil", "hil"], **usx,
               note="OVHcloud US: operated by a separate US subsidiary (*.ovh.us) - US law applies; "
               "object-storage region us-west-or, codename us-west-hil")),
        # Location-level short codes (object storage regions `gra`, `sbg`...,
        # ovh_cloud_project_storage region_name "GRA", database node regions):
        region("GRA", "FR", "Gravelines", [third, schema], aliases=["eu-west-gra"],
               note="location-level code: any Gravelines region (GRA1/5/7/9/11), object-storage region gra"),
        region("SBG", "FR", "Strasbourg", [third, schema], aliases=["eu-west-sbg"],
               note="location-level code: any Strasbourg region, object-storage region sbg"),
        region("RBX", "FR", "Roubaix", [third, schema], aliases=["eu-west-rbx"],
               note="location-level code: Roubaix, object-storage region rbx"),
        region("DE", "DE", "Limburg", [third, schema], aliases=["eu-west-lim", "lim"],
               note="location-level code: Limburg (Frankfurt area), object-storage region de, codename eu-west-lim"),
        region("UK", "GB", "Erith (London)", [third, schema], aliases=["eu-west-eri", "eri"],
               note="location-level code: Erith, object-storage region uk"),
        region("WAW", "PL", "Warsaw", [third, schema], aliases=["eu-central-waw"],
               note="location-level code: Warsaw, object-storage region waw"),
        region("BHS", "CA", "Beauharnois", [third, schema], aliases=["ca-east-bhs"],
               note="location-level code: Beauharnois, object-storage region bhs"),
        region("SGP", "SG", "Singapore", [third, schema], aliases=["ap-southeast-sgp"],
               note="location-level code: Singapore, object-storage region sgp"),
        region("SYD", "AU", "Sydney", [third, schema], aliases=["ap-southeast-syd"],
               note="location-level code: Sydney, object-storage region ap-southeast-syd"),
        region("P19", "FR", "Paris", schema, aliases=[], verified=False,
               note="dedicated datacentre p19 (Paris); city mapping inferred from the datacentre enum"),
        region("ITMIL", "IT", "Milan", schema, aliases=[], verified=False,
               note="dedicated datacentre itmil01; city mapping inferred from the datacentre enum"),
    ]
    covered = {re.sub(r"[\s_-]", "", a.lower()) for r in regs for a in [r["code"], *r["aliases"]]}
    omitted = []
    for c in p["location_codenames"]:
        code = c["code"]
        if re.sub(r"[\s_-]", "", code) in covered:
            continue
        if not c.get("country"):
            omitted.append(f"{code}: location codename with undecoded suffix, country unknown")
            continue
        note = "OVHcloud Local Zone; " if "-lz-" in code else ""
        note += "country/city decoded from the IATA-like suffix of the codename"
        if c.get("city") is None:
            note = "OVHcloud Local Zone; suffix not decoded (city unknown), country from the codename"
        regs.append(region(code, c["country"], c.get("city"), schema, aliases=[], verified=False, note=note))
    return regs, omitted


def clever_regions(p):
    out = []
    for r in p["regions"]:
        kw = {"aliases": [], "verified": False}
        note = r.get("note")
        src = ["clevercloud-zones-thirdparty"]
        if r["code"] in ("parhds", "grahds"):
            kw["hds"] = True
            note = "HDS zone (described as health-data-certified by the zone list read)"
        elif r["code"] == "rbxhds":
            kw["hds"] = True
            note = "HDS zone by its name only (the zone list read describes parhds/grahds, not rbxhds)"
        if r["code"] == "par":
            src = ["clevercloud-tf", "clevercloud-zones-thirdparty"]
            note = "default region of the Terraform provider"
        note = (note + "; " if note else "") + "zone -> city/country inferred from the zone name"
        out.append(region(r["code"], r["country"], r.get("city"), src, note=note, **kw))
    return out


# ---------------------------------------------------------------------------
def certifications(pid, p):
    cert = p.get("certifications", {})
    hds = {"status": "unknown", "eea_only": True}
    hds_src = cert.get("hds", {}).get("source")
    if pid in HDS_CERTIFIED:
        hds.update(status="certified", source=hds_src)
    else:
        hds["source"] = "research-notes"
        raw = cert.get("hds", {}).get("status")
        if raw and raw != "unknown":
            hds["note"] = f"research notes: {raw}"
    snc_raw = cert.get("secnumcloud", {})
    status = snc_raw.get("status", "unknown")
    snc = {}
    if status.startswith("not_qualified"):
        snc = {"status": "not_qualified", "source": "snc-archimag" if p.get("parent_country") not in
               ("FR", "DE", "FI", "AT", None) else "research-notes"}
        if p.get("foreign_law_exposure"):
            snc["note"] = "non-EU controlled: fails SecNumCloud 3.2 chapter 19.6 (EU seat/capital criteria)"
        else:
            snc["note"] = ("not in any qualified list found (the official ANSSI list was not retrieved)")
    elif status == "in_progress_or_planned":
        snc = {"status": "in_progress", "source": "research-notes", "note": snc_raw.get("note")}
    elif status == "unknown":
        snc = {"status": "unknown", "source": "research-notes"}
        if snc_raw.get("note"):
            snc["note"] = snc_raw["note"]
    elif status == "qualified_offers":
        snc = {"status": "qualified_offers", "offers": [], "source": None}
    return {"hds": hds, "secnumcloud": snc}


def header(pid, p, name=None):
    d = {
        "id": pid,
        "name": name or p.get("name"),
        "legal_name": p.get("legal_name"),
        "country": p.get("parent_country"),
        "exposures": list(p.get("foreign_law_exposure") or []),
    }
    exp = d["exposures"]
    if exp == US:
        d["exposures_source"] = US_SRC + ["research-notes"]
    elif exp == CN:
        d["exposures_source"] = ["cn-nil", "research-notes"]
    else:
        d["exposures_source"] = "research-notes"
    return d


def build(facts):
    files = {}
    provs = {p["id"]: p for p in facts["providers"]}
    for pid, p in provs.items():
        d = header(pid, p)
        d["terraform"] = copy.deepcopy(TERRAFORM[pid])
        d["certifications"] = certifications(pid, p)
        d["zone_patterns"] = ZONE_PATTERNS.get(pid, [])
        omitted = []
        comments = []
        if pid == "aws":
            regs = aws_regions(p)
            comments.append("AWS European Sovereign Cloud (eusc-de-east-1) is kept here as an aws region: same "
                            "provider, same company group (wholly owned by Amazon), same exposures.")
        elif pid == "azurerm":
            regs = azure_regions(p)
            comments.append("`paired:` values transcribe Microsoft's cross-region replication table "
                            "(source azure-region-pairs, not re-read: verified: false for pairs); regions without a "
                            "pair have `paired: null`. One-way rows: brazilsouth->southcentralus, "
                            "brazilsoutheast->brazilsouth, westindia->southindia, westus3->eastus; usgovtexas pairs "
                            "with both usgovvirginia and usgovarizona (one kept).")
        elif pid == "google":
            regs = google_regions(p)
            comments.append("Multi-region (EU, US, ASIA) and dual-region (EUR4, NAM4...) locations span several "
                            "countries and are not listed: they resolve to no country.")
            d["operators"] = [
                {"region": "u-france-east1", "provider": "s3ns", "source": "s3ns-docs",
                 "note": "S3NS (Cloud de Confiance) region reached with the Google provider"},
                {"universe_domain": "s3nsapis.fr", "provider": "s3ns", "source": "general-knowledge",
                 "verified": False, "note": "S3NS universe domain: not confirmed by the S3NS docs read"},
            ]
        elif pid == "oci":
            regs, omitted = oci_regions(p)
            comments.append("Realm oc19 (Oracle EU Sovereign Cloud: eu-frankfurt-2, eu-madrid-2) stays here with the "
                            "US exposures: the parent company is Oracle Corporation (US).")
        elif pid == "ovh":
            regs, omitted = ovh_regions(p)
            comments.append("Public Cloud regions (GRA11, EU-WEST-PAR...) come first, then location-level short "
                            "codes (GRA, SBG, RBX, DE, UK, WAW, BHS, SGP, SYD: object-storage regions, database "
                            "node regions), then the lowercase location codenames of the API "
                            "(coreTypes.RegionCodenameEnum). correction: codenames that equal a region after "
                            "normalisation (eu-west-par, eu-south-mil, ca-east-tor) or name the same location "
                            "(eu-west-gra, ap-south-mum, us-east-vin...) are aliases, not separate regions. "
                            "Dedicated-server datacentre names (rbx8, gra3, lim3...) reduce to the location code "
                            "through zone_patterns.")
        elif pid == "openstack":
            regs = []
        elif pid == "clevercloud":
            regs = clever_regions(p)
        else:
            per_code, unverified = {}, set()
            src = {
                "alicloud": ["alicloud-tf", "alicloud-docs"], "huaweicloud": ["huawei-sdk-go", "huawei-docs"],
                "tencentcloud": "tencent-sdk-go", "ibm": "ibm-docs", "digitalocean": "do-region-thirdparty",
                "linode": "linodego-fixtures", "vultr": "vultr-region-thirdparty", "hcloud": "sovereignsky",
                "ionoscloud": ["ionos-locations-thirdparty", "sovereignsky"], "exoscale": "sovereignsky",
                "upcloud": "sovereignsky", "stackit": ["stackit-cli-issue", "sovereignsky"],
                "scaleway": "scaleway-sdk-go", "outscale": "outscale-docs", "cloudtemple": "cloudtemple-tf",
                "numspot": "numspot-tf", "flexibleengine": "flexibleengine-tf", "opentelekomcloud": "otc-docs",
            }[pid]
            if pid == "alicloud":
                per_code = {"na-mex-1": "sovereignsky", "cn-fuzhou": "general-knowledge"}
                unverified = {"cn-fuzhou"}
            if pid == "huaweicloud":
                per_code = {c: "sovereignsky" for c in ("my-kualalumpur-1", "ae-ad-1", "ru-moscow-1", "cn-north-9",
                                                        "ap-southeast-5", "cn-east-5", "cn-south-2", "cn-south-4")}
                per_code.update({"eu-west-101": "general-knowledge", "eu-west-0": "general-knowledge"})
                unverified = {"eu-west-101", "eu-west-0", "ae-ad-1", "ru-moscow-1", "ap-southeast-5"}
            if pid == "tencentcloud":
                per_code = {"ap-zhongwei": "sovereignsky"}
            if pid == "ibm":
                per_code = {"eu-fr2": "general-knowledge", "in-che": "general-knowledge"}
                unverified = {"eu-fr2", "in-che"}
            if pid == "outscale":
                unverified = {"us-east-2", "us-west-1", "ap-northeast-1"}
            if pid == "cloudtemple":
                unverified = {"TH3S", "EQX6"}
            if pid == "flexibleengine":
                per_code = {"eu-west-0": ["flexibleengine-tf", "general-knowledge"]}
                unverified = {"eu-west-0"}
            regs, omitted = simple_regions(p, src, per_code, unverified)
            if pid == "vultr":
                for item in p.get("other_region_ids_unverified", []):
                    m = re.match(r"(\w+) \((.+), (\w\w)\)", item)
                    regs.append(region(m.group(1), m.group(3), m.group(2), "general-knowledge", aliases=[],
                                       verified=False, note="region id not confirmed by the third-party lists read"))
            if pid == "outscale":
                for r in regs:
                    if r["code"] in ("us-east-2", "us-west-1"):
                        r["exposures"] = list(US)
                        r["source"] = ["outscale-docs", "research-notes"]
                        r["_comment"] = ("addition: the research notes give no region-level exposures (operating "
                                         "entity not verified); US exposures added for these US-located regions")
                        r["note"] = ("outside the EU; operating entity not verified (presumably Outscale's US "
                                     "subsidiary): US exposures kept as the safe reading; country inferred from "
                                     "the region name")
                    if r["code"] == "ap-northeast-1":
                        r["note"] = ("Japan, outside the EU; operating entity not verified; country inferred from "
                                     "the region name")
                    if r["code"] == "eu-west-2":
                        r["note"] = "France (Paris area); city not stated in the docs read"
            if pid == "numspot":
                for r in regs:
                    r["note"] = "runs on 3DS OUTSCALE infrastructure (same region code as Outscale)"
            if pid == "cloudtemple":
                for r in regs:
                    if r["code"] == "EQX6":
                        r["aliases"] = ["DC-EQX6"]
                    r["note"] = ("availability zone / datacentre id seen in the provider's tests; location "
                                 "(Paris area) and country not stated by the source")
        if pid == "scaleway":
            for r in regs:
                r.pop("aliases", None)
                r["aliases"] = []
        d["regions"] = regs
        files[pid] = (d, comments, omitted)
    # --- provider-level corrections and extras -----------------------------
    ov = files["ovh"][0]
    ov["certifications"]["secnumcloud"] = {
        "status": "qualified_offers",
        "offers": [
            {"offer": "Hosted Private Cloud / Managed Dedicated Cloud - SecNumCloud (VMware)", "regions": [],
             "source": ["ovh-snc-docs", "snc-press-misc"],
             "note": "datacentres in France (Roubaix/Strasbourg per nextinpact 2021); no Public Cloud region code; "
             "version 3.2 assumed"},
            {"offer": "Bare Metal PoD - SecNumCloud", "regions": [], "source": "ovh-snc-docs",
             "note": "version/date not confirmed"},
        ],
        "source": "ovh-snc-docs",
        "note": "Public Cloud (GRA/SBG/... OpenStack regions) is not covered by these offers",
    }
    os_ = files["openstack"][0]
    os_.update(name="OpenStack (generic)", legal_name=None, country=None, exposures=None,
               exposures_source="research-notes")
    os_["certifications"] = {
        "hds": {"status": "unknown", "eea_only": True, "source": "research-notes"},
        "secnumcloud": {"status": "unknown", "source": "research-notes"},
    }
    os_["operators"] = [
        {"auth_url": "auth.cloud.ovh.net", "provider": "ovh", "source": "research-notes", "verified": False,
         "note": "OVHcloud Public Cloud Keystone (research notes: host not verified)"},
        {"auth_url": "auth.cloud.ovh.us", "provider": "ovh", "source": "general-knowledge", "verified": False,
         "note": "OVHcloud US Keystone; regions US-EAST-VA-1 / US-WEST-OR-1 carry the US exposures"},
        {"auth_url": "*.otc.t-systems.com", "provider": "opentelekomcloud", "source": "otc-docs"},
        {"auth_url": "*.prod-cloud-ocb.orange-business.com", "provider": "flexibleengine",
         "source": "flexibleengine-tf"},
        {"auth_url": "*.myhuaweicloud.com", "provider": "huaweicloud", "source": "research-notes", "verified": False,
         "note": "Huawei Cloud IAM endpoints (iam.<region>.myhuaweicloud.com) answer the Keystone API"},
    ]
    files["openstack"][1].append("Jurisdiction depends on the operator: `operators:` maps the host of the provider's "
                                 "auth_url to a catalog provider, whose regions are then used. Unknown host: "
                                 "country and exposures unknown (flag for review). Other operators (Infomaniak, "
                                 "Cleura...) not researched.")
    out_ = files["outscale"][0]
    out_["certifications"]["secnumcloud"] = {
        "status": "qualified_offers",
        "offers": [{"offer": "OUTSCALE IaaS (SecNumCloud 3.2)", "regions": ["cloudgouv-eu-west-1"],
                    "source": "snc-press-misc",
                    "note": "reported as the first SNC 3.2 IaaS qualification; date not confirmed"}],
        "source": "snc-press-misc",
    }
    out_["certifications"]["hds"]["note"] = ("press (2022) says NumSpot runs 'on Outscale ... SecNumCloud, HDS'; "
                                             "no source for Outscale's own certificate")
    ct = files["cloudtemple"][0]
    ct["certifications"]["secnumcloud"] = {
        "status": "qualified_offers",
        "offers": [{"offer": "Secure Temple IaaS", "regions": [], "source": "snc-press-misc",
                    "note": "qualified 2022 per edi-mag; version 3.2 per a third-party scorecard; no region code"}],
        "source": "snc-press-misc",
        "note": "PaaS (Red Hat OpenShift) qualification not confirmed in the sources read: not listed",
    }
    ns = files["numspot"][0]
    ns["certifications"]["secnumcloud"]["note"] = (
        "built on Outscale infrastructure (cloudgouv-eu-west-1 is Outscale's qualified region); NumSpot's own "
        "qualification not found - press (incyber 2025) says it is 'attendue'")
    ex = files["exoscale"][0]
    ex["country"] = "MX"
    files["exoscale"][1].append(
        "correction: research notes give parent_country AT (A1 Telekom Austria); `country` is the *controlling* "
        "company's country, and A1 is majority-owned by America Movil (MX, 56.55% in 2023, source "
        "exoscale-owner-press). Exoscale itself is Swiss (CH); exposures stay [] (no CLOUD-Act-type law identified).")
    ex["exposures_source"] = ["research-notes", "exoscale-owner-press"]
    fe = files["flexibleengine"][0]
    fe["certifications"]["hds"]["note"] = ("Orange is listed among HDS-certified hosts in the press; the Flexible "
                                           "Engine scope is not confirmed")
    fe["certifications"]["secnumcloud"]["note"] = "none found (official ANSSI list not retrieved)"
    # --- S3NS: a separate operator with its own region ---------------------
    s3 = next(o for o in facts["trusted_cloud_offers"] if o["id"] == "s3ns")
    d = {
        "id": "s3ns",
        "name": "S3NS - Cloud de Confiance",
        "legal_name": "S3NS",
        "country": "FR",
        "exposures": [],
        "exposures_source": ["s3ns-snc-press", "snc-archimag"],
        "terraform": copy.deepcopy(TERRAFORM["s3ns"]),
        "certifications": {
            "hds": {"status": "unknown", "eea_only": True, "source": "research-notes"},
            "secnumcloud": {
                "status": "qualified_offers",
                "offers": [{"offer": "PREMI3NS", "regions": ["u-france-east1"], "source": "s3ns-snc-press",
                            "note": "SecNumCloud 3.2, qualified 17 Dec 2025; the 'Crypt3ns' (ex 'Controles "
                            "locaux') offer is NOT the qualified one"}],
                "source": "s3ns-snc-press",
            },
        },
        "zone_patterns": ZONE_PATTERNS["s3ns"],
        "regions": [region("u-france-east1", "FR", None, "s3ns-docs", aliases=[],
                           note="single standalone region, zones u-france-east1-a/b/c; city not stated")],
    }
    files["s3ns"] = (d, [
        "S3NS is a French company controlled by Thales using Google Cloud technology. Resources written with the "
        "Google Terraform provider are attributed to s3ns by google.yaml `operators:` (region u-france-east1).",
        "exposures []: SecNumCloud 3.2 qualification requires immunity from extra-EU law (chapter 19.6).",
    ], [])
    assert s3["regions"][0]["code"] == "u-france-east1"
    return files


# ---------------------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    """Block mappings; flow style only for short lists of scalars."""


def _repr_list(dumper, data):
    flow = all(not isinstance(x, (dict, list)) for x in data) and len(str(data)) < 90
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _repr_list)


def dump(obj):
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)


def render(d, comments, omitted):
    lines = [f"# sovlint provider catalog: {d['name']}",
             "# Format: docs/catalog-format.md. Generated by scripts/build_catalog.py from the research notes,",
             "# then kept as the shipped data; source keys refer to policies/catalog/sources.yaml."]
    for c in comments:
        lines += ["#", *("# " + x for x in wrap(c))]
    lines.append("")
    head = {k: v for k, v in d.items() if k != "regions"}
    lines.append(dump(head).rstrip())
    lines.append("regions:" + (" []" if not d["regions"] else ""))
    order = ["code", "country", "city", "aliases", "paired", "paired_source", "paired_verified", "exposures", "hds", "source", "verified", "note"]
    for r in d["regions"]:
        r = {k: r[k] for k in ["_comment", *order] if k in r}
        comment = r.pop("_comment", None)
        if comment:
            lines += ["  # " + x for x in wrap(comment)]
        if r.get("city") is None:
            r.pop("city", None)
        block = dump([r]).rstrip().splitlines()
        lines += ["  " + x for x in block]
    if omitted:
        lines += ["", "# Omitted (no country can be given, so the region resolves to 'unknown'):"]
        lines += [f"#   - {o}" for o in omitted]
    return "\n".join(lines) + "\n"


def wrap(text, width=104):
    words, out, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            out.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    if cur:
        out.append(cur)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--facts", type=pathlib.Path, default=DEFAULT_FACTS)
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "policies" / "catalog")
    args = ap.parse_args(argv)
    facts = yaml.safe_load(args.facts.read_text())
    files = build(facts)
    args.out.mkdir(parents=True, exist_ok=True)
    sources = {k: {"what": v["what"], "where": v["where"]} for k, v in facts["sources"].items()
               if k not in SKIP_SOURCES}
    sources.update(EXTRA_SOURCES)
    text = ("# Sources of the shipped catalog: what was read, and where. Keys are cited by `source:` /\n"
            "# `exposures_source:` in the provider files. Dates are those of the copies read (2024-2026).\n"
            + dump({"sources": sources}))
    (args.out / "sources.yaml").write_text(text)
    for pid, (d, comments, omitted) in files.items():
        (args.out / f"{pid}.yaml").write_text(render(d, comments, omitted))
    print(f"wrote {len(files)} provider files and sources.yaml to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
