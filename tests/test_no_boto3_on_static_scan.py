"""A static scan never imports boto3 (only ``sovlint aws`` does), so pre-commit starts fast.

Run in a subprocess: the test session itself imports boto3 for the AWS tests.
The scanned directory is empty, since Terraform evaluation is not on this branch
yet. Until ``sovlint.terraform.evaluator`` lands, even an empty scan stops
with an internal error (exit 3) when it looks for local module calls, after
the CLI, config, engine and policies are loaded. So the exit code is checked
only once the evaluator is there.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys
from click.testing import CliRunner
import sovlint.cli
after_import = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'))
result = CliRunner().invoke(sovlint.cli.main, ['scan', sys.argv[1], '--format', 'json'])
after_scan = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'))
help_result = CliRunner().invoke(sovlint.cli.main, ['aws', '--help'])
after_help = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'))
print(json.dumps({"import": after_import, "scan": after_scan, "help": after_help,
                  "code": result.exit_code, "help_code": help_result.exit_code}))
"""


def test_static_scan_does_not_import_boto3(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run([sys.executable, "-c", PROBE, str(empty)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert (report["import"], report["scan"], report["help"]) == ([], [], [])
    assert report["help_code"] == 0
    if importlib.util.find_spec("sovlint.terraform.evaluator") is not None:
        assert report["code"] == 0
