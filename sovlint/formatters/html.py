"""``--format html``: the report a one-off review hands to a decision-maker.

Used by ``scan --format html`` and ``inventory --format html``
(``options["command"]``). One self-contained page: inline CSS, inline SVG
charts, no script, no external asset (a Content-Security-Policy forbids any
fetch), so it opens offline and can be mailed as is. Sections, each with a
stable id: totals, where the data lives (charts by country, provider and
extraterritorial law, findings by rule), findings, resources whose location
is unknown (with the expression that was not resolved), the resources, and
what was scanned (files, errors). "Where the data lives" opens with a world
map (``html_map``). Tables list at most ``ROWS_SHOWN`` rows, with a note
saying how many there are; totals, charts and the map count everything.
Every piece of text from the scan goes through ``html_escape.escape``;
characters HTML forbids are shown as ``\\xNN``.
Built with plain string joins: no templating dependency, fast on large scans.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Sequence


from sovlint import __version__
from sovlint.catalog import EEA_COUNTRIES
from sovlint.engine import ScanResult
from sovlint.formatters import html_map
from sovlint.formatters.html_escape import breakable as _breakable
from sovlint.formatters.html_escape import escape as _e
from sovlint.model import Finding, Resource, Severity

UNKNOWN = "unknown"
NO_EXPOSURE = "none known"
HOME_COUNTRY = "FR"
#: Rows listed per table (findings most severe first): the report stays small enough to mail on
#: estates of thousands of resources; totals, charts and the map count every row, and the JSON,
#: SARIF, text and CSV reports list them all.
ROWS_SHOWN = 250

_CSS = """
:root{--ink:#1d2733;--muted:#5b6776;--line:#dde3ea;--bg:#f5f7fa;--card:#fff;--brand:#14324f;
--critical:#6a1b9a;--high:#c62828;--medium:#e65100;--low:#0277bd;--info:#607d8b;
--ok:#2e7d32;--eea:#1565c0;--abroad:#c62828;--unknown:#9aa5b1;--neutral:#3f5870}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);background:var(--bg)}
header.report-header{background:var(--brand);color:#fff;padding:22px 32px 18px}
header.report-header h1{margin:0 0 4px;font-size:22px;font-weight:600;letter-spacing:.2px}
header.report-header .meta{margin:0;color:#c9d6e3;font-size:13px}
main{max-width:1200px;margin:0 auto;padding:20px 32px 40px}
section{margin:0 0 22px}
h2{font-size:16px;margin:0 0 10px;color:var(--brand);font-weight:600}
.note{color:var(--muted);font-size:12.5px;margin:6px 0 0}
.totals{display:grid;grid-template-columns:repeat(6,1fr);gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card .value{font-size:26px;font-weight:650;line-height:1.1}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.4px}
.card.alert .value{color:var(--high)}
.card.warn .value{color:var(--medium)}
.lead{font-size:15px;margin:14px 0 0;padding:10px 14px;background:var(--card);
border-left:4px solid var(--brand);border-radius:4px}
.severities{display:flex;flex-wrap:wrap;gap:8px;margin-top:12px}
.sev-chip{border-radius:14px;padding:3px 11px;font-size:12.5px;color:#fff;font-weight:600}
.sev-chip.zero{opacity:.35}
.sev-critical{background:var(--critical)}.sev-high{background:var(--high)}
.sev-medium{background:var(--medium)}.sev-low{background:var(--low)}.sev-info{background:var(--info)}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.chart{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.chart h3{margin:0 0 8px;font-size:13.5px;font-weight:600}
.chart svg{display:block;width:100%;height:auto}
.chart text{font-size:12px;fill:var(--ink)}
.chart .value-label{fill:var(--muted)}
.chart .empty{fill:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:12px;margin-top:6px;font-size:12px;color:var(--muted)}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;
vertical-align:-1px}
.bar-ok{fill:var(--ok)}.bar-eea{fill:var(--eea)}.bar-abroad{fill:var(--abroad)}
.bar-unknown{fill:var(--unknown)}.bar-neutral{fill:var(--neutral)}
.bar-critical{fill:var(--critical)}.bar-high{fill:var(--high)}.bar-medium{fill:var(--medium)}
.bar-low{fill:var(--low)}.bar-info{fill:var(--info)}
.i-ok{background:var(--ok)}.i-eea{background:var(--eea)}.i-abroad{background:var(--abroad)}
.i-unknown{background:var(--unknown)}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);
border-radius:8px;overflow:hidden;font-size:13px}
th{text-align:left;background:#eef2f6;color:var(--muted);font-weight:600;font-size:12px;
text-transform:uppercase;letter-spacing:.3px;padding:7px 10px;border-bottom:1px solid var(--line)}
table.grid{table-layout:fixed}
td{padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
tr:last-child td{border-bottom:0}
tr.suppressed td{color:var(--muted)}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f0f3f7;
padding:1px 4px;border-radius:3px}
.badge{display:inline-block;white-space:nowrap;border-radius:4px;padding:1px 7px;color:#fff;font-size:11.5px;
font-weight:600;text-transform:uppercase;letter-spacing:.3px}
.status{font-size:12px;color:var(--muted)}
.country-FR{color:var(--ok);font-weight:600}
.empty-state{background:var(--card);border:1px dashed var(--line);border-radius:8px;padding:14px;
color:var(--muted)}
details{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 12px}
details ul{margin:8px 0 4px;padding-left:20px;columns:2;font-size:12.5px}
footer{color:var(--muted);font-size:12px;text-align:center;padding:0 0 30px}
@media (max-width:900px){.totals{grid-template-columns:repeat(3,1fr)}.charts{grid-template-columns:1fr}}
@media print{body{background:#fff}header.report-header{-webkit-print-color-adjust:exact;
print-color-adjust:exact}.chart,.card,table{break-inside:avoid}}
"""


def _country_class(country: str | None) -> str:
    if country is None:
        return "unknown"
    if country == HOME_COUNTRY:
        return "ok"
    return "eea" if country in EEA_COUNTRIES else "abroad"


def _countries_class(countries: tuple[str, ...]) -> str:
    """The CSS class of a location: its country, ``multi`` for several, ``unknown`` for none."""
    if len(countries) == 1:
        return _e(countries[0])
    return "multi" if countries else "unknown"


def _countries_text(countries: tuple[str, ...]) -> str:
    return ", ".join(countries) or "?"


def _law_labels(resource: Resource) -> list[str]:
    if not resource.exposures_known:
        return [UNKNOWN]
    return list(resource.exposures) or [NO_EXPOSURE]


def _location_unknown(resource: Resource) -> bool:
    return resource.is_data_bearing and not resource.countries


# --- charts -------------------------------------------------------------------------------


def bar_chart(chart_id: str, title: str, rows: Sequence[tuple[str, int, str]],
              legend: str = "", label_w: int = 150) -> str:
    """A horizontal bar chart as inline SVG: rows of (label, value, colour class)."""
    width, row_h, value_w = 560, 26, 48
    max_chars = label_w // 7
    bar_max = width - label_w - value_w
    if not rows:
        svg = (f'<svg viewBox="0 0 {width} 40" role="img" aria-label="{_e(title)}: nothing to show">'
               f'<text class="empty" x="0" y="24">Nothing to show</text></svg>')
    else:
        top = max(value for _, value, _ in rows) or 1
        height = row_h * len(rows) + 4
        parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}">']
        for i, (label, value, css) in enumerate(rows):
            y = i * row_h + 2
            shown = label if len(label) <= max_chars else label[:max_chars - 1] + "\u2026"
            bar = max(2, round(bar_max * value / top)) if value else 0
            parts.append(
                f'<g class="bar" data-label="{_e(label)}" data-value="{value}"><title>{_e(label)}: '
                f'{value}</title><text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{_e(shown)}'
                f'</text><rect class="bar-{css}" x="{label_w}" y="{y + 4}" width="{bar}" '
                f'height="{row_h - 9}" rx="3"/><text class="value-label" x="{label_w + bar + 6}" '
                f'y="{y + 16}">{value}</text></g>')
        parts.append("</svg>")
        svg = "".join(parts)
    return (f'<div class="chart" id="{chart_id}"><h3>{_e(title)}</h3>{svg}{legend}</div>')


def _top(counter: Counter[str], limit: int = 12, last: Iterable[str] = ()) -> list[tuple[str, int]]:
    """Largest first (ties by name), at most ``limit`` rows with the rest as "other";
    labels in ``last`` go to the end."""
    tail = [(k, counter[k]) for k in last if counter.get(k)]
    head = sorted(((k, v) for k, v in counter.items() if k not in set(last)),
                  key=lambda kv: (-kv[1], kv[0]))
    if len(head) > limit:
        head = head[:limit - 1] + [("other", sum(v for _, v in head[limit - 1:]))]
    return head + tail


def _charts(result: ScanResult, data: list[Resource], world_map: str) -> str:
    countries = Counter(c for r in data for c in (r.countries or (UNKNOWN,)))  # each of its countries
    country_rows = [(k, v, _country_class(None if k == UNKNOWN else k))
                    for k, v in _top(countries, last=(UNKNOWN,))]
    country_legend = ('<div class="legend"><span><i class="i-ok"></i>France</span>'
                      '<span><i class="i-eea"></i>other EU/EEA</span>'
                      '<span><i class="i-abroad"></i>outside the EU/EEA</span>'
                      '<span><i class="i-unknown"></i>unknown</span></div>')
    providers = Counter(r.provider or UNKNOWN for r in data)
    provider_rows = [(k, v, "unknown" if k == UNKNOWN else "neutral")
                     for k, v in _top(providers, last=(UNKNOWN,))]
    laws = Counter(label for r in data for label in _law_labels(r))
    law_rows = [(k, v, {NO_EXPOSURE: "ok", UNKNOWN: "unknown"}.get(k, "abroad"))
                for k, v in _top(laws, last=(NO_EXPOSURE, UNKNOWN))]
    active = [f for f in result.findings if not f.suppressed]
    by_rule: Counter[str] = Counter()
    worst: dict[str, Severity] = {}
    for finding in active:
        key = f"{finding.rule} {finding.name}"
        by_rule[key] += 1
        worst[key] = max(worst.get(key, Severity.INFO), finding.severity)
    rule_rows = [(k, v, worst[k].label) for k, v in sorted(by_rule.items())]
    severity_legend = ('<div class="legend">' + "".join(
        f'<span><i class="sev-{s.label}"></i>{s.label}</span>' for s in sorted(Severity, reverse=True))
        + "</div>")
    return ('<section id="where"><h2>Where the data lives</h2>' + world_map + '<div class="charts">'
            + bar_chart("chart-country", "Data-bearing resources by country", country_rows,
                        country_legend)
            + bar_chart("chart-provider", "Data-bearing resources by provider", provider_rows)
            + bar_chart("chart-law", "Data-bearing resources by extraterritorial law they are "
                        "exposed to", law_rows)
            + bar_chart("chart-rules", "Findings by rule", rule_rows, severity_legend, 240)
            + '</div><p class="note">A resource exposed to several laws counts once under each. '
              "Data-bearing: every category but network/IAM/DNS (other) and key management."
              "</p></section>")


# --- sections ------------------------------------------------------------------------------


def _card(element_id: str, label: str, value: int, css: str = "") -> str:
    return (f'<div class="card {css}"><div class="value" id="{element_id}" data-value="{value}">'
            f'{value}</div><div class="label">{_e(label)}</div></div>')


def _totals(result: ScanResult, data: list[Resource]) -> str:
    active = [f for f in result.findings if not f.suppressed]
    unknown = sum(1 for r in data if not r.countries)
    by_severity = Counter(f.severity for f in active)
    chips = "".join(
        f'<span class="sev-chip sev-{s.label}{"" if by_severity[s] else " zero"}" '
        f'id="total-{s.label}" data-value="{by_severity[s]}">{by_severity[s]} {s.label}</span>'
        for s in sorted(Severity, reverse=True))
    return ('<section id="totals"><div class="totals">'
            + _card("total-files", "files scanned", len(result.files))
            + _card("total-resources", "resources", len(result.resources))
            + _card("total-data-bearing", "data-bearing resources", len(data))
            + _card("total-unknown-location", "location unknown", unknown, "warn" if unknown else "")
            + _card("total-findings", "findings", len(active), "alert" if active else "")
            + _card("total-suppressed", "suppressed", len(result.findings) - len(active))
            + f'</div><div class="severities">{chips}</div>{_lead(data)}</section>')


def _lead(data: list[Resource]) -> str:
    """One sentence a reader can quote: where the data-bearing resources are, under which law."""
    if not data:
        return '<p class="lead" id="lead">No data-bearing resource was found.</p>'
    home = sum(1 for r in data if r.countries == (HOME_COUNTRY,))
    unknown = sum(1 for r in data if not r.countries)
    elsewhere = len(data) - home - unknown
    exposed = sum(1 for r in data if r.exposures_known and r.exposures)
    return (f'<p class="lead" id="lead">Of <strong>{len(data)}</strong> data-bearing resources, '
            f'<strong id="lead-home">{home}</strong> are hosted in France, '
            f'<strong id="lead-elsewhere">{elsewhere}</strong> elsewhere and '
            f'<strong id="lead-unknown">{unknown}</strong> in a place the code does not tell; '
            f'<strong id="lead-exposed">{exposed}</strong> are run by a provider exposed to '
            "extraterritorial law.</p>")


def _columns(*widths: int | str) -> str:
    """A ``<colgroup>`` for a fixed-layout table (long paths wrap instead of widening it)."""
    cols = "".join(f'<col style="width:{w}px">' if isinstance(w, int) else
                   (f'<col style="width:{w}">' if w else "<col>") for w in widths)
    return f"<colgroup>{cols}</colgroup>"


def _where(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


def _finding_row(finding: Finding) -> str:
    status = "open"
    if finding.suppressed:
        status = "suppressed" + (f": {finding.suppression_reason}" if finding.suppression_reason else "")
    label = finding.severity.label
    return (f'<tr class="finding sev-row-{label}{" suppressed" if finding.suppressed else ""}">'
            f'<td><span class="badge sev-{label}">{label}</span></td>'
            f'<td><code>{_e(finding.rule)}</code> {_e(finding.name)}</td>'
            f'<td><code>{_breakable(finding.address or "", "./")}</code></td>'
            f'<td>{_breakable(_where(finding.source.path, finding.source.line))}</td>'
            f'<td>{_e(finding.message)}</td><td class="status">{_e(status)}</td></tr>')


def _more(shown: int, total: int, what: str, where: str) -> str:
    """The note under a table cut at ``ROWS_SHOWN`` rows (nothing when every row is shown)."""
    if shown >= total:
        return ""
    return (f'<p class="note rows-more" data-shown="{shown}" data-total="{total}">The first {shown} '
            f"of {total} {what}; {where}.</p>")


def _findings(result: ScanResult) -> str:
    if not result.findings:
        return ('<section id="findings"><h2>Findings</h2><p class="empty-state" id="no-findings">'
                "No finding: every rule passed on every resource scanned.</p></section>")
    ordered = sorted(result.findings, key=lambda f: (f.suppressed, -f.severity, f.rule,
                                                     f.source.path, f.source.line or 0))
    return ('<section id="findings"><h2>Findings</h2><table class="grid" id="findings-table">'
            + _columns(84, "15%", "19%", "20%", "", "11%") + "<thead><tr>"
            "<th>Severity</th><th>Rule</th><th>Resource</th><th>File</th><th>Message</th>"
            "<th>Status</th></tr></thead><tbody>"
            + "".join(_finding_row(f) for f in ordered[:ROWS_SHOWN]) + "</tbody></table>"
            + _more(min(ROWS_SHOWN, len(ordered)), len(ordered), "findings, most severe first",
                    "the text, JSON and SARIF reports list them all") + "</section>")


def _unresolved(data: list[Resource]) -> str:
    rows = []
    for resource in data:
        expressions = list(resource.unresolved) + [r.unresolved for r in resource.replicas
                                                   if r.unresolved]
        if resource.countries and not expressions:
            continue
        if expressions:
            what = ", ".join(f"<code>{_e(x)}</code>" for x in expressions)
        elif resource.provider is None:
            what = "no provider or cluster location known"
        else:
            what = f"region {_e(resource.region)} not in the catalog" if resource.region \
                else "no region or location given"
        rows.append(f'<tr><td><code>{_breakable(resource.address, "./")}</code></td>'
                    f'<td>{_e(resource.resource_type)}</td><td>{_e(resource.provider or "?")}</td>'
                    f'<td>{_breakable(_where(resource.source.path, resource.source.line))}</td>'
                    f"<td>{what}</td></tr>")
    if not rows:
        return ('<section id="unresolved"><h2>Location unknown</h2><p class="empty-state">'
                "The location of every data-bearing resource was resolved.</p></section>")
    return ('<section id="unresolved"><h2>Location unknown</h2><table class="grid" id="unresolved-table">'
            + _columns("26%", "16%", "10%", "22%", "") + "<thead>"
            "<tr><th>Resource</th><th>Type</th><th>Provider</th><th>File</th>"
            "<th>Not resolved</th></tr></thead><tbody>" + "".join(rows[:ROWS_SHOWN]) + "</tbody></table>"
            + _more(min(ROWS_SHOWN, len(rows)), len(rows), "resources whose location is unknown",
                    "the JSON report lists them all (<code>unresolved</code>)")
            + '<p class="note">Pass the values with <code>--var</code>/<code>--var-file</code>, '
            "set <code>aws.default_region</code>, or map Kubernetes manifests to their cluster "
            "in <code>.sovlint.yaml</code>.</p></section>")


def _replicas(resource: Resource) -> str:
    return "<br>".join(
        f'{_e(r.via)} \u2192 {_e(r.label or r.region or "?")} '
        f'<span class="country-{_countries_class(r.countries)}">({_e(_countries_text(r.countries))})</span>'
        for r in resource.replicas)


def _resources(result: ScanResult, data: list[Resource], everything: bool) -> str:
    listed = result.resources if everything else data
    rows = "".join(
        f'<tr><td><code>{_breakable(r.address, "./")}</code></td><td>{_e(r.resource_type)}</td>'
        f"<td>{_e(r.category)}</td><td>{_e(r.provider or '?')}</td>"
        f"<td>{_e(r.location_label or r.canonical_region or r.region or '?')}</td>"
        f'<td class="country-{_countries_class(r.countries)}">{_e(_countries_text(r.countries))}</td>'
        f"<td>{'<br>'.join(_e(law) for law in _law_labels(r))}</td>"
        f"<td>{_e(r.data_class or '')}</td>"
        f"<td>{_replicas(r)}</td><td>{_breakable(_where(r.source.path, r.source.line))}</td></tr>"
        for r in listed[:ROWS_SHOWN])
    title = "Resources" if everything else "Data-bearing resources"
    note = "" if everything else (
        f'<p class="note">{len(result.resources) - len(data)} other resources (network, IAM, '
        "keys...) are not listed; <code>sovlint inventory</code> lists them all.</p>")
    if not listed:
        return (f'<section id="resources"><h2>{title}</h2><p class="empty-state">'
                f"No resource found.</p>{note}</section>")
    return (f'<section id="resources"><h2>{title}</h2><table class="grid" id="resources-table">'
            + _columns("17%", "13%", "8%", "8%", "9%", "6%", "10%", "7%", "10%", "12%")
            + "<thead><tr>"
            "<th>Resource</th><th>Type</th><th>Category</th><th>Provider</th><th>Region</th>"
            "<th>Country</th><th>Law</th><th>Data class</th><th>Copies</th><th>File</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
            + _more(min(ROWS_SHOWN, len(listed)), len(listed), title.lower(),
                    "<code>sovlint inventory --format csv</code> lists them all")
            + f"{note}</section>")


def _scanned(result: ScanResult) -> str:
    parse_errors = sum(1 for f in result.findings if f.rule == "SOV900")
    parts = [f'<section id="scanned"><h2>What was scanned</h2><p>'
             f'<span id="scanned-files-count">{len(result.files)}</span> files, profile '
             f"<code>{_e(result.profile)}</code>, {len(result.policies)} rules "
             f"({_e(', '.join(p.id for p in result.policies))}); "
             f'<span id="parse-errors-count">{parse_errors}</span> files could not be read or '
             f'parsed (SOV900); <span id="scan-errors-count">{len(result.errors)}</span> other '
             "errors.</p>"]
    if result.errors:
        parts.append('<table class="grid" id="scan-errors">'
                     + _columns("35%", "") + '<thead><tr><th>Where</th><th>Error</th></tr></thead>'
                     "<tbody>" + "".join(
                         f"<tr><td>{_e(_where(e.path, e.line))}</td><td>{_e(e.message)}</td></tr>"
                         for e in result.errors[:ROWS_SHOWN]) + "</tbody></table>"
                     + _more(min(ROWS_SHOWN, len(result.errors)), len(result.errors), "errors",
                             "the JSON report lists them all"))
    if result.files:
        parts.append('<details id="scanned-files"><summary>Files</summary><ul>'
                     + "".join(f"<li>{_e(path)}</li>" for path in result.files[:ROWS_SHOWN]) + "</ul>"
                     + _more(min(ROWS_SHOWN, len(result.files)), len(result.files), "files",
                             "in path order")
                     + "</details>")
    parts.append("</section>")
    return "".join(parts)


def _way_out(way_out: Sequence[Any]) -> str:
    """Inventory: per service kind at foreign-law providers, the sovereign options (``sovlint.remediation.WayOut``)."""
    intro = ('<section id="way-out"><h2>Way out</h2><p>Service kinds in use at providers exposed to '
             "extraterritorial law, and the offers of providers without such exposure, in French regions "
             "(HDS-certified options for health data; SecNumCloud-qualified ones under the secnumcloud "
             "profile). Certifications are those the catalog records.</p>")
    if not way_out:
        return intro + '<p class="empty-state" id="no-way-out">No data-bearing resource at a foreign-law provider.</p></section>'

    def options(alternatives: Sequence[Any], gap: str | None) -> str:
        if not alternatives:
            return f'<span class="note">none{": " + _e(gap) if gap else ""}</span>'
        return "<ul>" + "".join(
            f"<li>{_e(a.provider_name)} {_e(a.offer)}: <code>{_e(', '.join(a.resource_types))}</code> "
            f"in {_e(', '.join(a.regions))}</li>" for a in alternatives) + "</ul>"

    dash = '<span class="note">-</span>'
    rows = "".join(
        f'<tr><td>{_e(w.title)}</td><td>{w.resources}</td><td>{w.health_resources}</td>'
        f"<td>{options(w.options, w.gap)}</td>"
        f"<td>{options(w.hds_options, w.gap) if w.health_resources else dash}</td></tr>"
        for w in way_out)
    return (intro + '<table class="grid" id="way-out-table">' + _columns("16%", 80, 80, "", "")
            + "<thead><tr><th>Service kind</th><th>Resources</th><th>Health</th><th>Sovereign options</th>"
            "<th>HDS options (health data)</th></tr></thead><tbody>" + rows + "</tbody></table></section>")


def render(result: ScanResult, options: dict[str, Any]) -> str:
    """The whole report as one HTML document; ``options["way_out"]`` adds the inventory's way out."""
    inventory = options.get("command") == "inventory"
    title = "Data location inventory" if inventory else "Data sovereignty review"
    data = [r for r in result.resources if r.is_data_bearing]
    map_css, world_map = html_map.render(data)
    body = [_totals(result, data), _charts(result, data, world_map)]
    if inventory:
        body += [_resources(result, data, True), _way_out(options.get("way_out") or ()),
                 _unresolved(data), _findings(result)]
    else:
        body += [_findings(result), _unresolved(data), _resources(result, data, False)]
    body.append(_scanned(result))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f'<meta name="generator" content="sovlint {_e(__version__)}">'
        f"<title>sovlint \u2014 {title}</title><style>{_CSS}{map_css}</style></head>\n"
        f'<body class="report {"inventory" if inventory else "scan"}">'
        f'<header class="report-header"><h1>{title}</h1><p class="meta">Profile '
        f"<strong>{_e(result.profile)}</strong> \u00b7 {len(result.files)} files \u00b7 "
        f"{len(result.resources)} resources \u00b7 sovlint {_e(__version__)}</p></header>\n"
        "<main>" + "\n".join(body) + "</main>\n"
        f"<footer>Generated by sovlint {_e(__version__)}. Findings are what the code declares; "
        "a location marked unknown is not a compliant one.</footer></body></html>\n"
    )
