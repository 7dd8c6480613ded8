"""Scan other linters' test suites (hostile by design) and judge every SOV900 against the reference parsers.

For each path (for instance Checkov's ``tests/`` and Terrascan's test folders,
checked out outside this repository), runs ``sovlint scan PATH --format json``
and prints: exit code, wall time, peak RSS, whether a traceback appeared, the
number of files, resources and SOV900 findings, and how many of those SOV900
are on files the format's own reference accepts — Terraform's parser
(``terraform fmt -``) for HCL, ``json.loads`` for JSON, PyYAML's composer for
YAML (any tag accepted). The goal is none: a SOV900 must mean the file is
broken (or a tool is missing, counted apart). Each such file is listed.

Usage: python bench/peer_suites.py PATH [PATH...]
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

TOOL_MISSING = ("not rendered: helm not found", "not scanned: bicep not found")


def accepted_by_reference(path: Path) -> bool | None:
    """Whether the format's reference parser accepts the file (``None``: no reference here)."""
    name = path.name.lower()
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if name.endswith((".tf", ".tfvars", ".hcl")):
        terraform = shutil.which("terraform")
        if terraform is None:
            return None
        done = subprocess.run([terraform, "fmt", "-"], input=data, capture_output=True, timeout=60,
                              env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull})
        return done.returncode == 0
    if name.endswith(".json"):
        try:
            json.loads(data)
        except ValueError:
            return False
        return True
    if name.endswith((".yaml", ".yml")) or name == "kustomization":
        import yaml

        try:
            for _ in yaml.compose_all(data.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
                pass
        except (yaml.YAMLError, UnicodeDecodeError):
            return False
        return True
    return None


def scan(path: Path) -> None:
    """Scan one suite and print its figures."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "sovlint", "scan", path.name, "--format", "json", "--no-cache"],
                             cwd=path.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = child.communicate()
    seconds = time.monotonic() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    text = stderr.decode("utf-8", "replace")
    try:
        doc = json.loads(stdout)
    except ValueError:
        print(f"{path}: exit {child.returncode}, no JSON report; stderr: {text[-500:]}")
        return
    failures = [f for f in doc["findings"] if f["rule"] == "SOV900"]
    missing_tool = [f for f in failures if f["message"].startswith(TOOL_MISSING)]
    judged = [f for f in failures if f not in missing_tool]
    accepted = [f for f in judged if accepted_by_reference(path.parent / f["path"])]
    internal = [f for f in failures if "internal error" in f["message"]]
    print(f"{path}: exit {child.returncode}, {seconds:.1f} s, peak {peak:.0f} MiB, "
          f"traceback: {'yes' if 'Traceback' in text else 'no'}; {doc['summary']['files']} files, "
          f"{doc['summary']['resources']} resources, {len(doc['errors'])} errors; SOV900: {len(failures)} "
          f"({len(missing_tool)} for a missing tool, {len(internal)} internal errors, "
          f"{len(accepted)} on files the reference parser accepts)")
    for finding in accepted:
        print(f"  accepted by the reference, SOV900 here: {finding['path']}:{finding['line']}: {finding['message']}")
    for finding in judged:
        if finding not in accepted:
            print(f"  rejected by the reference too: {finding['path']}:{finding['line']}: {finding['message'][:100]}")


def main() -> None:
    """Scan each path given."""
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for argument in sys.argv[1:]:
        scan(Path(argument).resolve())


if __name__ == "__main__":
    main()
