"""``sovlint policy test DIR``: fixtures annotated with the findings they must (not) produce.

A comment ``# sovlint-expect: SOV001`` (or ``// ...``) on the line before a
resource says the rule must fire on it; ``# sovlint-ok: SOV001`` says it must
not; in JSON (plans, states, templates), a ``"//": "sovlint-expect: SOV001"``
member marks the object that holds it. ``sovlint-expect`` on a file that
cannot be parsed matches a SOV900 anywhere in the file. ``# sovlint-location: BE, NL`` says where the resource's
data is (every country it may be in; ``unknown`` when it cannot be known) and
``# sovlint-copies: US`` where its copies are (``none``: no copy; ``unknown``
for a copy whose place cannot be known): the fixtures of the location
semantics. Every directory holding annotated files is scanned as a unit, with
the ``.sovlint.yaml`` it may hold (to set a profile, say).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from sovlint.model import Resource

_ANNOTATION = re.compile(r"(?:#|//)\s*sovlint-(expect|ok|location|copies):\s*([A-Za-z0-9_, -]+)")
_JSON_ANNOTATION = re.compile(r'"//"\s*:\s*"sovlint-(expect|ok|location|copies):\s*([A-Za-z0-9_, -]+)"')
_SKIP_LINE = re.compile(r"^\s*(#|//|$)")
FIXTURE_SUFFIXES = (".tf", ".tf.json", ".tofu", ".tofu.json", ".yaml", ".yml", ".json", ".tfvars",
                    ".tfstate")


@dataclass(frozen=True)
class Expectation:
    """One annotation: a rule that must (or must not) fire at a line of a file."""

    path: str
    annotation_line: int
    target_line: int
    rule: str  # a rule id; for location/copies annotations, the expected countries (sorted, joined)
    expect: bool
    kind: str = "rule"  # rule | location | copies


def expectations_of(path: Path, display: str) -> list[Expectation]:
    """The annotations of one fixture file."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    found = []
    for index, line in enumerate(lines):
        match = _JSON_ANNOTATION.search(line)
        if match:
            target = _enclosing_object(lines, index)
        else:
            match = _ANNOTATION.search(line)
            if not match:
                continue
            target = index + 1
            while target < len(lines) and _SKIP_LINE.match(lines[target]):
                target += 1
        words = [w for w in re.split(r"[,\s]+", match.group(2).strip()) if w]
        if match.group(1) in ("location", "copies"):
            found.append(Expectation(display, index + 1, target + 1, ", ".join(sorted(words)),
                                     True, match.group(1)))
            continue
        for rule in words:
            found.append(Expectation(display, index + 1, target + 1, rule,
                                     match.group(1) == "expect"))
    return found


def _places(resources: list[Resource], kind: str) -> str:
    """Where the resources at one line are (or their copies), as annotations write it."""
    found: set[str] = set()
    for resource in resources:
        if kind == "location":
            found.update(resource.countries or ("unknown",))
        else:
            for replica in resource.replicas:
                found.update(replica.countries or ("unknown",))
    if kind == "copies" and not found:
        return "none"
    return ", ".join(sorted(found)) or "unknown"


def _enclosing_object(lines: list[str], index: int) -> int:
    """The 0-based line where the JSON object holding line ``index`` opens."""
    depth = 0
    for number in range(index - 1, -1, -1):
        text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', lines[number])
        for char in reversed(text):
            if char in "}]":
                depth += 1
            elif char in "{[":
                if depth == 0:
                    return number
                depth -= 1
    return index


def _fixture_dirs(roots: Iterable[Path]) -> list[Path]:
    dirs: set[Path] = set()
    for root in roots:
        candidates = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in candidates:
            if path.name.endswith(FIXTURE_SUFFIXES) and "sovlint-" in path.read_text(
                    encoding="utf-8", errors="replace"):
                dirs.add(path.parent)
    return sorted(dirs)


def run_policy_tests(roots: list[Path], extra_policies: list[Path]) -> tuple[str, bool]:
    """Scan every fixture directory and check each annotation. (report, all passed)."""
    import os

    from sovlint.config import load_config
    from sovlint.engine import scan

    checked = failed = 0
    lines: list[str] = []
    for directory in _fixture_dirs(roots):
        config = load_config(None, [directory],
                             {"policies": tuple(str(p) for p in extra_policies) or None,
                              "cache": False})
        result = scan([directory], config)
        fired: dict[tuple[str, int], set[str]] = {}
        fired_in_file: dict[str, set[str]] = {}
        for finding in result.findings:
            fired.setdefault((finding.source.path, finding.source.line or 0), set()).add(finding.rule)
            fired_in_file.setdefault(finding.source.path, set()).add(finding.rule)
        at_line: dict[tuple[str, int], list[Resource]] = {}
        for resource in result.resources:
            at_line.setdefault((resource.source.path, resource.source.line or 0), []).append(resource)
        for path in sorted(directory.iterdir()):
            if not path.is_file():
                continue
            display = os.path.relpath(path)
            for exp in expectations_of(path, display):
                checked += 1
                if exp.kind != "rule":
                    where = _places(at_line.get((display, exp.target_line), []), exp.kind)
                    if where != exp.rule:
                        failed += 1
                        lines.append(f"FAIL {display}:{exp.target_line}: {exp.kind} {where}, "
                                     f"expected {exp.rule} (annotation on line {exp.annotation_line})")
                    continue
                if exp.rule == "SOV900":
                    got = exp.rule in fired_in_file.get(display, set())
                else:
                    got = exp.rule in fired.get((display, exp.target_line), set())
                if got != exp.expect:
                    failed += 1
                    verb = "did not fire" if exp.expect else "fired"
                    lines.append(f"FAIL {display}:{exp.target_line}: {exp.rule} {verb} "
                                 f"(annotation on line {exp.annotation_line})")
    lines.append(f"{checked - failed} passed, {failed} failed")
    return "\n".join(lines), failed == 0 and checked > 0


def fixture_examples(rule: str, fixtures_root: Path) -> dict[str, str]:
    """A failing and a passing snippet for ``explain``, cut from the rule's fixtures."""
    examples: dict[str, str] = {}
    base = fixtures_root / rule
    if not base.is_dir():
        return examples
    for path in sorted(base.rglob("*")):
        if not path.is_file() or not path.name.endswith(FIXTURE_SUFFIXES):
            continue
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for exp in expectations_of(path, str(path)):
            if exp.rule != rule:
                continue
            kind = "fail" if exp.expect else "pass"
            if kind in examples:
                continue
            snippet = _block_at(lines, exp.target_line - 1)
            examples[kind] = f"# {path.relative_to(fixtures_root)}\n{snippet}"
        if "fail" in examples and "pass" in examples:
            break
    return examples


def _block_at(lines: list[str], start: int) -> str:
    """The block starting at ``start``: up to its closing brace or the next top-level line."""
    out = [lines[start]]
    depth = lines[start].count("{") - lines[start].count("}")
    for line in lines[start + 1:start + 40]:
        if depth <= 0 and (not line.strip() or not line.startswith((" ", "\t", "-"))):
            break
        out.append(line)
        depth += line.count("{") - line.count("}")
        if depth <= 0 and "{" in lines[start]:
            break
    return "\n".join(out)
