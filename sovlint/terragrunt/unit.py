"""One Terragrunt unit -> the resources of the root module it deploys.

The unit is a root: its merged configuration gives the module (``terraform
{ source }``, else the unit's own folder), the module's variables
(``inputs``, passed as ``TF_VAR_*``: below the module's ``*.tfvars``), and the
files ``generate`` blocks write (a ``provider`` block written by ``root.hcl``
is evaluated as if written in the module). As Terragrunt does, the module's
files are overlaid by the ``.tf`` files of the unit's folder, then by the
generated ones (``if_exists``). Resources are reported at the module's files
and lines, with ``root`` naming the unit (``live/prod/db``), so that two units
deploying one module give distinct findings.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path
from typing import Any, Mapping, Sequence

from sovlint.config import Config
from sovlint.deploy_env import DeployEnvironment
from sovlint.discover import display_path
from sovlint.hcl.syntax import HclFile, HclSyntaxError
from sovlint.model import Resource, ScanError, SourceSpan
from sovlint.normalise.terraform import (ModuleResult, ParseFailure, TerraformLoader, TerraformOptions,
                                         _tfvars_values, configuration_files, parse_terraform_file)
from sovlint.parse_cache import real_path
from sovlint.terraform.module import ModuleConfig, load_module
from sovlint.terraform.values import Unknown
from sovlint.terragrunt.config import ConfigReader, Generate, Located, TerragruntError, UnitSettings
from sovlint.terragrunt.source import LocalSource, RemoteSource, resolve_source

#: The pseudo resource type of a unit whose module could not be evaluated (SOV004 on it).
UNIT_SOURCE_TYPE = "terragrunt::source"
#: ``if_exists`` values that replace a file of the same name (``generate`` block).
REPLACING = ("overwrite", "overwrite_terragrunt")


#: Units looked for below a folder named through one of its ``.hcl`` files, at most.
MAX_UNITS_BELOW = 10_000


def units_below(directory: Path) -> list[Path]:
    """The ``terragrunt.hcl`` files below ``directory`` (caches and VCS folders skipped)."""
    from sovlint.discover import SKIP_DIRS

    found: list[Path] = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in ("terragrunt.hcl", "terragrunt.hcl.json"):
            if name in names:
                found.append(Path(root) / name)
                break
        if len(found) >= MAX_UNITS_BELOW:
            break
    return found


def unit_label(unit_file: str | Path) -> str:
    """How findings name a unit: its folder as reports show paths (``live/prod/db``)."""
    return display_path(Path(unit_file).parent)


def evaluate_unit(unit_path: str, reported: str, config: Config,
                  catalog: Any) -> tuple[Any, list[str]]:
    """Evaluate one unit: (``UnitResult``, the files and folders it read)."""
    from sovlint.units import UnitResult

    result = UnitResult()
    unit_file = Path(os.path.abspath(unit_path))
    label = unit_label(unit_path)
    deploy = DeployEnvironment.from_config(config)
    reader = ConfigReader(unit_file, deploy, display_path, _parse, _tfvars,
                          allowed_roots=[Path(real_path(os.getcwd())), Path(real_path(unit_file.parent))])
    try:
        settings = reader.unit_settings()
    except TerragruntError:
        settings = None
    for failure in reader.failures:
        result.failures.append((failure.path, failure.line, failure.message))
    dependencies = [*reader.read_paths, *deploy.profile_files()]
    if settings is None:
        return result, dependencies
    module_dir, unresolved, where = _module_directory(settings, unit_file.parent, reader)
    if module_dir is None:
        result.resources.append(_not_evaluated(where, unresolved, label))
    else:
        loader = _UnitLoader(catalog, _options(config, settings, unit_file.parent, deploy),
                             module_dir, unit_file.parent, settings, reader)
        module = loader.evaluate_root(module_dir)
        if not loader.has_configuration:
            where = settings.source or Located(None, reported, 1)
            result.resources.append(_not_evaluated(
                where, f"the unit deploys no OpenTofu/Terraform files ({display_path(module_dir)})",
                label))
        result.resources.extend(dataclasses.replace(r, root=label) for r in module.resources)
        for failure in loader.failures.values():
            result.failures.append((failure.path, failure.line, failure.message))
        for path, line, message in module.errors:
            result.errors.append(ScanError(path, message, line))
        dependencies.extend(loader.read_paths)
    for path, line, message in reader.errors:
        result.errors.append(ScanError(path, message, line))
    return result, dependencies


def deployed_directory(unit_path: str, config: Config) -> Path | None:
    """The module folder a unit deploys (``None``: remote, unknown or missing), without
    evaluating the module: for graphs of which roots use which module folders."""
    unit_file = Path(os.path.abspath(unit_path))
    reader = ConfigReader(unit_file, DeployEnvironment.from_config(config), display_path, _parse,
                          _tfvars, allowed_roots=[Path(real_path(os.getcwd()))])
    try:
        settings = reader.unit_settings()
    except TerragruntError:
        return None
    return _module_directory(settings, unit_file.parent, reader)[0]


def _parse(path: Path) -> HclFile | ParseFailure:
    """A Terragrunt file: a regular file within the size limit, parsed (cached) as HCL."""
    from sovlint.discover import DEFAULT_MAX_FILE_SIZE

    display = display_path(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        return ParseFailure(display, None, f"cannot read: {exc.strerror or exc}")
    if not stat.S_ISREG(st.st_mode):
        return ParseFailure(display, None, "not a regular file; not read")
    if st.st_size > DEFAULT_MAX_FILE_SIZE:
        return ParseFailure(display, None, f"larger than {DEFAULT_MAX_FILE_SIZE} bytes; not read")
    return parse_terraform_file(path, display)


def _tfvars(path: Path) -> object:
    parsed = parse_terraform_file(path, display_path(path))
    if isinstance(parsed, ParseFailure):
        return Unknown(f"{parsed.path}: {parsed.message}", f'read_tfvars_file("{parsed.path}")')
    return _tfvars_values(parsed)


def _module_directory(settings: UnitSettings, unit_dir: Path,
                      reader: ConfigReader) -> tuple[Path | None, str, Located]:
    """(the module folder, or None with why it is not evaluated, and where the source is set)."""
    source = settings.source
    if source is None:
        return unit_dir, "", Located(None, display_path(reader.unit_file), 1)
    value = source.value
    if isinstance(value, Unknown):
        return None, f"terraform.source = {source.expression} ({value.reason})", source
    if not isinstance(value, str) or not value:
        return None, f"terraform.source = {source.expression} is not a module source", source
    resolved = resolve_source(value, unit_dir)
    if isinstance(resolved, RemoteSource):
        return None, (f"module source {resolved.address!r} is remote and was not fetched: nothing it "
                      "deploys was checked (point terraform.source at a local copy, as "
                      "`terragrunt --source` does, to let sovlint read it)"), source
    assert isinstance(resolved, LocalSource)
    if not reader.probe_directory(resolved.directory):
        return None, (f"module source {value!r} not found "
                      f"({display_path(resolved.directory)} is not a folder)"), source
    return resolved.directory, "", source


def _not_evaluated(where: Located, why: str, label: str) -> Resource:
    """A unit whose module is not evaluated: SOV004 (what it deploys may hold data: fail closed)."""
    return Resource(
        address="terraform.source", resource_type=UNIT_SOURCE_TYPE,
        source=SourceSpan(where.path, where.line or 1, where.line or 1), input_format="terragrunt",
        unresolved=(why,), attributes={"category": "storage"}, root=label)


def _options(config: Config, settings: UnitSettings, unit_dir: Path,
             deploy: DeployEnvironment) -> TerraformOptions:
    """The unit's Terraform options: ``extra_arguments`` var files come before ``--var-file``."""
    environ = {k: v for k, v in os.environ.items() if k.startswith("TF_VAR_")}
    var_files = []
    for path, required in settings.var_files:
        if not isinstance(path, str) or not path:
            continue
        full = Path(path) if os.path.isabs(path) else unit_dir / path
        if required or full.is_file():
            var_files.append(str(full))
    return TerraformOptions(variables=config.variables, var_files=(*var_files, *config.var_files),
                            environ=environ, deploy_environment=deploy)


class _UnitLoader(TerraformLoader):
    """A loader whose root module is the unit's working directory as Terragrunt lays it out."""

    def __init__(self, catalog: Any, options: TerraformOptions, module_dir: Path, unit_dir: Path,
                 settings: UnitSettings, reader: ConfigReader):
        super().__init__(catalog, options)
        self._module_key = real_path(module_dir)
        self._unit_dir = unit_dir
        self._settings = settings
        self._reader = reader
        self._root: ModuleConfig | None = None
        self.has_configuration = False

    def module_config(self, directory: Path) -> ModuleConfig | None:
        """The module folder overlaid by the unit's own files and generated files."""
        config = super().module_config(directory)
        if real_path(directory) != self._module_key:
            return config
        if self._root is None:
            self._root = self._working_directory(Path(directory), config)
        return self._root

    def _working_directory(self, directory: Path, module: ModuleConfig | None) -> ModuleConfig:
        files: dict[str, HclFile] = {os.path.basename(f.path): f for f in (module.files if module else [])}
        if real_path(self._unit_dir) != self._module_key:  # the unit's folder is copied over the module
            own = super().module_config(self._unit_dir)
            files.update({os.path.basename(f.path): f for f in (own.files if own else [])})
        for generate in self._settings.generate.values():
            self._generate(generate, files)
        kept = configuration_files(files)
        self.has_configuration = bool(kept)
        return load_module(directory, [files[name] for name in kept])

    def _generate(self, generate: Generate, files: dict[str, HclFile]) -> None:
        where = generate.at
        if generate.disabled is True:
            return
        name = generate.path
        if not isinstance(name, str) or not name:
            self._reader.errors.append((where.path, where.line,
                                        f'generate "{generate.name}": path not known'))
            return
        name = os.path.normpath(name)
        if os.sep in name or not name.endswith((".tf", ".tofu", ".tf.json", ".tofu.json")):
            return  # not a configuration file of the root module
        if name in files and generate.if_exists not in REPLACING:
            if generate.if_exists != "skip":
                self._reader.errors.append((where.path, where.line, (
                    f'generate "{generate.name}": {name} exists in the module and if_exists is '
                    f'{generate.if_exists!r}; the existing file is read')))
            return
        contents = generate.contents
        if not isinstance(contents, str):
            reason = contents.reason if isinstance(contents, Unknown) else "not a string"
            self._reader.errors.append((where.path, where.line, (
                f'generate "{generate.name}": contents not known ({reason}); {name} is not read')))
            return
        parsed = _parse_generated(contents, where, name)
        if isinstance(parsed, ParseFailure):
            self.failures[f"{parsed.path}:{generate.name}"] = parsed
            return
        files[name] = parsed

    def root_inputs(self, directory: Path, overlays: Sequence[Path] = ()) -> dict[str, Any]:
        """Terragrunt's ``inputs`` (``TF_VAR_*``), below every other source of values."""
        inputs = self._settings.inputs
        values: dict[str, Any] = {}
        if isinstance(inputs, Mapping):
            values.update(inputs)
        elif isinstance(inputs, Unknown):  # any variable may come from it: unknown, named
            config = self.module_config(directory)
            values.update({name: Unknown(f"the unit's inputs are not known ({inputs.reason})",
                                         inputs.expr or "inputs")
                           for name in (config.variables if config else {})})
        overlays = (self._unit_dir,) if real_path(self._unit_dir) != self._module_key else ()
        values.update(super().root_inputs(directory, overlays))
        return values


def _parse_generated(contents: str, where: Located, name: str) -> HclFile | ParseFailure:
    """The file a ``generate`` block writes, parsed with its lines those of the heredoc."""
    from sovlint.hcl.backend import parse_hcl, parse_hcl_json

    try:
        if name.endswith(".json"):
            return dataclasses.replace(parse_hcl_json(contents, where.path), path=where.path)
        offset = "\n" * (where.line or 0)  # a heredoc's first line is the one after `contents =`
        return dataclasses.replace(parse_hcl(offset + contents, where.path), path=where.path)
    except HclSyntaxError as exc:
        return ParseFailure(where.path, exc.line, f"cannot parse the contents of generate ({name}): "
                                                  f"{exc.message}")
