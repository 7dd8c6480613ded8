"""Every format of ``FORMATTERS`` renders any result, including one with nothing found."""

from __future__ import annotations

import dataclasses

import pytest

from sovlint.engine import ScanResult
from sovlint.formatters import FORMATTERS, available_formats, formatter
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
