"""Load policy files: YAML -> JSON-Schema validation -> compiled ``Policy`` objects.

An invalid policy file stops the run with its file, line and reason
(``PolicyError``); a rule is never silently dropped.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from sovlint.model import Severity
from sovlint.parsers.yaml_marks import YamlError, line_of, load_documents

OPERATORS = ("equals", "in", "not_in", "contains", "none_of", "exists", "matches",
             "gt", "ge", "lt", "le")


#: Policy documents nested deeper than this are refused (conditions are checked recursively).
MAX_POLICY_DEPTH = 64


class PolicyError(Exception):
    """A policy file that cannot be used: file, line and reason."""

    def __init__(self, path: str, line: int | None, reason: str):
        super().__init__(f"{path}:{line or 1}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FieldTest:
    """``field: {operator: operand}``."""

    field: str
    op: str
    operand: Any


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every condition holds."""

    conditions: tuple["Condition", ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one condition holds."""

    conditions: tuple["Condition", ...]


@dataclass(frozen=True, slots=True)
class NotOf:
    """The condition does not hold."""

    condition: "Condition"


Condition = FieldTest | AllOf | AnyOf | NotOf


@dataclass(frozen=True)
class Policy:
    """One rule, compiled from a policy file."""

    id: str
    name: str
    severity: Severity
    title: str
    assertion: Condition
    message: str
    match: Condition | None = None
    on_unknown: str = "skip"
    each: str | None = None
    description: str = ""
    legal_basis: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    remediation: str = ""
    examples: Mapping[str, str] = field(default_factory=dict)
    source_file: str = ""
    line: int | None = None
    plugin: Any = None  # a Python rule from the sovlint.rules entry points (sovlint.policy.plugins)


@functools.lru_cache(maxsize=1)
def policy_schema() -> dict[str, Any]:
    """The JSON Schema every policy file is validated against."""
    return json.loads((Path(__file__).parent / "schema.json").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(policy_schema())


def _compile_condition(data: Mapping[str, Any], path: str, at: tuple[Any, ...], doc: Any) -> Condition:
    parts: list[Condition] = []
    for key, value in data.items():
        if key == "all":
            parts.append(AllOf(tuple(_compile_condition(c, path, (*at, key, i), doc)
                                     for i, c in enumerate(value))))
        elif key == "any":
            parts.append(AnyOf(tuple(_compile_condition(c, path, (*at, key, i), doc)
                                     for i, c in enumerate(value))))
        elif key == "not":
            parts.append(NotOf(_compile_condition(value, path, (*at, key), doc)))
        elif isinstance(value, dict):
            (op, operand), = value.items()
            if op == "matches":
                _check_regex(operand, path, line_of(doc, (*at, key)))
            parts.append(FieldTest(key, op, operand))
        elif isinstance(value, list):
            parts.append(FieldTest(key, "in", value))
        else:
            parts.append(FieldTest(key, "equals", value))
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _check_regex(pattern: str, path: str, line: int | None) -> None:
    from sovlint.policy.regex import RegexError, compile_safe
    from sovlint.quoting import excerpt

    try:
        compile_safe(pattern)
    except RegexError as exc:
        raise PolicyError(path, line, f"invalid regular expression \"{excerpt(pattern, 120)}\": {exc}") from None


def _schema_error_line(error: Any, doc: Any, index_offset: tuple[Any, ...]) -> int | None:
    return line_of(doc, (*index_offset, *error.absolute_path))


def _best_error(errors: list[Any]) -> Any:
    import jsonschema

    return jsonschema.exceptions.best_match(errors)


def _rules_of(doc: Any) -> list[tuple[tuple[Any, ...], Mapping[str, Any]]]:
    if isinstance(doc, list):
        return [((i,), rule) for i, rule in enumerate(doc)]
    if isinstance(doc, dict) and "rules" in doc and "id" not in doc:
        return [(("rules", i), rule) for i, rule in enumerate(doc["rules"])]
    return [((), doc)]


def load_policy_text(text: str, path: str, validate: bool = True) -> list[Policy]:
    """Validate and compile the rules of one policy file's text.

    ``validate=False`` is for the shipped rules only: the test suite validates
    them against the schema, so a scan does not import jsonschema for them.
    """
    try:
        docs = [d for d in load_documents(text) if d is not None]
    except YamlError as exc:
        raise PolicyError(path, exc.line, exc.message) from None
    if len(docs) != 1:
        raise PolicyError(path, 1, "a policy file holds exactly one YAML document")
    doc = docs[0]
    deep = _too_deep(doc)
    if deep is not None:  # validation and evaluation recurse: refuse before either runs
        raise PolicyError(path, deep, f"nested deeper than {MAX_POLICY_DEPTH} levels")
    try:
        return _load_document(doc, path, validate)
    except RecursionError:
        raise PolicyError(path, None, "nested too deeply") from None


def _too_deep(doc: Any) -> int | None:
    """The line of the first value nested deeper than ``MAX_POLICY_DEPTH``, or ``None``."""
    stack = [(doc, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_POLICY_DEPTH:
            return getattr(node, "line", None) or 1
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return None


def _load_document(doc: Any, path: str, validate: bool = True) -> list[Policy]:
    errors = list(_validator().iter_errors(doc)) if validate else []
    if errors:
        error = _best_error(errors)
        # oneOf at the top hides the useful message: validate against the rule shape directly
        for at, rule in _rules_of(doc) if isinstance(doc, (dict, list)) else []:
            import jsonschema

            rule_schema = {"$ref": "#/$defs/rule", "$defs": policy_schema()["$defs"]}
            rule_errors = list(jsonschema.Draft202012Validator(rule_schema).iter_errors(rule))
            if rule_errors:
                error = _best_error(rule_errors)
                field_path = "/".join(str(p) for p in error.absolute_path) or "(rule)"
                raise PolicyError(path, line_of(doc, (*at, *error.absolute_path)),
                                  f"{field_path}: {error.message}")
        raise PolicyError(path, line_of(doc, tuple(error.absolute_path)), error.message)
    policies = []
    for at, rule in _rules_of(doc):
        policies.append(
            Policy(
                id=rule["id"],
                name=rule["name"],
                severity=Severity.parse(rule["severity"]),
                title=rule["title"],
                assertion=_compile_condition(rule["assert"], path, (*at, "assert"), doc),
                match=_compile_condition(rule["match"], path, (*at, "match"), doc)
                if "match" in rule else None,
                message=rule["message"],
                on_unknown=rule.get("on_unknown", "skip"),
                each=rule.get("each"),
                description=rule.get("description", ""),
                legal_basis=tuple(rule.get("legal_basis", ())),
                references=tuple(rule.get("references", ())),
                remediation=rule.get("remediation", ""),
                examples=dict(rule.get("examples", {})),
                source_file=path,
                line=line_of(doc, at) or 1,
            )
        )
    return policies


def policy_files(paths: Iterable[Path]) -> list[Path]:
    """Expand files and directories into the policy files they hold, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.y*ml")
                                if p.suffix in (".yaml", ".yml")
                                and not {"fixtures", "profiles"} & set(p.relative_to(path).parts)
                                and not p.name.startswith(".")))
        else:
            found.append(path)
    return found


def load_policies(paths: Iterable[Path]) -> list[Policy]:
    """Load every rule of the given files and directories; the first error stops the load."""
    from sovlint.parse_cache import cached_load

    files = policy_files(paths)
    return cached_load("policies", files, lambda: _load_policy_files(files))


def _load_policy_files(files: Iterable[Path]) -> list[Policy]:
    policies: list[Policy] = []
    from sovlint.datafiles import is_shipped
    from sovlint.parsers.text import read_input_text

    for path in files:
        text = read_input_text(path)
        if isinstance(text, tuple):  # binary or not UTF-8: say where
            raise PolicyError(str(path), text[1], f"cannot read policy file: {text[0]}")
        policies.extend(load_policy_text(text, str(path), validate=not is_shipped(path)))
    return policies
