"""SPEC §9 guarantees: no network call, no write to the scanned tree, atomic outputs.

- A scan of the corpus runs with the socket layer blocked (in-process; every
  attempt is recorded); ``scan``, ``inventory`` and ``policy`` run in
  subprocesses with a ``sitecustomize`` that blocks sockets the same way.
  By default every twentieth directory of the corpus is scanned;
  ``SOVLINT_HARDENING_FULL=1`` scans all of it (about a minute of CPU).
- Every file of a scanned copy of the corpus hashes the same after a scan
  and an inventory in every output format (outputs and baseline elsewhere).
- Outputs and baselines are written atomically: an interrupted or killed write
  leaves the old file intact, and a written file gets the usual permissions.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from hostile import CORPUS, ROOT, cli_env, run_sovlint, write_valid

BLOCK_SOCKETS = textwrap.dedent("""
    import socket, sys

    def _blocked(*args, **kwargs):
        sys.stderr.write("NETWORK ATTEMPT %r\\n" % (args[1:] if args else args,))
        raise OSError("network blocked by the hardening tests")

    socket.socket.connect = _blocked
    socket.socket.connect_ex = _blocked
    socket.socket.sendto = _blocked
    socket.create_connection = _blocked
    socket.getaddrinfo = _blocked
    socket.gethostbyname = _blocked
""")


def _corpus_dirs() -> list[Path]:
    from sovlint.discover import discover

    if not CORPUS.is_dir():
        pytest.skip("the shared corpus is absent")
    if os.environ.get("SOVLINT_HARDENING_FULL"):
        return [CORPUS]
    parents = sorted({f.path.parent for f in discover([CORPUS]).files})
    chosen: list[Path] = []
    for directory in parents[::20]:
        if not any(directory.is_relative_to(c) for c in chosen):
            chosen.append(directory)
    return chosen


def test_a_corpus_scan_makes_no_network_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sovlint.config import Config
    from sovlint.engine import scan

    attempts: list[tuple[str, Any]] = []

    def blocked(name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            attempts.append((name, args[1:] if name.startswith("socket.") else args))
            raise OSError("network blocked by the hardening tests")
        return call

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, blocked(f"socket.{name}"))
    for name in ("create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, blocked(name))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOVLINT_CACHE_DIR", str(tmp_path / ".cache-sovlint"))
    result = scan(_corpus_dirs(), Config(jobs=1, cache=False))
    assert result.files and result.resources
    assert attempts == []
    assert not [f for f in result.findings if "internal error" in f.message]


def test_cli_commands_make_no_network_call(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCK_SOCKETS, encoding="utf-8")
    write_valid(tmp_path / "tree")
    (tmp_path / "rule.yaml").write_text("id: ORG001\nname: x\nseverity: low\ntitle: t\nmessage: m\n"
                                        "assert:\n  location.country: {in: [FR]}\n", encoding="utf-8")
    for command in (["scan", "tree", "--format", "sarif", "--policy", "rule.yaml"],
                    ["inventory", "tree", "--format", "json"],
                    ["policy", "validate", "rule.yaml"],
                    ["policy", "test", str(ROOT / "policies" / "rules")]):
        run = run_sovlint(tmp_path, *command, extra_pythonpath=[str(site)], timeout=120)
        assert "NETWORK ATTEMPT" not in run.stderr, (command, run.stderr)
        assert run.code in (0, 1), (command, run.stderr)


# ----- no writes to the scanned tree -----

def _snapshot(tree: Path) -> dict[str, str]:
    """Every entry under ``tree``: files by content hash, directories and links by kind."""
    state: dict[str, str] = {}
    for root, dirs, files in os.walk(tree):
        for name in dirs:
            state[os.path.relpath(os.path.join(root, name), tree)] = "dir"
        for name in files:
            path = os.path.join(root, name)
            if os.path.islink(path):
                state[os.path.relpath(path, tree)] = "link " + os.readlink(path)
                continue
            with open(path, "rb") as handle:
                state[os.path.relpath(path, tree)] = hashlib.sha256(handle.read()).hexdigest()
    return state


def test_scan_and_inventory_never_write_to_the_scanned_tree(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_valid(tree / "samples")
    if CORPUS.is_dir():  # the first four directories of IaC files of every corpus repository
        from sovlint.discover import discover

        directories = sorted({f.path.parent for f in discover([CORPUS]).files})
        for repository in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
            for directory in [d for d in directories if d.is_relative_to(repository)][:4]:
                for entry in directory.iterdir():
                    if entry.is_file() and not entry.is_symlink():
                        target = tree / entry.relative_to(CORPUS)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(entry, target)
    (tree / ".sovlint.yaml").write_text("fail_on: high\n", encoding="utf-8")
    before = _snapshot(tree)
    out = tmp_path / "out"
    out.mkdir()
    args = ["scan", "tree", "--write-baseline", str(out / "baseline.json")]
    for fmt in ("text", "json", "sarif", "junit", "github", "gitlab", "html"):
        args += ["--format", fmt, "--output", str(out / f"scan.{fmt}")]
    run = run_sovlint(tmp_path, *args, timeout=180)
    assert run.code == 0 and "Traceback" not in run.stderr, run.stderr
    args = ["inventory", "tree"]
    for fmt in ("text", "json", "csv", "html"):
        args += ["--format", fmt, "--output", str(out / f"inventory.{fmt}")]
    run = run_sovlint(tmp_path, *args, timeout=180)
    assert run.code == 0 and "Traceback" not in run.stderr, run.stderr
    assert _snapshot(tree) == before
    assert len(os.listdir(out)) == 12


# ----- atomic outputs -----

def _existing(tmp_path: Path, mode: int = 0o640) -> Path:
    path = tmp_path / "report.json"
    path.write_text("OLD REPORT\n", encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_an_interrupted_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io as io_module

    from sovlint import suppress

    path = _existing(tmp_path)
    real_fdopen = os.fdopen

    class HalfWriter(io_module.TextIOWrapper):
        def write(self, text: str) -> int:
            super().write(text[: len(text) // 2])
            raise KeyboardInterrupt  # the user pressed ^C in the middle of the write

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        handle = real_fdopen(fd, "wb")
        return HalfWriter(handle, encoding="utf-8", newline="")

    monkeypatch.setattr(suppress.os, "fdopen", fdopen)
    with pytest.raises(KeyboardInterrupt):
        suppress.write_atomically(path, "NEW " * 100_000)
    assert path.read_text(encoding="utf-8") == "OLD REPORT\n"
    assert os.listdir(tmp_path) == ["report.json"]  # no temporary file left behind


KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from sovlint import suppress

    real_fdopen = os.fdopen

    class Killed:
        def __init__(self, handle):
            self.handle = handle
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return False
        def write(self, text):
            self.handle.write(text[: len(text) // 2])
            self.handle.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        def __getattr__(self, name):
            return getattr(self.handle, name)

    suppress.os.fdopen = lambda fd, *a, **k: Killed(real_fdopen(fd, *a, **k))
    suppress.write_atomically(Path(sys.argv[1]), "NEW " * 1_000_000)
""")


def test_a_killed_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = _existing(tmp_path)
    proc = subprocess.run([sys.executable, "-c", KILLER, str(path)], env=cli_env(tmp_path),
                          cwd=tmp_path, capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert path.read_text(encoding="utf-8") == "OLD REPORT\n"


def test_cli_outputs_survive_a_failing_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A formatter that fails after the first output was written leaves the second output as it was."""
    from click.testing import CliRunner

    from sovlint import formatters
    from sovlint.cli import main

    write_valid(tmp_path / "tree")
    old = _existing(tmp_path)
    real = formatters.formatter

    def broken(fmt: str) -> Any:
        if fmt == "sarif":
            def render(result: Any, options: Any) -> str:
                raise RuntimeError("formatter broke")
            return render
        return real(fmt)

    monkeypatch.setattr(formatters, "formatter", broken)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOVLINT_CACHE_DIR", str(tmp_path / ".cache-sovlint"))
    result = CliRunner().invoke(main, ["scan", "tree", "--format", "json", "--output", "new.json",
                                       "--format", "sarif", "--output", "report.json"])
    assert result.exit_code == 3 and "Traceback" not in result.stderr
    assert old.read_text(encoding="utf-8") == "OLD REPORT\n"


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_written_files_get_umask_permissions_or_keep_their_own(tmp_path: Path, umask: int) -> None:
    from sovlint.suppress import write_atomically

    old_umask = os.umask(umask)
    try:
        new = tmp_path / "new.sarif"
        write_atomically(new, "{}\n")
        assert new.stat().st_mode & 0o7777 == 0o666 & ~umask
        existing = _existing(tmp_path, 0o604)
        write_atomically(existing, "NEW\n")
        assert existing.stat().st_mode & 0o7777 == 0o604
        assert existing.read_text(encoding="utf-8") == "NEW\n"
    finally:
        os.umask(old_umask)


def test_an_output_that_is_not_a_regular_file_is_written_to_not_replaced(run_cli: Any,
                                                                          tmp_path: Path) -> None:
    """``-o /dev/null`` or a named pipe: replacing it by a file would, as root, replace the
    device itself."""
    import threading

    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    pipe = tmp_path / "report.pipe"
    os.mkfifo(pipe)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text(encoding="utf-8")),
                              daemon=True)
    reader.start()
    code, _, stderr = run_cli("scan", "main.tf", "--no-cache", "--format", "json", "--output", str(pipe))
    reader.join(timeout=60)
    assert code in (0, 1) and "Traceback" not in stderr
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert json.loads(received[0])["summary"]["files"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.tf", "report.pipe"]  # no temporary left
