"""Checks of the catalog's `location_sets` (multi-regions, dual-regions, configurations, "global").

Plain YAML, like tests/test_catalog_data.py: the data is held to docs/catalog-format.md on its own,
whatever the loader does with it.
"""

from __future__ import annotations

import pathlib
import re
from typing import Any

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
CATALOG = ROOT / "policies" / "catalog"
DOC = ROOT / "docs" / "catalog-format.md"


def _norm(name: str) -> str:
    """The documented matching rule: case-insensitive, spaces/_/- ignored."""
    return re.sub(r"[\s_-]", "", name.lower())


def _load(path: pathlib.Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


PROVIDERS: dict[str, dict[str, Any]] = {
    p.stem: _load(p) for p in sorted(CATALOG.glob("*.yaml")) if p.name != "sources.yaml"
}
SOURCES: dict[str, Any] = _load(CATALOG / "sources.yaml")["sources"]
SETS = [(pid, s) for pid, d in PROVIDERS.items() for s in d.get("location_sets", [])]


def _ids(item: tuple[str, dict[str, Any]]) -> str:
    pid, s = item
    return f"{pid}:{s['scopes'][0]}:{s['code']}"


def _regions(pid: str) -> dict[str, dict[str, Any]]:
    return {r["code"]: r for r in PROVIDERS[pid]["regions"]}


def _keys(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _countries(pid: str, code: str, scope: str) -> set[str]:
    """The countries a set stands for, as a reader of the data computes them."""
    matches = [s for p, s in SETS if p == pid and scope in s["scopes"]
               and _norm(code) in {_norm(n) for n in [s["code"], *s.get("aliases", [])]}]
    assert len(matches) == 1, (pid, code, scope, matches)
    s = matches[0]
    regions = _regions(pid)
    return set(s.get("countries", [])) | {regions[r]["country"] for r in s.get("regions", [])}


def test_the_main_providers_have_location_sets() -> None:
    assert {"google", "azurerm"} <= {pid for pid, _ in SETS}


@pytest.mark.parametrize("item", SETS, ids=_ids)
def test_member_regions_exist_in_the_provider_catalog(item: tuple[str, dict[str, Any]]) -> None:
    pid, s = item
    missing = [r for r in s.get("regions", []) if r not in _regions(pid)]
    assert not missing, f"{pid} {s['code']}: regions not in {pid}.yaml: {missing}"


@pytest.mark.parametrize("item", SETS, ids=_ids)
def test_countries_agree_with_member_regions(item: tuple[str, dict[str, Any]]) -> None:
    pid, s = item
    if not (s.get("regions") and s.get("countries")):
        return
    of_regions = {_regions(pid)[r]["country"] for r in s["regions"]}
    assert of_regions <= set(s["countries"]), (pid, s["code"], of_regions, s["countries"])
    if set(s["countries"]) != of_regions:
        assert s.get("note"), f"{pid} {s['code']}: countries beyond those of its regions need a note saying why"


@pytest.mark.parametrize("item", SETS, ids=_ids)
def test_global_sets_hold_every_country_of_the_provider(item: tuple[str, dict[str, Any]]) -> None:
    pid, s = item
    if s["kind"] != "global":
        return
    every = {r["country"] for r in PROVIDERS[pid]["regions"]}
    assert set(s.get("countries", [])) == every, (
        f"{pid} {s['code']} ({s['scopes']}): a global set lists the country of every {pid} region; "
        f"missing {sorted(every - set(s.get('countries', [])))}, extra {sorted(set(s.get('countries', [])) - every)}")


@pytest.mark.parametrize("item", SETS, ids=_ids)
def test_sources_exist_and_unverified_entries_say_why(item: tuple[str, dict[str, Any]]) -> None:
    pid, s = item
    for key in _keys(s["source"]):
        assert key in SOURCES, f"{pid} {s['code']}: source {key!r} not in sources.yaml"
    assert "general-knowledge" not in _keys(s["source"]) or s.get("verified") is False
    if s.get("verified") is False:
        assert s.get("note"), f"{pid} {s['code']}: verified: false needs a note"


def test_names_do_not_collide_with_regions_or_other_sets_of_a_scope() -> None:
    for pid, d in PROVIDERS.items():
        region_names = {_norm(n): r["code"] for r in d["regions"] for n in [r["code"], *r.get("aliases", [])]}
        seen: dict[tuple[str, str], str] = {}
        for s in d.get("location_sets", []):
            for name in [s["code"], *s.get("aliases", [])]:
                n = _norm(name)
                assert n not in region_names, f"{pid}: set {s['code']!r} name {name!r} is region {region_names[n]!r}"
                for scope in s["scopes"]:
                    assert (scope, n) not in seen, f"{pid}: {name!r} twice in scope {scope} ({seen[(scope, n)]})"
                    seen[(scope, n)] = s["code"]


def test_every_scope_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("### `location_sets:`"):]
    for pid, s in SETS:
        for scope in s["scopes"]:
            assert f"`{scope}`" in section, f"scope {scope!r} ({pid} {s['code']}) not listed in docs/catalog-format.md"


def test_nearest_for_names_regions_outside_the_set() -> None:
    for pid, s in SETS:
        for r in s.get("nearest_for", []):
            assert r in _regions(pid), (pid, s["code"], r)


# --------------------------------------------------------------------------- documented examples
# Each row is what the provider's documentation says (the source on the entry); a data edit that
# changes one of them must be a deliberate correction.
EU27 = set("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
EXPECTED = [
    ("google", "storage", "EUR4", {"FI", "NL"}),
    ("google", "storage", "eur4", {"FI", "NL"}),  # matched like region codes
    ("google", "storage", "NAM4", {"US"}),
    ("google", "storage", "EUR5", {"BE", "GB"}),
    ("google", "storage", "EUR8", {"DE", "CH"}),
    ("google", "storage", "ASIA1", {"JP"}),
    ("google", "storage", "US", {"US"}),
    ("google", "storage", "EU", EU27),
    ("google", "bigquery", "EU", {"BE", "NL"}),
    ("google", "bigquery", "US", {"US"}),
    ("google", "bigquery", "aws-eu-west-1", {"IE"}),
    ("google", "firestore", "eur3", {"BE", "NL", "FI"}),
    ("google", "firestore", "nam5", {"US"}),
    ("google", "spanner", "nam-eur-asia1", {"US", "BE", "TW"}),
    ("google", "spanner", "nam-eur-asia3", {"US", "BE", "NL", "TW"}),
    ("google", "spanner", "eur3", {"BE", "NL", "FI"}),
    ("google", "spanner", "eur6", {"NL", "DE", "CH"}),
    ("google", "spanner", "dual-region-germany1", {"DE"}),
    ("google", "kms", "europe", EU27),
    ("google", "kms", "nam4", {"US"}),
    ("google", "healthcare", "eu", EU27),
    ("google", "dialogflow", "global", {"US"}),
    ("azurerm", "communication", "Europe", {"IE", "NL"}),
    ("azurerm", "communication", "France", {"FR"}),
    ("azurerm", "communication", "United Kingdom", {"GB"}),
    ("azurerm", "communication", "United States", {"US"}),
]


@pytest.mark.parametrize("pid,scope,code,countries", EXPECTED, ids=lambda v: v if isinstance(v, str) else "")
def test_documented_sets(pid: str, scope: str, code: str, countries: set[str]) -> None:
    assert _countries(pid, code, scope) == countries


def test_eu_multi_regions_exclude_london_and_zurich() -> None:
    for pid, scope, code in [("google", "storage", "EU"), ("google", "kms", "europe"),
                             ("google", "bigquery", "EU")]:
        assert not {"GB", "CH"} & _countries(pid, code, scope), (scope, code)


def test_spanner_configurations_hold_witness_and_read_only_regions() -> None:
    s = next(s for pid, s in SETS if pid == "google" and "spanner" in s["scopes"] and s["code"] == "nam6")
    assert set(s["regions"]) == {"us-central1", "us-east1", "us-west1", "us-west2", "us-central2"}
