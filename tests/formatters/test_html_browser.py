"""The HTML report in a real browser (headless Chromium): totals render, the world map shades the
countries of the examples and answers the mouse and the keyboard, no console error, nothing
fetched, and the report stays small on the whole corpus. Screenshots are kept under
``test-artifacts/`` for a human to look at; ``SOVLINT_UPDATE_SCREENSHOTS=1`` also rewrites the
one the README shows (``docs/html-report.png``)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from devtools import CHROMIUM, Browser, Page
from filetree import CORPUS, ROOT
from sovlint.formatters import html
from sovlint.model import DATA_BEARING, ScanError
from scan_results import build_result, realistic_resources

ARTIFACTS = ROOT / "test-artifacts"
DOCS_SCREENSHOT = ROOT / "docs" / "html-report.png"
#: The report is mailed as an attachment: its size on the whole corpus stays under this.
MAX_REPORT_BYTES = 500_000

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
               *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _console_problems(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines()
            if "Uncaught" in line or "Refused to" in line or "CONSOLE" in line]


@pytest.mark.parametrize("command", ["scan", "inventory"])
def test_report_renders_in_chromium(tmp_path: Path, command: str) -> None:
    result = build_result(realistic_resources(),
                          errors=[ScanError("charts/<web> & co", "not rendered: helm not found")])
    report = tmp_path / f"report {command}.html"
    report.write_text(html.render(result, {"command": command}), encoding="utf-8")

    dumped = _chromium(tmp_path, "--dump-dom", report.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout
    active = sum(1 for f in result.findings if not f.suppressed)
    for element_id, value in (("total-files", len(result.files)),
                              ("total-resources", len(result.resources)),
                              ("total-findings", active),
                              ("total-unknown-location", 2)):
        match = re.search(rf'id="{element_id}"[^>]*>(\d+)<', dom)
        assert match and int(match.group(1)) == value, element_id
    assert "charts/&lt;web&gt; &amp; co" in dom  # escaped text stays text in the DOM
    assert "<script" not in dom
    assert not _console_problems(dumped.stderr), _console_problems(dumped.stderr)

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / f"html-report-{command}.png"
    screenshot.unlink(missing_ok=True)
    shot = _chromium(tmp_path, f"--screenshot={screenshot}", "--window-size=1280,2000",
                     "--hide-scrollbars", report.as_uri())
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000  # a rendered page, not a blank one
    assert not _console_problems(shot.stderr), _console_problems(shot.stderr)


# --- the world map, driven through the DevTools protocol ---------------------------------------

_STATE = """(() => {
  const shown = id => { const e = document.getElementById(id); return !!e && getComputedStyle(e).display !== 'none'; };
  const active = document.activeElement;
  const shape = active && active.querySelector ? active.querySelector('path, circle') : null;
  return {
    active: active ? active.id : null,
    activeStroke: shape ? getComputedStyle(shape).stroke : null,
    homeStroke: getComputedStyle(document.querySelector('#world-map .home-outline')).stroke,
    lists: [...document.querySelectorAll('.map-list')].filter(e => shown(e.id)).map(e => e.id),
    hint: shown('map-help'),
  };
})()"""

# A point inside a country's shape (its bounding box may hold ocean, Alaska or French Guiana):
# the grid point nearest the box's centre whose topmost element belongs to the country.
_INSIDE = """(id => {
  const box = document.getElementById(id).getBoundingClientRect();
  let best = null;
  for (let i = 1; i < 40; i++) for (let j = 1; j < 40; j++) {
    const x = box.left + box.width * i / 40, y = box.top + box.height * j / 40;
    const hit = document.elementFromPoint(x, y);
    if (!hit || !hit.closest('#' + id)) continue;
    const d = Math.hypot(i - 20, j - 20);
    if (!best || d < best.d) best = {x, y, d};
  }
  return best;
})"""


def _run_sovlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "sovlint", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def _open(browser: Browser, report: Path) -> Page:
    page = browser.new_page(1280, 1000)
    page.open(report.as_uri())
    return page


def _shaded(page: Page) -> dict[str, Any]:
    return dict(page.evaluate("""Object.fromEntries([...document.querySelectorAll('#world-map .country')]
      .map(e => [e.id, {count: +e.dataset.count, fill: getComputedStyle(e.querySelector('path, circle')).fill,
                        label: e.getAttribute('aria-label'), tabindex: e.getAttribute('tabindex')}]))"""))


@pytest.mark.parametrize("command", ["scan", "inventory"])
def test_examples_map_in_chromium(tmp_path: Path, command: str) -> None:
    report = tmp_path / f"examples {command}.html"
    run = _run_sovlint(command, "examples", "--format", f"html:{report}", cwd=ROOT)
    assert run.returncode in (0, 1) and "Traceback" not in run.stderr, run.stderr
    with Browser(tmp_path / "profile") as browser:
        page = _open(browser, report)
        assert page.evaluate("!!document.querySelector('section#where svg#world-map path.land')")
        land = page.evaluate("getComputedStyle(document.querySelector('#world-map .land')).fill")
        shaded = _shaded(page)
        # the examples hold data in France (7 data-bearing resources) and in the US (1 copy)
        assert {k: v["count"] for k, v in shaded.items()} == {"map-FR": 7, "map-US": 1}
        assert shaded["map-FR"]["fill"] == "rgb(66, 146, 198)"  # 5-19
        assert shaded["map-US"]["fill"] == "rgb(158, 202, 225)"  # 1
        assert land not in {v["fill"] for v in shaded.values()}
        assert shaded["map-FR"]["label"] == "France: 7 data-bearing resources"
        assert all(v["tabindex"] == "0" for v in shaded.values())
        assert page.evaluate("+document.getElementById('map-unknown').textContent") == 1
        assert page.evaluate("!!document.querySelector('#world-map .home-outline')")
        state = page.evaluate(_STATE)
        assert state["lists"] == [] and state["hint"]

        # hover: the country's list appears, and goes when the pointer leaves
        point = page.evaluate(f"{_INSIDE}('map-US')")
        assert point, "no point of the US shape is reachable"
        page.move_mouse(point["x"], point["y"])
        state = page.evaluate(_STATE)
        assert state["lists"] == ["map-list-US"] and not state["hint"]
        assert "aws_s3_bucket.archives_copy" in page.evaluate(
            "document.getElementById('map-list-US').innerText")
        page.move_mouse(2, 2)
        assert page.evaluate(_STATE)["lists"] == []

        # keyboard: Tab walks the shaded countries (by name), each focus shows its list
        page.press("Tab", "Tab", 9)
        state = page.evaluate(_STATE)
        assert state["active"] == "map-FR" and state["lists"] == ["map-list-FR"]
        assert state["activeStroke"] == state["homeStroke"] == "rgb(249, 168, 37)"  # focus ring, on top
        fr_list = page.evaluate("document.getElementById('map-list-FR').innerText")
        assert "France: 7 data-bearing resources" in fr_list and "outscale_volume.case_files" in fr_list
        if command == "scan":
            _keep_screenshot(page, tmp_path)
        page.press("Tab", "Tab", 9)
        state = page.evaluate(_STATE)
        assert state["active"] == "map-US" and state["lists"] == ["map-list-US"]
        assert state["activeStroke"] == "rgb(249, 168, 37)" and state["homeStroke"] == "rgb(29, 39, 51)"
        page.press("Tab", "Tab", 9, modifiers=8)  # Shift+Tab
        assert page.evaluate(_STATE)["active"] == "map-FR"

        assert page.problems() == []
        assert page.requests() == [report.as_uri()]


def _keep_screenshot(page: Page, tmp_path: Path) -> None:
    """The top of the report down to the map, France focused (its list shown)."""
    bottom = page.evaluate("document.getElementById('map').getBoundingClientRect().bottom + window.scrollY")
    shot = tmp_path / "report.png"
    page.screenshot(shot, {"x": 0, "y": 0, "width": 1280, "height": bottom + 16})
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 30_000  # a rendered page, not a blank one
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "html-report-map.png").write_bytes(data)
    if os.environ.get("SOVLINT_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOT.write_bytes(data)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not here")
def test_corpus_report_stays_small_and_renders(tmp_path: Path) -> None:
    reports = {command: tmp_path / f"corpus-{command}.html" for command in ("scan", "inventory")}
    listing = tmp_path / "corpus.json"
    for command, report in reports.items():
        args = [command, ".", "--format", f"html:{report}"]
        if command == "scan":
            args += ["--fail-on", "never", "--format", f"json:{listing}"]
        run = _run_sovlint(*args, cwd=CORPUS)
        assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
        size = report.stat().st_size
        assert size < MAX_REPORT_BYTES, (command, size)
        page_text = report.read_text(encoding="utf-8")
        assert 'class="note rows-more"' in page_text  # the corpus has more findings than rows shown
    with Browser(tmp_path / "profile") as browser:
        page = _open(browser, reports["scan"])
        shaded = _shaded(page)
        expected = Counter(f"map-{code}" for r in json.loads(listing.read_text())["resources"]
                           if r["category"] in DATA_BEARING for code in r["countries"])
        assert {k: v["count"] for k, v in shaded.items()} == expected and len(expected) >= 5
        unknown = page.evaluate("+document.getElementById('map-unknown').textContent")
        total = page.evaluate("+document.getElementById('total-data-bearing').textContent")
        assert 0 < unknown < total
        page.press("Tab", "Tab", 9)
        state = page.evaluate(_STATE)
        assert state["active"] in shaded and state["lists"] == [f"map-list-{state['active'][4:]}"]
        assert page.problems() == []
        assert page.requests() == [reports["scan"].as_uri()]
