"""The shipped type -> category map covers every type the live review builds."""

from __future__ import annotations

import io

import pytest

from sovlint.aws.normalise import LIVE_RESOURCE_TYPES
from sovlint.live.progress import ProgressBar
from sovlint.datafiles import policies_dir


def test_shipped_category_map_covers_the_live_types() -> None:
    if not (policies_dir() / "categories.yaml").is_file():
        pytest.skip("policies/categories.yaml is not on this branch yet")
    from sovlint.resolve import category_map

    table = category_map().get("cloudformation", {})
    assert [t for t in LIVE_RESOURCE_TYPES if t not in table] == []


def test_progress_bar_writes_nothing_when_not_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar.grow(3)
    bar.advance("1 s3 global")
    bar.close()
    assert stream.getvalue() == ""
    forced = ProgressBar(stream, enabled=True)
    forced.grow(2)
    forced.advance("1 rds eu-west-3")
    assert "1/2" in stream.getvalue()
