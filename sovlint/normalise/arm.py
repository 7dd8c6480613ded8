"""Azure Resource Manager templates (and Bicep, compiled by ``bicep build``) -> Resources.

A template is read with the parameter file beside it (``<name>.parameters.json``,
``azuredeploy.parameters.json``, or the only ``*.parameters.json`` of the
directory). Template expressions are evaluated where their value is fixed:
``parameters()``, ``variables()``, ``concat``, ``format``, ``toLower``,
``toUpper``, ``if``, ``equals``... ``resourceGroup().location`` is the config's
``azure.resource_group_location`` or unknown; ``uniqueString``, ``reference``,
``subscription`` are unknown. An unknown value carries why.

Resources are addressed ``type/name`` with the name evaluated where possible
(the expression as written otherwise). Child resources (``resources`` inside a
resource) get the joined type and name; ``copy`` loops give one resource,
with its instance indexes, per distinct location; inline nested deployments
are read with their own scope. Copies (the paired region of geo-redundant
storage and backups) and single-site settings come from the location
semantics of the azurerm type each ARM type is the equivalent of
(``policies/locations/azurerm.yaml``). Suppressions: ``metadata.sovlint.ignore`` on the resource, or
a ``// sovlint:ignore`` comment above it (templates are read in Resource
Manager's JSON dialect: comments and trailing commas are accepted, and so are
tabs).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from sovlint.config import Config
from sovlint.model import Replica, Resource, ScanError, SourceSpan
from sovlint.placement.interpret import Placement, as_replica, copies, single_site
from sovlint.placement.semantics import TypeSemantics, location_semantics
from sovlint.placement.tags import tags_in
from sovlint.placement.trees import TreeArguments, table
from sovlint.normalise.documents import (ParseFailure, SourceDocuments, comment_suppressions,
                                         load_source, metadata_suppressions)
from sovlint.parsers.json_marks import JsonError, load_json

INPUT_FORMAT = "arm"
PROVIDER = "azurerm"
RG_LOCATION = "resourceGroup().location is chosen at deploy time (set azure.resource_group_location)"
MAX_COPY = 200
BICEP_TIMEOUT = 60


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
                    return Unknown(f"cannot read expression {node}: {exc}")
                except RecursionError:
                    return Unknown(f"expression too deep: {node[:60]}")
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
            return Unknown(f"cannot index {target!r} with {key!r}")
        if not isinstance(node, _Call):
            return node
        function = _FUNCTIONS.get(node.name)
        if function is None:
            return Unknown(f"{node.name}() is known at deploy time")
        args = [self.evaluate(a) for a in node.args] if node.name not in ("if",) else list(node.args)
        try:
            return function(self, args)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError):
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
        return [item for a in args for item in a]
    return "".join(_text(a) for a in args)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _format(args: list[Any]) -> str:
    return re.sub(r"\{(\d+)(?::[^}]*)?\}", lambda m: _text(args[1 + int(m.group(1))]), str(args[0]))


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
    "tolower": _strict(lambda a: str(a[0]).lower()),
    "toupper": _strict(lambda a: str(a[0]).upper()),
    "trim": _strict(lambda a: str(a[0]).strip()),
    "string": _strict(lambda a: _text(a[0])),
    "int": _strict(lambda a: int(a[0])),
    "bool": _strict(lambda a: a[0] if isinstance(a[0], bool) else str(a[0]).lower() == "true"),
    "replace": _strict(lambda a: str(a[0]).replace(str(a[1]), str(a[2]))),
    "substring": _strict(lambda a: str(a[0])[int(a[1]):int(a[1]) + int(a[2])] if len(a) > 2
                         else str(a[0])[int(a[1]):]),
    "take": _strict(lambda a: a[0][:int(a[1])]),
    "skip": _strict(lambda a: a[0][int(a[1]):]),
    "split": _strict(lambda a: str(a[0]).split(str(a[1])) if not isinstance(a[1], list)
                     else re.split("|".join(map(re.escape, a[1])), str(a[0]))),
    "first": _strict(lambda a: a[0][0]),
    "last": _strict(lambda a: a[0][-1]),
    "length": _strict(lambda a: len(a[0])),
    "empty": _strict(lambda a: not a[0]),
    "contains": _strict(lambda a: (a[1] in a[0]) if not isinstance(a[0], dict)
                        else str(a[1]).lower() in (str(k).lower() for k in a[0])),
    "startswith": _strict(lambda a: str(a[0]).lower().startswith(str(a[1]).lower())),
    "endswith": _strict(lambda a: str(a[0]).lower().endswith(str(a[1]).lower())),
    "equals": _strict(lambda a: a[0] == a[1]),
    "not": _strict(lambda a: not a[0]),
    "and": _strict(lambda a: all(a)),
    "or": _strict(lambda a: any(a)),
    "less": _strict(lambda a: a[0] < a[1]),
    "greater": _strict(lambda a: a[0] > a[1]),
    "coalesce": lambda e, a: next((x for x in a if x is not None), None),
    "createarray": lambda e, a: list(a),
    "array": _strict(lambda a: a[0] if isinstance(a[0], list) else [a[0]]),
    "union": _strict(lambda a: {k: v for d in a for k, v in d.items()} if all(isinstance(d, dict) for d in a)
                     else [x for part in a for x in part]),
    "json": _strict(lambda a: json.loads(str(a[0]))),
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


def _arguments(body: Mapping[str, Any], scope: Evaluator, semantics: TypeSemantics,
               kind: str) -> TreeArguments:
    """A resource body under the Terraform names its semantics use (one level evaluated at a
    time, so that nested objects keep their lines)."""

    def evaluate(node: Any) -> Any:
        return node if isinstance(node, (dict, list)) else scope.value(node)

    return TreeArguments(body, table(semantics.paths_for(INPUT_FORMAT, kind) or {}),
                         evaluate=evaluate, case_insensitive=True,
                         unknown=lambda value: value.reason if isinstance(value, Unknown) else None)


class _ResourceContext:
    """The interpreter's view of an ARM resource: its location is already evaluated."""

    def __init__(self, location: Any):
        self.location = location

    def provider_location(self, zone: bool) -> Placement:
        """The resource's own location (ARM has no provider-wide region)."""
        if isinstance(self.location, Unknown):
            return Placement(unresolved=self.location.reason)
        if isinstance(self.location, str) and self.location:
            return Placement(names=(self.location,))
        return Placement(unresolved="no location is set")

    def locate(self, handle: Any) -> Placement | None:
        """References between ARM resources are not followed for copies."""
        return None

    def peers(self, path: str, handle: Any) -> list[Placement]:
        """ARM declares no global-database groups this way."""
        return []


@dataclass(frozen=True)
class _Parent:
    type: str
    name: str
    location: Any


class _TemplateReader:
    def __init__(self, source: SourceDocuments, config: Config):
        self.source = source
        self.config = config
        self.resources: list[Resource] = []

    def read(self, template: Mapping[str, Any], evaluator: Evaluator, depth: int = 0) -> None:
        entries = _ci(template, "resources")
        if isinstance(entries, dict):  # languageVersion 2.0: symbolic names
            items = list(entries.values())
        else:
            items = _list(entries)
        for item in items:
            if isinstance(item, dict):
                self.resource(item, evaluator, None, depth)

    def resource(self, body: Mapping[str, Any], evaluator: Evaluator, parent: _Parent | None,
                 depth: int) -> None:
        kind = _ci(body, "type")
        kind = kind if isinstance(kind, str) else str(kind)
        if parent is not None and "/" not in kind:  # a child's type is relative to its parent's
            kind = f"{parent.type}/{kind}"
        condition = evaluator.value(_ci(body, "condition")) if _ci(body, "condition") is not None else True
        if condition is False:
            return
        copy = _mapping(_ci(body, "copy"))
        count = evaluator.value(_ci(copy, "count")) if copy else None
        indexes: list[int | None]
        if copy and isinstance(count, int) and 0 <= count <= MAX_COPY:
            indexes = list(range(count))
        else:
            indexes = [None]
        groups: dict[Any, list[int | None]] = {}
        scoped: dict[Any, Evaluator] = {}
        for index in indexes:
            scope = evaluator.with_copy_index(index) if copy else evaluator
            location = self.location(body, scope, parent)
            key = location.reason if isinstance(location, Unknown) else location
            groups.setdefault(key, []).append(index)
            scoped.setdefault(key, scope)
        raw_name = _ci(body, "name")
        name_value = evaluator.with_copy_index(None).value(raw_name) if copy else evaluator.value(raw_name)
        name = name_value if isinstance(name_value, str) else str(raw_name)
        if parent is not None and "/" not in name:
            name = f"{parent.name}/{name}"
        address = f"{kind}/{name}"
        line = getattr(body, "line", None)
        span = SourceSpan(self.source.path, line, getattr(body, "end_line", None) or line)
        metadata = _mapping(_ci(body, "metadata"))
        suppressions = metadata_suppressions(_mapping(_ci(metadata, "sovlint")).get("ignore"), span)
        if line:
            suppressions += comment_suppressions(self.source, line, span.end_line)
        for key, group in groups.items():
            scope = scoped[key]
            location = self.location(body, scope, parent)
            unresolved: tuple[str, ...] = ()
            region: str | None = None
            if isinstance(location, Unknown):
                unresolved = (location.reason,)
            elif isinstance(location, str):
                region = location
            attributes: dict[str, Any] = {}
            replicas: list[Replica] = []
            semantics = location_semantics().for_format(INPUT_FORMAT, kind)
            if semantics is not None:
                arguments = _arguments(body, scope, semantics, kind)
                attributes.update(single_site(semantics, arguments))
                context = _ResourceContext(location)
                replicas = [as_replica(decl.via, decl.placement, SourceSpan(
                    self.source.path, decl.line or line)) for decl in copies(semantics, arguments, context)]
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
                provider=PROVIDER, region=region, unresolved=unresolved, tags=tags,
                replicas=tuple(replicas), attributes=attributes, suppressions=suppressions,
                instances=instances))
        first_scope = next(iter(scoped.values()))
        location = self.location(body, first_scope, parent)
        this = _Parent(kind, name, location)
        for child in _list(_ci(body, "resources")):
            if isinstance(child, dict):
                self.resource(child, first_scope, this, depth)
        if kind.lower() == "microsoft.resources/deployments" and depth < 5:
            self.nested(body, first_scope, depth)

    def location(self, body: Mapping[str, Any], scope: Evaluator, parent: _Parent | None) -> Any:
        raw = _ci(body, "location")
        if raw is None:
            return parent.location if parent is not None else None
        value = scope.value(raw)
        if isinstance(value, (str, Unknown)):
            return value
        return Unknown(f"location {raw!r} is not a string")

    def nested(self, body: Mapping[str, Any], scope: Evaluator, depth: int) -> None:
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
    reader = _TemplateReader(source, config)
    reader.read(template, Evaluator(template, parameter_values or {}, config))
    return reader.resources


def normalise_arm(unit: Any, config: Config) -> Any:
    """One ARM template (with its parameter file) -> resources (or a SOV900 failure)."""
    from sovlint.engine import UnitResult

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
    from sovlint.engine import UnitResult

    result = UnitResult()
    loaded = load_source(Path(unit.path), unit.reported[0], as_json=True, lenient_json=True)
    if isinstance(loaded, ParseFailure):
        result.failures.append(loaded.as_tuple())
    return result


def normalise_bicep(unit: Any, config: Config) -> Any:
    """A Bicep file, compiled to ARM JSON by ``bicep build --stdout`` when bicep is on PATH."""
    from sovlint.engine import UnitResult

    result = UnitResult()
    display = unit.reported[0]
    bicep = shutil.which("bicep")
    if bicep is None:  # the file is not scanned: a SOV900 naming the tool, like a chart without helm
        from sovlint.normalise.renderers import tool_missing

        result.failures.append((display, 1, tool_missing("bicep")))
        return result
    try:
        completed = subprocess.run([bicep, "build", "--stdout", str(unit.path)], capture_output=True,
                                   timeout=BICEP_TIMEOUT, check=False, stdin=subprocess.DEVNULL)
    except (subprocess.TimeoutExpired, OSError) as exc:
        result.errors.append(ScanError(display, f"not scanned: bicep build failed ({exc})"))
        return result
    if completed.returncode != 0:
        lines = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        result.failures.append((display, None, f"bicep build failed: {lines[-1] if lines else ''}"))
        return result
    try:
        document = load_json(completed.stdout.decode("utf-8", "replace"))
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
