"""Inline suppressions and baselines.

``# sovlint:ignore SOV001,SOV002 exp:2027-06-30 -- reason`` on the line above a
resource or inside it (``//`` too in HCL); Kubernetes annotations and
CloudFormation/ARM metadata are turned into the same ``Suppression`` by their
normalisers. A baseline is a JSON file of fingerprints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

from sovlint.model import Finding, Resource, SourceSpan, Suppression

_IGNORE = re.compile(
    r"sovlint:ignore\s+(?P<ids>[A-Z][A-Z0-9_-]*[0-9]+(?:\s*,\s*[A-Z][A-Z0-9_-]*[0-9]+)*)"
    r"(?:\s+exp:(?P<exp>\d{4}-\d{2}-\d{2}))?"
    r"(?:\s*(?:--|:)\s*(?P<reason>.*\S))?"
)


def parse_suppression_text(text: str, span: SourceSpan | None = None) -> Suppression | None:
    """A suppression from one comment/annotation text, or ``None`` if it holds none."""
    match = _IGNORE.search(text)
    if not match:
        return None
    ids = tuple(i.strip() for i in match.group("ids").split(","))
    reason = match.group("reason")
    if reason is not None:
        reason = reason.strip().rstrip("*/").strip() or None
    return Suppression(rules=ids, reason=reason, expires=match.group("exp"), span=span)


def parse_comment_suppressions(comments: Iterable[object], line: int, end_line: int,
                               span: SourceSpan) -> list[Suppression]:
    """Suppressions in comments on the line above a block or inside it."""
    found = []
    for comment in comments:
        c_line = getattr(comment, "line")
        if line - 1 <= c_line <= end_line:
            parsed = parse_suppression_text(getattr(comment, "text"),
                                            SourceSpan(span.path, c_line, c_line))
            if parsed is not None:
                found.append(parsed)
    return found


@dataclasses.dataclass(frozen=True)
class SuppressionPolicy:
    """Governance switches (SPEC §7)."""

    inline: bool = True
    require_reason: bool = False
    today: dt.date = dataclasses.field(default_factory=dt.date.today)


def apply_suppressions(findings: Sequence[Finding], resources_by_address: dict[tuple[str, str], Resource],
                       policy: SuppressionPolicy, baseline: frozenset[str] = frozenset(),
                       disabled_by_config: frozenset[str] = frozenset()) -> list[Finding]:
    """Mark findings suppressed by inline ignores or a baseline; say why one did not count."""
    result = []
    for finding in findings:
        if finding.fingerprint in baseline:
            result.append(dataclasses.replace(finding, suppressed=True,
                                              suppression_reason="in baseline"))
            continue
        resource = resources_by_address.get((finding.source.path, finding.address or ""))
        if resource is None or not policy.inline:
            result.append(finding)
            continue
        replaced = finding
        for suppression in resource.suppressions:
            if finding.rule not in suppression.rules and "ALL" not in suppression.rules:
                continue
            if suppression.expires:
                try:
                    expiry = dt.date.fromisoformat(suppression.expires)
                except ValueError:
                    expiry = None
                if expiry is not None and expiry < policy.today:
                    replaced = dataclasses.replace(
                        finding, message=f"{finding.message} (suppression expired on {suppression.expires})")
                    continue
            if policy.require_reason and not suppression.reason:
                replaced = dataclasses.replace(
                    finding, message=f"{finding.message} (suppression ignored: it gives no reason)")
                continue
            replaced = dataclasses.replace(finding, suppressed=True,
                                           suppression_reason=suppression.reason or "")
            break
        result.append(replaced)
    return result


#: The baseline format: 2 since fingerprints hold the root and the location (provider, countries).
BASELINE_VERSION = 2


def read_baseline(path: Path) -> tuple[frozenset[str], str | None]:
    """The fingerprints recorded in a baseline file, and a warning when it is of an older format
    (its fingerprints then match nothing: every finding counts until it is written again).

    A file that cannot be read or is not a baseline is a
    :class:`~sovlint.config.ConfigError` (exit 2) with the file and line.
    """
    from sovlint.config import ConfigError
    from sovlint.parsers.json_marks import JsonError, load_json
    from sovlint.parsers.text import read_input_text

    text = read_input_text(path)
    if isinstance(text, tuple):
        raise ConfigError(f"cannot read baseline: {text[0]}", str(path), text[1])
    try:
        data = load_json(text)
    except JsonError as exc:
        raise ConfigError(f"not a baseline: {exc.message}", str(path), exc.line) from None
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list):
        raise ConfigError("not a baseline: no \"findings\" list (write one with --write-baseline)",
                          str(path), getattr(data, "line", 1))
    fingerprints = frozenset(f["fingerprint"] for f in findings
                             if isinstance(f, dict) and isinstance(f.get("fingerprint"), str))
    version = data.get("version", 1)
    if isinstance(version, int) and version < BASELINE_VERSION:
        return fingerprints, (f"baseline {path} was written by an earlier sovlint (format {version}): its "
                              "fingerprints do not say where the data is, so none of them matches "
                              f"and every finding counts; refresh it with --write-baseline {path}")
    return fingerprints, None


def write_atomically(path: Path, text: str | Iterable[str]) -> None:
    """Write a file so that a killed run leaves the old one intact (temp file + rename);
    ``text`` may come in pieces.

    The file keeps the permission bits of the one it replaces; a new file gets
    the usual ones (0666 less the umask), not the 0600 of a temporary file.
    What is not a regular file (``/dev/null``, ``/dev/stdout``, a named pipe)
    is written to, never replaced.
    """
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        regular = True  # a new file
    if not regular:
        with open(path, "w", encoding="utf-8", newline="") as stream:
            for chunk in [text] if isinstance(text, str) else text:
                stream.write(chunk)
        return
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, _output_mode(path))
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            for chunk in [text] if isinstance(text, str) else text:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _output_mode(path: Path) -> int:
    """The permission bits of the existing ``path``, else 0666 less the process umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def baseline_text(findings: Iterable[Finding]) -> str:
    """A baseline file recording today's unsuppressed findings."""
    entries = sorted(
        ({"rule": f.rule, "address": f.address, "path": f.source.path, "fingerprint": f.fingerprint}
         for f in findings if not f.suppressed),
        key=lambda e: (e["path"], e["rule"], e["address"] or "", e["fingerprint"]),
    )
    return json.dumps({"version": BASELINE_VERSION, "findings": entries}, indent=2) + "\n"
