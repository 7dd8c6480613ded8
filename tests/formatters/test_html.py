"""The HTML report: totals, charts, tables, escaping, self-containment."""

from __future__ import annotations

import dataclasses
import re
import time
from html.parser import HTMLParser

from sovlint.engine import ScanResult
from sovlint.formatters import html
from scan_results import ODD_PATHS, large_result
from scan_results import empty_result, odd_result, realistic_result  # noqa: F401 (fixtures)


def _value(page: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}" data-value="(\d+)"', page)
    assert match, element_id
    return int(match.group(1))


class _Tags(HTMLParser):
    """Collects tags and attributes, and checks that elements nest properly."""

    VOID = {"meta", "br", "wbr", "col", "rect", "img", "link", "input"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert parser.stack == [], parser.stack
    return parser


def test_totals(realistic_result: ScanResult) -> None:
    page = html.render(realistic_result, {"command": "scan"})
    active = [f for f in realistic_result.findings if not f.suppressed]
    assert _value(page, "total-files") == len(realistic_result.files) == 9
    assert _value(page, "total-resources") == len(realistic_result.resources) == 9
    assert _value(page, "total-data-bearing") == 8  # all but aws_vpc.main
    assert _value(page, "total-unknown-location") == 2  # the Azure account and the Deployment
    assert _value(page, "total-findings") == len(active) == 9
    assert _value(page, "total-suppressed") == 1
    assert _value(page, "total-high") == 7 and _value(page, "total-medium") == 2
    assert _value(page, "total-critical") == 0


def test_charts(realistic_result: ScanResult) -> None:
    page = html.render(realistic_result, {})
    country = page[page.index('id="chart-country"'):page.index('id="chart-provider"')]
    bars = dict(re.findall(r'data-label="([^"]+)" data-value="(\d+)"', country))
    assert bars == {"FR": "4", "US": "2", "unknown": "2"}
    law = page[page.index('id="chart-law"'):page.index('id="chart-rules"')]
    assert dict(re.findall(r'data-label="([^"]+)" data-value="(\d+)"', law)) == {
        "US-CLOUD-Act": "5", "US-FISA-702": "5", "none known": "2", "unknown": "1"}
    rules = page[page.index('id="chart-rules"'):]
    assert 'data-label="SOV002 foreign-jurisdiction" data-value="3"' in rules


def test_tables(realistic_result: ScanResult) -> None:
    page = html.render(realistic_result, {"command": "scan"})
    parsed = _parse(page)
    text = "".join(parsed.text)
    ids = {attrs.get("id") for _, attrs in parsed.tags}
    assert {"findings-table", "unresolved-table", "resources-table", "scan-errors",
            "scanned-files", "lead"} <= ids
    unresolved = page[page.index('id="unresolved-table"'):page.index('id="resources"')]
    assert "<code>var.location</code>" in unresolved
    assert "no provider or cluster location known" in unresolved
    assert "not rendered: helm not found" in text
    assert "suppressed: hosting contract with EU sovereign clause" in text
    assert "aws_vpc.main" not in text.replace("\u200b", "")  # scan lists data-bearing resources


def test_inventory_lists_every_resource(realistic_result: ScanResult) -> None:
    page = html.render(realistic_result, {"command": "inventory"})
    assert "<title>sovlint \u2014 Data location inventory</title>" in page
    resources = page[page.index('id="resources-table"'):page.index('id="unresolved"')]
    assert "aws_<wbr>vpc" not in resources  # only . and / are break points
    assert "aws_vpc.<wbr>main" in resources
    assert page.index('id="resources-table"') < page.index('id="findings-table"')


def test_escaping(odd_result: ScanResult) -> None:
    page = html.render(odd_result, {})
    parsed = _parse(page)
    text = "".join(parsed.text)
    assert "infra/a&lt;b&gt;&amp;&#x27;&quot;q.tf:12" in page.replace("<wbr>", "")
    assert "<b>" not in page and "\x01" not in page and "\x1b" not in page
    assert "\\x01\\x1b[31m<&>" in text  # controls shown visibly, markup as text
    for path in ODD_PATHS:
        assert path in text.replace("\u200b", "")


def test_self_contained_and_script_free(realistic_result: ScanResult) -> None:
    page = html.render(realistic_result, {})
    parsed = _parse(page)
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "base"}
    assert all(not name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    assert not any("href" in attrs or "src" in attrs for _, attrs in parsed.tags)
    assert "://" not in page and "url(" not in page and "@import" not in page
    assert "default-src 'none'" in page


def test_empty_result(empty_result: ScanResult) -> None:
    page = html.render(empty_result, {"command": "scan"})
    _parse(page)
    assert _value(page, "total-findings") == 0
    assert _value(page, "total-resources") == 0
    assert 'id="no-findings"' in page
    assert "No data-bearing resource was found." in page
    assert "Nothing to show" in page


def test_deterministic(realistic_result: ScanResult) -> None:
    assert html.render(realistic_result, {}) == html.render(realistic_result, {})


def test_large_result_small_and_fast() -> None:
    result = large_result(2000)
    start = time.perf_counter()
    page = html.render(result, {})
    elapsed = time.perf_counter() - start
    assert _value(page, "total-findings") == 2000
    assert elapsed < 2.0
    assert len(page.encode("utf-8")) < 2000 * 1200  # ~1 KB a finding and its resource row


def test_many_categories_are_folded_into_other(realistic_result: ScanResult) -> None:
    many = [dataclasses.replace(r, provider=f"p{i:02d}") for i, r in
            enumerate(list(realistic_result.resources) * 3) if r.is_data_bearing]
    page = html.render(dataclasses.replace(realistic_result, resources=many), {})
    provider = page[page.index('id="chart-provider"'):page.index('id="chart-law"')]
    assert len(re.findall(r'class="bar"', provider)) == 12
    assert 'data-label="other"' in provider


def test_long_tables_are_cut_with_a_note() -> None:
    result = large_result(2 * (html.ROWS_SHOWN + 10))  # two findings per resource
    page = html.render(result, {"command": "scan"})
    assert _value(page, "total-findings") == len(result.findings) == 2 * (html.ROWS_SHOWN + 10)
    findings = page[page.index('id="findings-table"'):page.index('id="unresolved"')]
    assert findings.count('<tr class="finding') == html.ROWS_SHOWN
    assert (f'data-shown="{html.ROWS_SHOWN}" data-total="{len(result.findings)}">The first '
            f"{html.ROWS_SHOWN} of {len(result.findings)} findings, most severe first; the text, "
            "JSON and SARIF reports list them all.") in findings
    resources = page[page.index('id="resources-table"'):page.index('id="scanned"')]
    assert resources.count("<tr><td>") == html.ROWS_SHOWN
    assert f'data-total="{len(result.resources)}"' in resources
    scanned = page[page.index('id="scanned"'):]
    assert "rows-more" not in scanned  # 200 files: all listed
    small = html.render(large_result(20), {"command": "scan"})
    assert "rows-more" not in small


def test_a_location_spanning_countries_counts_in_each_and_is_not_unknown(
        realistic_result: ScanResult) -> None:
    """An EU multi-region bucket is in the bars of each of its countries, not 'unknown'."""
    from scan_results import resource

    bucket = resource("google_storage_bucket.eu", "google_storage_bucket", "gcp/main.tf", 3,
                      provider="google", region="EU", country=None, countries=("BE", "NL"),
                      location_label="EU multi-region")
    result = dataclasses.replace(realistic_result, resources=[*realistic_result.resources, bucket])
    page = html.render(result, {"command": "scan"})
    assert _value(page, "total-unknown-location") == 2  # as before: the bucket's place is known
    country = page[page.index('id="chart-country"'):page.index('id="chart-provider"')]
    bars = dict(re.findall(r'data-label="([^"]+)" data-value="(\d+)"', country))
    assert bars["BE"] == "1" and bars["NL"] == "1"
    table = page[page.index('id="resources-table"'):]
    assert "EU multi-region" in table and "BE, NL" in table
