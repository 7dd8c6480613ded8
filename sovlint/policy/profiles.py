"""Profiles are policy data: which rules run, and which rule files replace built-in ones.

``france`` (default), ``secnumcloud`` and ``eu`` ship in ``policies/profiles``;
``--profile`` also takes a profile file of the user's own, or the name of one
found beside their policies.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from sovlint.parsers.yaml_marks import YamlError, line_of, load_documents
from sovlint.policy.load import PolicyError

MAX_EXTENDS = 16


@dataclass(frozen=True)
class Profile:
    """A resolved profile: the rule ids it enables and the files that replace rules."""

    name: str
    description: str
    rules: frozenset[str]
    replace: tuple[Path, ...]
    source_file: str


@functools.lru_cache(maxsize=1)
def _validator() -> object:
    import jsonschema

    schema = json.loads((Path(__file__).parent / "profile_schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _read(path: Path) -> dict[str, object]:
    from sovlint.parsers.text import read_input_text

    text = read_input_text(path)
    if isinstance(text, tuple):
        raise PolicyError(str(path), text[1], f"cannot read profile: {text[0]}")
    try:
        docs = [d for d in load_documents(text) if d is not None]
    except YamlError as exc:
        raise PolicyError(str(path), exc.line, exc.message) from None
    doc = docs[0] if len(docs) == 1 else None
    if not isinstance(doc, dict):
        raise PolicyError(str(path), 1, "a profile is one YAML mapping")
    from sovlint.datafiles import is_shipped

    if is_shipped(path):  # the shipped profiles are validated by the test suite
        return doc
    errors = list(_validator().iter_errors(doc))  # type: ignore[attr-defined]
    if errors:
        error = errors[0]
        where = "/".join(str(p) for p in error.absolute_path) or "(profile)"
        raise PolicyError(str(path), line_of(doc, tuple(error.absolute_path)), f"{where}: {error.message}")
    return doc


def _ids(doc: dict[str, object], key: str) -> list[str]:
    value = doc.get(key) or []
    return [str(v) for v in value] if isinstance(value, list) else []


def find_profile(name: str, search: Iterable[Path]) -> Path | None:
    """The file of a profile given by path or by name (built-in first, then the user's dirs)."""
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return candidate
    for directory in search:
        for suffix in (".yaml", ".yml"):
            path = directory / f"{name}{suffix}"
            if path.is_file():
                return path
    return None


def load_profile(name: str, search: Iterable[Path]) -> Profile:
    """Resolve a profile and what it extends into the rules it enables (cached by content)."""
    from sovlint.parse_cache import cached_load

    search = list(search)
    path = find_profile(name, search)
    if path is None:
        return _resolve_profile(name, search)  # raises the error naming the profile
    files = [path, *sorted(p for d in {path.parent, *search} if d.is_dir() for p in d.glob("*.y*ml"))]
    return cached_load("profile", files, lambda: _resolve_profile(name, search))


def _resolve_profile(name: str, search: list[Path]) -> Profile:
    path = find_profile(name, search)
    if path is None:
        from sovlint.config import ConfigError

        raise ConfigError(f"unknown profile {name!r} (built-in: france, secnumcloud, eu; "
                          "or give a profile file)")
    chain: list[tuple[Path, dict[str, object]]] = []
    seen: set[str] = set()
    while path is not None:
        key = str(path.resolve())
        if key in seen or len(chain) >= MAX_EXTENDS:
            raise PolicyError(str(path), 1, "profiles extend each other in a cycle")
        seen.add(key)
        doc = _read(path)
        chain.append((path, doc))
        parent = doc.get("extends")
        if parent is None:
            break
        path = find_profile(str(parent), [path.parent, *search])
        if path is None:
            raise PolicyError(str(chain[-1][0]), line_of(doc, ("extends",)),
                              f"extends unknown profile {parent!r}")
    rules: set[str] = set()
    replace: list[Path] = []
    for file, doc in reversed(chain):  # the base first, then each profile that extends it
        rules.update(_ids(doc, "rules"))
        rules.update(_ids(doc, "enable"))
        rules.difference_update(_ids(doc, "disable"))
        replace.extend(file.parent / r for r in _ids(doc, "replace"))
    top_path, top = chain[0]
    return Profile(name=str(top["profile"]), description=str(top.get("description", "")),
                   rules=frozenset(rules), replace=tuple(replace), source_file=str(top_path))
