"""Terragrunt's own HCL functions, with the same meaning as in Terragrunt; nothing is executed.

Semantics from gruntwork-io/terragrunt@286a33cb8f79d5ef9177d835561e94fe3cc3caf0
(``pkg/config/config_helpers.go`` and ``docs/.../04-reference/01-hcl/04-functions.mdx``).
Functions that would run a command, call a cloud API or depend on the machine
Terragrunt runs on (``run_cmd``, ``get_aws_account_id``, ``sops_decrypt_file``,
``get_platform``...) give an unknown value that names them: sovlint never
executes anything from the scanned tree and makes no network call.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol

from sovlint.terraform.functions import FUNCTIONS, TerraformFunction
from sovlint.terraform.values import EvaluationError, Unknown


#: Parent folders ``find_in_parent_folders`` looks at (Terragrunt's ``--max-folders-to-check`` default).
MAX_FOLDERS_TO_CHECK = 100
#: Files ``file()`` reads are at most this large.
MAX_FILE_SIZE = 1024 * 1024
#: Configuration file names Terragrunt looks for in a folder, in order (``DefaultTerragruntConfigPaths``).
DEFAULT_CONFIG_NAMES = ("terragrunt.hcl.json", "terragrunt.hcl")
#: ``get_terraform_commands_that_need_*`` (``TerraformCommandsNeed*`` in config_helpers.go).
COMMANDS_THAT_NEED = {
    "vars": ["apply", "console", "destroy", "import", "plan", "push", "refresh"],
    "locking": ["apply", "destroy", "import", "plan", "refresh", "taint", "untaint"],
    "input": ["apply", "import", "init", "plan", "refresh"],
    "parallelism": ["apply", "plan", "destroy"],
}
#: Functions whose value depends on a command, a cloud API or the machine Terragrunt runs on.
NOT_EVALUATED = {
    "run_cmd": "runs a command: sovlint never executes anything from the scanned tree",
    "sops_decrypt_file": "decrypts a file with sops: not done by sovlint",
    "get_aws_account_id": "asks AWS for the account of the deploy credentials",
    "get_aws_account_alias": "asks AWS for the account alias of the deploy credentials",
    "get_aws_caller_identity_arn": "asks AWS for the identity of the deploy credentials",
    "get_aws_caller_identity_user_id": "asks AWS for the identity of the deploy credentials",
    "get_platform": "is the operating system Terragrunt runs on",
    "get_working_dir": "is the scratch folder Terragrunt creates at run time",
    "get_terraform_command": "is the command Terragrunt runs",
    "get_terraform_cli_args": "are the arguments Terragrunt is given",
    "get_default_retryable_errors": "is Terragrunt's own list",
    "constraint_check": "checks a version constraint at run time",
}


def default_config_path(directory: Path) -> Path:
    """``terragrunt.hcl.json`` when it exists in ``directory``, else ``terragrunt.hcl`` (``GetDefaultConfigPath``)."""
    for name in DEFAULT_CONFIG_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return directory / DEFAULT_CONFIG_NAMES[-1]


@dataclass(frozen=True)
class Include:
    """An ``include`` block of a unit: its label, the file it names, and how it is merged."""

    name: str
    path: Path
    expose: bool = False
    merge_strategy: str = "shallow"
    line: int | None = None


class FileReader(Protocol):
    """What the functions read through (:class:`sovlint.terragrunt.config.ConfigReader`):
    the file system as the unit's evaluation sees it, each read a dependency of the result."""

    @property
    def reads_environment(self) -> bool:
        """Whether ``get_env`` reads the environment (``--deploy-env``)."""

    def environment_variable(self, name: str) -> str | None:
        """An environment variable, only with ``--deploy-env``."""

    def display(self, path: Path) -> str:
        """A path as reports show it."""

    def probe(self, path: Path) -> bool:
        """Whether ``path`` exists."""

    def probe_directory(self, path: Path) -> bool:
        """Whether ``path`` is a directory."""

    def text(self, path: Path) -> object:
        """``file()``: the text, or an ``Unknown`` that says why it is not read."""

    def tfvars(self, path: Path) -> object:
        """``read_tfvars_file()``."""

    def exposed(self, target: Path, context: Context) -> Any:
        """``read_terragrunt_config()``: what another Terragrunt file exposes."""


@dataclass
class Context:
    """Where a Terragrunt file is evaluated (Terragrunt's ``ParsingContext``).

    ``config_path`` is the unit's file even while one of its included files is
    evaluated (``find_in_parent_folders`` and ``get_terragrunt_dir`` answer for
    the unit); ``read_terragrunt_config`` evaluates the file it reads with
    ``config_path`` set to that file.
    """

    config_path: Path
    original_path: Path
    reader: FileReader
    including: Include | None = None  # the include block that pulled in the file evaluated now
    includes: Mapping[str, Include] = field(default_factory=dict)  # the unit's include blocks


def _string(value: object, function: str) -> str:
    if isinstance(value, str):
        return value
    raise EvaluationError(f"{function}: a string is required")


def _relative(target: Path, start: Path) -> str:
    return os.path.relpath(os.path.normpath(target), os.path.normpath(start))


def _selected_include(context: Context, args: tuple[object, ...], function: str) -> Include | None:
    """The include block a path function is about (``getSelectedIncludeBlock``)."""
    if context.including is not None:
        return context.including
    if not context.includes:
        return None
    if len(context.includes) == 1:
        return next(iter(context.includes.values()))
    if len(args) != 1:
        raise EvaluationError(f"{function}: with several include blocks, name the one meant")
    name = _string(args[0], function)
    if name not in context.includes:
        raise EvaluationError(f"{function}: there is no include block {name!r}")
    return context.includes[name]


def terragrunt_functions(context: Context) -> dict[str, TerraformFunction]:
    """The function table of one evaluation: Terraform's built-ins and Terragrunt's."""
    reader = context.reader
    here = context.config_path.parent

    def find_in_parent_folders(*args: object) -> object:
        name = _string(args[0], "find_in_parent_folders") if args else ""
        previous = here
        for _ in range(MAX_FOLDERS_TO_CHECK):
            current = previous.parent
            if current == previous:
                break
            candidate = current / name if name else default_config_path(current)
            if reader.probe(candidate):
                return str(candidate)
            previous = current
        if len(args) > 1:
            return args[1]
        raise EvaluationError(f"find_in_parent_folders: no {name or 'terragrunt.hcl'} in the parent "
                              f"folders of {reader.display(context.config_path)}")

    def path_relative_to_include(*args: object) -> object:
        include = _selected_include(context, args, "path_relative_to_include")
        return "." if include is None else _relative(here, include.path.parent)

    def path_relative_from_include(*args: object) -> object:
        include = _selected_include(context, args, "path_relative_from_include")
        return "." if include is None else _relative(include.path.parent, here)

    def get_parent_terragrunt_dir(*args: object) -> object:
        include = _selected_include(context, args, "get_parent_terragrunt_dir")
        return str(here) if include is None else os.path.normpath(include.path.parent)

    def get_env(*args: object) -> object:
        name = _string(args[0], "get_env")
        value = reader.environment_variable(name)
        if value is not None:
            return value
        if len(args) > 1:
            return args[1]
        reason = ("is not set in the environment" if reader.reads_environment
                  else "is read from the environment only with --deploy-env")
        return Unknown(f"get_env({name!r}): {name} {reason}", f'get_env("{name}")')

    def read_terragrunt_config(*args: object) -> object:
        target = Path(_string(args[0], "read_terragrunt_config"))
        if not target.is_absolute():
            target = here / target
        if reader.probe_directory(target):
            target = default_config_path(target)
        if not reader.probe(target):
            if len(args) > 1:
                return args[1]
            raise EvaluationError(f"read_terragrunt_config: {reader.display(target)} does not exist")
        return reader.exposed(target, context)

    def read_tfvars_file(*args: object) -> object:
        target = Path(_string(args[0], "read_tfvars_file"))
        return reader.tfvars(target if target.is_absolute() else here / target)

    def file_(*args: object) -> object:
        target = Path(_string(args[0], "file"))
        return reader.text(target if target.is_absolute() else here / target)

    def fileexists(*args: object) -> object:
        target = Path(_string(args[0], "fileexists"))
        return reader.probe(target if target.is_absolute() else here / target)

    def repo_root() -> Path:
        for directory in (here, *here.parents):
            if reader.probe(directory / ".git"):
                return directory
        raise EvaluationError("get_repo_root: the file is not in a git repository")

    def deep_merge(*args: object) -> object:
        merged: object = {}
        for value in args:
            merged = _deep_merge(merged, value)
        return merged

    def not_evaluated(name: str, why: str) -> Callable[..., object]:
        return lambda *args: Unknown(f"{name}() {why}", f"{name}()")

    own: dict[str, TerraformFunction] = {
        "find_in_parent_folders": TerraformFunction(find_in_parent_folders, max_args=2),
        "path_relative_to_include": TerraformFunction(path_relative_to_include, max_args=1),
        "path_relative_from_include": TerraformFunction(path_relative_from_include, max_args=1),
        "get_parent_terragrunt_dir": TerraformFunction(get_parent_terragrunt_dir, max_args=1),
        "get_terragrunt_dir": TerraformFunction(lambda: str(here), max_args=0),
        "get_original_terragrunt_dir": TerraformFunction(
            lambda: str(context.original_path.parent), max_args=0),
        "get_env": TerraformFunction(get_env, min_args=1, max_args=2),
        "read_terragrunt_config": TerraformFunction(read_terragrunt_config, min_args=1, max_args=2),
        "read_tfvars_file": TerraformFunction(read_tfvars_file, min_args=1, max_args=1),
        "get_repo_root": TerraformFunction(lambda: str(repo_root()), max_args=0),
        "get_path_from_repo_root": TerraformFunction(lambda: _relative(here, repo_root()), max_args=0),
        "get_path_to_repo_root": TerraformFunction(lambda: _relative(repo_root(), here), max_args=0),
        "get_terragrunt_source_cli_flag": TerraformFunction(lambda: "", max_args=0),
        "mark_as_read": TerraformFunction(lambda path: path, min_args=1, max_args=1),
        "mark_glob_as_read": TerraformFunction(lambda glob: [], min_args=1, max_args=1),
        "deep_merge": TerraformFunction(deep_merge, accepts_unknown=True),
        "file": TerraformFunction(file_, min_args=1, max_args=1),
        "fileexists": TerraformFunction(fileexists, min_args=1, max_args=1),
        "dirname": TerraformFunction(lambda path: os.path.dirname(_string(path, "dirname")),
                                     min_args=1, max_args=1),
        "basename": TerraformFunction(lambda path: os.path.basename(_string(path, "basename")),
                                      min_args=1, max_args=1),
        **{f"get_terraform_commands_that_need_{kind}": TerraformFunction(
            lambda commands=commands: list(commands), max_args=0)
           for kind, commands in COMMANDS_THAT_NEED.items()},
        **{name: TerraformFunction(not_evaluated(name, why), accepts_unknown=True)
           for name, why in NOT_EVALUATED.items()},
    }
    return {**FUNCTIONS, **own}


def _deep_merge(base: object, overlay: object) -> object:
    """Terragrunt's deep merge: maps recursively, lists concatenated, anything else replaced."""
    if isinstance(base, Mapping) and isinstance(overlay, Mapping):
        merged: dict[str, Any] = dict(base)
        for key, value in overlay.items():
            merged[key] = _deep_merge(merged[key], value) if key in merged else value
        return merged
    if isinstance(base, list) and isinstance(overlay, list):
        return [*base, *overlay]
    return overlay
