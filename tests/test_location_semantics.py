"""The shipped location semantics (policies/locations/): shape, sources, and what each entry does.

Every entry is exercised: for each provider, one Terraform file declares every
type of the provider's semantics file, scanned once with the provider's region
in France and nothing else written (the fallback each entry documents), and
once with each entry's first location argument set to a region outside France
(the argument wins). Entries whose placement needs more than one resource
(a parent, a copy) have hand-written fixtures in policies/fixtures/locations/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from filetree import ROOT
from sovlint.catalog import load_catalog
from sovlint.config import Config
from sovlint.engine import scan
from sovlint.placement.semantics import (ANY_REGION, PROVIDER_REGION, PROVIDER_ZONE, TypeSemantics,
                                         build_semantics, semantics_files)

FILES = semantics_files()
SCHEMA = json.loads((ROOT / "sovlint" / "locations_schema.json").read_text())
CATEGORIES = yaml.safe_load((ROOT / "policies" / "categories.yaml").read_text())
SEMANTICS = build_semantics(FILES)
CATALOG = load_catalog()

#: For each provider: (provider block arguments in France, a region outside France, its zone).
PROVIDERS: dict[str, tuple[dict[str, str], str, str]] = {
    "aws": ({"region": "eu-west-3"}, "us-east-1", "us-east-1a"),
    "google": ({"region": "europe-west9", "zone": "europe-west9-a"}, "us-central1", "us-central1-a"),
    "azurerm": ({}, "eastus", "eastus"),
    "scaleway": ({"region": "fr-par", "zone": "fr-par-1"}, "nl-ams", "nl-ams-1"),
    "ovh": ({}, "DE", "DE1"),
    "outscale": ({"region": "eu-west-2"}, "us-east-2", "us-east-2a"),
}
FRANCE = {"aws": "eu-west-3", "google": "europe-west9", "azurerm": "francecentral",
          "scaleway": "fr-par", "ovh": "GRA", "outscale": "eu-west-2"}


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def test_schema_is_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_file_matches_schema(path: Path) -> None:
    data = _load(path)
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    assert data["provider"] == path.stem
    assert CATALOG.get(path.stem) is not None, f"{path.stem} is not a catalog provider"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_entries_are_complete_and_mapped(path: Path) -> None:
    data = _load(path)
    patterns = data.get("patterns") or {}
    terraform = CATEGORIES["terraform"]
    prefixes = CATALOG.get(path.stem).terraform.get("type_prefixes", [])  # type: ignore[union-attr]
    for name, raw in (data.get("types") or {}).items():
        assert raw.get("like") is None or raw["like"] in patterns, f"{name}: unknown pattern {raw['like']}"
        merged = {**patterns.get(raw.get("like"), {}), **raw}
        assert "absent" in merged, f"{name}: says nothing of where data is when no location is written"
        assert name.startswith(tuple(prefixes)), f"{name} is not a {path.stem} type"
        assert name in terraform, f"{name} has no category in categories.yaml"


def test_scopes_exist_in_the_catalog() -> None:
    """A reader's scope names the location sets its names are read in: they must exist."""
    for entry in SEMANTICS.types.values():
        provider = CATALOG.get(entry.provider)
        assert provider is not None
        scopes = {scope for s in provider.location_sets for scope in s.scopes}
        for reader in entry.readers:
            assert reader.scope is None or reader.scope in scopes, (entry.resource_type, reader.scope)
        for copy in entry.copies:
            assert copy.to.scope is None or copy.to.scope in scopes, (entry.resource_type, copy.to.scope)
        if entry.absent.kind == "fixed":
            assert CATALOG.locate(entry.provider, [str(entry.absent.name)], entry.absent.scope) \
                is not None


def test_equivalents_are_mapped_types() -> None:
    for entry in SEMANTICS.types.values():
        for equivalent in entry.equivalents:
            table = CATEGORIES[equivalent.format]
            key = equivalent.type.lower() if equivalent.format == "arm" else equivalent.type
            assert key in table, f"{entry.resource_type}: {equivalent.type} not in categories.yaml"


# --------------------------------------------------------------------------- behaviour per entry
def _hcl_value(value: Any) -> str:
    return json.dumps(value)


def _expected_fallback(entry: TypeSemantics) -> str:
    """Where an entry's data is when nothing is written, with the provider's region in France."""
    kind = entry.absent.kind
    if kind in (PROVIDER_REGION, PROVIDER_ZONE):
        return "FR"
    if kind == ANY_REGION:
        return ", ".join(CATALOG.get(entry.provider).every_country())  # type: ignore[union-attr]
    if kind == "fixed":
        found = CATALOG.locate(entry.provider, [str(entry.absent.name)], entry.absent.scope)
        assert not isinstance(found, str), found
        return ", ".join(found.countries)
    return "unknown"


def _simple_reader(entry: TypeSemantics) -> str | None:
    """The first reader, when it is one top-level argument holding a region or zone name."""
    if not entry.readers:
        return None
    reader = entry.readers[0]
    if reader.argument is None or "." in reader.argument or reader.pattern or reader.each:
        return None
    return reader.argument


def _scan_file(tmp_path: Path, name: str, text: str) -> dict[tuple[str, int], str]:
    directory = tmp_path / name
    directory.mkdir()
    (directory / "main.tf").write_text(text)
    result = scan([directory], Config(cache=False, plugins=False))
    return {(Path(r.source.path).name, r.source.line or 0): ", ".join(r.countries) or "unknown"
            for r in result.resources}


def _provider_block(provider: str) -> str:
    arguments = PROVIDERS[provider][0]
    lines = "".join(f"  {k} = {_hcl_value(v)}\n" for k, v in arguments.items())
    return f'provider "{provider}" {{\n{lines}}}\n' if provider != "azurerm" else ""


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_every_entry_documented_fallback(tmp_path: Path, provider: str) -> None:
    """Nothing written: the entry's fallback (the provider's French region, a fixed default...)."""
    entries = [e for e in SEMANTICS.types.values() if e.provider == provider]
    text = _provider_block(provider)
    expected: dict[int, tuple[str, str]] = {}
    for entry in entries:
        line = text.count("\n") + 1
        text += f'resource "{entry.resource_type}" "x" {{\n}}\n'
        expected[line] = (entry.resource_type, _expected_fallback(entry))
    got = _scan_file(tmp_path, provider, text)
    wrong = [(t, want, got.get(("main.tf", line))) for line, (t, want) in expected.items()
             if got.get(("main.tf", line)) != want]
    assert not wrong, wrong


#: The providers with at least one entry whose first reader is a plain location argument.
WITH_ARGUMENT = sorted({e.provider for e in SEMANTICS.types.values()
                        if e.provider in PROVIDERS and _simple_reader(e) is not None})


def test_location_argument_cases_exist() -> None:
    """The cases below are generated from the data: an empty list would test nothing."""
    assert WITH_ARGUMENT, "no entry of the six providers has a plain location argument"


@pytest.mark.parametrize("provider", WITH_ARGUMENT)
def test_every_entry_location_argument(tmp_path: Path, provider: str) -> None:
    """The entry's location argument, set to a place outside France, wins over the fallback."""
    _, elsewhere, zone = PROVIDERS[provider]
    country = CATALOG.resolve_region(provider, elsewhere).country  # type: ignore[union-attr]
    text = _provider_block(provider)
    expected: dict[int, str] = {}
    for entry in SEMANTICS.types.values():
        argument = _simple_reader(entry)
        if entry.provider != provider or argument is None:
            continue
        value = zone if "zone" in argument else elsewhere
        if argument.endswith("s") and "zone" in argument:  # availability_zones = [...]
            value_text = _hcl_value([value])
        else:
            value_text = _hcl_value(value)
        line = text.count("\n") + 1
        text += f'resource "{entry.resource_type}" "x" {{\n  {argument} = {value_text}\n}}\n'
        expected[line] = entry.resource_type
    got = _scan_file(tmp_path, provider, text)
    wrong = [(t, got.get(("main.tf", line))) for line, t in expected.items()
             if got.get(("main.tf", line)) != country]
    assert not wrong, wrong
