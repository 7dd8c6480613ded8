"""Every format of ``FORMATTERS`` renders any result, including one with nothing found."""

from __future__ import annotations

import dataclasses

import pytest

from sovlint.engine import ScanResult
from sovlint.formatters import FORMATTERS, available_formats, formatter, report_chunks
from scan_results import empty_result, realistic_result  # noqa: F401 (fixtures)


def test_every_listed_format_is_present() -> None:
    assert available_formats() == list(FORMATTERS)


@pytest.mark.parametrize("name", list(FORMATTERS))
def test_renders_an_empty_result(name: str, empty_result: ScanResult) -> None:
    text = formatter(name)(empty_result, {})
    assert isinstance(text, str)


@pytest.mark.parametrize("name", list(FORMATTERS))
def test_renders_resources_without_findings(name: str, realistic_result: ScanResult) -> None:
    clean = dataclasses.replace(realistic_result, findings=[], errors=[])
    text = formatter(name)(clean, {})
    assert isinstance(text, str) and (text == "" or text.endswith("\n"))


@pytest.mark.parametrize("name", list(FORMATTERS))
def test_deterministic(name: str, realistic_result: ScanResult) -> None:
    render = formatter(name)
    assert render(realistic_result, {}) == render(realistic_result, {})


@pytest.mark.parametrize("name", list(FORMATTERS))
def test_report_in_pieces_is_the_whole_report(name: str, realistic_result: ScanResult,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """What the CLI writes piece by piece is what ``render`` returns; the text report of a
    large scan comes in several pieces (it is never held whole)."""
    whole = formatter(name)(realistic_result, {"show_remediation": True})
    if name == "text":
        from sovlint.formatters import text

        monkeypatch.setattr(text, "CHUNK", 100)
    pieces = list(report_chunks(name, realistic_result, {"show_remediation": True}))
    assert "".join(pieces) == whole
    if name == "text":
        assert len(pieces) > 3 and all(p.endswith("\n") for p in pieces)
