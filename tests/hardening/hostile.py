"""Helpers of the hardening tests (SPEC §9): valid samples, hostile trees, CLI runs.

Every CLI run gets its own parse cache under the test's ``tmp_path`` and runs
from there, so no ``.sovlint.yaml`` above the scanned tree is ever found and
nothing is written outside the test's own directory.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from filetree import CORPUS, ROOT  # noqa: E402,F401

#: One small valid file per input format, and a rule it is known to trigger.
VALID: dict[str, tuple[str, str, str]] = {
    # format: (file name, text, a rule it triggers)
    "terraform": ("main.tf", 'resource "aws_s3_bucket" "b" {\n  region = "us-east-1"\n}\n', "SOV001"),
    "terraform-json": ("main.tf.json",
                       '{"resource": {"aws_s3_bucket": {"b": {"region": "us-east-1"}}}}\n', "SOV001"),
    "terraform-plan": ("plan.json", """{
  "format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b",
     "provider_name": "registry.terraform.io/hashicorp/aws",
     "values": {"bucket": "b", "region": "us-east-1"}}
  ]}}
}
""", "SOV001"),
    "terraform-state": ("terraform.tfstate", """{
  "version": 4,
  "terraform_version": "1.11.4",
  "serial": 1,
  "lineage": "3f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
  "outputs": {},
  "resources": [
    {"mode": "managed", "type": "aws_s3_bucket", "name": "b",
     "provider": "provider[\\"registry.terraform.io/hashicorp/aws\\"]",
     "instances": [{"schema_version": 0, "attributes": {"bucket": "b", "region": "us-east-1"}}]}
  ]
}
""", "SOV001"),
    "kubernetes": ("pod.yaml", """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: "docker.io/library/nginx:1.25"
""", "SOV010"),
    "cloudformation-yaml": ("stack.yaml", """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: "data-bucket"
""", "SOV002"),
    "cloudformation-json": ("stack.json", """{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "data-bucket"}}
  }
}
""", "SOV002"),
    "arm": ("azuredeploy.json", """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {"type": "Microsoft.Storage/storageAccounts", "name": "store", "location": "westus"}
  ]
}
""", "SOV001"),
}


def write_valid(base: Path) -> dict[str, tuple[str, str]]:
    """Write every valid sample under ``base`` (one directory each): {format: (path, rule)}."""
    written = {}
    for fmt, (name, text, rule) in VALID.items():
        path = base / fmt / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written[fmt] = (path.as_posix(), rule)
    return written


def cli_env(tmp_path: Path, extra_pythonpath: Sequence[str] = ()) -> dict[str, str]:
    """The environment of a CLI subprocess: own cache dir, no colour, this checkout first."""
    return {**os.environ, "NO_COLOR": "1", "SOVLINT_CACHE_DIR": str(tmp_path / ".cache-sovlint"),
            "PYTHONPATH": os.pathsep.join([*extra_pythonpath, str(ROOT)])}


@dataclass
class Run:
    """A finished CLI run with what it cost."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_kib: int

    def json(self) -> dict[str, Any]:
        """stdout parsed as JSON."""
        return json.loads(self.stdout)


TIME = Path("/usr/bin/time")


def run_sovlint(tmp_path: Path, *args: str, cwd: Path | None = None, timeout: float = 120,
                extra_pythonpath: Sequence[str] = ()) -> Run:
    """Run ``python -m sovlint ARGS`` and measure its wall time and peak memory.

    Peak memory comes from ``/usr/bin/time`` when installed: a child forked
    straight from this (large) test process would count the parent's memory
    in its own ``ru_maxrss``. Without it, ``wait4`` gives an upper bound.
    """
    out, err, usage = tmp_path / ".stdout", tmp_path / ".stderr", tmp_path / ".usage"
    command = [sys.executable, "-m", "sovlint", *args]
    if TIME.exists():
        command = [str(TIME), "-o", str(usage), "-f", "%M", *command]
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        start = time.monotonic()
        proc = subprocess.Popen(command, cwd=cwd or tmp_path, env=cli_env(tmp_path, extra_pythonpath),
                                stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # /usr/bin/time's child too, not only time itself
            proc.wait()
            pytest.fail(f"sovlint {' '.join(args)} ran longer than {timeout} s")
        seconds = time.monotonic() - start
    if TIME.exists():
        max_rss = int(usage.read_text().split()[-1])
    else:
        max_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Run(proc.returncode, out.read_text(encoding="utf-8", errors="replace"),
               err.read_text(encoding="utf-8", errors="replace"), seconds, max_rss)


def findings_by_path(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The JSON report's findings grouped by path."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for finding in doc["findings"]:
        grouped.setdefault(finding["path"], []).append(finding)
    return grouped
