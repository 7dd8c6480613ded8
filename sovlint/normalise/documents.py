"""A manifest file -> its line-marked documents and source lines, or why it cannot be read.

Shared by the manifest normalisers (Kubernetes, CloudFormation, ARM, plan
JSON): the file is read once with ``read_text`` (size, encoding and NUL
checks), parsed as YAML (multi-document) or JSON, and a problem becomes a
``ParseFailure`` that the normaliser turns into a SOV900 finding. Inline
``# sovlint:ignore`` comments are read from the source lines, since comments
are not in the parsed tree.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Mapping
from typing import Any

from sovlint.model import SourceSpan, Suppression
from sovlint.parsers.json_marks import JsonError, load_json
from sovlint.parsers.text import read_text
from sovlint.parsers.yaml_marks import YamlError, load_documents
from sovlint.suppress import parse_suppression_text


@dataclass(frozen=True, slots=True)
class ParseFailure:
    """Why a file could not be read or parsed (a SOV900 finding)."""

    path: str
    line: int | None
    message: str

    def as_tuple(self) -> tuple[str, int | None, str]:
        """The ``UnitResult.failures`` shape."""
        return (self.path, self.line, self.message)


@dataclass(frozen=True)
class SourceDocuments:
    """The documents of one file, with its text lines for comment lookups."""

    path: str  # display path
    documents: tuple[Any, ...]
    lines: tuple[str, ...]
    is_json: bool


#: Parsed files of this process, by (absolute path, mtime, size, how parsed): a manifest
#: is read for its own work unit and again for its directory's manifest set.
_PARSED: dict[tuple[str, int, int, bool, bool], tuple[tuple[Any, ...], tuple[str, ...]]] = {}
_PARSED_MAX = 256


def load_source(path: Path, display: str, as_json: bool | None = None,
                lenient_json: bool = False) -> SourceDocuments | ParseFailure:
    """Read and parse one manifest file; JSON when ``as_json`` (default: by extension).

    ``lenient_json`` accepts comments and trailing commas (ARM templates). A file
    parsed before in this process (same path, mtime and size) is not parsed again;
    the documents are shared, so callers never modify them.
    """
    if as_json is None:
        as_json = path.name.lower().endswith(".json")
    try:
        stat = os.stat(path)
        key: tuple[str, int, int, bool, bool] | None = (
            os.path.abspath(path), stat.st_mtime_ns, stat.st_size, as_json, lenient_json)
    except OSError:
        key = None
    if key is not None and key in _PARSED:
        documents, lines = _PARSED[key]
        return SourceDocuments(display, documents, lines, as_json)
    text = read_text(path, display)
    if isinstance(text, tuple):
        return ParseFailure(display, text[1], text[0])
    try:
        if as_json:
            documents = (load_json(text, lenient_json),)
        else:
            documents = tuple(load_documents(text))
    except (YamlError, JsonError) as exc:
        return ParseFailure(display, exc.line, exc.message)
    lines = tuple(text.splitlines())
    if key is not None:
        if len(_PARSED) >= _PARSED_MAX:
            del _PARSED[next(iter(_PARSED))]
        _PARSED[key] = (documents, lines)
    return SourceDocuments(display, documents, lines, as_json)


_COMMENT = re.compile(r"^\s*(#|//)")
_DOCUMENT_MARK = re.compile(r"^(---|\.\.\.)\s*(#.*)?$")


def comment_suppressions(source: SourceDocuments, line: int, end_line: int | None) -> tuple[Suppression, ...]:
    """``sovlint:ignore`` comments in the comment block just above ``line`` or inside the span."""
    if not line or not source.lines:
        return ()
    lines = source.lines
    first = line - 1  # 1-based number of the line above
    while first >= 1 and (_COMMENT.match(lines[first - 1]) or _DOCUMENT_MARK.match(lines[first - 1])):
        first -= 1
    last = min(end_line or line, len(lines))
    # comments after the last content line belong to what follows
    while last > line and (_COMMENT.match(lines[last - 1]) or _DOCUMENT_MARK.match(lines[last - 1])
                           or not lines[last - 1].strip()):
        last -= 1
    found = []
    for number in range(first + 1, last + 1):
        text = lines[number - 1]
        if "sovlint:ignore" not in text:
            continue
        if source.is_json:  # JSON dialects with comments (ARM) have only // and /* */
            if "//" not in text and "/*" not in text:
                continue
            comment = text[min(i for i in (text.find("//"), text.find("/*")) if i >= 0):]
        else:
            comment = text[min(i for i in (text.find("#"), text.find("//")) if i >= 0):]
        parsed = parse_suppression_text(comment, SourceSpan(source.path, number, number))
        if parsed is not None:
            found.append(parsed)
    return tuple(found)


def metadata_suppressions(entries: Any, span: SourceSpan) -> tuple[Suppression, ...]:
    """Suppressions written as data: ``[{id: SOV002, reason: ..., expires: ...}]``.

    The CloudFormation ``Metadata.sovlint.ignore`` and ARM ``metadata.sovlint.ignore``
    form; an entry may also be a plain ``"SOV002: reason"`` string.
    """
    if isinstance(entries, (str, dict)):
        entries = [entries]
    if not isinstance(entries, list):
        return ()
    found: list[Suppression] = []
    for entry in entries:
        if isinstance(entry, str):
            parsed = parse_suppression_text(f"sovlint:ignore {entry}", span)
            if parsed is not None:
                found.append(parsed)
            continue
        if not isinstance(entry, dict):
            continue
        ids = entry.get("id") or entry.get("ids") or entry.get("rule") or entry.get("rules")
        if isinstance(ids, str):
            rules = tuple(i.strip() for i in ids.split(",") if i.strip())
        elif isinstance(ids, list):
            rules = tuple(str(i).strip() for i in ids if str(i).strip())
        else:
            continue
        reason = entry.get("reason")
        expires = entry.get("expires") or entry.get("exp")
        line = getattr(entry, "line", None) or span.line
        found.append(Suppression(rules=rules, reason=str(reason) if reason else None,
                                 expires=str(expires) if expires else None,
                                 span=SourceSpan(span.path, line, line)))
    return tuple(found)


def string_leaves(value: Any, limit: int | None = None) -> list[str]:
    """The strings inside nested mappings and lists (at most ``limit`` of them)."""
    found: list[str] = []
    stack = [value]
    while stack and (limit is None or len(found) < limit):
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found
