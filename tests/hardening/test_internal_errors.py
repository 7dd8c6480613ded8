"""SPEC §9 / STYLE habit 6: an unexpected exception in one rule or one file is reported, the run goes on.

Exit 3 only when sovlint itself cannot continue, with one line on stderr
(the trace only with ``--debug``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hostile import run_sovlint, write_valid

PLUGIN = '''
class Broken:
    id = "DEMO900"
    name = "always-breaks"
    severity = "low"
    title = "A rule that raises"

    def check(self, resource):
        raise ZeroDivisionError("the plugin divided by zero")

RULE = Broken()
'''


def _plugin_site(base: Path) -> Path:
    site = base / "site"
    info = site / "sovlint_plugin_broken-0.1.dist-info"
    info.mkdir(parents=True)
    (site / "sovlint_plugin_broken.py").write_text(PLUGIN, encoding="utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sovlint-plugin-broken\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[sovlint.rules]\nbroken = sovlint_plugin_broken:RULE\n")
    (info / "RECORD").write_text("")
    return site


@pytest.mark.parametrize("debug", [False, True])
def test_a_crashing_plugin_rule_is_an_error_entry(tmp_path: Path, debug: bool) -> None:
    site = _plugin_site(tmp_path)
    write_valid(tmp_path / "tree")
    run = run_sovlint(tmp_path, "scan", "tree", "--format", "json", *(["--debug"] if debug else []),
                      extra_pythonpath=[str(site)], timeout=120)
    assert run.code == 1, run.stderr
    doc = json.loads(run.stdout)
    broken = [e for e in doc["errors"] if "DEMO900" in e["message"]]
    assert len(broken) == 1 and "ZeroDivisionError" in broken[0]["message"], doc["errors"]
    assert {"SOV001", "SOV010"} <= {f["rule"] for f in doc["findings"]}  # the other rules ran
    assert ("Traceback" in run.stderr) == debug
    if debug:
        assert "the plugin divided by zero" in run.stderr


def _cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    from sovlint.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOVLINT_CACHE_DIR", str(tmp_path / ".cache-sovlint"))
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("debug", [False, True])
def test_a_crashing_normaliser_is_reported_for_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        debug: bool) -> None:
    from sovlint.normalise import formats

    def explode(unit: Any, config: Any) -> Any:
        raise KeyError("no such key in the manifest")

    monkeypatch.setitem(formats.NORMALISERS, "kubernetes", explode)  # type: ignore[arg-type]
    write_valid(tmp_path / "tree")
    result = _cli(tmp_path, monkeypatch, "scan", "tree", "--format", "json", *(["--debug"] if debug else []))
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    mine = [f for f in doc["findings"] if f["path"] == "tree/kubernetes/pod.yaml"]
    assert [f["rule"] for f in mine] == ["SOV900"] and "internal error" in mine[0]["message"]
    assert "KeyError" in mine[0]["message"]
    assert ("SOV001", "tree/terraform/main.tf") in {(f["rule"], f["path"]) for f in doc["findings"]}
    assert ("Traceback" in result.stderr) == debug


@pytest.mark.parametrize("debug", [False, True])
def test_exit_3_when_sovlint_cannot_continue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             debug: bool) -> None:
    import sovlint.engine

    def broken_discover(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError("cannot allocate")

    monkeypatch.setattr(sovlint.engine, "discover", broken_discover)
    write_valid(tmp_path / "tree")
    result = _cli(tmp_path, monkeypatch, "scan", "tree", *(["--debug"] if debug else []))
    assert result.exit_code == 3
    assert "internal error: MemoryError: cannot allocate" in result.stderr
    if debug:
        assert "Traceback" in result.stderr
    else:
        assert result.stderr.count("\n") == 1 and "--debug" in result.stderr
