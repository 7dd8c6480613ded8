"""The GitHub Action (``action.yml``): valid metadata, and its steps run as the Actions runner runs
them, on the shipped examples: sovlint installed from the action's own checkout, annotations
printed, SARIF valid and handed to the official upload action, outputs written, and the step's
exit status what ``fail-on`` says."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from ci_runners import (ActionRun, CompositeAction, ExpressionError, copy_checkout, doc_blocks,
                        expected_findings, parse_output_file)
from filetree import EXAMPLES, ROOT, SHARED

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
ACTION_SCHEMA = ROOT / "tests" / "schemas" / "github-action.json"
SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
pytestmark = pytest.mark.slow  # module-wide: the running tests build and install sovlint
ANNOTATION = re.compile(r"^::(error|warning|notice) file=([^,]+),line=(\d+)", re.M)


def test_metadata_is_valid_against_the_schemastore_schema() -> None:
    schema = json.loads(ACTION_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(ACTION)
    assert set(ACTION["inputs"]) == {"paths", "profile", "fail-on", "args", "upload-sarif"}
    assert set(ACTION["outputs"]) == {"findings", "sarif", "exit-code"}
    assert ACTION["runs"]["using"] == "composite" and "image" not in ACTION["runs"]


def test_the_schema_would_catch_a_broken_action() -> None:
    schema = json.loads(ACTION_SCHEMA.read_text(encoding="utf-8"))
    broken = {**ACTION, "runs": {"using": "composite", "steps": [{"run": "echo no shell"}]}}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))  # composite run needs shell


def test_scripts_never_embed_inputs() -> None:
    """An input reaches a script through the step's ``env:`` only: never spliced into shell code
    (a workflow input such as ``args: $(rm -rf ~)`` stays text), and no step reads ``INPUT_*``
    variables it does not set itself (composite actions get none from the runner)."""
    for step in ACTION["runs"]["steps"]:
        if "run" not in step:
            continue
        assert "${{" not in step["run"], step["name"]
        read = set(re.findall(r"\bINPUT_\w+", step["run"]))
        assert read <= set(step.get("env", {})), (step["name"], read)


def test_the_upload_uses_the_official_action() -> None:
    upload = next(s for s in ACTION["runs"]["steps"] if "uses" in s)
    assert re.fullmatch(r"github/codeql-action/upload-sarif@v\d+", upload["uses"])
    assert upload["with"] == {"sarif_file": "${{ steps.scan.outputs.sarif }}", "category": "sovlint"}


# --- running it ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The action as a workflow gets it (a checkout of this repository at the pinned tag), a
    workspace holding the examples, and one whole run of the action with its default inputs:
    the install step builds sovlint from the checkout into a fresh virtual environment."""
    base = tmp_path_factory.mktemp("action")
    action_path = base / "action-checkout"
    copy_checkout(ROOT, action_path)
    workspace = base / "workspace"
    (workspace / ".git").mkdir(parents=True)
    shutil.copytree(EXAMPLES, workspace / "examples")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("INPUT_", "GITHUB_", "VIRTUAL_ENV", "PYTHON"))}
    env["SOVLINT_CACHE_DIR"] = str(base / "sovlint-cache")
    action = CompositeAction(ACTION, action_path)
    runner_temp = base / "runner-temp-default"
    runner_temp.mkdir()
    whole = action.run({}, workspace, runner_temp, env)
    install = whole.step("Install sovlint")
    assert install.status == "success", install.stderr[-3000:]
    return {"action": action, "workspace": workspace, "env": env, "base": base, "whole": whole,
            "install": install.outputs}


def _run(checkout: dict[str, Any], name: str, **inputs: str) -> ActionRun:
    """The steps after the install, with ``inputs`` (the install step's outputs reused)."""
    runner_temp = checkout["base"] / f"runner-temp-{name}"
    runner_temp.mkdir()
    action: CompositeAction = checkout["action"]
    return action.run(inputs, checkout["workspace"], runner_temp, checkout["env"], start=1,
                      earlier={"install": checkout["install"]})


def _check_reports(run: ActionRun, expected: list[dict[str, Any]]) -> None:
    scan = run.step("Scan")
    assert scan.status == "success", scan.stderr
    annotations = ANNOTATION.findall(scan.stdout)
    assert sorted((path, int(line)) for _, path, line in annotations) == \
        sorted((f["path"], f["line"]) for f in expected)
    assert run.outputs["findings"] == str(len(expected))
    sarif_path = Path(run.outputs["sarif"])
    sarif = json.loads(sarif_path.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")),
                               format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(sarif)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"]}
    assert uris == {f["path"] for f in expected}  # relative to the repository root


def test_default_inputs_install_from_the_checkout_and_fail_on_findings(checkout: dict[str, Any]) -> None:
    run: ActionRun = checkout["whole"]
    install = run.step("Install sovlint")
    assert re.search(r"sovlint,? (version )?\d+\.\d+", install.stdout), install.stdout
    assert Path(checkout["install"]["bin"]).is_relative_to(checkout["base"])  # its own venv
    expected = expected_findings(checkout["workspace"], ".")
    assert len(expected) >= 5
    _check_reports(run, expected)
    assert run.outputs["exit-code"] == "1"
    upload = run.step("Upload SARIF to code scanning")
    assert upload.status == "handed over" and upload.with_ == {
        "sarif_file": run.outputs["sarif"], "category": "sovlint"}
    last = run.steps[-1]
    assert last.status == "failure" and last.returncode == 1 and run.failed


def test_fail_on_never_passes_and_still_uploads(checkout: dict[str, Any]) -> None:
    run = _run(checkout, "never", **{"fail-on": "never"})
    _check_reports(run, expected_findings(checkout["workspace"], "."))
    assert run.outputs["exit-code"] == "0" and not run.failed
    assert run.step("Upload SARIF to code scanning").status == "handed over"


def test_profile_args_paths_and_no_upload(checkout: dict[str, Any]) -> None:
    inputs = {"paths": "examples/terraform\n", "profile": "secnumcloud", "fail-on": "critical",
              "args": "--exclude examples/terraform/l*.tf --disable SOV002", "upload-sarif": "false"}
    run = _run(checkout, "options", **inputs)
    expected = expected_findings(checkout["workspace"], "examples/terraform", "--profile", "secnumcloud",
                                  "--exclude", "examples/terraform/l*.tf", "--disable", "SOV002")
    assert any(f["rule"] == "SOV005" for f in expected)  # the secnumcloud profile's own rule
    assert all(f["path"].startswith("examples/terraform/") and f["rule"] != "SOV002" for f in expected)
    assert "examples/terraform/loans.tf" not in {f["path"] for f in expected}
    assert "examples/terraform/loans.tf" in {f["path"] for f in expected_findings(
        checkout["workspace"], "examples/terraform", "--profile", "secnumcloud")}
    _check_reports(run, expected)
    assert run.outputs["exit-code"] == "0" and not run.failed  # nothing critical in the examples
    assert run.step("Upload SARIF to code scanning").status == "skipped"


def test_a_usage_error_fails_without_upload(checkout: dict[str, Any]) -> None:
    run = _run(checkout, "usage", args="--no-such-option")
    assert run.outputs == {"findings": "", "sarif": "", "exit-code": "2"}
    assert "No such option" in run.step("Scan").stderr
    assert run.step("Upload SARIF to code scanning").status == "skipped"
    assert run.steps[-1].returncode == 2 and run.failed


def test_inputs_stay_text(checkout: dict[str, Any]) -> None:
    """A hostile input is a path sovlint does not find, not a command the shell runs."""
    marker = checkout["base"] / "pwned"
    run = _run(checkout, "hostile", paths=f"$(touch {marker}) `touch {marker}`;touch")
    assert not marker.exists()
    # each word is a path that does not exist: a usage error (exit 2) naming it, nothing run
    assert run.outputs["exit-code"] == "2" and run.failed
    assert "$(touch" in run.step("Scan").stderr


def test_the_documented_workflow_step_runs(checkout: dict[str, Any]) -> None:
    """The step of docs/ci.md, with its inputs: the examples hold high findings, so it fails."""
    workflow = next(yaml.safe_load(b) for b in doc_blocks(ROOT / "docs" / "ci.md", "yaml")
                    if "jobs:" in b)
    step = next(s for s in workflow["jobs"]["sovlint"]["steps"]
                if s.get("uses", "").startswith("sovlint/sovlint@"))
    inputs = {k: str(v) for k, v in step.get("with", {}).items()}
    run = _run(checkout, "docs", **inputs)
    expected = expected_findings(checkout["workspace"], ".")
    _check_reports(run, expected)
    fails = inputs.get("fail-on", "low") != "never" and any(
        f["severity"] in ("high", "critical") for f in expected)
    assert fails and run.outputs["exit-code"] == "1" and run.failed
    assert run.step("Upload SARIF to code scanning").status == "handed over"


# --- the emulation itself -----------------------------------------------------------------


def test_expressions_follow_github_rules() -> None:
    values = {"inputs.a": "true", "inputs.b": "", "steps.s.outputs.x": "X"}
    lookup = values.__getitem__
    evaluate = CompositeAction.evaluate
    assert evaluate("${{ inputs.a == 'TRUE' && steps.s.outputs.x != '' }}", lookup) is True
    assert evaluate("inputs.b == 'true' || inputs.a == 'false'", lookup) is False
    assert evaluate("!(inputs.b)", lookup) is True
    assert CompositeAction.substitute("[${{ steps.s.outputs.x }}][${{ inputs.b }}]", lookup) == "[X][]"
    with pytest.raises(ExpressionError):
        evaluate("contains(inputs.a, 'x')", lookup)


def test_output_file_format() -> None:
    assert parse_output_file("a=1\nb=x=y\nc<<EOF\nline 1\nline 2\nEOF\n") == {
        "a": "1", "b": "x=y", "c": "line 1\nline 2"}
