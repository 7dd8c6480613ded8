"""One explicit, ordered merge: defaults -> config file -> command-line flags, frozen.

The config file is ``.sovlint.yaml`` (or ``.sovlint.yml``) found from the
scanned path upwards, ``--config FILE``, or ``[tool.sovlint]`` in a
``pyproject.toml`` found the same way. It is validated against a shipped JSON
Schema; an unknown key is an error naming it and the file. Path globs and
files in it are relative to the config file's directory.

A config file found in the scanned tree is part of it, hence untrusted (a
pull request may change it): the files it names (variables files, policies,
catalogs, the baseline) must lie in the scanned tree; anything else must be
named on the command line (or the config itself given with ``--config``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from sovlint.files import Tree, scanned_tree, special_file
from sovlint.parsers.yaml_marks import YamlError, line_of, load_documents

CONFIG_NAMES = (".sovlint.yaml", ".sovlint.yml")


class ConfigError(Exception):
    """A configuration problem: exit code 2, with the file and line when known."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        if path and os.path.isabs(path):  # shown as the user would type it, when below the cwd
            relative = os.path.relpath(path)
            path = relative if not relative.startswith(os.pardir) else path
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line


@dataclasses.dataclass(frozen=True)
class Cluster:
    """Where manifests under some paths are deployed (``kubernetes.clusters``)."""

    paths: tuple[str, ...]
    provider: str | None
    region: str | None


@dataclasses.dataclass(frozen=True)
class Config:
    """Every setting of a run, after the merge. Paths are absolute or relative to the cwd."""

    config_file: str | None = None
    profile: str = "france"
    fail_on: str = "low"
    default_data_class: str = "strategic"
    policies: tuple[str, ...] = ()
    builtin_policies: bool = True
    plugins: bool = True  # Python rules from the sovlint.rules entry points
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    severity: Mapping[str, str] = dataclasses.field(default_factory=dict)
    catalog: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_size: int = 10 * 1024 * 1024
    jobs: int = 0  # worker processes; 0: one per usable core (engine.worker_count)
    cache: bool = True
    data_class_paths: tuple[tuple[str, str], ...] = ()
    data_class_synonyms: Mapping[str, str] = dataclasses.field(default_factory=dict)
    allowed_countries_personal: tuple[str, ...] = ()
    clusters: tuple[Cluster, ...] = ()
    aws_default_region: str | None = None
    azure_resource_group_location: str | None = None
    var_files: tuple[str, ...] = ()
    variables: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    workspace: str | None = None  # the value of terraform.workspace (unknown when not given)
    fetch_modules: bool = False  # fetch remote modules with the user's terraform/tofu get
    deploy_env: bool = False  # --deploy-env: regions from the deploy environment (opt-in)
    provider_regions: Mapping[str, str] = dataclasses.field(default_factory=dict)  # provider id -> region
    require_reason: bool = False
    inline_suppressions: bool = True
    baseline: str | None = None
    write_baseline: str | None = None
    debug: bool = False
    hcl_backend: str | None = None  # auto | hcl2 | treesitter; None: $SOVLINT_HCL_BACKEND, else auto
    #: what the scan may read: its tree, and the files named on the command line (set by load_config)
    tree: Tree | None = None


@functools.lru_cache(maxsize=1)
def config_schema() -> dict[str, Any]:
    """The JSON Schema of the configuration file."""
    return json.loads((Path(__file__).parent / "config_schema.json").read_text(encoding="utf-8"))


def find_config(start: Path) -> Path | None:
    """The nearest ``.sovlint.yaml`` or ``pyproject.toml`` with ``[tool.sovlint]`` upwards."""
    try:
        here = start.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop: search from the link's directory
        here = Path(os.path.abspath(start)).parent
    if here.is_file():
        here = here.parent
    for directory in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "[tool.sovlint]" in _read(pyproject):
            return pyproject
    return None


def _read(path: Path) -> str:
    from sovlint.parsers.text import read_input_text

    text = read_input_text(path)
    if isinstance(text, tuple):  # special, too large, binary or not UTF-8: say where
        raise ConfigError(f"cannot read config file: {text[0]}", str(path), text[1])
    return text


def read_config_file(path: Path) -> tuple[dict[str, Any], Any]:
    """Parse and validate a config file: (data, line-marked document for error lines)."""
    text = _read(path)
    if path.name == "pyproject.toml":
        try:
            import tomllib
        except ImportError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]

        try:
            data = tomllib.loads(text).get("tool", {}).get("sovlint", {})
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"invalid TOML: {exc}", str(path)) from None
        doc: Any = data
    else:
        try:
            docs = [d for d in load_documents(text) if d is not None]
        except YamlError as exc:
            raise ConfigError(exc.message, str(path), exc.line) from None
        doc = docs[0] if docs else {}
        data = doc
    if not isinstance(data, dict):
        raise ConfigError("the configuration must be a mapping", str(path), 1)
    import jsonschema

    errors = sorted(jsonschema.Draft202012Validator(config_schema()).iter_errors(data),
                    key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        error = errors[0]
        if error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            message = f"unknown key {', '.join(map(repr, extra))}"
            at = (*error.absolute_path, extra[0]) if extra else tuple(error.absolute_path)
        else:
            field_path = ".".join(str(p) for p in error.absolute_path) or "(top)"
            message = f"{field_path}: {error.message}"
            at = tuple(error.absolute_path)
        raise ConfigError(message, str(path), line_of(doc, at))
    return dict(data), doc


def _relative(base: Path, value: str) -> str:
    return value if os.path.isabs(value) else os.path.relpath(base / value)


def _glob_relative(base: Path, pattern: str) -> str:
    """A glob relative to the config directory, re-expressed relative to the cwd."""
    if os.path.isabs(pattern):
        return pattern
    prefix = os.path.relpath(base)
    return pattern if prefix == "." else f"{prefix}/{pattern}"


#: Settings that name files to read, and where they sit in the config file.
_FILE_SETTINGS = (("policies", ("policies",)), ("catalog", ("catalog",)),
                  ("var_files", ("terraform", "var_files")), ("baseline", ("baseline",)))


def _check_inside(config: Config, doc: Any, path: Path, tree: Tree) -> None:
    """Every file a config found in the scanned tree names lies in that tree (module docstring)."""
    for key, at in _FILE_SETTINGS:
        value = getattr(config, key)
        for index, name in enumerate([value] if isinstance(value, str) else value or ()):
            if not tree.holds(name):
                where = at if key == "baseline" else (*at, index)
                raise ConfigError(f"{'.'.join(at)}: {name!r} is outside the scanned tree; a configuration "
                                  "file of the tree may not name it (give it on the command line, or this "
                                  "file with --config)", str(path), line_of(doc, where))


def _names(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value or ())


def from_file(path: Path | None, tree: Tree | None = None) -> Config:
    """Defaults, then the file's settings (the files it names checked against ``tree``, if given)."""
    config = Config()
    if path is None:
        return config
    data, doc = read_config_file(path)
    base = path.parent
    updates: dict[str, Any] = {"config_file": str(path)}
    for key in ("profile", "fail_on", "default_data_class", "builtin_policies", "plugins",
                "max_file_size", "jobs", "cache"):
        if key in data:
            updates[key] = data[key]
    for key in ("enable", "disable", "allowed_countries_personal"):
        if key in data:
            updates[key] = tuple(data[key])
    if "severity" in data:
        updates["severity"] = dict(data["severity"])
    if "policies" in data:
        updates["policies"] = tuple(_relative(base, p) for p in data["policies"])
    if "catalog" in data:
        updates["catalog"] = tuple(_relative(base, p) for p in data["catalog"])
    if "exclude" in data:
        updates["exclude"] = tuple(_glob_relative(base, p) for p in data["exclude"])
    classes = data.get("data_classes") or {}
    if "paths" in classes:
        updates["data_class_paths"] = tuple((_glob_relative(base, k), v)
                                            for k, v in classes["paths"].items())
    if "synonyms" in classes:
        updates["data_class_synonyms"] = {str(k).lower(): v for k, v in classes["synonyms"].items()}
    clusters = (data.get("kubernetes") or {}).get("clusters") or []
    if clusters:
        updates["clusters"] = tuple(
            Cluster(tuple(_glob_relative(base, p) for p in c["paths"]), c.get("provider"),
                    c.get("region"))
            for c in clusters
        )
    if (data.get("aws") or {}).get("default_region"):
        updates["aws_default_region"] = data["aws"]["default_region"]
    if (data.get("azure") or {}).get("resource_group_location"):
        updates["azure_resource_group_location"] = data["azure"]["resource_group_location"]
    terraform = data.get("terraform") or {}
    if "var_files" in terraform:
        updates["var_files"] = tuple(_relative(base, p) for p in terraform["var_files"])
    if "vars" in terraform:
        updates["variables"] = dict(terraform["vars"])
    if "workspace" in terraform:
        updates["workspace"] = terraform["workspace"]
    if "fetch_modules" in terraform:
        updates["fetch_modules"] = terraform["fetch_modules"]
    if "deploy_env" in terraform:
        updates["deploy_env"] = terraform["deploy_env"]
    if "provider_regions" in terraform:
        updates["provider_regions"] = dict(terraform["provider_regions"])
    suppressions = data.get("suppressions") or {}
    if "require_reason" in suppressions:
        updates["require_reason"] = suppressions["require_reason"]
    if "inline" in suppressions:
        updates["inline_suppressions"] = suppressions["inline"]
    if "baseline" in data:
        updates["baseline"] = _relative(base, data["baseline"])
    config = dataclasses.replace(config, **updates)
    if tree is not None:
        _check_inside(config, doc, path, tree)
    return config


def load_config(explicit: Path | None, scan_paths: Iterable[Path],
                flags: Mapping[str, Any], scanning: bool = False) -> Config:
    """The ordered merge. ``flags`` holds only the options given on the command line.

    ``scanning``: the command reads ``scan_paths`` as untrusted code (``scan``,
    ``inventory``), so a config file found in them is untrusted too (module docstring).
    """
    scan_paths = list(scan_paths)
    named = [Path(p) for key in ("var_files", "policies") for p in flags.get(key) or ()]
    named += [Path(flags["baseline"])] if flags.get("baseline") else []
    named += [p for p in scan_paths if not p.is_dir()]
    tree = scanned_tree(scan_paths or [Path(".")], named=named)
    trusted = True  # a config named on the command line, found above the scanned tree, or not scanning
    path: Path | None
    if explicit is not None:
        reason = special_file(explicit)
        if reason is not None:
            raise ConfigError(reason, str(explicit))
        if not explicit.is_file():
            raise ConfigError("config file not found", str(explicit))
        path = explicit
    else:
        path = find_config(next(iter(scan_paths), Path(".")))
        if path is not None and scanning:
            location = os.path.join(os.path.realpath(path.parent), path.name)
            trusted = not any(location.startswith(r.rstrip(os.sep) + os.sep) for r in tree.roots)
            if not trusted and not tree.holds(path):
                raise ConfigError("the configuration file is a symbolic link out of the scanned tree; "
                                  "not read (give it with --config to use it)", str(path))
        if path is not None and trusted:  # the user's own: what sits beside it may be read
            tree = dataclasses.replace(tree, roots=(*tree.roots, os.path.realpath(path.parent)))
    config = from_file(path, None if trusted else tree)
    if path is not None and trusted:
        files = [name for key, _ in _FILE_SETTINGS for name in _names(getattr(config, key))]
        tree = dataclasses.replace(tree, named=(*tree.named, *map(os.path.realpath, files)))
    updates: dict[str, Any] = {"tree": tree}
    for key, value in flags.items():
        if value is None:
            continue
        if key in ("policies", "exclude", "catalog", "var_files"):
            updates[key] = (*getattr(config, key), *value)
        elif key in ("enable", "disable"):
            updates[key] = (*getattr(config, key), *value)
        elif key == "variables":
            updates[key] = {**config.variables, **value}
        else:
            updates[key] = value
    if "enable" in updates:  # a flag that enables wins over a file that disables
        updates["disable"] = tuple(r for r in updates.get("disable", config.disable)
                                   if r not in flags.get("enable", ()))
    merged = dataclasses.replace(config, **updates)
    for key, _ in _FILE_SETTINGS:  # a FIFO would hang the run, a device never end: refused now
        for name in _names(getattr(merged, key)):
            reason = special_file(name, directories=key == "policies")
            if reason is not None:
                raise ConfigError(f"{key.replace('_', ' ')}: {reason}", name)
    return merged
