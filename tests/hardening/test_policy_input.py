"""SPEC §9: policy and config files are untrusted input.

Python object tags are never constructed, regular expressions cannot take
super-linear time, deep nesting and unknown operators are refused: each gives
exit 2 with ``file:line``, in bounded time.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hostile import write_valid

HEAD = "id: ORG001\nname: x\nseverity: low\ntitle: t\nmessage: m\n"


def _nested(levels: int) -> str:
    text = "assert:\n"
    for level in range(levels):
        text += "  " * (level + 1) + "not:\n"
    return text + "  " * (levels + 1) + "location.country: {in: [FR]}\n"


POLICIES: list[tuple[str, str, int | None, str]] = [
    # (case, text, expected line, words in the message); line None: the run goes on
    ("python-object-apply", "!!python/object/apply:os.system ['touch pwned']\n", 1, "Python object tag"),
    ("python-tag-on-a-field", HEAD.replace("title: t", "title: !!python/object/new:os.system [touch pwned]")
     + "assert:\n  location.country: {in: [FR]}\n", 4, "Python object tag"),
    ("python-name", HEAD.replace("name: x", "name: !!python/name:os.system x")
     + "assert:\n  location.country: {in: [FR]}\n", 2, "Python object tag"),
    ("huge-regex", HEAD + "assert:\n  address: {matches: \"" + "a" * 5000 + "\"}\n", 7, "too long"),
    ("invalid-regex", HEAD + "assert:\n  address: {matches: \"(a\"}\n", 7, "regular expression"),
    ("nested-1000", HEAD + _nested(1000), None, "nesting"),
    ("nested-400", HEAD + _nested(400), 71, "nested deeper than 64 levels"),
    ("nested-60", HEAD + _nested(60), None, ""),
    ("unknown-operator", HEAD + "assert:\n  region: {looks_like: x}\n", 7, ""),
    ("two-operators", HEAD + "assert:\n  region: {in: [a], equals: b}\n", 7, ""),
    ("wrong-severity", HEAD.replace("severity: low", "severity: apocalyptic")
     + "assert:\n  region: {in: [a]}\n", 3, "severity"),
]


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    from sovlint.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOVLINT_CACHE_DIR", str(tmp_path / ".cache-sovlint"))
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize(("case", "text", "line", "words"), POLICIES, ids=[p[0] for p in POLICIES])
def test_hostile_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, text: str,
                        line: int | None, words: str) -> None:
    write_valid(tmp_path / "infra")
    (tmp_path / "rule.yaml").write_text(text, encoding="utf-8")
    start = time.monotonic()
    result = _run(tmp_path, monkeypatch, "scan", "infra", "--policy", "rule.yaml", "--no-builtin-policies")
    assert time.monotonic() - start < 30
    assert not (tmp_path / "pwned").exists()
    assert "Traceback" not in result.stderr
    if case == "nested-60":  # deep but within bounds: a valid rule
        assert result.exit_code in (0, 1), result.stderr
        return
    assert result.exit_code == 2, result.output
    if line is None:
        assert "rule.yaml:" in result.stderr, result.stderr
    else:
        assert f"rule.yaml:{line}: " in result.stderr, result.stderr
    assert words in result.stderr


def test_a_catastrophic_regex_runs_in_linear_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(
        f'resource "aws_s3_bucket" "{"a" * 50000}!" {{\n  region = "eu-west-3"\n}}\n', encoding="utf-8")
    (tmp_path / "rule.yaml").write_text(HEAD + 'assert:\n  address: {matches: "^(a+)+$"}\n'
                                        "on_unknown: skip\n", encoding="utf-8")
    start = time.monotonic()
    result = _run(tmp_path, monkeypatch, "scan", "infra", "--policy", "rule.yaml", "--no-builtin-policies")
    assert time.monotonic() - start < 30
    assert result.exit_code == 1 and "ORG001" in result.stdout


def test_a_config_cannot_construct_objects_or_nest_without_bound(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    write_valid(tmp_path / "infra")
    config = tmp_path / "infra" / ".sovlint.yaml"
    config.write_text("severity: !!python/object/apply:os.system ['touch pwned']\n", encoding="utf-8")
    result = _run(tmp_path, monkeypatch, "scan", "infra")
    assert result.exit_code == 2 and "infra/.sovlint.yaml:1: " in result.stderr
    assert not (tmp_path / "pwned").exists()
    config.write_text("terraform:\n  vars:\n    x: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    result = _run(tmp_path, monkeypatch, "scan", "infra")
    assert result.exit_code == 2 and "infra/.sovlint.yaml:3: " in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
