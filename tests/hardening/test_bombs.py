"""SPEC §9: inputs built to exhaust memory or time are bounded, reported, and never stop the scan.

Every bomb of ``bomb_files.BOMBS`` is written next to the others and scanned
in one CLI run (a child process, so that its peak memory is its own); the
per-bomb figures are printed by ``bench/hostile.py``. The 100 MB file is also
scanned in-process to prove it is never opened.
"""

from __future__ import annotations

import builtins
import io
import os
from pathlib import Path
from typing import Any

import pytest

from bomb_files import BOMBS, HUGE_BYTES, NEIGHBOUR, huge_file, write_bomb
from hostile import run_sovlint

#: Generous bounds for the whole run of every bomb (about 25 s and 130 MiB on a 2-core machine).
MAX_SECONDS = 90
MAX_RSS_MIB = 600


@pytest.fixture(scope="module")
def bombed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, Any]]:
    """One scan of every bomb, each in its own directory with a valid neighbour."""
    base = tmp_path_factory.mktemp("bombs")
    for bomb in BOMBS:
        write_bomb(bomb, base / "tree" / bomb.name)
    run = run_sovlint(base, "scan", "tree", "--format", "json", timeout=300)
    return run, run.json()


def test_bombs_stay_within_time_and_memory(bombed: tuple[Any, dict[str, Any]]) -> None:
    run, _ = bombed
    print(f"\nall bombs: {run.seconds:.1f} s, peak {run.max_rss_kib / 1024:.0f} MiB")
    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert run.seconds < MAX_SECONDS
    assert run.max_rss_kib / 1024 < MAX_RSS_MIB


@pytest.mark.parametrize("bomb", BOMBS, ids=[b.name for b in BOMBS])
def test_each_bomb_is_reported_and_its_neighbour_checked(bombed: tuple[Any, dict[str, Any]],
                                                         bomb: Any) -> None:
    _, doc = bombed
    kind, rel, detail = bomb.expect
    path = f"tree/{bomb.name}/{rel}"
    neighbour = f"tree/{bomb.name}/{NEIGHBOUR[0]}"
    assert ("SOV001", neighbour) in {(f["rule"], f["path"]) for f in doc["findings"]}
    if kind == "finding":
        rules = [f for f in doc["findings"] if f["path"] == path and f["rule"] == detail]
        assert rules, [f for f in doc["findings"] if f["path"] == path]
        assert all(isinstance(f["line"], int) for f in rules)
    else:
        messages = [e["message"] for e in doc["errors"] if e["path"] == path]
        assert any(detail in m for m in messages), doc["errors"]


def test_a_huge_file_is_skipped_without_being_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sovlint.config import Config
    from sovlint.engine import scan

    huge_file(tmp_path)
    (tmp_path / NEIGHBOUR[0]).write_text(NEIGHBOUR[1], encoding="utf-8")
    huge = str(tmp_path / "huge" / "main.tf")
    assert os.stat(huge).st_size == HUGE_BYTES
    opened: list[str] = []

    def guard(real: Any) -> Any:
        def patched(file: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(file, (str, os.PathLike)) and os.path.abspath(os.fspath(file)) == huge:
                opened.append(huge)
                raise AssertionError("the huge file was opened")
            return real(file, *args, **kwargs)
        return patched

    monkeypatch.setattr(builtins, "open", guard(builtins.open))
    monkeypatch.setattr(io, "open", guard(io.open))
    monkeypatch.setattr(os, "open", guard(os.open))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOVLINT_CACHE_DIR", str(tmp_path / ".cache-sovlint"))
    result = scan([Path(".")], Config(jobs=1))
    assert not opened
    # not read, and not skipped silently: a SOV900 that says how to include it
    assert any(f.rule == "SOV900" and f.source.path == "huge/main.tf" and "--max-file-size" in f.message
               for f in result.findings)
    assert ("SOV001", NEIGHBOUR[0]) in {(f.rule, f.source.path) for f in result.findings}
