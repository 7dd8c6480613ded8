"""Azure Resource Manager templates (and Bicep, compiled by ``bicep build``) -> Resources.

A template is read with the parameter file beside it (``<name>.parameters.json``,
``azuredeploy.parameters.json``, or the only ``*.parameters.json`` of the
directory). Template expressions are evaluated where their value is fixed:
``parameters()``, ``variables()``, ``concat``, ``format``, ``toLower``,
``toUpper``, ``if``, ``equals``... ``resourceGroup().location`` is the config's
``azure.resource_group_location`` or unknown; ``uniqueString``, ``reference``,
``subscription`` are unknown. An unknown value carries why. Expression results
are budgeted before they are built (:mod:`sovlint.budgets`: a variable that
concatenates another to itself, twenty times over, is unknown past the limit,
not gigabytes).

Resources are addressed ``type/name`` with the name evaluated where possible
(the expression as written otherwise). Child resources (``resources`` inside a
resource) get the joined type and name; ``copy`` loops give one resource,
with its instance indexes, per distinct location; inline nested deployments
are read with their own scope. Where data is, the copies (the paired region of
geo-redundant storage and backups, replication, diagnostic logs...) and
single-site settings come from the location semantics of the azurerm type each
ARM type is the equivalent of (``policies/locations/azurerm.yaml``). Every
declaration is collected before any is placed, so that a resource can refer to
any other: ``resourceId()``, ``reference()``, a resource id, a ``dependsOn``
style ``type/name`` or a name of the template is followed; a resource the
template does not declare is unknown. Suppressions: ``metadata.sovlint.ignore`` on the resource, or
a ``// sovlint:ignore`` comment above it (templates are read in Resource
Manager's JSON dialect: comments and trailing commas are accepted, and so are
tabs).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from sovlint.budgets import MAX_STRING_LENGTH, ValueTooLarge, limit_string, reserve_items, reserve_string
from sovlint.config import Config
from sovlint.model import Replica, Resource, ScanError, SourceSpan
from sovlint.placement.interpret import (Placement, as_replica, copies, location_fields, read_location,
                                         single_site)
from sovlint.placement.semantics import SAME_AS_RESOURCE, TypeSemantics, location_semantics
from sovlint.placement.tags import tags_in
from sovlint.placement.trees import TreeArguments
from sovlint.normalise.documents import (ParseFailure, SourceDocuments, comment_suppressions,
                                         load_source, metadata_suppressions)
from sovlint.parsers.json_marks import JsonError, load_json
from sovlint.quoting import excerpt

INPUT_FORMAT = "arm"
PROVIDER = "azurerm"
RG_LOCATION = "resourceGroup().location is chosen at deploy time (set azure.resource_group_location)"
MAX_COPY = 200
#: Characters of an evaluated resource name kept in its address (longer: the expression).
MAX_NAME = 1024


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value the template does not fix, with the reason."""

    reason: str


class ExpressionError(Exception):
    """A template expression that cannot be parsed."""


# --------------------------------------------------------------------------- expressions

_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[(),.\[\]]))")


def _tokens(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"unexpected {text[pos:pos + 10]!r}")
        pos = match.end()
        if match.group("string") is not None:
            tokens.append(("string", match.group("string")[1:-1].replace("''", "'")))
        elif match.group("number") is not None:
            tokens.append(("number", float(match.group("number")) if "." in match.group("number")
                           else int(match.group("number"))))
        elif match.group("name") is not None:
            tokens.append(("name", match.group("name")))
        else:
            tokens.append(("punct", match.group("punct")))
    return tokens


@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class _Access:
    target: Any
    key: Any  # a str property or an expression index


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]]):
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str, value: Any = None) -> Any:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            raise ExpressionError(f"expected {value or kind}")
        self.pos += 1
        return token[1]

    def expression(self, depth: int = 0) -> Any:
        if depth > 100:
            raise ExpressionError("expression nested too deeply")
        token = self.peek()
        if token is None:
            raise ExpressionError("unexpected end of expression")
        kind, value = token
        if kind in ("string", "number"):
            self.pos += 1
            node: Any = value
        elif kind == "name":
            self.pos += 1
            if value in ("true", "false", "null") and (self.peek() or ("", ""))[1] != "(":
                node = {"true": True, "false": False, "null": None}[value]
            else:
                self.take("punct", "(")
                args = []
                if (self.peek() or ("", ""))[1] != ")":
                    while True:
                        args.append(self.expression(depth + 1))
                        if (self.peek() or ("", ""))[1] == ",":
                            self.pos += 1
                            continue
                        break
                self.take("punct", ")")
                node = _Call(value.lower(), tuple(args))
        else:
            raise ExpressionError(f"unexpected {value!r}")
        while (self.peek() or ("", ""))[1] in (".", "["):
            if self.take("punct") == ".":
                node = _Access(node, self.take("name"))
            else:
                index = self.expression(depth + 1)
                self.take("punct", "]")
                node = _Access(node, index)
        return node


def parse_expression(text: str) -> Any:
    """Parse the inside of a ``[...]`` template expression."""
    parser = _Parser(_tokens(text))
    node = parser.expression()
    if parser.peek() is not None:
        raise ExpressionError("unexpected content after the expression")
    return node


def is_expression(value: Any) -> bool:
    """Whether a JSON string is a template expression (``[...]`` but not ``[[...``)."""
    return isinstance(value, str) and value.startswith("[") and value.endswith("]") \
        and not value.startswith("[[")


class Evaluator:
    """Evaluates template expressions in one scope (parameters and variables)."""

    def __init__(self, template: Mapping[str, Any], parameter_values: Mapping[str, Any],
                 config: Config, copy_index: int | None = None, outer: "Evaluator | None" = None):
        self.template = template
        self.config = config
        self.copy_index = copy_index
        self.outer = outer
        self.parameter_specs = {str(k).lower(): _mapping(v)
                                for k, v in _mapping(template.get("parameters")).items()}
        self.parameter_values = {str(k).lower(): v for k, v in parameter_values.items()}
        self.variables = {str(k).lower(): v for k, v in _mapping(template.get("variables")).items()}
        self._resolving: set[str] = set()
        self._cache: dict[tuple[str, str], Any] = {}

    def with_copy_index(self, index: int | None) -> "Evaluator":
        """The same scope inside a copy loop at ``index``."""
        other = Evaluator.__new__(Evaluator)
        other.__dict__.update(self.__dict__)
        other.copy_index = index
        other._cache = {}
        other._resolving = set()
        return other

    def parameter(self, name: str) -> Any:
        """The value of ``parameters('name')``: parameter file, default, single allowed value."""
        key = name.lower()
        if ("p", key) in self._cache:
            return self._cache[("p", key)]
        if key in self._resolving:
            return Unknown(f"parameter {name} refers to itself")
        self._resolving.add(key)
        try:
            if key in self.parameter_values:
                value = self.parameter_values[key]
            elif key in self.parameter_specs:
                spec = self.parameter_specs[key]
                if "defaultValue" in spec:
                    value = self.value(spec["defaultValue"])
                elif isinstance(spec.get("allowedValues"), list) and len(spec["allowedValues"]) == 1:
                    value = spec["allowedValues"][0]
                else:
                    value = Unknown(f"parameter {name} has no value (given at deploy time)")
            else:
                value = Unknown(f"parameter {name} is not declared")
        finally:
            self._resolving.discard(key)
        self._cache[("p", key)] = value
        return value

    def variable(self, name: str) -> Any:
        """The value of ``variables('name')``."""
        key = name.lower()
        if ("v", key) in self._cache:
            return self._cache[("v", key)]
        if "v:" + key in self._resolving:
            return Unknown(f"variable {name} refers to itself")
        if key not in self.variables:
            return Unknown(f"variable {name} is not declared")
        self._resolving.add("v:" + key)
        try:
            value = self.value(self.variables[key])
        finally:
            self._resolving.discard("v:" + key)
        self._cache[("v", key)] = value
        return value

    def value(self, node: Any, depth: int = 0) -> Any:
        """Evaluate JSON data, its expression strings replaced by their values."""
        if depth > 64:
            return Unknown("value nested too deeply")
        if isinstance(node, str):
            if is_expression(node):
                try:
                    return self.evaluate(parse_expression(node[1:-1]))
                except ExpressionError as exc:
                    return Unknown(f"cannot read expression {excerpt(node)}: {exc}")
                except ValueTooLarge as exc:
                    return Unknown(f"{exc.reason}: {excerpt(node)}")
                except RecursionError:
                    return Unknown(f"expression too deep: {excerpt(node)}")
            return node[1:] if node.startswith("[[") else node
        if isinstance(node, list):
            return [self.value(v, depth + 1) for v in node]
        if isinstance(node, dict):
            return {k: self.value(v, depth + 1) for k, v in node.items()}
        return node

    def evaluate(self, node: Any) -> Any:
        """Evaluate a parsed expression."""
        if isinstance(node, _Access):
            target = self.evaluate(node.target)
            if isinstance(target, Unknown):
                return target
            key = node.key if isinstance(node.key, str) else self.evaluate(node.key)
            if isinstance(key, Unknown):
                return key
            if isinstance(target, dict):
                for k, v in target.items():
                    if isinstance(key, str) and str(k).lower() == key.lower():
                        return v
                return Unknown(f"no property {key!r}")
            if isinstance(target, list) and isinstance(key, int) and 0 <= key < len(target):
                return target[key]
            return Unknown(f"cannot index {excerpt(repr(target))} with {excerpt(repr(key))}")
        if not isinstance(node, _Call):
            return node
        function = _FUNCTIONS.get(node.name)
        if function is None:
            return Unknown(f"{node.name}() is known at deploy time")
        args = [self.evaluate(a) for a in node.args] if node.name not in ("if",) else list(node.args)
        try:
            return function(self, args)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError, OverflowError,
                ZeroDivisionError, JsonError):
            return Unknown(f"{node.name}() with arguments it cannot take")


def _unknown_in(args: list[Any]) -> Unknown | None:
    for arg in args:
        if isinstance(arg, Unknown):
            return arg
    return None


def _strict(function: Callable[[list[Any]], Any]) -> Callable[[Evaluator, list[Any]], Any]:
    def run(evaluator: Evaluator, args: list[Any]) -> Any:
        unknown = _unknown_in(args)
        return unknown if unknown is not None else function(args)
    return run


def _concat(args: list[Any]) -> Any:
    if args and all(isinstance(a, list) for a in args):
        reserve_items(sum(len(a) for a in args), "concat()")
        return [item for a in args for item in a]
    texts = [_text(a) for a in args]
    reserve_string(sum(len(t) for t in texts), "concat()")
    return "".join(texts)


def _measure(value: Any, what: str) -> None:
    """Raise :class:`ValueTooLarge` when ``value`` written out (every copy of a value that
    appears several times counted) would pass ``MAX_STRING_LENGTH`` characters."""
    size = 0
    stack = [value]
    while stack:
        current = stack.pop()
        size += len(current) + 2 if isinstance(current, str) else 8
        limit_string(size, what)
        if isinstance(current, dict):
            stack.extend(current.keys())
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (dict, list)):
        _measure(value, "string()")
        return json.dumps(value)
    return str(value)


def _format(args: list[Any]) -> str:
    template = str(args[0])
    pieces: list[str] = []
    size = position = 0
    for match in _FORMAT_ITEM.finditer(template):
        text = _text(args[1 + int(match.group(1))])
        size += match.start() - position + len(text)
        limit_string(size, "format()")  # measured piece by piece: the result is joined once
        pieces += [template[position:match.start()], text]
        position = match.end()
    pieces.append(template[position:])
    reserve_string(size + len(template) - position, "format()")
    return "".join(pieces)


_FORMAT_ITEM = re.compile(r"\{(\d+)(?::[^}]*)?\}")


def _replace(args: list[Any]) -> str:
    text, old, new = str(args[0]), str(args[1]), str(args[2])
    count = text.count(old) if old else len(text) + 1
    reserve_string(len(text) + count * (len(new) - len(old)), "replace()")
    return text.replace(old, new)


def _copied(value: Any, what: str) -> str:
    text = str(value)
    reserve_string(len(text), what)
    return text


def _split(args: list[Any]) -> list[str]:
    text = str(args[0])
    separators = [str(d) for d in args[1]] if isinstance(args[1], list) else [str(args[1])]
    reserve_items(sum(text.count(d) for d in separators if d) + 1, "split()")
    if len(separators) == 1:
        return text.split(separators[0])
    return re.split("|".join(map(re.escape, separators)), text)


def _create_array(args: list[Any]) -> list[Any]:
    reserve_items(len(args), "createArray()")
    return list(args)


def _union(args: list[Any]) -> Any:
    reserve_items(sum(len(part) for part in args), "union()")
    if all(isinstance(part, dict) for part in args):
        return {k: v for part in args for k, v in part.items()}
    return [item for part in args for item in part]


def _compared(args: list[Any]) -> list[Any]:
    """The arguments of a comparison, each measured (a comparison walks every copy)."""
    for arg in args:
        if isinstance(arg, (dict, list)):
            _measure(arg, "a comparison")
    return args


def _json(args: list[Any]) -> Any:
    text = str(args[0])
    reserve_string(len(text), "json()")
    return load_json(text)


def _if(evaluator: Evaluator, args: list[Any]) -> Any:
    condition = evaluator.evaluate(args[0])
    if isinstance(condition, Unknown):
        return Unknown(f"if() on a condition known at deploy time ({condition.reason})")
    return evaluator.evaluate(args[1] if condition else args[2])


def _resource_group(evaluator: Evaluator, args: list[Any]) -> Any:
    location = evaluator.config.azure_resource_group_location
    return {"location": location if location else Unknown(RG_LOCATION),
            "name": Unknown("resourceGroup().name is known at deploy time"),
            "id": Unknown("resourceGroup().id is known at deploy time")}


def _copy_index(evaluator: Evaluator, args: list[Any]) -> Any:
    if evaluator.copy_index is None:
        return Unknown("copyIndex() outside a known copy loop")
    offset = next((a for a in args if isinstance(a, int)), 0)
    return evaluator.copy_index + offset


_FUNCTIONS: dict[str, Callable[[Evaluator, list[Any]], Any]] = {
    "parameters": lambda e, a: e.parameter(str(a[0])) if not isinstance(a[0], Unknown) else a[0],
    "variables": lambda e, a: e.variable(str(a[0])) if not isinstance(a[0], Unknown) else a[0],
    "concat": _strict(_concat),
    "format": _strict(_format),
    "tolower": _strict(lambda a: _copied(a[0], "toLower()").lower()),
    "toupper": _strict(lambda a: _copied(a[0], "toUpper()").upper()),
    "trim": _strict(lambda a: _copied(a[0], "trim()").strip()),
    "string": _strict(lambda a: _text(a[0])),
    "int": _strict(lambda a: int(a[0])),
    "bool": _strict(lambda a: a[0] if isinstance(a[0], bool) else str(a[0]).lower() == "true"),
    "replace": _strict(_replace),
    "substring": _strict(lambda a: str(a[0])[int(a[1]):int(a[1]) + int(a[2])] if len(a) > 2
                         else str(a[0])[int(a[1]):]),
    "take": _strict(lambda a: a[0][:int(a[1])]),
    "skip": _strict(lambda a: a[0][int(a[1]):]),
    "split": _strict(_split),
    "first": _strict(lambda a: a[0][0]),
    "last": _strict(lambda a: a[0][-1]),
    "length": _strict(lambda a: len(a[0])),
    "empty": _strict(lambda a: not a[0]),
    "contains": _strict(lambda a: (a[1] in _compared(a)[0]) if not isinstance(a[0], dict)
                        else str(a[1]).lower() in (str(k).lower() for k in a[0])),
    "startswith": _strict(lambda a: str(a[0]).lower().startswith(str(a[1]).lower())),
    "endswith": _strict(lambda a: str(a[0]).lower().endswith(str(a[1]).lower())),
    "equals": _strict(lambda a: _compared(a)[0] == a[1]),
    "not": _strict(lambda a: not a[0]),
    "and": _strict(lambda a: all(a)),
    "or": _strict(lambda a: any(a)),
    "less": _strict(lambda a: a[0] < a[1]),
    "greater": _strict(lambda a: a[0] > a[1]),
    "coalesce": lambda e, a: next((x for x in a if x is not None), None),
    "createarray": lambda e, a: _create_array(a),
    "array": _strict(lambda a: a[0] if isinstance(a[0], list) else [a[0]]),
    "union": _strict(_union),
    "json": _strict(_json),
    "if": _if,
    "resourcegroup": _resource_group,
    "copyindex": _copy_index,
}


# --------------------------------------------------------------------------- resources


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _ci(mapping: Mapping[str, Any], key: str) -> Any:
    """A property by case-insensitive name (ARM property names are)."""
    if key in mapping:
        return mapping[key]
    lowered = key.lower()
    for k, v in mapping.items():
        if isinstance(k, str) and k.lower() == lowered:
            return v
    return None


#: The pseudo-property that names a resource's parent in the location semantics' ARM paths (the
#: same one live Azure resources fill with the parent's id).
PARENT_ID = "$parentId"
_RESOURCE_ID = re.compile(r"^/subscriptions/[^/]+(?:/resourceGroups/[^/]+)?/providers/(?P<rest>.+)$|"
                          r"^/providers/(?P<tenant>.+)$", re.IGNORECASE)
_STORAGE_ENDPOINT = re.compile(r"^https://(?P<account>[a-z0-9]+)\.(?:blob|dfs|file|queue|table|web)"
                               r"\.core\.windows\.net(?:/|$)", re.IGNORECASE)
_STORAGE_ACCOUNTS = "microsoft.storage/storageaccounts"


@dataclass(eq=False)
class _Entry:
    """One resource declaration of the template, with the scope its expressions are read in."""

    body: Mapping[str, Any]
    scope: Evaluator  # the declaration's scope (a copy loop's index is set per instance)
    kind: str
    name: str
    parent: "_Entry | None"  # the resource it is nested in, or that its type and name extend
    known_name: bool = True  # False: the name is an expression known at deploy time

    @property
    def first_scope(self) -> Evaluator:
        """The scope of the first instance (children and nested deployments are read in it)."""
        copy = _mapping(_ci(self.body, "copy"))
        if not copy:
            return self.scope
        count = self.scope.value(_ci(copy, "count"))
        return self.scope.with_copy_index(0 if isinstance(count, int) and 0 < count <= MAX_COPY else None)

    @property
    def key(self) -> tuple[str, tuple[str, ...]] | None:
        """(type, names) as a resource id spells them, lower-case (``None``: not known, or not an
        id's shape)."""
        return _type_and_names(self.kind, self.name.split("/")) if self.known_name else None


class _Outside:
    """The handle of a resource this template does not declare (a resource id or a name)."""


OUTSIDE = _Outside()


@dataclass(frozen=True)
class _ParentRef:
    """The value of ``$parentId``: the resource a child belongs to."""

    entry: _Entry


def _type_and_names(kind: str, names: list[str]) -> tuple[str, tuple[str, ...]] | None:
    types = kind.split("/")
    if len(types) < 2 or len(types) - 1 != len(names) or not all(names):
        return None
    return kind.lower(), tuple(n.lower() for n in names)


def _id_key(text: str) -> tuple[str, tuple[str, ...]] | None:
    """A resource id (``/subscriptions/.../providers/Microsoft.X/t/name[/t2/n2]``) as (type, names).
    An extension resource's id names the extension (the part after its last ``/providers/``)."""
    match = _RESOURCE_ID.match(text.strip())
    if match is None:
        return None
    rest = (match.group("rest") or match.group("tenant") or "").rsplit("/providers/", 1)[-1]
    parts = [p for p in rest.split("/") if p]
    if len(parts) < 3 or len(parts) % 2 == 0:
        return None
    return _type_and_names("/".join([parts[0], *parts[1::2]]), parts[2::2])


class _TemplateReader:
    """Reads every resource declaration of a template first, then turns each into Resources:
    a resource can refer to any other (``resourceId()``, ``reference()``, an id, a name)."""

    def __init__(self, source: SourceDocuments, config: Config):
        self.source = source
        self.config = config
        self.entries: list[_Entry] = []
        self.by_key: dict[tuple[str, tuple[str, ...]], _Entry] = {}
        self.by_symbol: dict[str, _Entry] = {}  # languageVersion 2.0: resources keyed by symbolic name
        self.resources: list[Resource] = []
        self._placements: dict[int, Placement | None] = {}

    # ------------------------------------------------------------------ declarations
    def read(self, template: Mapping[str, Any], evaluator: Evaluator, depth: int = 0) -> None:
        """Collect the declarations of a template (and of its children and inline deployments)."""
        entries = _ci(template, "resources")
        items = list(entries.items()) if isinstance(entries, dict) else [(None, e) for e in _list(entries)]
        for symbol, item in items:
            if isinstance(item, dict):
                entry = self.collect(item, evaluator, None, depth)
                if entry is not None and isinstance(symbol, str):
                    self.by_symbol.setdefault(symbol.lower(), entry)

    def collect(self, body: Mapping[str, Any], evaluator: Evaluator, parent: _Entry | None,
                depth: int) -> _Entry | None:
        """Record one declaration, then its children and inline deployment (``None``: its
        condition is false)."""
        kind = _ci(body, "type")
        kind = kind if isinstance(kind, str) else str(kind)
        if parent is not None and "/" not in kind:  # a child's type is relative to its parent's
            kind = f"{parent.kind}/{kind}"
        condition = evaluator.value(_ci(body, "condition")) if _ci(body, "condition") is not None else True
        if condition is False:
            return None
        raw_name = _ci(body, "name")
        copy = _mapping(_ci(body, "copy"))
        name_value = evaluator.with_copy_index(None).value(raw_name) if copy else evaluator.value(raw_name)
        name = name_value if isinstance(name_value, str) else str(raw_name)
        if len(name) > MAX_NAME or not name.isprintable():
            name = excerpt(name, MAX_NAME)
        if parent is not None and "/" not in name:
            name = f"{parent.name}/{name}"
        known = isinstance(name_value, str) and (parent is None or parent.known_name)
        entry = _Entry(body, evaluator, kind, name, parent, known)
        self.entries.append(entry)
        if entry.key is not None:
            self.by_key.setdefault(entry.key, entry)
        for child in _list(_ci(body, "resources")):
            if isinstance(child, dict):
                self.collect(child, entry.first_scope, entry, depth)
        if kind.lower() == "microsoft.resources/deployments" and depth < 5:
            self.nested(body, entry.first_scope, depth)
        return entry

    def link_parents(self) -> None:
        """A resource declared at the top with a child's type and name (``server/db``) belongs to the
        resource its type and name extend, when the template declares it."""
        for entry in self.entries:
            key = entry.key
            if entry.parent is None and key is not None and len(key[1]) > 1:
                entry.parent = self.by_key.get((key[0].rsplit("/", 1)[0], key[1][:-1]))

    def nested(self, body: Mapping[str, Any], scope: Evaluator, depth: int) -> None:
        """Collect the resources of an inline nested deployment, in its own scope when it asks."""
        properties = _mapping(_ci(body, "properties"))
        inner = _ci(properties, "template")
        if not isinstance(inner, dict):
            return  # templateLink: a template elsewhere, not read
        options = _mapping(_ci(properties, "expressionEvaluationOptions"))
        if str(_ci(options, "scope") or "outer").lower() == "inner":
            values = {k: scope.value(_ci(_mapping(v), "value"))
                      for k, v in _mapping(_ci(properties, "parameters")).items()
                      if isinstance(v, dict) and "value" in v}
            child = Evaluator(inner, values, self.config, outer=scope)
        else:
            child = scope
        self.read(inner, child, depth + 1)

    # ------------------------------------------------------------------ references
    def referenced(self, raw: Any, scope: Evaluator, depth: int = 0) -> Any:
        """The resource a property refers to: a declaration of this template, ``OUTSIDE`` for a
        resource id or name it does not declare, ``None`` when the value names no resource."""
        if isinstance(raw, _ParentRef):
            return raw.entry
        if not isinstance(raw, str) or depth > 8:
            return None
        if is_expression(raw):
            try:
                node = parse_expression(raw[1:-1])
            except (ExpressionError, RecursionError):
                return None
            found = self._in_expression(node, scope, depth)
            if found is not None:
                return found
        value = scope.value(raw)
        return self._by_text(value) if isinstance(value, str) else None

    def _in_expression(self, node: Any, scope: Evaluator, depth: int) -> Any:
        """The first ``resourceId()``/``reference()`` an expression names (through its variables)."""
        if isinstance(node, _Access):
            return self._in_expression(node.target, scope, depth)
        if not isinstance(node, _Call):
            return None
        if node.name == "resourceid":
            return self._by_resource_id(node, scope)
        if node.name == "reference" and node.args:
            first = node.args[0]
            found = self._in_expression(first, scope, depth)
            if found is not None:
                return found
            value = scope.evaluate(first)
            return self._by_text(value) if isinstance(value, str) else None
        if node.name == "variables" and node.args and isinstance(node.args[0], str):
            raw = scope.variables.get(node.args[0].lower())
            return self.referenced(raw, scope, depth + 1) if isinstance(raw, str) else None
        for arg in node.args:
            found = self._in_expression(arg, scope, depth)
            if found is not None:
                return found
        return None

    def _by_resource_id(self, node: _Call, scope: Evaluator) -> Any:
        """``resourceId([subscription], [group], type, name...)``: the type is the first argument with
        a ``/``; one naming another subscription or resource group is not this template's."""
        args = [scope.evaluate(a) for a in node.args]
        at = next((i for i, a in enumerate(args) if isinstance(a, str) and "/" in a), None)
        if at is None or any(not isinstance(a, str) for a in args[at + 1:]):
            return None
        key = _type_and_names(str(args[at]), [str(a) for a in args[at + 1:]])
        if at > 0:
            return OUTSIDE if all(isinstance(a, str) for a in args[:at]) else None
        return self.by_key.get(key, OUTSIDE) if key is not None else None

    def _by_text(self, text: str) -> Any:
        """A resource id, a ``Microsoft.X/type/name`` (as ``dependsOn`` writes it), a storage endpoint,
        a symbolic name (languageVersion 2.0), or the name of one resource of the template."""
        text = text.strip()
        key = _id_key(text)
        if key is not None:
            return self.by_key.get(key, OUTSIDE)
        endpoint = _STORAGE_ENDPOINT.match(text)
        if endpoint is not None:
            return self.by_key.get((_STORAGE_ACCOUNTS, (endpoint.group("account").lower(),)), OUTSIDE)
        parts = text.split("/")
        if len(parts) >= 3 and len(parts) % 2 == 1 and "." in parts[0]:
            key = _type_and_names("/".join([parts[0], *parts[1::2]]), parts[2::2])
            return self.by_key.get(key, OUTSIDE) if key is not None else None
        if text.lower() in self.by_symbol:
            return self.by_symbol[text.lower()]
        if text and "/" not in text:
            named = [e for e in self.entries if e.name.split("/")[-1].lower() == text.lower()]
            return named[0] if len(named) == 1 else None
        return None

    # ------------------------------------------------------------------ placement
    def arguments(self, entry: _Entry, scope: Evaluator, semantics: TypeSemantics) -> TreeArguments:
        """A resource body under the Terraform names its semantics use (one level evaluated at a
        time, so that nested objects keep their lines); ``$parentId`` names its parent."""
        paths = semantics.paths_for(INPUT_FORMAT, entry.kind) or {}
        data: Mapping[str, Any] = entry.body
        if entry.parent is not None:
            data = {**entry.body, PARENT_ID: _ParentRef(entry.parent)}

        def evaluate(node: Any) -> Any:
            return node if isinstance(node, (dict, list)) else scope.value(node)

        def describe(raw: Any, spelled: str) -> str:
            if isinstance(raw, _ParentRef):
                return f"{raw.entry.kind}/{raw.entry.name}"
            return raw if isinstance(raw, str) else spelled

        return TreeArguments(data, lambda path: paths.get(path, "location" if path == "location" else None),
                             evaluate=evaluate, case_insensitive=True,
                             unknown=lambda value: value.reason if isinstance(value, Unknown) else None,
                             reference=lambda raw, path: self.referenced(raw, scope),
                             describe=describe)

    def placement(self, entry: _Entry, scope: Evaluator) -> Placement:
        """Where a resource's data is: what its semantics' readers name (a workspace, a storage account,
        its parent), else its own ``location`` (read in the scope its semantics give that argument),
        else its parent's; a resource with none of them has no placement (``Placement()``)."""
        semantics = location_semantics().for_format(INPUT_FORMAT, entry.kind)
        context = _ResourceContext(self, entry, scope)
        location_scope = None
        if semantics is not None:
            found = read_location(semantics, self.arguments(entry, scope, semantics), context,
                                  skip=lambda reader: reader.argument == "location")
            if found is not None:
                return found
            location_scope = next((r.scope for r in semantics.readers if r.argument == "location"), None)
        raw = _ci(entry.body, "location")
        if raw is not None:
            value = scope.value(raw)
            if isinstance(value, Unknown):
                return Placement(unresolved=value.reason)
            if isinstance(value, str) and value:
                return Placement(names=(value,), scope=location_scope)
            return Placement(unresolved=f"location {raw!r} is not a string")
        if entry.parent is not None:
            return self.located(entry.parent) or Placement()
        return Placement()

    def located(self, entry: _Entry) -> Placement | None:
        """Where another resource is (its first instance), once per template; a cycle is unknown."""
        memo = id(entry)
        if memo in self._placements:
            found = self._placements[memo]
            return found if found is not None else Placement(
                unresolved=f"{entry.kind}/{entry.name} depends on its own location")
        self._placements[memo] = None
        self._placements[memo] = found = self.placement(entry, entry.first_scope)
        return found

    # ------------------------------------------------------------------ resources
    def build(self) -> None:
        """One Resource per declaration and distinct placement; a copy of another resource of the
        template is attached to it (SPEC §2), once however many declarations make it."""
        owners: dict[int, list[int]] = {}
        elsewhere: list[tuple[_Entry, Replica]] = []
        for entry in self.entries:
            start = len(self.resources)
            elsewhere.extend(self.resource(entry))
            owners[id(entry)] = list(range(start, len(self.resources)))
        added: dict[int, list[Replica]] = {}
        for target, replica in elsewhere:
            for index in owners.get(id(target), []):
                known = [dataclasses.replace(r, declared_at=None)
                         for r in (*self.resources[index].replicas, *added.get(index, ()))]
                if dataclasses.replace(replica, declared_at=None) not in known:
                    added.setdefault(index, []).append(replica)
        if added:
            self.resources = [dataclasses.replace(r, replicas=(*r.replicas, *added.get(i, ())))
                              for i, r in enumerate(self.resources)]

    def resource(self, entry: _Entry) -> list[tuple[_Entry, Replica]]:
        """The Resources of one declaration (one per distinct placement of its copy-loop instances);
        returns the copies it declares of other resources of the template."""
        body, kind = entry.body, entry.kind
        copy = _mapping(_ci(body, "copy"))
        count = entry.scope.value(_ci(copy, "count")) if copy else None
        indexes: list[int | None]
        if copy and isinstance(count, int) and 0 <= count <= MAX_COPY:
            indexes = list(range(count))
        else:
            indexes = [None]
        groups: dict[Placement, list[int | None]] = {}
        scoped: dict[Placement, Evaluator] = {}
        for index in indexes:
            scope = entry.scope.with_copy_index(index) if copy else entry.scope
            placement = self.placement(entry, scope)
            groups.setdefault(placement, []).append(index)
            scoped.setdefault(placement, scope)
        address = f"{kind}/{entry.name}"
        line = getattr(body, "line", None)
        span = SourceSpan(self.source.path, line, getattr(body, "end_line", None) or line)
        metadata = _mapping(_ci(body, "metadata"))
        suppressions = metadata_suppressions(_mapping(_ci(metadata, "sovlint")).get("ignore"), span)
        if line:
            suppressions += comment_suppressions(self.source, line, span.end_line)
        semantics = location_semantics().for_format(INPUT_FORMAT, kind)
        elsewhere: list[tuple[_Entry, Replica]] = []
        for placement, group in groups.items():
            scope = scoped[placement]
            attributes: dict[str, Any] = {}
            replicas: list[Replica] = []
            if semantics is not None:
                arguments = self.arguments(entry, scope, semantics)
                attributes.update(single_site(semantics, arguments))
                for decl in copies(semantics, arguments, _ResourceContext(self, entry, scope)):
                    where = placement if decl.placement.relative == SAME_AS_RESOURCE else decl.placement
                    replica = as_replica(decl.via, where, SourceSpan(self.source.path, decl.line or line))
                    if decl.of is None or decl.of is entry:
                        replicas.append(replica)
                    elif isinstance(decl.of, _Entry):
                        elsewhere.append((decl.of, replica))
                    # a copy of a resource the template does not declare is that resource's concern
            if copy:
                attributes["copy"] = str(_ci(copy, "name") or "")
                if count is None or isinstance(count, Unknown):
                    attributes["copy_count"] = "unknown"
            api_version = _ci(body, "apiVersion")
            if isinstance(api_version, str):
                attributes["api_version"] = api_version
            tags = tags_in(PROVIDER, body, INPUT_FORMAT, evaluate=scope.value, case_insensitive=True,
                           unknown=lambda value: value.reason if isinstance(value, Unknown) else None)
            instances = tuple(str(i) for i in group if i is not None) if copy else ()
            self.resources.append(Resource(
                address=address, resource_type=kind, source=span, input_format=INPUT_FORMAT,
                provider=PROVIDER, tags=tags, replicas=tuple(replicas), attributes=attributes,
                suppressions=suppressions, instances=instances, **location_fields(placement)))
        return elsewhere


class _ResourceContext:
    """The interpreter's view of an ARM resource: its own placement, the template's other resources."""

    def __init__(self, reader: _TemplateReader, entry: _Entry, scope: Evaluator):
        self.reader = reader
        self.entry = entry
        self.scope = scope

    def provider_location(self, zone: bool) -> Placement:
        """ARM has no provider-wide region: the resource's own location (or its parent's)."""
        raw = _ci(self.entry.body, "location")
        if raw is None and self.entry.parent is not None:
            return self.reader.located(self.entry.parent) or Placement(unresolved="no location is set")
        value = self.scope.value(raw) if raw is not None else None
        if isinstance(value, Unknown):
            return Placement(unresolved=value.reason)
        if isinstance(value, str) and value:
            return Placement(names=(value,))
        return Placement(unresolved="no location is set")

    def locate(self, handle: Any) -> Placement | None:
        """Where the resource a reference names is: a declaration of this template, or unknown for a
        resource the template does not declare (``None``: this resource itself, or no resource)."""
        if handle is OUTSIDE:
            return Placement(unresolved="a resource this template does not declare: its location is unknown")
        if not isinstance(handle, _Entry) or handle is self.entry:
            return None
        found = self.reader.located(handle)
        if found is None or not (found.known or found.unresolved):
            return Placement(unresolved=f"{handle.kind}/{handle.name} has no location")
        return found

    def peers(self, path: str, handle: Any) -> list[Placement]:
        """ARM declares no global-database groups this way."""
        return []


def parameter_file_for(template: Path) -> Path | None:
    """The parameter file that goes with a template, if one is beside it."""
    directory = template.parent
    stem = template.name[:-5] if template.name.lower().endswith(".json") else template.name
    candidates = [directory / f"{stem}.parameters.json"]
    if stem.lower() == "azuredeploy":
        candidates.append(directory / "azuredeploy.parameters.json")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    others = sorted(directory.glob("*.parameters.json"))
    return others[0] if len(others) == 1 else None


def _parameter_values(path: Path) -> dict[str, Any] | None:
    loaded = load_source(path, str(path), as_json=True, lenient_json=True)
    if isinstance(loaded, ParseFailure) or not loaded.documents:
        return None
    values: dict[str, Any] = {}
    for name, spec in _mapping(_ci(_mapping(loaded.documents[0]), "parameters")).items():
        spec = _mapping(spec)
        if "value" in spec:
            values[str(name)] = spec["value"]
        elif "reference" in spec:
            values[str(name)] = Unknown(f"parameter {name} comes from a Key Vault reference")
    return values


def normalise_document(source: SourceDocuments, config: Config,
                       parameter_values: Mapping[str, Any] | None = None) -> list[Resource]:
    """The resources of a parsed ARM template."""
    template = source.documents[0] if source.documents else None
    if not isinstance(template, dict):
        return []
    from sovlint.budgets import allowance

    reader = _TemplateReader(source, config)
    with allowance():  # one budget for everything the template's expressions build
        reader.read(template, Evaluator(template, parameter_values or {}, config))
        reader.link_parents()
        reader.build()
    return reader.resources


def normalise_arm(unit: Any, config: Config) -> Any:
    """One ARM template (with its parameter file) -> resources (or a SOV900 failure)."""
    from sovlint.units import UnitResult

    result = UnitResult()
    path = Path(unit.path)
    loaded = load_source(path, unit.reported[0], as_json=True, lenient_json=True)
    if isinstance(loaded, ParseFailure):
        result.failures.append(loaded.as_tuple())
        return result
    parameters_path = parameter_file_for(path)
    values = _parameter_values(parameters_path) if parameters_path is not None else None
    result.resources = normalise_document(loaded, config, values)
    return result


def normalise_arm_parameters(unit: Any, config: Config) -> Any:
    """A parameter file is read with its template; alone it is only checked to parse."""
    from sovlint.units import UnitResult

    result = UnitResult()
    loaded = load_source(Path(unit.path), unit.reported[0], as_json=True, lenient_json=True)
    if isinstance(loaded, ParseFailure):
        result.failures.append(loaded.as_tuple())
    return result


def normalise_bicep(unit: Any, config: Config) -> Any:
    """A Bicep file, compiled to ARM JSON by ``bicep build --stdout --no-restore`` when bicep is
    on PATH, sandboxed as every renderer is (a module from a registry: not compiled)."""
    from sovlint.units import UnitResult
    from sovlint.normalise.sandbox import bicep_graph, run_renderer

    result = UnitResult()
    display = unit.reported[0]
    bicep = shutil.which("bicep")
    if bicep is None:  # the file is not scanned: a SOV900 naming the tool, like a chart without helm
        from sovlint.normalise.renderers import tool_missing

        result.failures.append((display, 1, tool_missing("bicep")))
        return result
    refusal = bicep_graph(Path(unit.path), display).refusal()
    if refusal is not None:
        result.errors.append(ScanError(display, f"not scanned: {refusal}", 1))
        return result
    path = Path(unit.path).resolve()
    output, error = run_renderer([bicep, "build", "--stdout", "--no-restore", path.name], path.parent)
    if output is None:
        result.failures.append((display, None, error))
        return result
    try:
        document = load_json(output)
    except JsonError as exc:
        result.errors.append(ScanError(display, f"bicep output is not JSON: {exc.message}"))
        return result
    source = SourceDocuments(display, (document,), (), True)
    resources = normalise_document(source, config)
    # lines are lines of the compiled JSON, not of the .bicep file
    result.resources = [_without_lines(r) for r in resources]
    return result


def _without_lines(resource: Resource) -> Resource:
    import dataclasses

    return dataclasses.replace(resource, source=SourceSpan(resource.source.path, None, None))
