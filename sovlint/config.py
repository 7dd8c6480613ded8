"""One explicit, ordered merge: defaults -> config file -> command-line flags, frozen.

The config file is ``.sovlint.yaml`` (or ``.sovlint.yml``) found from the
scanned path upwards, ``--config FILE``, or ``[tool.sovlint]`` in a
``pyproject.toml`` found the same way. It is validated against a shipped JSON
Schema; an unknown key is an error naming it and the file. Path globs and
files in it are relative to the config file's directory.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from sovlint.parsers.yaml_marks import YamlError, line_of, load_documents

CONFIG_NAMES = (".sovlint.yaml", ".sovlint.yml")


class ConfigError(Exception):
    """A configuration problem: exit code 2, with the file and line when known."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
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
    require_reason: bool = False
    inline_suppressions: bool = True
    baseline: str | None = None
    write_baseline: str | None = None
    debug: bool = False
    hcl_backend: str | None = None  # auto | hcl2 | treesitter; None: $SOVLINT_HCL_BACKEND, else auto


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
    from sovlint.parsers.text import decode_text

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file: {exc.strerror or exc}", str(path)) from None
    text = decode_text(data)
    if isinstance(text, tuple):  # binary or not UTF-8: say where
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


def from_file(path: Path | None) -> Config:
    """Defaults, then the file's settings."""
    config = Config()
    if path is None:
        return config
    data, _ = read_config_file(path)
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
    suppressions = data.get("suppressions") or {}
    if "require_reason" in suppressions:
        updates["require_reason"] = suppressions["require_reason"]
    if "inline" in suppressions:
        updates["inline_suppressions"] = suppressions["inline"]
    if "baseline" in data:
        updates["baseline"] = _relative(base, data["baseline"])
    return dataclasses.replace(config, **updates)


def load_config(explicit: Path | None, scan_paths: Iterable[Path],
                flags: Mapping[str, Any]) -> Config:
    """The ordered merge. ``flags`` holds only the options given on the command line."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError("config file not found", str(explicit))
        path: Path | None = explicit
    else:
        first = next(iter(scan_paths), Path("."))
        path = find_config(Path(first))
    config = from_file(path)
    updates: dict[str, Any] = {}
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
    return dataclasses.replace(config, **updates)
