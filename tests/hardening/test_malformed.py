"""SPEC §9: malformed input of every format gives SOV900 (or exit 2 for config/policy files).

The input files are scanned together in one CLI run (a tree with one directory
per hostile case next to one valid file per format): each hostile file must
give a SOV900 finding with its path and line, or be left alone when it is
valid or not IaC at all, and every valid file must still be checked. Config
and policy files stop the run with exit 2 and ``file:line``.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hostile import VALID, run_sovlint, write_valid

SOV900, CLEAN = "SOV900", "clean"

#: Deterministic bytes that are neither UTF-8 nor text.
BINARY = bytes(random.Random(9).randrange(256) for _ in range(2048)) + b"\x00\xff"
#: Per format: (marker the truncation cuts inside, an unclosed opener, a stray closer,
#: header that makes discovery recognise the format, comment-only text).
SHAPES: dict[str, dict[str, Any]] = {
    "terraform": {"cut": 'region = "us-', "open": ('region = "us-east-1"', 'region = ["us-east-1"'),
                  "close": ("}\n", "}\n}\n"), "head": b"",
                  "comments": b"# only a comment\n// another\n/* and a\n block */\n"},
    "terraform-json": {"cut": '"region": "us', "open": ('{"region"', '{{"region"'),
                       "close": ("}}}}", "}}}}}"), "head": b"",
                       "comments": b'// {"resource": {}}\n'},
    "terraform-plan": {"cut": '"region": "us', "open": ('"values": {', '"values": {{'),
                       "close": ("]}}\n}", "]}}}\n}"), "head": b'{"format_version": "1.2", "planned_values": ',
                       "comments": b'// "format_version" "planned_values"\n'},
    "terraform-state": {"cut": '"region": "us', "open": ('"attributes": {', '"attributes": {{'),
                        "close": ("]\n}", "]]\n}"), "head": b'{"version": 4, "resources": ',
                        "comments": b'// "version": 4\n'},
    "kubernetes": {"cut": 'image: "docker.io/', "open": ("name: web\nspec", "name: {web\nspec"),
                   "close": ("name: web\nspec", "name: {a: web}}\nspec"),
                   "head": b"apiVersion: v1\nkind: Pod\n",
                   "comments": b"# apiVersion: v1\n# kind: Pod\n"},
    "cloudformation-yaml": {"cut": 'BucketName: "data', "open": ("Type: AWS::S3::Bucket", "Type: [AWS::S3::Bucket"),
                            "close": ("Type: AWS::S3::Bucket", "Type: [AWS::S3::Bucket]]"),
                            "head": b'AWSTemplateFormatVersion: "2010-09-09"\n',
                            "comments": b'# AWSTemplateFormatVersion: "2010-09-09"\n'},
    "cloudformation-json": {"cut": '"BucketName": "da', "open": ('"Bucket": {', '"Bucket": {{'),
                            "close": ("}}\n  }\n}", "}}}\n  }\n}"),
                            "head": b'{"AWSTemplateFormatVersion": "2010-09-09", ',
                            "comments": b'// "AWSTemplateFormatVersion": "2010-09-09"\n'},
    "arm": {"cut": '"location": "we', "open": ('"resources": [', '"resources": [['),
            "close": ("}\n  ]", "}}\n  ]"),
            "head": b'{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", ',
            "comments": b'// "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"\n'},
}


def _insert_after_line(text: bytes, line: int, junk: bytes) -> bytes:
    """``junk`` put in the middle of 1-based line ``line``."""
    lines = text.split(b"\n")
    middle = len(lines[line - 1]) // 2
    lines[line - 1] = lines[line - 1][:middle] + junk + lines[line - 1][middle:]
    return b"\n".join(lines)


def hostile_cases() -> list[tuple[str, str, bytes, str, int | None]]:
    """(format, case, content, expected outcome, expected line) for every format."""
    cases = []
    for fmt, (name, text, _) in VALID.items():
        shape = SHAPES[fmt]
        data = text.encode()
        cut = text.index(shape["cut"]) + len(shape["cut"])
        # invalid bytes go into the value line the truncation cuts (after any sniffed header)
        target = text.count("\n", 0, cut) + 1
        old, new = shape["open"]
        assert old in text, (fmt, old)
        old_close, new_close = shape["close"]
        assert old_close in text, (fmt, old_close)
        cases += [
            (fmt, "truncated", data[:cut], SOV900, None),
            (fmt, "unbalanced-open", text.replace(old, new, 1).encode(), SOV900, None),
            (fmt, "unbalanced-close", _rreplace(text, old_close, new_close).encode(), SOV900, None),
            (fmt, "invalid-utf8", _insert_after_line(data, target, b"\xc3\x28\xff"), SOV900, target),
            (fmt, "nul-byte", _insert_after_line(data, target, b"\x00"), SOV900, target),
            (fmt, "binary", shape["head"] + BINARY, SOV900, None),
            # an empty file is valid Terraform, and an empty state is no state (as Terraform reads
            # it); an empty .json/.yaml is not IaC: no finding
            (fmt, "empty", b"", SOV900 if fmt == "terraform-json" else CLEAN, None),
            # comments: valid HCL; a JSON dialect without comments or an empty document is SOV900
            (fmt, "only-comments", shape["comments"],
             CLEAN if fmt in ("terraform", "kubernetes", "cloudformation-yaml") else SOV900, None),
        ]
    return cases


def _rreplace(text: str, old: str, new: str) -> str:
    head, _, tail = text.rpartition(old)
    return head + new + tail


CASES = hostile_cases()


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, Any]]:
    """One scan of every hostile case next to one valid file per format."""
    base = tmp_path_factory.mktemp("malformed")
    tree = base / "tree"
    valid = write_valid(tree / "good")
    for fmt, case, content, _, _ in CASES:
        path = tree / "cases" / f"{fmt}-{case}" / VALID[fmt][0]
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
    run = run_sovlint(base, "scan", "tree", "--format", "json", "--no-color")
    return run, {"valid": valid, "doc": run.json()}


def test_the_batch_exits_1_without_traceback(batch: tuple[Any, dict[str, Any]]) -> None:
    run, _ = batch
    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stdout


def test_every_valid_file_is_still_checked(batch: tuple[Any, dict[str, Any]]) -> None:
    _, info = batch
    base = Path(info["valid"]["terraform"][0]).parent.parent.parent.parent
    found = {(f["path"], f["rule"]) for f in info["doc"]["findings"]}
    for fmt, (path, rule) in info["valid"].items():
        assert (Path(path).relative_to(base).as_posix(), rule) in found, fmt


@pytest.mark.parametrize(("fmt", "case", "content", "expected", "line"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_hostile_file(batch: tuple[Any, dict[str, Any]], fmt: str, case: str, content: bytes,
                      expected: str, line: int | None) -> None:
    _, info = batch
    path = f"tree/cases/{fmt}-{case}/{VALID[fmt][0]}"
    mine = [f for f in info["doc"]["findings"] if f["path"] == path]
    errors = [e for e in info["doc"]["errors"] if e["path"] == path]
    assert not errors, errors
    if expected == CLEAN:
        assert not mine
        return
    assert [f["rule"] for f in mine] == [SOV900], mine
    assert isinstance(mine[0]["line"], int) and mine[0]["line"] >= 1
    if line is not None:
        assert mine[0]["line"] == line, mine[0]
    assert "Traceback" not in mine[0]["message"] and "internal error" not in mine[0]["message"]


# ----- config and policy files: exit 2 with file and line -----

CONFIG_CASES: list[tuple[str, bytes, int | None]] = [
    # (case, content, expected line; None: the run goes on)
    ("truncated", b'profile: france\nfail_on: "hi', 2),
    ("unbalanced-open", b"profile: france\nexclude: [a, b\n", 3),  # end of stream
    ("unbalanced-close", b"profile: france\nexclude: [a, b]]\n", 2),
    ("invalid-utf8", b"profile: france\nexclude: [\xc3\x28]\n", 2),
    ("nul-byte", b"profile: france\nexclude: [\x00]\n", 2),
    ("binary", BINARY, None),
    ("empty", b"", None),
    ("only-comments", b"# nothing here\n# at all\n", None),
    ("unknown-key", b"profile: france\nfrobnicate: 1\n", 2),
    ("python-tag", b"profile: france\nfail_on: !!python/object/apply:os.system ['touch pwned']\n", 2),
    ("python-name", b"profile: !!python/name:os.system france\n", 1),
    ("not-a-mapping", b"- a\n- b\n", 1),
]

POLICY_TEXT = ("id: ORG001\nname: x\nseverity: low\ntitle: t\nmessage: m\n"
               "assert:\n  location.country: {in: [FR]}\n")
POLICY_CASES: list[tuple[str, bytes, int | None]] = [
    # an unclosed flow collection is reported where the stream ends
    ("truncated", POLICY_TEXT.encode()[: POLICY_TEXT.index("[FR]") + 2], 8),
    ("unbalanced-open", POLICY_TEXT.replace("{in", "{{in").encode(), 8),
    ("unbalanced-close", POLICY_TEXT.replace("[FR]}", "[FR]}}").encode(), 7),
    ("invalid-utf8", POLICY_TEXT.replace("title: t", "title: t\xff").encode("latin-1"), 4),
    ("nul-byte", POLICY_TEXT.replace("title: t", "title: t\x00").encode(), 4),
    ("binary", BINARY, None),
    ("empty", b"", 1),
    ("only-comments", b"# a comment\n", 1),
]


def _scan_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    from sovlint.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOVLINT_CACHE_DIR", str(tmp_path / ".cache-sovlint"))
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize(("case", "content", "line"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_hostile_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str,
                             content: bytes, line: int | None) -> None:
    write_valid(tmp_path / "infra")
    (tmp_path / "infra" / ".sovlint.yaml").write_bytes(content)
    result = _scan_in_process(tmp_path, monkeypatch, "scan", "infra", "--format", "json")
    assert "Traceback" not in result.stderr and not (tmp_path / "pwned").exists()
    if case == "binary":  # a binary file is not valid UTF-8: the line of the first bad byte
        assert result.exit_code == 2
        assert re.search(r"infra/\.sovlint\.yaml:\d+: ", result.stderr), result.stderr
        return
    if line is None:
        assert result.exit_code == 1, result.stderr
        assert '"SOV001"' in result.stdout
        return
    assert result.exit_code == 2, result.output
    assert f"infra/.sovlint.yaml:{line}: " in result.stderr, result.stderr


@pytest.mark.parametrize(("case", "content", "line"), POLICY_CASES, ids=[c[0] for c in POLICY_CASES])
def test_hostile_policy_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str,
                             content: bytes, line: int | None) -> None:
    write_valid(tmp_path / "infra")
    (tmp_path / "rule.yaml").write_bytes(content)
    for command in (["scan", "infra", "--policy", "rule.yaml"], ["policy", "validate", "rule.yaml"]):
        result = _scan_in_process(tmp_path, monkeypatch, *command)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.stderr
        if line is None:
            assert re.search(r"rule\.yaml:\d+: ", result.stderr), result.stderr
        else:
            assert f"rule.yaml:{line}: " in result.stderr, result.stderr
