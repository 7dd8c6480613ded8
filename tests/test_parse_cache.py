"""The on-disk cache of loaded data files (policies, catalog, categories)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovlint import parse_cache


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOVLINT_CACHE_DIR", str(tmp_path / "cache"))
    parse_cache.configure(True)
    return tmp_path


def test_cached_load_builds_once_per_content(cache: Path) -> None:
    data = cache / "rules.yaml"
    data.write_text("a: 1\n")
    calls: list[str] = []

    def build() -> str:
        calls.append("built")
        return data.read_text()

    assert parse_cache.cached_load("test", [data], build) == "a: 1\n"
    assert parse_cache.cached_load("test", [data], build) == "a: 1\n"
    assert calls == ["built"]
    data.write_text("a: 2\n")
    assert parse_cache.cached_load("test", [data], build) == "a: 2\n"
    assert calls == ["built", "built"]


def test_errors_are_not_cached(cache: Path) -> None:
    data = cache / "broken.yaml"
    data.write_text("x")

    def build() -> str:
        raise ValueError("broken")

    for _ in range(2):
        with pytest.raises(ValueError):
            parse_cache.cached_load("test", [data], build)


def test_no_cache_always_builds(cache: Path) -> None:
    data = cache / "rules.yaml"
    data.write_text("a: 1\n")
    calls: list[int] = []
    parse_cache.configure(False)
    try:
        for _ in range(2):
            parse_cache.cached_load("test", [data], lambda: calls.append(1))
    finally:
        parse_cache.configure(True)
    assert len(calls) == 2
