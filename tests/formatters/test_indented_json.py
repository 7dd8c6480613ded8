"""The indented JSON writer gives ``json.dumps(value, indent=2, ensure_ascii=False)``'s text."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import pytest

from sovlint.engine import ScanResult
from sovlint.formatters.indented_json import indented_json
from sovlint.formatters.json_report import document

from formatters.scan_results import realistic_result  # noqa: F401  (fixture)

VALUES: list[Any] = [
    {}, [], (), "", 0, -7, 10**30, 1.5, -0.0, 1e-300, True, False, None,
    {"a": [], "b": {}, "c": [{}], "d": [[]]},
    ["é", "\u2028", "\x00\x1f\"\\/", "日本", "\U0001F600"],
    {"nested": {"list": [1, [2, [3, {"k": None}]]], "tuple": (1, "x")}},
    float("nan"), float("inf"), [float("-inf")],  # written as json.dumps writes them
    {1: "int key"}, {None: 1, True: 2, 2.5: 3},  # non-string keys: json.dumps converts them
    OrderedDict([("b", 1), ("a", 2)]),  # a dict subclass
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_same_text_as_json_dumps(value: Any) -> None:
    assert indented_json(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_a_whole_report_is_written_alike(realistic_result: ScanResult) -> None:  # noqa: F811
    data = document(realistic_result)
    assert indented_json(data) == json.dumps(data, indent=2, ensure_ascii=False)


def test_what_json_cannot_write_fails_alike() -> None:
    with pytest.raises(TypeError):
        json.dumps({"x": object()}, indent=2)
    with pytest.raises(TypeError):
        indented_json({"x": object()})
