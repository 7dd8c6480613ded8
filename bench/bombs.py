"""Peak memory and wall time of ``sovlint scan`` on each hostile input of SPEC §9.

Each bomb (``tests/hardening/bomb_files.py``) is written to a fresh temporary
directory next to a valid Terraform file and scanned in a child process;
peak memory is the child's own (``os.wait4``). Prints one line per bomb.

Usage: python bench/bombs.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "hardening"))
sys.path.insert(1, str(ROOT / "tests"))

from bomb_files import BOMBS, write_bomb  # noqa: E402


def measure(base: Path) -> tuple[int, float, int, dict]:
    """Scan ``base``: (exit code, seconds, peak RSS in KiB, JSON report)."""
    from hostile import run_sovlint  # the tests' runner: /usr/bin/time for the peak memory

    run = run_sovlint(base, "scan", "tree", "--format", "json", "--no-color", timeout=600)
    return run.code, run.seconds, run.max_rss_kib, json.loads(run.stdout) if run.stdout else {}


def main() -> None:
    """Scan every bomb and print its cost."""
    print(f"{'bomb':<28} {'exit':>4} {'seconds':>8} {'peak MiB':>9}  reported")
    for bomb in BOMBS:
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp)
            write_bomb(bomb, base / "tree")
            code, seconds, rss, doc = measure(base)
            said = [f"{f['rule']} {f['message'][:60]}" for f in doc.get("findings", [])
                    if f["path"] != "tree/neighbour.tf"]
            said += [f"error: {e['message'][:60]}" for e in doc.get("errors", [])]
            print(f"{bomb.name:<28} {code:>4} {seconds:>8.2f} {rss / 1024:>9.1f}  {'; '.join(said)[:150]}")


if __name__ == "__main__":
    main()
