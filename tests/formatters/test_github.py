"""GitHub workflow commands: levels, properties and the runner's escaping."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sovlint.engine import ScanResult
from sovlint.formatters import github
from sovlint.model import ScanError, Severity, SourceSpan
from scan_results import empty_result, realistic_result  # noqa: F401 (fixtures)


def _lines(result: ScanResult, root: Path | None = None) -> list[str]:
    return github.render(result, {"repository_root": root or Path.cwd()}).splitlines()


def test_one_command_per_active_finding(realistic_result: ScanResult) -> None:
    lines = _lines(realistic_result)
    active = [f for f in realistic_result.findings if not f.suppressed]
    assert len(lines) == len(active) + len(realistic_result.errors)
    assert ("::error file=infra/storage.tf,line=12,endLine=17,"
            "title=SOV001 data-outside-france (high)::aws_s3_bucket.reports holds strategic data "
            "in us-east-1 (US), outside France") in lines
    assert lines[-1] == "::error file=charts/web,title=sovlint error::not rendered: helm not found"


@pytest.mark.parametrize("severity, command", [
    (Severity.CRITICAL, "error"), (Severity.HIGH, "error"), (Severity.MEDIUM, "warning"),
    (Severity.LOW, "notice"), (Severity.INFO, "notice"),
])
def test_levels(realistic_result: ScanResult, severity: Severity, command: str) -> None:
    finding = dataclasses.replace(realistic_result.findings[1], severity=severity)
    (line,) = _lines(dataclasses.replace(realistic_result, findings=[finding], errors=[]))
    assert line.startswith(f"::{command} file=")


def test_escaping_in_properties_and_message(realistic_result: ScanResult) -> None:
    finding = dataclasses.replace(
        realistic_result.findings[1], name="odd:name,x",
        source=SourceSpan("dir, with: colon/100% é.tf", 3, 4),
        message="50% of data\r\nmoved: a,b::c")
    (line,) = _lines(dataclasses.replace(realistic_result, findings=[finding], errors=[]))
    assert line == ("::warning file=dir%2C with%3A colon/100%25 é.tf,line=3,endLine=4,"
                    "title=SOV009 odd%3Aname%2Cx (medium)::50%25 of data%0D%0Amoved: a,b::c")


def test_escape_functions() -> None:
    assert github.escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert github.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    assert github.escape_property("%3A") == "%253A"  # % first: no double meaning


def test_paths_from_repository_root(realistic_result: ScanResult, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").write_text("gitdir: /elsewhere\n")  # a worktree's .git file
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    line = github.render(realistic_result, {}).splitlines()[0]
    assert line.startswith("::warning file=sub/infra/db.tf,")


def test_suppressed_not_annotated_and_error_without_path_line(realistic_result: ScanResult) -> None:
    result = dataclasses.replace(realistic_result, errors=[ScanError("a.tf", "bad", 7)])
    lines = _lines(result)
    assert not any("aws_db_instance.patients holds health data at aws" in l for l in lines)
    assert lines[-1] == "::error file=a.tf,line=7,title=sovlint error::bad"


def test_empty_result(empty_result: ScanResult) -> None:
    assert github.render(empty_result, {}) == ""


def test_deterministic(realistic_result: ScanResult) -> None:
    assert _lines(realistic_result) == _lines(realistic_result)
