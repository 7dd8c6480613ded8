"""The world map of the HTML report: what is shaded, counted, listed and focusable, and the
shipped map data itself (provenance, codes, geometry inside the box)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from sovlint.engine import ScanResult
from sovlint.formatters import html, html_map
from sovlint.model import Resource
from filetree import ROOT
from scan_results import AWS_EXPOSURES, build_result, realistic_resources, resource
from scan_results import empty_result, realistic_result  # noqa: F401 (fixtures)

WORLD = Path(html_map.__file__).parent / "world"


def _country(page: str, code: str) -> dict[str, str]:
    """The attributes of the map element of ``code``."""
    match = re.search(rf'<(?:g|span) ([^>]*id="map-{code}"[^>]*)>', page)
    assert match, code
    return dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))


def _list(page: str, key: str) -> str:
    start = page.index(f'id="map-list-{key}"')
    return page[start:page.index("</div>", start)]


def _map(page: str) -> str:
    return page[page.index('<svg id="world-map"'):page.index("</svg>", page.index('id="world-map"'))]


def _bucket(name: str, country: str | None, **extra: object) -> Resource:
    return resource(f"aws_s3_bucket.{name}", "aws_s3_bucket", "infra/more.tf", 1, provider="aws",
                    region="somewhere", country=country, exposures=AWS_EXPOSURES, **extra)


def test_countries_shaded_by_the_resources_they_hold(realistic_result: ScanResult) -> None:
    page = html.render(realistic_result, {"command": "scan"})
    shaded = {m: int(c) for m, c in re.findall(r'id="map-(\w+)"[^>]*data-count="(\d+)"', page)}
    assert shaded == {"FR": 4, "US": 2}  # the data-bearing resources with a known country
    assert _country(page, "FR")["class"] == "country shade-2 home"  # 2-4, outlined
    assert _country(page, "US")["class"] == "country shade-2"
    assert re.search(r'id="map-unknown" data-value="2">2<', page)  # Azure account, Deployment
    world = html_map.world()
    land = re.search(r'<path class="land" d="([^"]+)"', page)
    assert land and world["countries"]["US"][1] not in land.group(1)  # drawn once, shaded
    assert world["countries"]["DE"][1] in land.group(1)
    listed = _list(page, "US")
    assert "aws_s3_bucket.reports" in listed and "google_storage_bucket.public_site" in listed
    assert "United States of America: 2 data-bearing resources" in listed


def test_a_multi_country_location_counts_in_each_country_and_is_marked() -> None:
    eu = _bucket("eu_wide", None, countries=("DE", "FR", "NL"))
    page = html.render(build_result([*realistic_resources(), eu]), {"command": "scan"})
    for code in ("DE", "NL"):
        attrs = _country(page, code)
        assert attrs["data-count"] == "1" and attrs["class"] == "country shade-1 multi"
        assert attrs["aria-label"].endswith("1 data-bearing resource, 1 of them in a multi-country location")
    assert _country(page, "FR")["data-count"] == "5"
    assert "multi" in _country(page, "FR")["class"].split()
    assert "multi" not in _country(page, "US")["class"].split()
    assert "aws_s3_bucket.eu_wide</code> <span class=\"multi\">multi-country: DE, FR, NL</span>" \
        in _list(page, "NL")
    assert re.search(r'id="map-unknown" data-value="2">', page)  # not counted as unknown


def test_small_countries_are_dots_and_others_are_listed_beside_the_map() -> None:
    resources = [_bucket("sg", "SG"), _bucket("kosovo", "XK"), _bucket("odd", "<x>")]
    page = html.render(build_result(resources), {"command": "inventory"})
    svg = _map(page)
    assert re.search(r'<g class="country shade-1" id="map-SG"[^>]*><title>Singapore: 1 data-bearing '
                     r'resource</title><circle cx="[\d.]+" cy="[\d.]+" r="4.5"/></g>', svg)
    beside = page[page.index('class="map-off"'):page.index('class="legend"', page.index('class="map-off"'))]
    assert '<span class="country shade-1" id="map-XK" tabindex="0"' in beside
    assert "XK (1)" in beside
    # a code that is not two capitals never reaches an id or a CSS selector
    assert "&lt;x&gt; (1)" in beside and "<x>" not in page
    odd = re.search(r'id="map-(x\d+)"[^>]*data-country="&lt;x&gt;"', beside)
    assert odd and f"#map-{odd.group(1)}:hover" in page


def test_every_shaded_country_is_focusable_and_described(realistic_result: ScanResult) -> None:
    page = html.render(realistic_result, {"command": "scan"})
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    countries = re.findall(r'<g (class="country[^>]*)>', page)
    assert len(countries) == 2
    for attributes in countries:
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', attributes))
        assert attrs["tabindex"] == "0" and attrs["role"] == "img" and attrs["aria-label"]
        key = attrs["id"].removeprefix("map-")
        assert attrs["aria-describedby"] == f"map-list-{key}" and f"map-list-{key}" in ids
        rule = f"#map:has(#map-{key}:hover,#map-{key}:focus) #map-list-{key}{{display:block}}"
        assert rule in page[:page.index("</style>")]
    assert 'aria-labelledby="map-title"' in page and "map-title" in ids


def test_france_is_outlined_even_without_resources(empty_result: ScanResult) -> None:
    page = html.render(empty_result, {"command": "scan"})
    france = html_map.world()["countries"]["FR"][1]
    assert f'<path class="home-outline" d="{france}" aria-hidden="true"/>' in page
    assert 'class="country' not in _map(page)
    assert "No data-bearing resource has a known country." in page
    assert re.search(r'id="map-unknown" data-value="0">', page)


def test_a_long_list_is_cut_and_counted() -> None:
    buckets = [_bucket(f"b{i:02d}", "US") for i in range(html_map.LISTED + 5)]
    page = html.render(build_result(buckets), {"command": "scan"})
    listed = _list(page, "US")
    assert listed.count("<li>") == html_map.LISTED
    assert "\u2026 and 5 more: see the resources table." in listed
    assert _country(page, "US")["class"] == "country shade-4"  # 20-99


@pytest.mark.parametrize(("count", "level"), [(1, 1), (2, 2), (4, 2), (5, 3), (19, 3), (20, 4),
                                              (99, 4), (100, 5), (5000, 5)])
def test_shading_classes(count: int, level: int) -> None:
    assert html_map.shade(count) == level


def test_the_report_counts_countries_not_the_single_country_field(realistic_result: ScanResult) -> None:
    """``country`` is set only for a single country; the map reads ``countries``."""
    moved = [dataclasses.replace(r, countries=("BE",)) if r.country == "US" else r
             for r in realistic_result.resources]
    page = html.render(dataclasses.replace(realistic_result, resources=moved), {})
    assert _country(page, "BE")["data-count"] == "2" and 'id="map-US"' not in page


# --- the shipped map data ----------------------------------------------------------------------

_COMMAND = re.compile(r"([MlZz])([^MlZz]*)")


def _points(path: str) -> list[tuple[int, int]]:
    """Absolute points of a path made of ``M x y l dx dy ... z`` rings (the build script's form)."""
    points: list[tuple[int, int]] = []
    assert re.fullmatch(r"(M-?\d+[ -]\d+l(?:[ -]?\d+|-\d+)+z)+", path), path[:80]
    x = y = 0
    for command, numbers in _COMMAND.findall(path):
        values = [int(v) for v in re.findall(r"-?\d+", numbers)]
        if command == "M":
            x, y = values
            points.append((x, y))
        elif command == "l":
            assert len(values) % 2 == 0
            for dx, dy in zip(values[::2], values[1::2]):
                x, y = x + dx, y + dy
                points.append((x, y))
    return points


def test_map_data_says_where_it_comes_from() -> None:
    world = html_map.world()
    assert world["source"].startswith("world-atlas 2.0.2 (Natural Earth 4.1.0")
    assert world["projection"].startswith("Equal Earth")
    notice = (WORLD / "NOTICE.md").read_text(encoding="utf-8")
    assert "Copyright 2013-2019 Michael Bostock" in notice  # world-atlas's ISC licence, kept whole
    assert "Permission to use, copy, modify, and/or distribute this software" in notice
    assert "naturalearthdata.com/about/terms-of-use" in notice
    assert "i18n-iso-countries 7.14.0" in notice and "The MIT License" in notice
    assert "sha512-" in notice


def test_map_data_shapes_lie_in_the_box_and_codes_are_iso() -> None:
    world = html_map.world()
    width, height = world["width"], world["height"]
    assert 150 <= len(world["countries"]) <= 200 and len(world["markers"]) >= 50
    for code, (name, path) in world["countries"].items():
        assert re.fullmatch("[A-Z]{2}", code) and name
        points = _points(path)
        assert len(points) >= 3, code
        assert all(0 <= x <= width and 0 <= y <= height for x, y in points), code
    for code, (name, x, y) in world["markers"].items():
        assert re.fullmatch("[A-Z]{2}", code) and name and 0 <= x <= width and 0 <= y <= height
        assert code not in world["countries"]
    for path in world["background"]:
        assert _points(path)
    # where things are: France west of Germany, the US west of both, Australia in the south-east
    def centre(code: str) -> tuple[float, float]:
        """The mean point of the country's largest ring (mainland France, not French Guiana)."""
        points = max((_points(ring + "z") for ring in world["countries"][code][1].split("z")[:-1]),
                     key=len)
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    assert centre("US")[0] < centre("FR")[0] < centre("DE")[0] < centre("AU")[0]
    assert centre("AU")[1] > centre("FR")[1] and abs(centre("FR")[0] - centre("DE")[0]) < 40
    assert {"SG", "MT", "BH", "HK", "LU"} <= set(world["markers"]) | set(world["countries"])


def test_the_readme_shows_a_screenshot_of_the_map() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    image = re.search(r"!\[[^\]]*map[^\]]*\]\((docs/[\w.-]+\.png)\)", readme)
    assert image, "the README shows no screenshot of the report"
    data = (ROOT / image.group(1)).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 30_000
