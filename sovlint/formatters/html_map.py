"""The world map of the HTML report: countries shaded by the data-bearing resources they may hold.

Inline SVG built from ``world/countries-110m.json`` (Natural Earth country
shapes, projected and simplified at build time by ``scripts/build_world_map.py``):
no script, no external asset. A resource counts once in each country of its
``countries`` (a location such as an EU multi-region may span several; those
are marked as multi-country); resources with no known country are counted
beside the map. France is outlined. Each shaded country is focusable
(``tabindex``, an ``aria-label`` with its count, ``aria-describedby`` its
list), and hovering or focusing it shows the list of its resources through
CSS alone (``:has()``); its ``<title>`` gives the count where ``:has()`` is
not supported.
"""

from __future__ import annotations

import functools
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

from sovlint.formatters.html_escape import escape
from sovlint.model import Resource

HOME_COUNTRY = "FR"
#: Lower bounds of the shading classes (resources per country).
SHADE_FROM = (1, 2, 5, 20, 100)
#: Resources listed per country when it is hovered or focused; the rest are counted.
LISTED = 20
MARKER_RADIUS = 4.5

CSS = """
.chart.map{margin-bottom:14px}
.map-layout{display:grid;grid-template-columns:minmax(0,3fr) minmax(220px,1fr);gap:14px;align-items:start}
#world-map{display:block;width:100%;height:auto;background:#f0f5fa;border-radius:6px}
#world-map .land{fill:#e1e4e8;stroke:#fff;stroke-width:.5px;vector-effect:non-scaling-stroke}
#world-map .country{cursor:default;outline:none}
#world-map .country path,#world-map .country circle{stroke:#fff;stroke-width:.5px;vector-effect:non-scaling-stroke}
#world-map .country.multi path,#world-map .country.multi circle{stroke:#14324f;stroke-dasharray:3 2;stroke-width:1px}
#world-map .country:hover path,#world-map .country:hover circle{stroke:#1d2733;stroke-width:1.5px;stroke-dasharray:none}
#world-map .country:focus path,#world-map .country:focus circle{stroke:#f9a825;stroke-width:3px;stroke-dasharray:none}
#world-map .home-halo,#world-map .home-outline{fill:none;vector-effect:non-scaling-stroke;pointer-events:none}
#world-map .home-halo{stroke:#fff;stroke-width:3px}#world-map .home-outline{stroke:#1d2733;stroke-width:1.5px}
#world-map:has(.home:focus) .home-outline{stroke:#f9a825;stroke-width:3px}
#world-map:has(.home:focus) .home-halo{display:none}
.shade-1{fill:#9ecae1}.shade-2{fill:#6baed6}.shade-3{fill:#4292c6}.shade-4{fill:#2171b5}.shade-5{fill:#08306b}
.i-shade-1{background:#9ecae1}.i-shade-2{background:#6baed6}.i-shade-3{background:#4292c6}
.i-shade-4{background:#2171b5}.i-shade-5{background:#08306b}
.legend i.i-home{background:none;border:2px solid #1d2733}
.legend i.i-multi{background:none;border:1px dashed #14324f}
.map-side p{margin:0 0 8px}
.map-unknown strong{font-size:20px;color:var(--medium)}
.map-off{font-size:12.5px}
.map-off .country{cursor:default;border-bottom:1px dotted var(--muted)}
.map-off .country:focus{outline:3px solid #f9a825}
.map-lists{margin-top:8px;border-top:1px solid var(--line);padding-top:8px;font-size:12.5px}
.map-list{display:none}
.map-list h4{margin:0 0 4px;font-size:13px}
.map-list ul{margin:0;padding-left:16px}
.map-list li{overflow-wrap:anywhere}
.map-list .multi{color:var(--muted);font-size:11.5px}
.map-hint{color:var(--muted)}
#map:has(.country:hover,.country:focus) .map-hint{display:none}
@media (max-width:900px){.map-layout{grid-template-columns:1fr}}
"""


@functools.lru_cache(maxsize=1)
def world() -> dict[str, Any]:
    """The shipped map data: ``countries`` (alpha-2 -> [name, SVG path]), ``markers``
    (alpha-2 -> [name, x, y], countries too small for the 1:110m shapes), ``background``."""
    path = Path(__file__).parent / "world" / "countries-110m.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def shade(count: int) -> int:
    """The shading class (1-5) of a country holding ``count`` resources."""
    return sum(1 for bound in SHADE_FROM if count >= bound)


def country_name(code: str) -> str:
    """The map's name for an alpha-2 code, or the code itself."""
    entry = world()["countries"].get(code) or world()["markers"].get(code)
    return str(entry[0]) if entry else code


def _safe_codes(codes: Sequence[str]) -> dict[str, str]:
    """Code -> the suffix of its element ids: the code itself when it is two capitals (the
    catalog's format), else a counter (ids and CSS selectors never carry other text)."""
    return {code: code if re.fullmatch("[A-Z]{2}", code) else f"x{i}" for i, code in enumerate(codes)}


def _plural(count: int) -> str:
    return f"{count} data-bearing resource{'' if count == 1 else 's'}"


def _summary(code: str, held: Sequence[Resource]) -> str:
    multi = sum(1 for r in held if len(r.countries) > 1)
    extra = f", {multi} of them in a multi-country location" if multi else ""
    return f"{country_name(code)}: {_plural(len(held))}{extra}"


def _list(code: str, key: str, held: Sequence[Resource]) -> str:
    items = []
    for resource in held[:LISTED]:
        multi = (f' <span class="multi">multi-country: {escape(", ".join(resource.countries))}</span>'
                 if len(resource.countries) > 1 else "")
        items.append(f"<li><code>{escape(resource.address)}</code>{multi}</li>")
    more = (f"<p>\u2026 and {len(held) - LISTED} more: see the resources table.</p>"
            if len(held) > LISTED else "")
    return (f'<div class="map-list" id="map-list-{key}"><h4>{escape(_summary(code, held))}</h4>'
            f'<ul>{"".join(items)}</ul>{more}</div>')


def _interactive(code: str, key: str, held: Sequence[Resource], tag: str, shape: str) -> str:
    """A focusable element for a country with resources (``g`` on the map, ``span`` beside it)."""
    classes = f"country shade-{shade(len(held))}"
    if code == HOME_COUNTRY:
        classes += " home"
    if any(len(r.countries) > 1 for r in held):
        classes += " multi"
    summary = escape(_summary(code, held))
    title = f"<title>{summary}</title>" if tag == "g" else ""
    return (f'<{tag} class="{classes}" id="map-{key}" tabindex="0" role="img" '
            f'aria-label="{summary}" aria-describedby="map-list-{key}" data-country="{escape(code)}" '
            f'data-count="{len(held)}">{title}{shape}</{tag}>')


def _legend() -> str:
    uppers: list[int | None] = [*SHADE_FROM[1:], None]
    labels = []
    for level, (low, high) in enumerate(zip(SHADE_FROM, uppers), start=1):
        text = f"{low}+" if high is None else (str(low) if high - low == 1 else f"{low}\u2013{high - 1}")
        labels.append(f'<span><i class="i-shade-{level}"></i>{text}</span>')
    return ('<div class="legend">' + "".join(labels)
            + '<span><i class="i-home"></i>France</span>'
            + '<span><i class="i-multi"></i>holds resources of a multi-country location</span></div>')


def render(data: Sequence[Resource]) -> tuple[str, str]:
    """(CSS, HTML) of the map of ``data`` (the data-bearing resources)."""
    atlas = world()
    held: dict[str, list[Resource]] = defaultdict(list)
    unknown = 0
    for resource in data:
        if not resource.countries:
            unknown += 1
        for code in dict.fromkeys(resource.countries):
            held[code].append(resource)
    for resources in held.values():
        resources.sort(key=lambda r: (r.address, r.source.path))
    ordered = sorted(held, key=lambda c: (country_name(c).casefold(), c))
    keys = _safe_codes(ordered)
    shapes, markers = atlas["countries"], atlas["markers"]
    land = "".join(path for code, (_, path) in shapes.items() if code not in held)
    land += "".join(atlas["background"])
    parts = [f'<svg id="world-map" viewBox="0 0 {atlas["width"]} {atlas["height"]}" role="group" '
             'aria-labelledby="map-title" aria-describedby="map-help">'
             f'<path class="land" d="{land}" aria-hidden="true"/>']
    parts += [_interactive(c, keys[c], held[c], "g", f'<path d="{shapes[c][1]}"/>')
              for c in ordered if c in shapes]
    parts += [_interactive(c, keys[c], held[c], "g", f'<circle cx="{markers[c][1]}" '
                           f'cy="{markers[c][2]}" r="{MARKER_RADIUS}"/>')
              for c in ordered if c not in shapes and c in markers]
    if HOME_COUNTRY in shapes:
        home = shapes[HOME_COUNTRY][1]
        parts.append(f'<path class="home-halo" d="{home}" aria-hidden="true"/>'
                     f'<path class="home-outline" d="{home}" aria-hidden="true"/>')
    parts.append("</svg>")
    off_map = [c for c in ordered if c not in shapes and c not in markers]
    side = [f'<p class="map-unknown"><strong id="map-unknown" data-value="{unknown}">{unknown}</strong> '
            f'{_plural(unknown).split(" ", 1)[1]} with no known country, not on the map '
            "(listed under Location unknown)</p>"]
    if off_map:
        side.append('<p class="map-off">Not on the map: ' + ", ".join(
            _interactive(c, keys[c], held[c], "span", f"{escape(c)} ({len(held[c])})")
            for c in off_map) + "</p>")
    side.append(_legend())
    hint = ("Hover over or focus (Tab) a shaded country to list its resources."
            if held else "No data-bearing resource has a known country.")
    side.append(f'<div class="map-lists"><p class="map-hint" id="map-help">{hint}</p>'
                + "".join(_list(c, keys[c], held[c]) for c in ordered) + "</div>")
    rules = "".join(f"#map:has(#map-{k}:hover,#map-{k}:focus) #map-list-{k}{{display:block}}"
                    for k in keys.values())
    markup = ('<div class="chart map" id="map"><h3 id="map-title">Where data-bearing resources may be '
              'held, by country</h3><div class="map-layout">' + "".join(parts)
              + '<div class="map-side">' + "".join(side) + "</div></div>"
              '<p class="note">A resource whose location spans several countries (a multi-region) '
              "counts in each of them. Shapes: Natural Earth (public domain), 1:110m; smaller "
              "countries are dots.</p></div>")
    return CSS + rules, markup
