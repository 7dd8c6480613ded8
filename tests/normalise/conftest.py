"""The manifest normaliser tests rely on the categories of common types only.

When the shipped ``policies/categories.yaml`` is not there, those categories are
provided here (``manifest_scan.COMMON_CATEGORIES``).
"""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.normalise.manifest_scan import COMMON_CATEGORIES


@pytest.fixture(autouse=True)
def _categories(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from sovlint import resolve
    from sovlint.datafiles import policies_dir

    if not (policies_dir() / "categories.yaml").is_file():
        monkeypatch.setattr(resolve, "category_map", lambda: COMMON_CATEGORIES)
    yield
