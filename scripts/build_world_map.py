#!/usr/bin/env python3
"""Generate ``sovlint/formatters/world/countries-110m.json``: the world map of the HTML report.

The committed JSON is the product; this script only makes it reproducible. It
fetches two npm packages with the npm client (``npm pack``, integrity checked
against the pinned hashes below):

- ``world-atlas`` 2.0.2 (ISC, Mike Bostock): Natural Earth 4.1.0 admin-0
  country boundaries (public domain) as TopoJSON. The 1:110m file gives the
  country shapes; countries too small to appear at that scale (Singapore,
  Malta, Bahrain, Hong Kong...) get a marker at the centre of their largest
  polygon in the 1:50m file.
- ``i18n-iso-countries`` 7.14.0 (MIT): the ISO 3166-1 numeric -> alpha-2
  table (world-atlas keys countries by the numeric code, sovlint by alpha-2).

Then it projects every point with the Equal Earth projection (Šavrič, Patterson
and Jenny, "The Equal Earth map projection", International Journal of
Geographical Information Science 33(3), 2019, doi:10.1080/13658816.2018.1504949;
the formulas of its section 3, as d3-geo's ``geoEqualEarth`` implements them),
fits the map without Antarctica into a ``WIDTH``-wide box, simplifies each
TopoJSON arc once with Douglas-Peucker (shared borders stay shared), rounds to
whole units and writes each country as a compact SVG path (relative
``l`` commands). The report embeds these paths inline: no script, no library
and no network at run time.

Usage:
    python scripts/build_world_map.py [--out sovlint/formatters/world] [--tolerance 0.6]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import pathlib
import subprocess
import sys
import tarfile
import tempfile
from typing import Any, Iterable, Sequence

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "sovlint" / "formatters" / "world"

#: name@version -> the npm registry's ``dist.integrity`` (``npm view NAME@VERSION dist.integrity``).
PACKAGES = {
    "world-atlas@2.0.2": "sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ==",
    "i18n-iso-countries@7.14.0": "sha512-nXHJZYtNrfsi1UQbyRqm3Gou431elgLjKl//CYlnBGt5aTWdRPH1PiS2T/p/n8Q8LnqYqzQJik3Q7mkwvLokeg==",
}
WIDTH = 1000
ANTARCTICA = "010"  # ISO 3166-1 numeric; left out: no data centre, a third of the map's height

Point = tuple[float, float]


def npm_pack(spec: str, integrity: str, into: pathlib.Path) -> tarfile.TarFile:
    """``npm pack SPEC`` into ``into``, checked against the registry's integrity hash."""
    done = subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", str(into)],
                          capture_output=True, text=True, check=True)
    tarball = into / done.stdout.strip().splitlines()[-1]
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{spec}: integrity {algorithm}-{actual} is not the pinned {integrity}")
    return tarfile.open(tarball)


def read_member(archive: tarfile.TarFile, name: str) -> bytes:
    """One file of an npm tarball (members live under ``package/``)."""
    member = archive.extractfile(f"package/{name}")
    if member is None:
        raise SystemExit(f"{name} missing from the package")
    return member.read()


# --- projection -----------------------------------------------------------------------------

_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> Point:
    """Equal Earth (unit sphere), y pointing north."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


# --- TopoJSON -------------------------------------------------------------------------------


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Quantised, delta-encoded arcs -> lists of (longitude, latitude)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def polygons(geometry: dict[str, Any]) -> list[list[list[int]]]:
    """A geometry's polygons, each a list of rings, each a list of arc indexes."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def ring_points(ring: Sequence[int], arcs: Sequence[Sequence[Point]]) -> list[Point]:
    """Join a ring's arcs (``~i`` is arc ``i`` reversed), dropping each joint's repeat."""
    points: list[Point] = []
    for index in ring:
        arc = list(arcs[index]) if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


# --- simplification and encoding ------------------------------------------------------------


def douglas_peucker(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Keep the end points and every point farther than ``tolerance`` from the kept chord."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        worst, worst_at = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            distance = (abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length if length
                        else math.hypot(px - x1, py - y1))
            if distance > worst:
                worst, worst_at = distance, i
        if worst > tolerance:
            keep[worst_at] = True
            stack += [(first, worst_at), (worst_at, last)]
    return [p for p, kept in zip(points, keep) if kept]


def _wraps(a: Point | tuple[int, int], b: Point | tuple[int, int]) -> bool:
    """Whether the segment a-b jumps across the map: an edge along the antimeridian (Natural
    Earth cuts polygons there, so a ring that crosses it goes from +180 to -180 in one step)."""
    return abs(a[0] - b[0]) > WIDTH / 2


def wrap_pieces(arc: Sequence[Point]) -> list[list[Point]]:
    """An arc cut at its antimeridian jumps, so that simplification keeps both ends of each."""
    pieces = [[arc[0]]]
    for previous, point in zip(arc, arc[1:]):
        if _wraps(previous, point):
            pieces.append([])
        pieces[-1].append(point)
    return pieces


def split_at_antimeridian(ring: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """A ring that crosses the antimeridian as one ring per side of the map: the chains between
    jumps, each closed along its edge of the map (the chains of one side joined in ring order)."""
    jumps = [i for i in range(len(ring)) if _wraps(ring[i - 1], ring[i])]
    if not jumps:
        return [ring]
    start = jumps[0]
    rotated = ring[start:] + ring[:start]
    chains: list[list[tuple[int, int]]] = [[rotated[0]]]
    for previous, point in zip(rotated, rotated[1:]):
        if _wraps(previous, point):
            chains.append([])
        chains[-1].append(point)
    east = [p for chain in chains if chain[0][0] > WIDTH / 2 for p in chain]
    west = [p for chain in chains if chain[0][0] <= WIDTH / 2 for p in chain]
    return [side for side in (east, west) if len(side) >= 3]


def area(ring: Sequence[tuple[int, int]]) -> float:
    """Absolute shoelace area."""
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]]))) / 2


def rounded(points: Iterable[Point]) -> list[tuple[int, int]]:
    """Whole units, consecutive repeats and the closing repeat of the first point removed."""
    out: list[tuple[int, int]] = []
    for x, y in points:
        point = (round(x), round(y))
        if not out or point != out[-1]:
            out.append(point)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def _number(value: int, first: bool) -> str:
    return str(value) if first or value < 0 else f" {value}"


def svg_path(rings: Sequence[Sequence[tuple[int, int]]]) -> str:
    """``M x y l dx dy ... z`` per ring, with no separator before a minus sign."""
    parts = []
    for ring in rings:
        (x0, y0), rest = ring[0], ring[1:]
        text = [f"M{x0}{_number(y0, False)}l"]
        previous = (x0, y0)
        for i, (x, y) in enumerate(rest):
            text.append(_number(x - previous[0], i == 0) + _number(y - previous[1], False))
            previous = (x, y)
        parts.append("".join(text) + "z")
    return "".join(parts)


# --- the map --------------------------------------------------------------------------------


def build(atlas: dict[str, Any], atlas_50m: dict[str, Any], codes: dict[str, str],
          tolerance: float) -> dict[str, Any]:
    """Projected, simplified country paths and small-country markers, keyed by alpha-2."""
    geometries = [g for g in atlas["objects"]["countries"]["geometries"] if g.get("id") != ANTARCTICA]
    raw = decode_arcs(atlas)
    projected = [[equal_earth(lon, lat) for lon, lat in arc] for arc in raw]
    used = {i if i >= 0 else ~i for g in geometries for polygon in polygons(g) for ring in polygon
            for i in ring}
    xs = [x for i in used for x, _ in projected[i]]
    ys = [y for i in used for _, y in projected[i]]
    scale = (WIDTH - 2) / (max(xs) - min(xs))
    left, top = min(xs), max(ys)
    height = math.ceil((max(ys) - min(ys)) * scale) + 2

    def to_box(point: Point) -> Point:
        return (point[0] - left) * scale + 1, (top - point[1]) * scale + 1

    boxed = [[to_box(p) for p in arc] for arc in projected]
    simplified = [[p for piece in wrap_pieces(arc) for p in douglas_peucker(piece, tolerance)]
                  for arc in boxed]
    countries: dict[str, list[str]] = {}
    background: list[str] = []
    for geometry in geometries:
        rings = [piece for polygon in polygons(geometry) for ring in polygon
                 for piece in split_at_antimeridian(rounded(ring_points(ring, simplified)))]
        rings = [r for r in rings if len(r) >= 3]
        largest = max(rings, key=area)
        rings = [r for r in rings if r is largest or area(r) >= 2]  # specks vanish at this scale
        path = svg_path(rings)
        code = codes.get(geometry.get("id", ""))
        if code is None:  # N. Cyprus, Somaliland, Kosovo: no ISO 3166-1 code, land only
            background.append(path)
        else:
            countries[code] = [geometry["properties"]["name"], path]
    markers: dict[str, list[Any]] = {}
    arcs_50m = decode_arcs(atlas_50m)
    for geometry in atlas_50m["objects"]["countries"]["geometries"]:
        code = codes.get(geometry.get("id", ""))
        if code is None or code in countries or geometry.get("id") == ANTARCTICA:
            continue
        outlines = [[to_box(equal_earth(*p)) for p in ring_points(polygon[0], arcs_50m)]
                    for polygon in polygons(geometry)]
        if not outlines:
            continue
        x, y = _centroid(max(outlines, key=_float_area))
        markers[code] = [geometry["properties"]["name"], round(x, 1), round(y, 1)]
    return {"width": WIDTH, "height": height, "countries": dict(sorted(countries.items())),
            "markers": dict(sorted(markers.items())), "background": background}


def _float_area(ring: Sequence[Point]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]]))) / 2


def _centroid(ring: Sequence[Point]) -> Point:
    """Area centroid of a ring (its mean point when degenerate)."""
    pairs = list(zip(ring, [*ring[1:], ring[0]]))
    signed = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairs) / 2
    if abs(signed) < 1e-9:
        return sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring)
    cx = sum((x1 + x2) * (x1 * y2 - x2 * y1) for (x1, y1), (x2, y2) in pairs) / (6 * signed)
    cy = sum((y1 + y2) * (x1 * y2 - x2 * y1) for (x1, y1), (x2, y2) in pairs) / (6 * signed)
    return cx, cy


NOTICE = """\
# The world map of the HTML report

`countries-110m.json` is generated by `scripts/build_world_map.py` from:

- **world-atlas {atlas_version}** (npm, `{atlas_integrity}`), files
  `countries-110m.json` (country shapes) and `countries-50m.json` (markers for
  countries too small for the 1:110m scale): a TopoJSON redistribution of
  [Natural Earth](https://www.naturalearthdata.com/) {natural_earth} admin-0 country
  boundaries. Natural Earth data is in the public domain
  (https://www.naturalearthdata.com/about/terms-of-use/). Country names are
  Natural Earth's short names.
- **i18n-iso-countries {codes_version}** (npm, `{codes_integrity}`), file
  `codes.json`: ISO 3166-1 numeric to alpha-2 codes.

Projection: Equal Earth (Šavrič, Patterson, Jenny, IJGIS 2019,
doi:10.1080/13658816.2018.1504949), Antarctica left out, {width} units wide;
arcs simplified with Douglas-Peucker (tolerance {tolerance} unit), rounded to
whole units.

## world-atlas licence (ISC)

{atlas_license}
## i18n-iso-countries licence (MIT)

{codes_license}"""


def main(argv: list[str] | None = None) -> int:
    """Fetch, project, simplify and write the map data and its notice."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    parser.add_argument("--tolerance", type=float, default=0.6,
                        help="Douglas-Peucker tolerance, in map units (the map is %d wide)" % WIDTH)
    args = parser.parse_args(argv)
    (atlas_spec, atlas_integrity), (codes_spec, codes_integrity) = PACKAGES.items()
    with tempfile.TemporaryDirectory() as tmp:
        atlas_tar = npm_pack(atlas_spec, atlas_integrity, pathlib.Path(tmp))
        codes_tar = npm_pack(codes_spec, codes_integrity, pathlib.Path(tmp))
        atlas = json.loads(read_member(atlas_tar, "countries-110m.json"))
        atlas_50m = json.loads(read_member(atlas_tar, "countries-50m.json"))
        atlas_license = read_member(atlas_tar, "LICENSE").decode()
        atlas_readme = read_member(atlas_tar, "README.md").decode()
        codes = {numeric: alpha2 for alpha2, _, numeric, *_ in
                 json.loads(read_member(codes_tar, "codes.json"))}
        codes_license = read_member(codes_tar, "LICENSE").decode()
    natural_earth = "version 4.1.0" if "version 4.1.0" in atlas_readme else "(version not stated)"
    world = build(atlas, atlas_50m, codes, args.tolerance)
    atlas_version, codes_version = atlas_spec.split("@")[1], codes_spec.split("@")[1]
    document = {
        "source": f"world-atlas {atlas_version} (Natural Earth {natural_earth.removeprefix('version ')} "
                  f"admin-0, public domain), i18n-iso-countries {codes_version}; see NOTICE.md",
        "projection": "Equal Earth, Antarctica left out",
        **world,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "countries-110m.json"
    target.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n",
                      encoding="utf-8")
    (args.out / "NOTICE.md").write_text(NOTICE.format(
        atlas_version=atlas_version, atlas_integrity=atlas_integrity, natural_earth=natural_earth,
        codes_version=codes_version, codes_integrity=codes_integrity, width=WIDTH,
        tolerance=args.tolerance, atlas_license=atlas_license, codes_license=codes_license),
        encoding="utf-8")
    print(f"{target}: {target.stat().st_size} bytes, {len(world['countries'])} countries, "
          f"{len(world['markers'])} markers", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
