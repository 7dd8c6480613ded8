"""The GitLab CI/CD component (``templates/sovlint.yml``): the layout the CI/CD catalog expects,
valid against GitLab's CI schema, and its job's script run as a runner runs it, on the shipped
examples: Code Quality and JUnit reports written where ``artifacts:reports`` looks, exit status
as ``fail-on`` says."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from ci_runners import (InputError, component_jobs, copy_checkout, doc_blocks, expected_findings,
                        run_job_script)
from filetree import EXAMPLES, ROOT
from sovlint import __version__

TEMPLATE = ROOT / "templates" / "sovlint.yml"
HEADER, BODY = yaml.safe_load_all(TEMPLATE.read_text(encoding="utf-8"))
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "gitlab-ci.json").read_text(encoding="utf-8"))
pytestmark = pytest.mark.slow  # module-wide: the running tests build and install sovlint


def _validator() -> jsonschema.Draft7Validator:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    return jsonschema.Draft7Validator(SCHEMA)


def test_catalog_layout() -> None:
    """A component project: ``templates/<name>.yml`` at the root, documented in the README."""
    assert [p.name for p in (ROOT / "templates").iterdir()] == ["sovlint.yml"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "component: $CI_SERVER_FQDN/" in readme and "/sovlint/sovlint@" in readme
    assert len(TEMPLATE.read_text(encoding="utf-8").split("\n---\n")) == 2  # header, then jobs


def test_header_and_jobs_are_valid_against_gitlab_schema() -> None:
    validator = _validator()
    validator.validate(HEADER)
    validator.validate(BODY)
    assert set(HEADER) == {"spec"}
    assert set(HEADER["spec"]["inputs"]) == {"stage", "image", "package", "paths", "profile",
                                             "fail-on", "args"}
    validator.validate(component_jobs(HEADER, BODY, {}))  # as included, defaults filled in


def test_the_schema_would_catch_a_broken_component() -> None:
    validator = _validator()
    assert list(validator.iter_errors({"spec": {"inputs": {"x": {"type": "text"}}}}))
    job = dict(BODY["sovlint"])
    job["artifacts"] = {"reports": {"code_quality": "gl-code-quality-report.json"}}
    assert list(validator.iter_errors({"sovlint": job}))


def test_the_default_package_is_this_version() -> None:
    assert HEADER["spec"]["inputs"]["package"]["default"] == f"sovlint=={__version__}"


def test_reports_are_the_files_the_script_writes() -> None:
    job = component_jobs(HEADER, BODY, {})["sovlint"]
    command = " ".join(job["script"])
    reports = job["artifacts"]["reports"]
    assert f"gitlab:{reports['codequality']}" in command and f"junit:{reports['junit']}" in command
    assert job["artifacts"]["when"] == "always"  # reports also when the job fails on findings
    assert sorted(job["artifacts"]["paths"]) == sorted(reports.values())


def test_inputs_are_checked_as_gitlab_checks_them() -> None:
    with pytest.raises(InputError):
        component_jobs(HEADER, BODY, {"fail-on": "severe"})
    with pytest.raises(InputError):
        component_jobs(HEADER, BODY, {"no-such-input": "x"})
    job = component_jobs(HEADER, BODY, {"stage": "compliance", "image": "python:3.13"})["sovlint"]
    assert job["stage"] == "compliance" and job["image"] == "python:3.13"


# --- running the job's script --------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A project holding the examples, and a wheel of this repository to install (the ``package``
    input takes anything pip installs; a wheel built once keeps the runs after the first quick:
    the job's virtual environment is reused, as in a runner's cached ``TMPDIR``)."""
    base = tmp_path_factory.mktemp("gitlab")
    checkout = base / "sovlint-checkout"
    copy_checkout(ROOT, checkout)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(base / "dist"), str(checkout)], check=True, capture_output=True)
    (wheel,) = (base / "dist").glob("sovlint-*.whl")
    project_dir = base / "project"
    (project_dir / ".git").mkdir(parents=True)
    shutil.copytree(EXAMPLES, project_dir / "examples")
    tmpdir = base / "tmp"
    tmpdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env.update({"TMPDIR": str(tmpdir), "SOVLINT_CACHE_DIR": str(base / "sovlint-cache")})
    return {"package": wheel, "dir": project_dir, "env": env}


def _run(project: dict[str, Any], **inputs: str) -> tuple[Any, dict[str, Any]]:
    project_dir: Path = project["dir"]
    for stale in ("gl-code-quality-report.json", "sovlint-junit.xml"):
        (project_dir / stale).unlink(missing_ok=True)
    job = component_jobs(HEADER, BODY, {"package": str(project["package"]), **inputs})["sovlint"]
    return run_job_script(job, project_dir, project["env"]), job


def _check_reports(project_dir: Path, job: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    reports = job["artifacts"]["reports"]
    quality = json.loads((project_dir / reports["codequality"]).read_text(encoding="utf-8"))
    assert sorted(issue["fingerprint"] for issue in quality) == sorted(f["fingerprint"] for f in expected)
    assert {issue["location"]["path"] for issue in quality} == {f["path"] for f in expected}
    junit = ET.fromstring((project_dir / reports["junit"]).read_bytes())
    failed = {(case.get("classname"), case.get("name")) for case in junit.iter("testcase")
              if case.find("failure") is not None}
    assert int(junit.get("failures") or 0) == len(failed) > 0


def test_script_with_default_inputs_fails_on_findings(project: dict[str, Any]) -> None:
    done, job = _run(project)
    assert done.returncode == 1, done.stderr[-3000:]
    expected = expected_findings(project["dir"], ".")
    assert len(expected) >= 5
    _check_reports(project["dir"], job, expected)
    assert f"{len(expected)} findings" in done.stdout  # the text report in the job log


def test_script_with_inputs(project: dict[str, Any]) -> None:
    done, job = _run(project, paths="examples/terraform", profile="secnumcloud", **{"fail-on": "never"},
                     args="--disable SOV002 --exclude examples/terraform/l*.tf")
    assert done.returncode == 0, done.stderr[-3000:]
    expected = expected_findings(project["dir"], "examples/terraform", "--profile", "secnumcloud",
                         "--disable", "SOV002", "--exclude", "examples/terraform/l*.tf")
    assert any(f["rule"] == "SOV005" for f in expected)
    assert all(f["rule"] != "SOV002" and f["path"] != "examples/terraform/loans.tf" for f in expected)
    _check_reports(project["dir"], job, expected)


def test_the_documented_include_runs(project: dict[str, Any]) -> None:
    """The include of docs/ci.md, with its inputs (the package built here, not from PyPI)."""
    config = next(yaml.safe_load(b) for b in doc_blocks(ROOT / "docs" / "ci.md", "yaml")
                  if "component:" in b)
    inputs = config["include"][0].get("inputs", {})
    done, job = _run(project, **inputs)
    expected = expected_findings(project["dir"], ".")
    _check_reports(project["dir"], job, expected)
    assert inputs.get("fail-on") == "high" and any(f["severity"] == "high" for f in expected)
    assert done.returncode == 1
