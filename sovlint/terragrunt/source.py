"""Where a unit's ``terraform { source }`` points: a local folder, or a remote source not fetched.

Terragrunt hands the source to go-getter (``docs/.../02-blocks.mdx``, ``terraform``):
local paths (absolute, relative to the unit's folder, or ``file://``), and remote
ones — ``git::``, ``tfr://``, ``https://``, ``s3::``, ``github.com/...`` and the
other go-getter forms. ``//`` separates the part that is downloaded from the
sub-folder that holds the module (``../modules//vpc``, ``git::...//modules/vpc``).

A remote source is not fetched (no network during a scan): the unit is
reported as not evaluated (fail closed). :func:`resolve_source` is the one
place that decides; fetching remote sources can be connected here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

#: go-getter's forced getters (``git::``) and URL schemes (``tfr://``) mark a remote source.
_FORCED_GETTER = re.compile(r"^[A-Za-z0-9+.-]+::")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
#: go-getter's shorthand detectors (github.com/..., bitbucket.org/..., git@host:..., S3/GCS hosts).
_REMOTE_SHORTHAND = re.compile(
    r"^(github\.com/|bitbucket\.org/|gitlab\.com/|git@|[A-Za-z0-9.-]+\.amazonaws\.com/|"
    r"www\.googleapis\.com/storage/)")


@dataclass(frozen=True)
class LocalSource:
    """A folder on this machine: the module the unit deploys."""

    directory: Path


@dataclass(frozen=True)
class RemoteSource:
    """A source Terragrunt would download (not fetched by sovlint)."""

    address: str


def split_subdirectory(source: str) -> tuple[str, str]:
    """(what is downloaded, the sub-folder ``//`` names); the scheme's ``://`` is not a separator."""
    start = 0
    scheme = _SCHEME.match(source)
    if scheme:
        start = scheme.end()
    forced = _FORCED_GETTER.match(source)
    if forced:
        rest = source[forced.end():]
        inner = _SCHEME.match(rest)
        start = forced.end() + (inner.end() if inner else 0)
    index = source.find("//", start)
    if index < 0:
        return source, ""
    return source[:index], source[index + 2:]


def resolve_source(source: str, unit_directory: Path) -> LocalSource | RemoteSource:
    """Where ``source`` (as the unit's ``terraform { source }`` evaluates) points."""
    text = source.strip()
    if text.startswith("file://"):
        text = text[len("file://"):]
    elif _FORCED_GETTER.match(text) or _SCHEME.match(text) or _REMOTE_SHORTHAND.match(text):
        return RemoteSource(source)
    base, subdirectory = split_subdirectory(text)
    base = base.split("?", 1)[0]
    directory = Path(base) if os.path.isabs(base) else unit_directory / base
    if subdirectory:
        directory = directory / subdirectory.split("?", 1)[0]
    return LocalSource(Path(os.path.normpath(directory)))
