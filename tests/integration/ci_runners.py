"""Run the shipped CI integrations the way their CI systems do, on this machine.

``CompositeAction`` runs a GitHub composite action (``action.yml``) as the Actions runner
does: steps in order, ``if:`` conditions and ``${{ }}`` expressions evaluated over the
``inputs``, ``steps``, ``github`` and ``runner`` contexts (inputs as strings, defaults
filled in), each ``run:`` written to a file and run with ``bash --noprofile --norc -eo
pipefail`` (GitHub's ``shell: bash``) in the workspace, with ``GITHUB_ACTION_PATH``,
``GITHUB_WORKSPACE``, ``RUNNER_TEMP`` and a fresh ``GITHUB_OUTPUT`` file per step whose
``name=value`` lines become the step's outputs. Composite steps get no ``INPUT_*``
variables (actions/runner#665), so none are set. A ``uses:`` step is not run: its
evaluated ``with:`` is recorded, as the runner would hand it over.

``component_jobs`` interpolates a GitLab CI/CD component (``spec: inputs:`` header,
``---``, jobs) as GitLab does when a pipeline includes it: inputs checked against their
``type``/``options``/``regex``, defaults filled in, then every ``$[[ inputs.x ]]`` replaced
in the parsed jobs (a string that is only the interpolation takes the input's own type).
``run_job_script`` runs a job's ``script`` lines in one POSIX shell with the job's
``variables`` in the environment, as a GitLab runner does.

Only the expression syntax the shipped files use is supported; anything else raises, so
that a change to them cannot silently escape the tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

_NOT_SHIPPED = shutil.ignore_patterns(".git", ".venv", "test-artifacts", "__pycache__", "*.egg-info",
                                      "build", "dist", ".mypy_cache", ".hypothesis", ".pytest_cache")


def copy_checkout(source: Path, target: Path) -> Path:
    """A checkout of the repository as a CI system gets it: its files, no local state."""
    shutil.copytree(source, target, ignore=_NOT_SHIPPED)
    return target


def expected_findings(workspace: Path, *args: str) -> list[dict[str, Any]]:
    """The unsuppressed findings of ``sovlint scan ARGS`` run in ``workspace`` (this checkout's
    sovlint, in process, JSON report): what a CI run of the same scan must report."""
    from click.testing import CliRunner

    from sovlint.cli import main

    cwd = os.getcwd()
    os.chdir(workspace)
    try:
        result = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--fail-on", "never"],
                                    catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return [f for f in json.loads(result.output)["findings"] if not f["suppressed"]]

# --- GitHub Actions expressions ------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))"
                    r"|(?P<word>[A-Za-z_][\w.-]*(?:\(\))?))")


class ExpressionError(ValueError):
    """An expression the emulation does not support, or a context it does not know."""


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "")


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()  # GitHub compares strings case-insensitively
    return bool(left == right)


class _Parser:
    """Recursive descent over: || && (== !=) ! (expr) 'string' true false null name() context.path."""

    def __init__(self, text: str, lookup: Any) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.strip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if not match or match.end() == position:
                raise ExpressionError(f"cannot read {text[position:]!r}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.lookup = lookup

    def parse(self) -> Any:
        value = self._or()
        if self.tokens:
            raise ExpressionError(f"unexpected {self.tokens[0][1]!r}")
        return value

    def _take(self, op: str) -> bool:
        if self.tokens and self.tokens[0] == ("op", op):
            self.tokens.pop(0)
            return True
        return False

    def _or(self) -> Any:
        value = self._and()
        while self._take("||"):
            right = self._and()
            value = value if _truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._compare()
        while self._take("&&"):
            right = self._compare()
            value = right if _truthy(value) else value
        return value

    def _compare(self) -> Any:
        value = self._unary()
        while self.tokens and self.tokens[0] in (("op", "=="), ("op", "!=")):
            op = self.tokens.pop(0)[1]
            right = self._unary()
            value = _equal(value, right) if op == "==" else not _equal(value, right)
        return value

    def _unary(self) -> Any:
        if self._take("!"):
            return not _truthy(self._unary())
        if self._take("("):
            value = self._or()
            if not self._take(")"):
                raise ExpressionError("missing )")
            return value
        if not self.tokens:
            raise ExpressionError("expression ends too early")
        kind, text = self.tokens.pop(0)
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "word":
            literals = {"true": True, "false": False, "null": None}
            return literals[text] if text in literals else self.lookup(text)
        raise ExpressionError(f"unexpected {text!r}")


_EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class StepRun:
    """What happened to one step of the action."""

    name: str
    status: str  # success | failure | skipped | handed over (a ``uses:`` step)
    outputs: dict[str, str] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    returncode: int | None = None
    uses: str | None = None
    with_: dict[str, str] = field(default_factory=dict)


@dataclass
class ActionRun:
    """The steps of one run of the action, and its outputs as the workflow sees them."""

    steps: list[StepRun]
    outputs: dict[str, str]

    @property
    def failed(self) -> bool:
        """Whether a step failed (the action's step fails in the workflow)."""
        return any(step.status == "failure" for step in self.steps)

    def step(self, name: str) -> StepRun:
        """The run of the step called ``name``."""
        return next(s for s in self.steps if s.name == name)

    @property
    def stdout(self) -> str:
        """Everything the steps printed (the job log)."""
        return "".join(s.stdout for s in self.steps)


class CompositeAction:
    """A composite ``action.yml``, run step by step with the runner's semantics."""

    def __init__(self, metadata: Mapping[str, Any], action_path: Path) -> None:
        if metadata["runs"]["using"] != "composite":
            raise ExpressionError("not a composite action")
        self.metadata = metadata
        self.action_path = action_path

    def run(self, inputs: Mapping[str, str], workspace: Path, runner_temp: Path,
            env: Mapping[str, str], start: int = 0,
            earlier: Mapping[str, dict[str, str]] | None = None) -> ActionRun:
        """Run the steps from index ``start`` (``earlier``: outputs of the steps before it, by id)."""
        declared = self.metadata.get("inputs", {})
        unknown = set(inputs) - set(declared)
        if unknown:
            raise ExpressionError(f"inputs not declared by the action: {sorted(unknown)}")
        values = {name: _as_text(spec.get("default", "")) for name, spec in declared.items()}
        values.update({name: _as_text(value) for name, value in inputs.items()})
        for name, spec in declared.items():
            if spec.get("required") and not values[name]:
                raise ExpressionError(f"input {name} is required")
        step_outputs: dict[str, dict[str, str]] = {k: dict(v) for k, v in (earlier or {}).items()}
        runs: list[StepRun] = []
        failed = False
        for index, step in enumerate(self.metadata["runs"]["steps"]):
            if index < start:
                continue
            name = step.get("name") or step.get("id") or f"step {index}"

            def lookup(path: str) -> Any:
                return self._context(path, values, step_outputs, failed, runner_temp, workspace)

            condition = step.get("if", "success()")
            if not _truthy(self.evaluate(str(condition), lookup)):
                runs.append(StepRun(name, "skipped"))
                continue
            if "uses" in step:
                given = {k: self.substitute(str(v), lookup) for k, v in step.get("with", {}).items()}
                runs.append(StepRun(name, "handed over", uses=step["uses"], with_=given))
                continue
            if step.get("shell") != "bash":
                raise ExpressionError(f"{name}: only shell: bash is emulated")
            step_env = {k: self.substitute(str(v), lookup) for k, v in step.get("env", {}).items()}
            run = self._run_script(name, self.substitute(step["run"], lookup), step_env, workspace,
                                   runner_temp, env, index)
            runs.append(run)
            if step.get("id"):
                step_outputs[step["id"]] = run.outputs
            failed = failed or run.status == "failure"

        def final(path: str) -> Any:
            return self._context(path, values, step_outputs, failed, runner_temp, workspace)

        outputs = {name: self.substitute(str(spec["value"]), final)
                   for name, spec in self.metadata.get("outputs", {}).items()}
        return ActionRun(runs, outputs)

    def _context(self, path: str, inputs: Mapping[str, str], steps: Mapping[str, Mapping[str, str]],
                 failed: bool, runner_temp: Path, workspace: Path) -> Any:
        functions = {"success()": not failed, "failure()": failed, "always()": True}
        if path in functions:
            return functions[path]
        parts = path.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            if parts[1] not in inputs:
                raise ExpressionError(f"undeclared input {parts[1]}")
            return inputs[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return steps.get(parts[1], {}).get(parts[3], "")
        known = {"github.action_path": str(self.action_path), "github.workspace": str(workspace),
                 "runner.temp": str(runner_temp)}
        if path in known:
            return known[path]
        raise ExpressionError(f"context {path} is not emulated")

    @staticmethod
    def evaluate(condition: str, lookup: Any) -> Any:
        """An ``if:`` condition (with or without ``${{ }}``)."""
        text = condition.strip()
        if text.startswith("${{") and text.endswith("}}"):
            text = text[3:-2]
        return _Parser(text, lookup).parse()

    @staticmethod
    def substitute(text: str, lookup: Any) -> str:
        """``text`` with each ``${{ expression }}`` replaced by its value."""
        return _EMBEDDED.sub(lambda m: _as_text(_Parser(m.group(1), lookup).parse()), text)

    def _run_script(self, name: str, script: str, step_env: Mapping[str, str], workspace: Path,
                    runner_temp: Path, env: Mapping[str, str], index: int) -> StepRun:
        files = runner_temp / "_runner_file_commands"
        files.mkdir(parents=True, exist_ok=True)
        output_file = files / f"set_output_{index}"
        output_file.write_text("")
        script_file = runner_temp / f"step_{index}.sh"
        script_file.write_text(script, encoding="utf-8")
        full_env = {**env, "CI": "true", "GITHUB_ACTIONS": "true",
                    "GITHUB_ACTION_PATH": str(self.action_path), "GITHUB_WORKSPACE": str(workspace),
                    "RUNNER_TEMP": str(runner_temp), "GITHUB_OUTPUT": str(output_file),
                    "GITHUB_ENV": str(files / f"set_env_{index}"),
                    "GITHUB_PATH": str(files / f"add_path_{index}"),
                    "GITHUB_STEP_SUMMARY": str(files / f"step_summary_{index}"), **step_env}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
                              cwd=workspace, env=full_env, capture_output=True, text=True,
                              timeout=900, check=False)
        return StepRun(name, "success" if done.returncode == 0 else "failure",
                       outputs=parse_output_file(output_file.read_text(encoding="utf-8")),
                       stdout=done.stdout, stderr=done.stderr, returncode=done.returncode)


def parse_output_file(text: str) -> dict[str, str]:
    """``name=value`` lines and ``name<<DELIMITER`` blocks of a ``GITHUB_OUTPUT`` file."""
    outputs: dict[str, str] = {}
    lines = text.splitlines()
    while lines:
        line = lines.pop(0)
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            block = []
            while lines and lines[0] != delimiter:
                block.append(lines.pop(0))
            lines.pop(0)
            outputs[key] = "\n".join(block)
        elif "=" in line:
            key, value = line.split("=", 1)
            outputs[key] = value
        elif line:
            raise ValueError(f"not an output line: {line!r}")
    return outputs


# --- GitLab CI/CD components ---------------------------------------------------------------

_INTERPOLATION = re.compile(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]")


class InputError(ValueError):
    """An input GitLab would refuse (unknown, missing, wrong type, not an option, no regex match)."""


def component_inputs(spec: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs a component receives: given values checked, defaults for the rest."""
    declared = spec.get("inputs", {})
    unknown = set(given) - set(declared)
    if unknown:
        raise InputError(f"unknown inputs {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name, rules in declared.items():
        rules = rules or {}
        if name in given:
            value = given[name]
        elif "default" in rules:
            value = rules["default"]
        else:
            raise InputError(f"input {name} is required")
        kind = rules.get("type", "string")
        types: dict[str, type | tuple[type, ...]] = {"string": str, "number": (int, float),
                                                     "boolean": bool, "array": list}
        expected = types[kind]
        if not isinstance(value, expected) or (kind == "number" and isinstance(value, bool)):
            raise InputError(f"input {name} must be a {kind}")
        if "options" in rules and value not in rules["options"]:
            raise InputError(f"input {name}: {value!r} is not one of {rules['options']}")
        if "regex" in rules and not re.search(rules["regex"], str(value)):
            raise InputError(f"input {name}: {value!r} does not match {rules['regex']}")
        values[name] = value
    return values


def interpolate(node: Any, values: Mapping[str, Any]) -> Any:
    """``node`` (parsed YAML) with ``$[[ inputs.x ]]`` replaced in every key and string."""
    if isinstance(node, dict):
        return {interpolate(k, values): interpolate(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(item, values) for item in node]
    if isinstance(node, str):
        whole = _INTERPOLATION.fullmatch(node.strip())
        if whole:
            return values[whole.group(1)]

        def text(match: re.Match[str]) -> str:
            if match.group(1) not in values:
                raise InputError(f"unknown input {match.group(1)} in {node!r}")
            return _as_text(values[match.group(1)])

        return _INTERPOLATION.sub(text, node)
    return node


def component_jobs(header: Mapping[str, Any], body: Mapping[str, Any],
                   given: Mapping[str, Any]) -> dict[str, Any]:
    """The jobs a pipeline gets from including the component with inputs ``given``."""
    result: dict[str, Any] = interpolate(body, component_inputs(header["spec"], given))
    return result


def run_job_script(job: Mapping[str, Any], project_dir: Path, env: Mapping[str, str],
                   extra_variables: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A job's ``before_script`` and ``script`` lines in one ``sh -e`` with its variables
    (``$VAR`` in a variable's value expanded as GitLab does), in the project directory."""
    variables = {"CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": str(project_dir),
                 **(extra_variables or {})}
    for name, value in (job.get("variables") or {}).items():
        text = value["value"] if isinstance(value, dict) else _as_text(value)
        variables[name] = re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), os.environ.get(
            m.group(1), "")), text)
    lines = [*job.get("before_script", []), *job["script"]]
    return subprocess.run(["sh", "-e", "-c", "\n".join(lines)], cwd=project_dir,
                          env={**env, **variables}, capture_output=True, text=True, timeout=900,
                          check=False)


# --- docs/ci.md ----------------------------------------------------------------------------

_FENCE = re.compile(r"```(\w+)\n(.*?)```", re.S)


def doc_blocks(path: Path, language: str) -> list[str]:
    """The fenced blocks of ``language`` in a Markdown file, in order."""
    return [body for lang, body in _FENCE.findall(path.read_text(encoding="utf-8")) if lang == language]
