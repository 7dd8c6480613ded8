"""The scan progress hook (``engine.collect``) and the terminal line the CLI draws with it."""

from __future__ import annotations

import io

import pytest

from sovlint.cli import _ProgressLine, _progress_for
from sovlint.config import Config
from sovlint.discover import UNREADABLE
from sovlint.engine import collect
from sovlint.units import WorkUnit


def _units(count: int) -> list[WorkUnit]:
    return [WorkUnit(UNREADABLE, f"f{i}.tf", (f"f{i}.tf",)) for i in range(count)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_collect_reports_each_unit(jobs: int) -> None:
    calls: list[tuple[int, int]] = []
    results = collect(_units(3), Config(), jobs, lambda done, total: calls.append((done, total)))
    assert len(results) == 3
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_collect_without_progress() -> None:
    assert len(collect(_units(2), Config(), 1)) == 2


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_line_waits_a_second_then_draws_and_erases() -> None:
    stream = _Terminal()
    now = [100.0]
    line = _ProgressLine(stream)
    line._clock = lambda: now[0]
    line._start = 100.0
    line(1, 4)
    assert stream.getvalue() == ""  # a short scan never shows it
    now[0] = 101.5
    line(2, 4)
    assert stream.getvalue() == "\rsovlint: [############............] 2/4 modules and files"
    now[0] = 101.55
    line(3, 4)  # throttled
    assert stream.getvalue().count("\r") == 1
    line(4, 4)  # the last one is always drawn
    assert stream.getvalue().endswith("4/4 modules and files")
    line.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_close_is_silent_when_nothing_was_drawn() -> None:
    stream = _Terminal()
    line = _ProgressLine(stream)
    line.close()
    assert stream.getvalue() == ""


def test_no_line_off_a_terminal_or_when_quiet() -> None:
    assert _progress_for(False, io.StringIO()) is None
    assert _progress_for(True, _Terminal()) is None
    assert isinstance(_progress_for(False, _Terminal()), _ProgressLine)
