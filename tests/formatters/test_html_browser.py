"""The HTML report in a real browser (headless Chromium): totals render, no script error,
nothing fetched. The screenshot is kept under ``test-artifacts/`` for a human to look at."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sovlint.formatters import html
from sovlint.model import ScanError
from scan_results import build_result, realistic_resources

CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(name)), None)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

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
