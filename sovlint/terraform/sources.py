"""Module sources: which are local, where Terraform installed the others, and fetching them.

Terraform reads a local source (``./``, ``../``) in place and installs every
other one (registry, git, GitHub, Bitbucket, Mercurial, HTTP archives, S3,
GCS, absolute paths) with ``terraform init``/``terraform get`` into its data
directory (``.terraform``), recording each in ``modules/modules.json``.
sovlint evaluates an installed module where that manifest says it is, and
never guesses what an uninstalled one would create.

``--fetch-modules`` runs the user's own ``terraform get`` (or ``tofu get``)
with ``TF_DATA_DIR`` in sovlint's cache directory, so that nothing is written
in the scanned tree; the fetched modules are then read like those of
``.terraform/modules``.

How Terraform tells the kinds apart (local prefixes, registry addresses, the
go-getter forms): hashicorp/terraform@0e0c7206e0755e163fcddd9880d42b4766057c04
``internal/addrs/module_source.go``, and the module sources documentation,
https://developer.hashicorp.com/terraform/language/modules/sources.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from sovlint.model import UNKNOWN_CATEGORY, Resource, SourceSpan, Suppression

#: Prefixes of local sources (``isModuleSourceLocal`` in Terraform's addrs package).
LOCAL_PREFIXES = ("./", "../", ".\\", "..\\")
#: The registry host of addresses written without one.
DEFAULT_REGISTRY = "registry.terraform.io"
#: Seconds one ``terraform get`` may run.
FETCH_TIMEOUT = 600
#: Where, under sovlint's cache directory, the data directories of fetched roots are.
FETCH_DIR = "terraform-data"

_REGISTRY_NAME = re.compile(r"^[0-9A-Za-z](?:[0-9A-Za-z_-]{0,62}[0-9A-Za-z])?$")
_REGISTRY_SYSTEM = re.compile(r"^[0-9a-z]{1,64}$")
_FORCED_GETTER = re.compile(r"^([A-Za-z0-9]+)::")
#: Human names of the kinds, for messages.
KIND_NAMES = {
    "registry": "registry module", "git": "git repository", "github": "GitHub repository",
    "bitbucket": "Bitbucket repository", "hg": "Mercurial repository", "http": "HTTP archive",
    "s3": "S3 bucket object", "gcs": "Cloud Storage object", "path": "absolute path",
    "remote": "remote source",
}


@dataclass(frozen=True, slots=True)
class ModuleSource:
    """A module call's ``source`` as written, and the kind of address Terraform reads it as."""

    text: str
    kind: str  # local, or one of KIND_NAMES

    @property
    def is_local(self) -> bool:
        """A path in the caller's own package, read in place (never installed)."""
        return self.kind == "local"

    @property
    def description(self) -> str:
        """``registry module "terraform-aws-modules/s3-bucket/aws"`` and the like."""
        if self.is_local:
            return f'local module "{self.text}"'
        return f'{KIND_NAMES.get(self.kind, "remote source")} "{self.text}"'


def _split_subdir(text: str) -> tuple[str, str]:
    """``addr//sub/dir`` -> (addr, sub/dir), ignoring the ``//`` of a URL scheme."""
    scheme = text.find("://")
    start = scheme + 3 if scheme >= 0 else 0
    index = text.find("//", start)
    if index < 0:
        return text, ""
    return text[:index], text[index + 2:]


def _registry_address(text: str) -> tuple[str, str] | None:
    """(``host/namespace/name/system``, subdir) when ``text`` is a registry address."""
    address, subdir = _split_subdir(text)
    parts = address.split("/")
    if len(parts) not in (3, 4):
        return None
    host = DEFAULT_REGISTRY
    if len(parts) == 4:
        host = parts[0].lower()
        if "." not in host or host in ("github.com", "bitbucket.org") or ":" in host.split(".")[0]:
            return None
        parts = parts[1:]
    namespace, name, system = parts
    if not (_REGISTRY_NAME.match(namespace) and _REGISTRY_NAME.match(name)
            and _REGISTRY_SYSTEM.match(system)):
        return None
    return f"{host}/{namespace}/{name}/{system}", subdir


def classify_source(text: str) -> ModuleSource:
    """The kind of a module source address, the way Terraform decides it."""
    if text.startswith(LOCAL_PREFIXES):
        return ModuleSource(text, "local")
    if _registry_address(text) is not None:
        return ModuleSource(text, "registry")
    forced = _FORCED_GETTER.match(text)
    if forced:
        getter = forced.group(1).lower()
        kind = {"git": "git", "hg": "hg", "s3": "s3", "gcs": "gcs", "http": "http",
                "https": "http", "file": "path"}.get(getter, "remote")
        return ModuleSource(text, kind)
    lowered = text.lower()
    if lowered.startswith(("github.com/", "git@github.com:")):
        return ModuleSource(text, "github")
    if lowered.startswith("bitbucket.org/"):
        return ModuleSource(text, "bitbucket")
    if lowered.startswith(("git@", "git://", "ssh://")):
        return ModuleSource(text, "git")
    if ".amazonaws.com/" in lowered or lowered.startswith("s3://"):
        return ModuleSource(text, "s3")
    if "googleapis.com/storage/" in lowered or lowered.startswith("gs://"):
        return ModuleSource(text, "gcs")
    if lowered.startswith(("http://", "https://")):
        return ModuleSource(text, "http")
    if text.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", text):
        return ModuleSource(text, "path")
    return ModuleSource(text, "remote")


def _comparable(text: str) -> str:
    """A source with the parts go-getter adds or drops removed, to compare two spellings."""
    registry = _registry_address(text)
    if registry is not None:
        address, subdir = registry
        return f"{address}//{subdir}" if subdir else address
    value = _FORCED_GETTER.sub("", text)
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value, flags=re.I)
    value = re.sub(r"^git@([^:/]+):", r"git@\1/", value)
    value = re.sub(r"^git@", "", value)
    address, subdir = _split_subdir(value)
    # the query (?ref=...) may be written before or after the subdirectory
    address, _, query = address.partition("?")
    subdir, _, subdir_query = subdir.partition("?")
    query = query or subdir_query
    address = address.rstrip("/")
    if address.endswith(".git"):
        address = address[:-4]
    subdir = subdir.strip("/")
    return address.lower() + (f"?{query}" if query else "") + (f"//{subdir}" if subdir else "")


def same_source(written: str, recorded: str) -> bool:
    """Whether an installed module (``recorded`` in modules.json) comes from the source written.

    Terraform records the normalised address (the registry host added,
    ``git::https://github.com/o/r.git`` for ``github.com/o/r``); both are
    reduced to one comparable form. S3 and GCS shorthands, which go-getter
    rewrites more deeply, are taken as the same when they cannot be compared.
    """
    if written == recorded:
        return True
    if classify_source(written).kind in ("s3", "gcs") and not _FORCED_GETTER.match(written):
        return True
    return _comparable(written) == _comparable(recorded)


@dataclass(frozen=True, slots=True)
class InstalledModule:
    """One entry of ``modules.json``: a module call (``a.b`` for ``module.a.module.b``)."""

    key: str
    source: str
    version: str | None
    directory: Path


def read_manifest(path: Path, base: Path) -> dict[str, InstalledModule] | None:
    """The installed modules ``path`` lists (``Dir`` relative to ``base``); ``None`` if unreadable."""
    from sovlint.files import UnreadableFile, read_scanned

    try:  # a regular file within the size limit, not through a link out of the tree
        data = json.loads(read_scanned(path).decode("utf-8"))
    except (UnreadableFile, ValueError, UnicodeDecodeError, RecursionError):
        return None
    modules = data.get("Modules") if isinstance(data, dict) else None
    if not isinstance(modules, list):
        return None
    found: dict[str, InstalledModule] = {}
    for entry in modules:
        if not isinstance(entry, dict):
            continue
        key, directory = entry.get("Key"), entry.get("Dir")
        if not isinstance(key, str) or not key or not isinstance(directory, str) or not directory:
            continue
        version = entry.get("Version")
        found[key] = InstalledModule(key, str(entry.get("Source") or ""),
                                     version if isinstance(version, str) else None,
                                     base / directory)
    return found


#: Resource type and category of a module call whose contents were not evaluated.
MODULE_CALL_TYPE = "module"


def not_evaluated(address: str, source: str | None, span: SourceSpan, reason: str,
                  module: str | None = None, tags: Mapping[str, str] | None = None,
                  suppressions: tuple[Suppression, ...] = (),
                  input_format: str = "terraform") -> Resource:
    """A module call whose contents sovlint could not read, as a resource SOV004 reports.

    Nothing inside is guessed: no provider, no region, the category
    ``unknown`` (what it creates is not known; counted as data at rest, fail
    closed) and ``reason`` as the unresolved expression. Its data class comes,
    like any resource's, from the tags given to the call, the configured
    paths or the default.
    """
    kind = classify_source(source).kind if source is not None else None
    attributes: dict[str, object] = {"category": UNKNOWN_CATEGORY}
    if source is not None:
        attributes["module_source"] = source
        attributes["module_source_kind"] = kind
    return Resource(address=address, resource_type=MODULE_CALL_TYPE, source=span,
                    input_format=input_format, unresolved=(reason,), tags=dict(tags or {}),
                    attributes=attributes, suppressions=suppressions, module=module)


def manifest_key(address: str) -> str:
    """The modules.json key of a module call: ``module.a.module.b`` -> ``a.b``."""
    return ".".join(address.split(".")[1::2])


# ----- fetching -------------------------------------------------------------------------------


def fetch_tool() -> str | None:
    """The user's ``terraform``, else ``tofu``, on PATH (``None`` when neither is)."""
    return shutil.which("terraform") or shutil.which("tofu")


def fetch_data_dir(root: Path, cache: Path) -> Path:
    """The ``TF_DATA_DIR`` sovlint uses for a root: one per root, in the cache directory."""
    digest = hashlib.sha256(os.path.realpath(root).encode("utf-8", "surrogateescape")).hexdigest()
    return cache / FETCH_DIR / digest[:24]


def fetched_manifest(data_dir: Path) -> Path:
    """Where ``terraform get`` writes the manifest under a data directory."""
    return data_dir / "modules" / "modules.json"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a fetch did: the data directory it filled, or why it failed."""

    data_dir: Path
    error: str | None = None


def fetch_modules(root: Path, data_dir: Path, tool: str) -> FetchResult:
    """Run ``TOOL -chdir=ROOT get -no-color`` with ``TF_DATA_DIR=data_dir`` (outside the scanned tree).

    The user's environment is kept (credentials for private registries and
    repositories are theirs), without prompts and without Terraform's version
    check; the command runs from the data directory, never from the tree.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TF_DATA_DIR": str(data_dir.resolve()), "TF_IN_AUTOMATION": "1",
           "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1", "GIT_TERMINAL_PROMPT": "0"}
    env.pop("TF_LOG_PATH", None)
    name = Path(tool).name
    with _locked(data_dir):
        try:
            completed = subprocess.run([tool, f"-chdir={os.path.abspath(root)}", "get", "-no-color"],
                                       cwd=data_dir, env=env, capture_output=True,
                                       stdin=subprocess.DEVNULL, timeout=FETCH_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            return FetchResult(data_dir, f"{name} get did not finish in {FETCH_TIMEOUT}s")
        except OSError as exc:
            return FetchResult(data_dir, f"{name} could not run: {exc.strerror or exc}")
    if completed.returncode != 0:
        return FetchResult(data_dir, f"{name} get failed: {_last_error(completed.stderr)}")
    return FetchResult(data_dir)


def unfetched_calls(resources: Iterable[Resource]) -> list[Resource]:
    """The module calls among ``resources`` whose remote source was not installed (a fetch may
    install them; a missing local source it cannot)."""
    return [r for r in resources if r.resource_type == MODULE_CALL_TYPE
            and r.attributes.get("module_source_kind") not in (None, "local")]


def fetch_roots(roots: Sequence[tuple[Path, Path]], tool: str) -> list[tuple[Path, str]]:
    """Fetch the modules of each (root, data directory), one after the other; (root, why) for
    each fetch that failed."""
    failures = []
    for root, data_dir in roots:
        fetched = fetch_modules(root, data_dir, tool)
        if fetched.error:
            failures.append((root, fetched.error))
    return failures


def _last_error(stderr: bytes) -> str:
    """The first ``Error:`` line of Terraform's diagnostics (else the last line), short."""
    lines = [line.strip(" │╷╵\t") for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    errors = [line for line in lines if line.startswith("Error:")]
    text = errors[0] if errors else (lines[-1] if lines else "no message")
    return text[:300]


class _locked:
    """An exclusive lock on a data directory (two scans never fetch into it at once)."""

    def __init__(self, directory: Path):
        self.path = directory / ".sovlint-lock"
        self.handle: object = None

    def __enter__(self) -> "_locked":
        try:
            import fcntl
        except ImportError:  # Windows: no advisory lock; concurrent fetches are rare
            return self
        handle = open(self.path, "a+")
        fcntl.flock(handle, fcntl.LOCK_EX)
        self.handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()  # type: ignore[attr-defined]
