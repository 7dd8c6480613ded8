"""docs/ci.md says what works: its snippets parse and name the shipped GitHub Action, GitLab
component and pre-commit hook of this version with the inputs they declare, its ``sovlint``
command lines run and write valid reports. (The workflow and include blocks are also run
through the action and the component in ``test_github_action.py`` and
``test_gitlab_component.py``.)"""

from __future__ import annotations

import json
import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from sovlint import __version__
from sovlint.cli import main

from filetree import SHARED

PROJECT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((PROJECT / "action.yml").read_text(encoding="utf-8"))
COMPONENT = PROJECT / "templates" / "sovlint.yml"
GITLAB_SCHEMA = json.loads((PROJECT / "tests" / "schemas" / "gitlab-ci.json").read_text(encoding="utf-8"))
DOC = (PROJECT / "docs" / "ci.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", DOC, re.S)
COMMANDS = sorted({m.group(1).strip() for m in re.finditer(r"sovlint ((?:scan|inventory) [^'\n]*)", DOC)
                   if "--shard" not in m.group(1) and "--changed-since" not in m.group(1)})
#: The placeholders of the CI snippets, as the CI systems fill them for job 1 of N.
PLACEHOLDERS = {"${{ matrix.shard }}": "{k}", "$CI_NODE_INDEX": "{k}", "$CI_NODE_TOTAL": "{n}"}
SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"


def test_yaml_snippets_parse() -> None:
    blocks = [body for lang, body in BLOCKS if lang == "yaml"]
    assert len(blocks) == 5  # the GitHub workflow, the GitLab include, pre-commit, two sharded CI jobs
    for body in blocks:
        assert yaml.safe_load(body)


def _section(title: str) -> str:
    start = DOC.index(f"\n## {title}\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start:end if end > 0 else len(DOC)]


def test_github_workflow_uses_the_action_of_this_version() -> None:
    workflow = next(yaml.safe_load(b) for lang, b in BLOCKS if lang == "yaml" and "jobs:" in b)
    steps = workflow["jobs"]["sovlint"]["steps"]
    step = next(s for s in steps if s.get("uses", "").startswith("sovlint/sovlint@"))
    assert step["uses"] == f"sovlint/sovlint@v{__version__}"
    assert steps.index(step) > next(i for i, s in enumerate(steps)
                                    if s.get("uses", "").startswith("actions/checkout@"))
    assert set(step.get("with", {})) <= set(ACTION["inputs"])
    if str(step.get("with", {}).get("upload-sarif", "true")) == "true":
        assert workflow["permissions"]["security-events"] == "write"


def test_github_tables_list_the_actions_inputs_and_outputs() -> None:
    section = _section("GitHub Actions")
    documented = set(re.findall(r"^\| `([\w-]+)` \|", section, re.M))
    assert documented == set(ACTION["inputs"]) | set(ACTION["outputs"])
    for name, spec in ACTION["inputs"].items():
        if spec.get("default") not in ("", None):
            assert re.search(rf"^\| `{name}` \| `{re.escape(spec['default'])}` \|", section, re.M), name


def test_gitlab_include_names_the_component_of_this_version() -> None:
    config = next(yaml.safe_load(b) for lang, b in BLOCKS if lang == "yaml" and "component:" in b)
    jsonschema.Draft7Validator(GITLAB_SCHEMA).validate(config)
    (include,) = config["include"]
    path, _, version = include["component"].partition("@")
    assert version == f"v{__version__}"
    assert path.rsplit("/", 1)[1] == COMPONENT.stem  # templates/<name>.yml is component <name>
    header = next(yaml.safe_load_all(COMPONENT.read_text(encoding="utf-8")))
    assert set(include.get("inputs", {})) <= set(header["spec"]["inputs"])
    section = _section("GitLab CI/CD component")
    listed = re.search(r"Inputs: (.*?) \u2014", section, re.S)
    assert listed and set(re.findall(r"`([\w-]+)`", listed.group(1))) == set(header["spec"]["inputs"])


def test_jenkins_steps_read_the_files_the_scan_writes() -> None:
    groovy = next(b for lang, b in BLOCKS if lang == "groovy")
    assert "junit 'sovlint-junit.xml'" in groovy and "--format junit:sovlint-junit.xml" in groovy
    assert "sarif(pattern: 'sovlint.sarif'" in groovy and "--format sarif:sovlint.sarif" in groovy


def test_pre_commit_snippet_names_a_defined_hook() -> None:
    config = next(yaml.safe_load(b) for lang, b in BLOCKS if lang == "yaml" and "repos:" in b)
    assert config["repos"][0]["rev"] == f"v{__version__}"
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    defined = {h["id"]: h for h in hooks}
    assert [h["id"] for h in config["repos"][0]["hooks"]] == ["sovlint"]
    hook = defined["sovlint"]
    assert hook["entry"] == "sovlint scan" and hook["language"] == "python"
    assert hook["require_serial"] is True and hook["pass_filenames"] is True
    for name in ("main.tf", "prod.tfvars", "app.yaml", "app.yml", "azuredeploy.json", "main.tofu",
                 "main.tofu.json", "live/prod/db/terragrunt.hcl", "live/root.hcl"):
        assert re.search(hook["files"], name), name
    assert not re.search(hook["files"], "README.md")


@pytest.mark.parametrize("command", COMMANDS)
def test_documented_command_writes_valid_reports(command: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Each documented command line, run on a repository with nothing to report."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "infra").mkdir()
    monkeypatch.chdir(tmp_path)
    args = shlex.split(command)
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for spec in (a for a in args if ":" in a):
        fmt, _, out = spec.partition(":")
        text = (tmp_path / out).read_text(encoding="utf-8")
        if fmt == "sarif":
            jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text())).validate(json.loads(text))
        elif fmt == "gitlab":
            assert json.loads(text) == []
        elif fmt == "junit":
            assert ET.fromstring(text).get("failures") == "0"
        elif fmt == "html":
            assert 'id="total-findings"' in text


def test_every_command_was_found() -> None:
    assert len(COMMANDS) >= 3, COMMANDS


def _shard_commands() -> list[tuple[str, str]]:
    """(the job's scan command, the merge command) of each sharded CI snippet."""
    pairs = []
    for lang, body in BLOCKS:
        if lang == "yaml" and "--shard" in body:
            scan = re.search(r"sovlint (scan --shard [^\n]*)", body)
            merge = re.search(r"sovlint (merge [^\n]*)", body)
            assert scan and merge, body
            pairs.append((scan.group(1), merge.group(1)))
    return pairs


def test_both_ci_systems_have_a_sharded_scan_and_a_pull_request_scan() -> None:
    assert len(_shard_commands()) == 2
    assert DOC.count("--changed-since origin/") == 2
    github = next(yaml.safe_load(b) for lang, b in BLOCKS if lang == "yaml" and "matrix:" in b)
    assert github["jobs"]["shard"]["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    assert github["jobs"]["merge"]["needs"] == "shard"
    checkout = next(s for s in github["jobs"]["changed"]["steps"] if "checkout" in s.get("uses", ""))
    assert checkout["with"]["fetch-depth"] == 0
    gitlab = next(yaml.safe_load(b) for lang, b in BLOCKS if lang == "yaml" and "parallel:" in b)
    assert gitlab["sovlint-shard"]["parallel"] == 4 and gitlab["sovlint"]["needs"] == ["sovlint-shard"]


@pytest.mark.parametrize("scan,merge", _shard_commands())
def test_documented_shards_merge_into_valid_reports(scan: str, merge: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The jobs of a documented matrix, then its merge, on a small repository."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "main.tf").write_text('resource "aws_vpc" "main" {}\n')
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "main.tf").write_text('resource "aws_iam_role" "ci" {}\n')
    monkeypatch.chdir(tmp_path)
    count = 4
    for index in range(1, count + 1):
        command = scan
        for placeholder, value in PLACEHOLDERS.items():
            command = command.replace(placeholder, value.format(k=index, n=count))
        command = command.replace("/4 ", f"/{count} ")
        result = CliRunner().invoke(main, shlex.split(command), catch_exceptions=False)
        assert result.exit_code == 0, result.output
    args = shlex.split(merge)
    args = [a for a in args if a != "shard-*.json"] + [str(p) for p in sorted(tmp_path.glob("shard-*.json"))]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "2 resources" in result.output
    for spec in (a for a in args if ":" in a):
        fmt, _, out = spec.partition(":")
        text = (tmp_path / out).read_text(encoding="utf-8")
        if fmt == "sarif":
            jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text())).validate(json.loads(text))
        elif fmt == "gitlab":
            assert json.loads(text) == []
        elif fmt == "junit":
            assert ET.fromstring(text).get("failures") == "0"
        elif fmt == "html":
            assert 'id="total-findings"' in text
