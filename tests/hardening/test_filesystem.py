"""SPEC §9: the file system is hostile too — links, special files, unreadable files, odd names.

Symbolic links are not followed (loops cannot hang, files outside the tree are
not read), FIFOs and devices are never opened, an unreadable file or
directory is reported with its path, and file names with spaces, newlines,
``%``, ``:``, ``,``, ``<>&"`` or non-ASCII characters round-trip through every
output format, escaped as that format requires.
"""

from __future__ import annotations

import builtins
import html.parser
import io
import json
import os
import re
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from hostile import run_sovlint

BUCKET = 'resource "aws_s3_bucket" "{name}" {{\n  region = "us-east-1"\n}}\n'


def _scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *paths: str) -> Any:
    from sovlint.config import Config
    from sovlint.engine import scan

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOVLINT_CACHE_DIR", str(tmp_path / ".cache-sovlint"))
    return scan([Path(p) for p in paths], Config(jobs=1), explicit_files=all(Path(p).is_file() for p in paths))


def _rules_by_path(result: Any) -> set[tuple[str, str]]:
    return {(f.rule, f.source.path) for f in result.findings}


def test_symlink_loops_and_links_out_of_the_tree_are_not_followed(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.tf").write_text(BUCKET.format(name="outside"))
    (outside / "stack.yaml").write_text('AWSTemplateFormatVersion: "2010-09-09"\nResources: {}\n')
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "main.tf").write_text(BUCKET.format(name="inside"))
    os.symlink("loop-b.tf", tree / "loop-a.tf")
    os.symlink("loop-a.tf", tree / "loop-b.tf")
    os.symlink("self.tf", tree / "self.tf")
    os.symlink(".", tree / "dir-loop")
    os.symlink("..", tree / "parent-loop")
    os.symlink(outside / "secret.tf", tree / "linked.tf")
    os.symlink(outside, tree / "linked-dir")
    os.symlink(outside / "stack.yaml", tree / "linked.yaml")
    result = _scan(tmp_path, monkeypatch, "tree")
    assert ("SOV001", "tree/main.tf") in _rules_by_path(result)
    assert {f.source.path for f in result.findings} == {"tree/main.tf"}
    assert not [r for r in result.resources if "outside" in r.address]
    assert result.errors == []


def test_an_explicit_symlink_loop_is_an_error_entry(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BUCKET.format(name="b"))
    os.symlink("self.tf", tmp_path / "self.tf")
    run = run_sovlint(tmp_path, "scan", "self.tf", "main.tf", "--format", "json", timeout=60)
    doc = run.json()
    assert run.code == 1 and "Traceback" not in run.stderr
    assert any(e["path"] == "self.tf" for e in doc["errors"]), doc["errors"]
    assert ("SOV001", "main.tf") in {(f["rule"], f["path"]) for f in doc["findings"]}
    # from inside a repository, the loop lies outside it: the path is kept as given
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    run = run_sovlint(tmp_path, "scan", str(tmp_path / "self.tf"), "--format", "sarif", "--format", "github",
                      "--format", "gitlab", cwd=tmp_path / "repo", timeout=60)
    assert run.code == 0 and "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    assert str(tmp_path / "self.tf").replace(":", "%3A") in run.stdout


def test_a_module_source_that_is_a_symlink_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "main.tf").write_text(BUCKET.format(name="b") + 'module "m" {\n  source = "./loop"\n}\n'
                                  'module "n" {\n  source = "./outside"\n}\n')
    os.symlink("loop", tree / "loop")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "main.tf").write_text(BUCKET.format(name="far"))
    os.symlink(tmp_path / "elsewhere", tree / "outside")
    result = _scan(tmp_path, monkeypatch, "tree")
    assert ("SOV001", "tree/main.tf") in _rules_by_path(result)
    assert not [f for f in result.findings if "internal error" in f.message], result.findings
    # nothing it would create is known: SOV004 on the call, fail closed
    (call,) = [f for f in result.findings if f.address == "module.m"]
    assert (call.rule, call.source.path) == ("SOV004", "tree/main.tf")
    assert 'local module "./loop" does not exist' in call.message


def test_fifos_and_devices_are_never_opened(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "main.tf").write_text(BUCKET.format(name="b"))
    os.mkfifo(tree / "x.tf")
    os.mkfifo(tree / "pipe.json")
    os.mkfifo(tree / "pipe.yaml")
    os.symlink("/dev/zero", tree / "zero.tf")
    os.symlink("/dev/zero", tree / "zero.json")
    # opening any FIFO for reading would block forever: the timeout proves nothing was
    run = run_sovlint(tmp_path, "scan", "tree", "--format", "json", timeout=60)
    assert run.code == 1 and "Traceback" not in run.stderr
    doc = run.json()
    assert {f["path"] for f in doc["findings"]} == {"tree/main.tf"}
    # given explicitly, special files are reported as skipped
    run = run_sovlint(tmp_path, "scan", "tree/x.tf", "tree/zero.tf", "tree/pipe.json", "tree/main.tf",
                      "--format", "json", timeout=60)
    doc = run.json()
    # nothing is skipped with exit 0: each is a SOV900 that says why
    skipped = {f["path"] for f in doc["findings"]
               if f["rule"] == "SOV900" and "not a regular file" in f["message"]}
    assert skipped == {"tree/x.tf", "tree/zero.tf", "tree/pipe.json"}, doc["findings"]
    assert ("SOV001", "tree/main.tf") in {(f["rule"], f["path"]) for f in doc["findings"]}


def _deny(monkeypatch: pytest.MonkeyPatch, denied: set[str]) -> None:
    """Make ``open``, ``os.open`` and ``os.scandir`` fail with EACCES on ``denied`` (tests run as root)."""

    def guard(real: Any) -> Any:
        def patched(file: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(file, (str, os.PathLike)) and os.path.abspath(os.fspath(file)) in denied:
                raise PermissionError(13, "Permission denied", os.fspath(file))
            return real(file, *args, **kwargs)
        return patched

    monkeypatch.setattr(builtins, "open", guard(builtins.open))
    monkeypatch.setattr(io, "open", guard(io.open))
    monkeypatch.setattr(os, "open", guard(os.open))
    monkeypatch.setattr(os, "scandir", guard(os.scandir))
    monkeypatch.setattr(os, "listdir", guard(os.listdir))


@pytest.mark.parametrize("name", ["locked.tf", "locked.tf.json", "locked.yaml", "locked.json",
                                  "terraform.tfvars"])
def test_an_unreadable_file_is_reported_and_the_rest_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              name: str) -> None:
    tree = tmp_path / "tree"
    (tree / "ok").mkdir(parents=True)
    (tree / "ok" / "main.tf").write_text(BUCKET.format(name="b"))
    (tree / "locked").mkdir()
    if name == "terraform.tfvars":
        (tree / "locked" / "main.tf").write_text(BUCKET.format(name="c"))
    (tree / "locked" / name).write_text("apiVersion: v1\nkind: Pod\n" if name.endswith(("yaml", "json")) else "")
    _deny(monkeypatch, {str(tree / "locked" / name)})
    result = _scan(tmp_path, monkeypatch, "tree")
    assert ("SOV001", "tree/ok/main.tf") in _rules_by_path(result)
    reported = [f for f in result.findings if f.source.path == f"tree/locked/{name}"]
    assert [f.rule for f in reported] == ["SOV900"], result.findings
    assert "cannot read" in reported[0].message


def test_an_unreadable_directory_is_an_error_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "tree"
    (tree / "ok").mkdir(parents=True)
    (tree / "ok" / "main.tf").write_text(BUCKET.format(name="b"))
    (tree / "locked").mkdir()
    (tree / "locked" / "main.tf").write_text(BUCKET.format(name="c"))
    _deny(monkeypatch, {str(tree / "locked")})
    result = _scan(tmp_path, monkeypatch, "tree")
    assert ("SOV001", "tree/ok/main.tf") in _rules_by_path(result)
    assert [e.path for e in result.errors if "cannot read" in e.message] == ["tree/locked"]


# ----- odd file names through every output format -----

NAMES = ["with space.tf", "new\nline.tf", "per%cent%0A.tf", "co:lon.tf", "com,ma.tf",
         '<b>&"x\'.tf', "ñandú-日本.tf", "tab\there.tf"]
FORMATS = ("text", "json", "sarif", "junit", "github", "gitlab", "html")


@pytest.fixture(scope="module")
def odd_outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], list[str]]:
    """One scan of a directory of oddly named files, written in every format."""
    base = tmp_path_factory.mktemp("names")
    folder = base / "dir: a,b %"
    folder.mkdir()
    for index, name in enumerate(NAMES):
        (folder / name).write_text(BUCKET.format(name=f"b{index}"), encoding="utf-8")
    args = ["scan", folder.name]
    for fmt in FORMATS:
        args += ["--format", fmt, "--output", str(base / f"out.{fmt}")]
    run = run_sovlint(base, *args, timeout=120)
    assert run.code == 1 and "Traceback" not in run.stderr, run.stderr
    outputs = {fmt: (base / f"out.{fmt}").read_text(encoding="utf-8") for fmt in FORMATS}
    return outputs, [f"{folder.name}/{name}" for name in NAMES]


def test_json_and_gitlab_keep_odd_names(odd_outputs: tuple[dict[str, str], list[str]]) -> None:
    outputs, paths = odd_outputs
    assert {f["path"] for f in json.loads(outputs["json"])["findings"]} == set(paths)
    assert {i["location"]["path"] for i in json.loads(outputs["gitlab"])} == set(paths)


def test_sarif_percent_encodes_odd_names(odd_outputs: tuple[dict[str, str], list[str]]) -> None:
    outputs, paths = odd_outputs
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for run in json.loads(outputs["sarif"])["runs"] for result in run["results"]
            for loc in result["locations"]}
    assert all(re.fullmatch(r"[A-Za-z0-9\-._~/%!$'()*+;=@]*", uri) for uri in uris), uris
    assert {urllib.parse.unquote(uri) for uri in uris} == set(paths)


def test_junit_is_well_formed_with_odd_names(odd_outputs: tuple[dict[str, str], list[str]]) -> None:
    outputs, paths = odd_outputs
    root = ET.fromstring(outputs["junit"])
    files = {case.get("file") for case in root.iter("testcase") if case.get("file")}
    assert files == set(paths)


def _unescape_property(text: str) -> str:
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def test_github_commands_escape_odd_names(odd_outputs: tuple[dict[str, str], list[str]]) -> None:
    outputs, paths = odd_outputs
    files = set()
    for line in outputs["github"].splitlines():
        match = re.fullmatch(r"::(error|warning|notice) ([^:]*)::(.*)", line)
        assert match, line  # one command per line: no raw newline, ':' in properties escaped
        properties = dict(item.split("=", 1) for item in match.group(2).split(","))
        files.add(_unescape_property(properties["file"]))
    assert files == set(paths)


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_odd_names(odd_outputs: tuple[dict[str, str], list[str]]) -> None:
    outputs, paths = odd_outputs
    assert '<b>&"x' not in outputs["html"]
    parser = _Text()
    parser.feed(outputs["html"])
    text = "".join(parser.text).replace("\u200b", "")
    for path in paths:  # a newline or tab is valid HTML text (shown as a space)
        assert path in text, path


def test_text_shows_odd_names_without_raw_control_characters(odd_outputs: tuple[dict[str, str], list[str]]) -> None:
    outputs, paths = odd_outputs
    for path in paths:
        shown = path.replace("\n", "\\n").replace("\t", "\\t")
        assert shown in outputs["text"].splitlines(), path
