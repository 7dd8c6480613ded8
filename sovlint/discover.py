"""Paths + excludes -> the source files to scan, each with its format.

Directories are walked once. VCS folders and ``.terraform/`` are skipped,
symbolic links are not followed, special files (FIFOs, devices) are never
opened. Where the extension is ambiguous (``.json``, ``.yaml``) the content
decides: a Terraform plan or state, a CloudFormation template, an ARM
template, a Kubernetes manifest, or none of them (ignored without noise). A
``.tfstate`` file is a Terraform state; a ``.tfstate.backup`` (the state
before the last apply) only when named on the command line. Each
``terragrunt.hcl`` is a Terragrunt unit; another ``.hcl`` file (``root.hcl``)
is read through the units that include it, or, named on the command line,
stands for the units below its folder.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from sovlint.model import ScanError

SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".terraform", "node_modules", "__pycache__",
                       ".terragrunt-cache", ".venv"})
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
#: How many bytes are read to decide the format of a .json/.yaml file.
SNIFF_BYTES = 64 * 1024

TERRAFORM = "terraform"
TERRAFORM_JSON = "terraform-json"
TFVARS = "tfvars"
PLAN = "terraform-plan"
STATE = "terraform-state"
KUBERNETES = "kubernetes"
CLOUDFORMATION = "cloudformation"
ARM = "arm"
ARM_PARAMETERS = "arm-parameters"
HELM_CHART = "helm-chart"
KUSTOMIZATION = "kustomization"
BICEP = "bicep"
TERRAGRUNT = "terragrunt"  # a unit: terragrunt.hcl / terragrunt.hcl.json
TERRAGRUNT_INCLUDE = "terragrunt-include"  # another .hcl given by name (root.hcl): the units below it
UNREADABLE = "unreadable"
#: ``.hcl`` files that are not Terragrunt configuration (lock files, Packer, tests, Nomad, stacks).
NOT_TERRAGRUNT = re.compile(r"(^\.terraform\.lock\.hcl$|\.(pkr|tftest|tofutest|nomad)\.hcl$|"
                            r"^terragrunt\.(stack|values)\.hcl$)")


class SourceFile:
    """A file to scan: its path as given/walked, the display path, and its format.

    The path is kept as a string (a ``Path`` object weighs several times its
    text, and a scan lists every file of the tree); ``path`` makes the
    ``Path`` when asked. A file walked from an absolute path below the current
    directory keeps one string, its display (the path walked), and the current
    directory's, shared: ``prefix`` + display is its location.
    """

    __slots__ = ("_where", "display", "format")

    def __init__(self, path: str | os.PathLike[str], display: str, format: str,
                 prefix: str | None = None) -> None:
        self.display = display
        self.format = format
        if prefix is not None:
            assert prefix.endswith(os.sep) and os.fspath(path) == display  # walked from here
            self._where = prefix
            return
        location = os.fspath(path)
        self._where = display if location == display else location  # one string when alike

    @property
    def location(self) -> str:
        """The path as given or walked."""
        where = self._where
        return where + self.display if where.endswith(os.sep) else where

    @property
    def path(self) -> Path:
        """The path as given or walked."""
        return Path(self.location)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourceFile) and (self.location, self.display, self.format) == (
            other.location, other.display, other.format)

    def __hash__(self) -> int:
        return hash((self.location, self.display, self.format))

    def __repr__(self) -> str:
        return f"SourceFile({self.location!r}, {self.display!r}, {self.format!r})"


@dataclass
class Discovery:
    """What discovery found: files to scan, files skipped (with why: each a SOV900), and errors."""

    files: list[SourceFile]
    skipped: list[ScanError]
    errors: list[ScanError]


def display_path(path: str | os.PathLike[str]) -> str:
    """The path relative to the current directory when below it, else as given."""
    text = os.fspath(path)
    if not os.path.isabs(text):  # relative already: the same as relpath, without its stat-free work
        normal = os.path.normpath(text)
        if normal != os.pardir and not normal.startswith(os.pardir + os.sep):
            return normal
    try:
        return os.path.relpath(text)
    except ValueError:  # another drive on Windows
        return str(path)


def _excluded(rel: str, patterns: Iterable[str]) -> bool:
    rel = rel.replace(os.sep, "/")
    for pattern in patterns:
        if fnmatch.fnmatchcase(rel, pattern):
            return True
        if pattern.startswith("**/") and fnmatch.fnmatchcase(rel, pattern[3:]):
            return True
        if fnmatch.fnmatchcase(rel + "/", pattern) or fnmatch.fnmatchcase(rel, pattern.rstrip("/*")):
            return True
    return False


def is_excluded(display: str, patterns: Iterable[str]) -> bool:
    """Whether a display path matches an ``--exclude``/``exclude:`` glob (as the walk tests it)."""
    return _excluded(display, patterns)


_CFN_MARK = re.compile(rb"AWSTemplateFormatVersion|\"?Type\"?\s*:\s*[\"']?AWS::|Transform\"?\s*:\s*[\"']?AWS::Serverless")
_ARM_MARK = re.compile(rb"schema\.management\.azure\.com/schemas/[^\"]*deploymentTemplate", re.I)
_ARM_PARAMS_MARK = re.compile(rb"schema\.management\.azure\.com/schemas/[^\"]*deploymentParameters", re.I)
_PLAN_MARK = re.compile(rb"\"(planned_values|resource_changes|prior_state)\"")
_TF_FORMAT_MARK = re.compile(rb"\"format_version\"")
#: ``terraform show -json`` of a state: ``{"format_version": ..., "values": {...}}``.
_STATE_VALUES_MARK = re.compile(rb"\"values\"\s*:\s*\{")
#: A state file saved as .json (``terraform state pull > state.json``): only states have both.
_STATE_MARKS = (re.compile(rb"\"lineage\"\s*:"), re.compile(rb"\"serial\"\s*:"))
_K8S_MARK = re.compile(rb"^\s*\"?apiVersion\"?\s*:", re.M)
_K8S_KIND = re.compile(rb"^\s*\"?kind\"?\s*:", re.M)


def sniff_format(path: str | os.PathLike[str], head: bytes) -> str | None:
    """Decide the format of a file whose extension does not (``None``: not IaC)."""
    name = os.path.basename(os.fspath(path))
    lower = name.lower()
    if lower in ("terragrunt.hcl", "terragrunt.hcl.json"):
        return TERRAGRUNT
    if lower.endswith((".tf", ".tofu")):  # OpenTofu's own extensions too
        return TERRAFORM
    if lower.endswith((".tf.json", ".tofu.json")):
        return TERRAFORM_JSON
    if lower.endswith(".tfvars") or lower.endswith(".tfvars.json"):
        return TFVARS
    if lower == "chart.yaml":
        return HELM_CHART
    if lower in ("kustomization.yaml", "kustomization.yml", "kustomization"):
        return KUSTOMIZATION
    if lower.endswith(".bicep"):
        return BICEP
    if lower.endswith((".tfstate", ".tfstate.backup")):
        return STATE
    if lower.endswith(".json"):
        if _ARM_PARAMS_MARK.search(head):
            return ARM_PARAMETERS
        if _ARM_MARK.search(head):
            return ARM
        if _TF_FORMAT_MARK.search(head) and _PLAN_MARK.search(head):
            return PLAN
        if _TF_FORMAT_MARK.search(head) and _STATE_VALUES_MARK.search(head):
            return STATE
        if all(mark.search(head) for mark in _STATE_MARKS):
            return STATE
        return _manifest_format(head)
    if lower.endswith((".yaml", ".yml", ".template")):
        return _manifest_format(head)
    return None


def _manifest_format(head: bytes) -> str | None:
    """CloudFormation or Kubernetes by their marks (each mark's words looked for first: a
    substring search is much cheaper than the expressions over 64 KiB of every file)."""
    if b"AWS" in head and _CFN_MARK.search(head):
        return CLOUDFORMATION
    if b"apiVersion" in head and b"kind" in head and _K8S_MARK.search(head) and _K8S_KIND.search(head):
        return KUBERNETES
    return None


def oversize_message(size: int, limit: int) -> str:
    """Why a file over the size limit was not scanned, and how to include it (a SOV900)."""
    return (f"not scanned: {size} bytes, over the {limit}-byte limit; raise --max-file-size "
            "(or max_file_size in .sovlint.yaml) to include it")


def _read_head(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(SNIFF_BYTES)


_HERE = os.curdir + os.sep  # what a walk of "." puts before every path


def discover(paths: Iterable[Path], excludes: Iterable[str] = (),
             max_file_size: int = DEFAULT_MAX_FILE_SIZE,
             follow_symlinks: bool = False) -> Discovery:
    """Walk ``paths`` once and classify every file."""
    excludes = tuple(excludes)
    result = Discovery(files=[], skipped=[], errors=[])
    seen: set[str] = set()
    helm_roots: list[str] = []

    def consider(path: str, explicit: bool, prefix: str | None = None) -> None:
        # (strings, not Path objects: a large tree has many files)
        display = display_path(path)
        lower = os.path.basename(path).lower()
        if not explicit and lower.endswith(".tfstate.backup"):
            return  # the state before the last apply: scanned when named
        if display in seen:
            return
        seen.add(display)
        if not explicit and _excluded(display, excludes):
            return
        try:
            st = os.stat(path) if follow_symlinks or explicit else os.lstat(path)
        except OSError as exc:
            result.errors.append(ScanError(display, f"cannot read: {exc.strerror or exc}"))
            return
        if stat.S_ISLNK(st.st_mode):
            return  # not followed unless asked
        if not stat.S_ISREG(st.st_mode):
            if explicit:
                result.skipped.append(ScanError(display, "not scanned: not a regular file"))
            return
        if lower.endswith(".hcl"):
            if lower != "terragrunt.hcl" and (not explicit or NOT_TERRAGRUNT.search(lower)):
                return  # read through the units that use it
        elif not lower.endswith((".tf", ".tofu", ".json", ".yaml", ".yml", ".tfvars", ".template",
                                 ".bicep", ".tfstate", ".tfstate.backup")) and lower != "kustomization":
            return
        head = b""
        if not lower.endswith((".tf", ".tofu", ".tfvars", ".bicep", ".hcl")):
            try:  # the head decides whether a .json/.yaml is infrastructure code (bounded read)
                head = _read_head(path)
            except OSError:
                result.files.append(SourceFile(path, display, UNREADABLE, prefix))
                return
        fmt = sniff_format(path, head)
        if fmt is None and lower.endswith(".hcl"):
            fmt = TERRAGRUNT_INCLUDE
        if fmt is None:
            return
        if any(display.startswith(root + os.sep) for root in helm_roots) and fmt != HELM_CHART:
            return  # chart contents are handled through the chart (templates are not YAML)
        if st.st_size > max_file_size:  # infrastructure code too large to read: said, not dropped
            result.skipped.append(ScanError(display, oversize_message(st.st_size, max_file_size)))
            return
        result.files.append(SourceFile(path, display, fmt, prefix))

    for given in paths:
        given = Path(given)
        try:
            is_dir = given.is_dir()
        except OSError:
            is_dir = False
        if not given.exists() and not given.is_symlink():
            result.errors.append(ScanError(str(given), "no such file or directory"))
            continue
        if not is_dir:
            consider(os.fspath(given), explicit=True)
            continue
        visited: set[tuple[int, int]] = set()
        walked, prefix = os.fspath(given), None
        if os.path.isabs(walked):  # below here: walked relative, each file's path its display
            relative, here = display_path(given), os.getcwd()
            if relative != os.pardir and not relative.startswith(os.pardir + os.sep) \
                    and os.path.normpath(os.path.join(here, relative)) == walked:
                walked, prefix = relative, os.path.join(here, "")
        for root, dirs, files in os.walk(walked, followlinks=follow_symlinks,
                                         onerror=lambda e: result.errors.append(
                                             ScanError(display_path(Path(e.filename)),
                                                       f"cannot read directory: {e.strerror}"))):
            if follow_symlinks:
                st = os.stat(root)
                if (st.st_dev, st.st_ino) in visited:
                    dirs[:] = []
                    continue
                visited.add((st.st_dev, st.st_ino))
            kept = []
            for d in sorted(dirs):
                if d in SKIP_DIRS:
                    continue
                if _excluded(display_path(os.path.join(root, d)), excludes):
                    continue
                kept.append(d)
            dirs[:] = kept
            names = sorted(files)
            if "Chart.yaml" in names:
                helm_roots.append(display_path(root))
            for name in names:
                path = os.path.join(root, name)
                consider(path[2:] if path.startswith(_HERE) else path, False, prefix)
    result.files.sort(key=lambda f: f.display)
    return result
