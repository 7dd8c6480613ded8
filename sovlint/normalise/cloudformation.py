"""CloudFormation and SAM templates (YAML with short-form tags, or JSON) -> Resources.

Every resource is addressed by its logical id, at the line of its key under
``Resources``. All of a stack's resources live in the stack's region
(``AWS::Region``), which the template may pin with a ``Rules`` assertion
(``Fn::Equals [!Ref AWS::Region, eu-west-3]`` or ``Fn::Contains``), that a
``FindInMap`` keyed by ``AWS::Region`` without a default restricts to the
mapping's keys (the stack cannot be created elsewhere), or that a resource's
``Condition`` may require; otherwise config ``aws.default_region`` applies,
and otherwise the region is unresolved ("chosen at deploy time"). The
template wins over the config. When several regions remain, the data may be
in any of them: they are the resource's location (a set the location rules
judge one country at a time) and its ``possible_regions`` attribute.

Intrinsic functions are evaluated where the template fixes their value
(parameters with a default or a single allowed value, mappings, conditions,
``!Sub``, ``!Join``, ``!Select``, ``!Split``, ``!If``); anything else is an
``Unknown`` that carries why. Copies of data elsewhere are replicas: S3
replication destinations, DynamoDB global-table replicas, RDS read-replica
sources, AWS Backup copy actions, ECR replication. ``Fn::ForEach`` loops are
expanded when their collection is known; Rain modules and unknown shapes are
kept as resources and never stop the scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from sovlint.config import Config
from sovlint.model import Replica, Resource, SourceSpan
from sovlint.placement.interpret import Placement, as_replica, copies, place, single_site
from sovlint.placement.semantics import SAME_AS_RESOURCE, TypeSemantics, location_semantics
from sovlint.placement.tags import tags_in
from sovlint.placement.trees import TreeArguments, table
from sovlint.normalise.documents import (ParseFailure, SourceDocuments, comment_suppressions,
                                         load_source, metadata_suppressions)
from sovlint.parsers.yaml_marks import LineDict, Tagged

INPUT_FORMAT = "cloudformation"
PROVIDER = "aws"
DEPLOY_TIME = "AWS::Region is chosen at deploy time (set aws.default_region or pin it in Rules)"
_MAX_EVAL_DEPTH = 64
#: Resources ``Fn::ForEach`` loops may expand to in one template (CloudFormation itself
#: accepts 500 resources per template); nested loops would otherwise multiply without bound.
MAX_EXPANDED = 1_000


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value the template does not fix, with the reason.

    ``regions`` is set when the value is ``AWS::Region`` and the template
    allows only some regions (``Rules``, region-keyed ``Mappings``): the
    regions the stack can be created in, in the template's order.
    """

    reason: str
    regions: tuple[str, ...] = ()


_NO_VALUE = Unknown("AWS::NoValue")


def _short_form(node: Tagged) -> dict[str, Any]:
    """``!Ref x`` -> ``{"Ref": "x"}``; ``!GetAtt a.b`` -> ``{"Fn::GetAtt": ["a", "b"]}``."""
    name = node.tag.lstrip("!")
    if name == "Ref":
        return {"Ref": node.value}
    if name == "Condition":
        return {"Condition": node.value}
    if name == "GetAtt" and isinstance(node.value, str):
        return {"Fn::GetAtt": node.value.split(".", 1)}
    return {f"Fn::{name}" if not name.startswith("Fn::") else name: node.value}


def _intrinsic(node: Any) -> tuple[str, Any] | None:
    """``(function, argument)`` when ``node`` is one intrinsic function call."""
    if isinstance(node, Tagged):
        node = _short_form(node)
    if isinstance(node, dict) and len(node) == 1:
        key = next(iter(node))
        if isinstance(key, str) and (key == "Ref" or key == "Condition" or key.startswith("Fn::")):
            return key, node[key]
    return None


class Evaluator:
    """Evaluates intrinsic functions of one template for one region."""

    def __init__(self, template: Mapping[str, Any], region: str | Unknown):
        self.template = template
        self.region = region
        self.parameters: dict[str, Any] = {}
        for name, spec in _mapping(template.get("Parameters")).items():
            self.parameters[str(name)] = self._parameter(str(name), _mapping(spec))
        self.mappings = _mapping(template.get("Mappings"))
        self.conditions = _mapping(template.get("Conditions"))
        self.resources = _mapping(template.get("Resources"))
        self._condition_cache: dict[str, Any] = {}
        self.bindings: dict[str, Any] = {}

    @staticmethod
    def _parameter(name: str, spec: Mapping[str, Any]) -> Any:
        kind = str(spec.get("Type", "String"))
        if "Default" in spec:
            value = spec["Default"]
        elif isinstance(spec.get("AllowedValues"), list) and len(spec["AllowedValues"]) == 1:
            value = spec["AllowedValues"][0]
        else:
            return Unknown(f"parameter {name} has no default (given at deploy time)")
        if isinstance(value, Tagged) or isinstance(value, dict):
            return Unknown(f"parameter {name} has no literal default")
        if kind.startswith("List<") or kind == "CommaDelimitedList":
            return [v.strip() for v in str(value).split(",")] if not isinstance(value, list) else value
        return value if isinstance(value, (int, float, bool)) else str(value)

    def ref(self, name: Any) -> Any:
        """The value of ``!Ref name``."""
        if not isinstance(name, str):
            return Unknown(f"Ref to {name!r}")
        if name in self.bindings:
            return self.bindings[name]
        if name == "AWS::Region":
            return self.region
        if name == "AWS::Partition":
            if isinstance(self.region, str):
                return "aws-cn" if self.region.startswith("cn-") else (
                    "aws-us-gov" if self.region.startswith("us-gov-") else "aws")
            return "aws"
        if name == "AWS::URLSuffix":
            return "amazonaws.com.cn" if isinstance(self.region, str) and self.region.startswith("cn-") \
                else "amazonaws.com"
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name.startswith("AWS::"):
            return Unknown(f"{name} is known at deploy time")
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return Unknown(f"Ref {name} (a resource's physical id)")
        return Unknown(f"Ref {name} (not a parameter of the template)")

    def condition(self, name: Any) -> Any:
        """The truth of a named condition (``Unknown`` when it depends on deploy-time values)."""
        if not isinstance(name, str) or name not in self.conditions:
            return Unknown(f"condition {name!r} is not defined")
        if name not in self._condition_cache:
            self._condition_cache[name] = Unknown(f"condition {name} refers to itself")
            self._condition_cache[name] = self.value(self.conditions[name])
        return self._condition_cache[name]

    def value(self, node: Any, depth: int = 0) -> Any:
        """Evaluate ``node``: plain data, with intrinsic calls replaced by their values."""
        if depth > _MAX_EVAL_DEPTH:
            return Unknown("expression nested too deeply")
        call = _intrinsic(node)
        if call is not None:
            try:
                return self._call(call[0], call[1], depth + 1)
            except (TypeError, ValueError, IndexError, KeyError, AttributeError):
                return Unknown(f"{call[0]} with arguments it cannot take")
        if isinstance(node, Tagged):
            return Unknown(f"{node.tag} is not an intrinsic function")
        if isinstance(node, list):
            return [self.value(v, depth + 1) for v in node]
        if isinstance(node, dict):
            return {k: self.value(v, depth + 1) for k, v in node.items()}
        return node

    def _call(self, name: str, arg: Any, depth: int) -> Any:
        if name == "Ref":
            return self.ref(arg)
        if name == "Condition":
            return self.condition(arg)
        if name == "Fn::Sub":
            return self._sub(arg, depth)
        if name == "Fn::Join":
            delimiter, items = self.value(arg[0], depth), self.value(arg[1], depth)
            if isinstance(items, Unknown):
                return items
            unknown = _first_unknown([delimiter, *items])
            if unknown is not None:
                return unknown
            return str(delimiter).join(str(i) for i in items if i is not _NO_VALUE)
        if name == "Fn::Select":
            index, items = self.value(arg[0], depth), self.value(arg[1], depth)
            if isinstance(index, Unknown):
                return index
            if isinstance(items, Unknown):
                return items
            return items[int(index)]
        if name == "Fn::Split":
            delimiter, text = self.value(arg[0], depth), self.value(arg[1], depth)
            unknown = _first_unknown([delimiter, text])
            return unknown if unknown is not None else str(text).split(str(delimiter))
        if name == "Fn::FindInMap":
            keys = [self.value(a, depth) for a in arg[:3]]
            unknown = _first_unknown(keys)
            default = arg[3].get("DefaultValue") if len(arg) > 3 and isinstance(arg[3], dict) else None
            if unknown is not None:
                return unknown
            found = _mapping(_mapping(self.mappings.get(keys[0])).get(keys[1])).get(keys[2])
            if found is None:
                return self.value(default, depth) if default is not None else Unknown(
                    f"FindInMap {keys[0]}/{keys[1]}/{keys[2]} is not in the mappings")
            return self.value(found, depth)
        if name == "Fn::If":
            truth = self.condition(arg[0])
            if isinstance(truth, Unknown):
                return Unknown(f"Fn::If on condition {arg[0]} ({truth.reason})")
            return self.value(arg[1] if truth else arg[2], depth)
        if name == "Fn::Equals":
            left, right = self.value(arg[0], depth), self.value(arg[1], depth)
            unknown = _first_unknown([left, right])
            return unknown if unknown is not None else str(left) == str(right)
        if name in ("Fn::And", "Fn::Or"):
            results = [self.value(a, depth) for a in arg]
            decisive = (False if name == "Fn::And" else True)
            if any(r is decisive for r in results):
                return decisive
            unknown = _first_unknown(results)
            return unknown if unknown is not None else (not decisive)
        if name == "Fn::Not":
            inner = self.value(arg[0] if isinstance(arg, list) else arg, depth)
            return inner if isinstance(inner, Unknown) else not inner
        if name == "Fn::Contains":
            items, item = self.value(arg[0], depth), self.value(arg[1], depth)
            unknown = _first_unknown([items, item])
            return unknown if unknown is not None else item in items
        if name == "Fn::Base64":
            return self.value(arg, depth)
        if name == "Fn::Length":
            items = self.value(arg, depth)
            return items if isinstance(items, Unknown) else len(items)
        if name == "Fn::GetAtt":
            target = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return Unknown(f"GetAtt {'.'.join(str(t) for t in target)} is known at deploy time")
        return Unknown(f"{name} is known at deploy time")

    _SUB = re.compile(r"\$\{([^}]*)\}")

    def partial_text(self, node: Any) -> str | Unknown:
        """A string with its unknown parts written ``?`` (to read an ARN's region, say)."""
        call = _intrinsic(node)
        if call is not None and call[0] == "Fn::Sub":
            value = self._sub(call[1], 1, partial=True)
        elif call is not None and call[0] == "Fn::Join" and isinstance(call[1], list) \
                and len(call[1]) == 2 and isinstance(call[1][1], list):
            parts = [self.value(p) for p in call[1][1]]
            value = str(call[1][0]).join("?" if isinstance(p, Unknown) else str(p) for p in parts)
        else:
            value = self.value(node)
        return value if isinstance(value, (str, Unknown)) else Unknown(f"not a string: {value!r}")

    def _sub(self, arg: Any, depth: int, partial: bool = False) -> Any:
        if isinstance(arg, list):
            text, variables = arg[0], _mapping(arg[1] if len(arg) > 1 else {})
        else:
            text, variables = arg, {}
        if not isinstance(text, str):
            return Unknown("Fn::Sub of a non-string")
        unknown: list[Unknown] = []

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = self.value(variables[name], depth)
            elif "." in name and not name.startswith("AWS::"):
                value = Unknown(f"GetAtt {name} is known at deploy time")
            else:
                value = self.ref(name)
            if isinstance(value, Unknown):
                unknown.append(value)
                return "?"
            return str(value)

        result = self._SUB.sub(replace, text)
        return unknown[0] if unknown and not partial else result


def _first_unknown(values: Any) -> Unknown | None:
    for value in values if isinstance(values, list) else [values]:
        if isinstance(value, Unknown):
            return value
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Tagged):
        return {}
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# --------------------------------------------------------------------------- region


def _region_ref(node: Any) -> bool:
    call = _intrinsic(node)
    return call is not None and call[0] == "Ref" and call[1] == "AWS::Region"


def _allowed_regions(node: Any, evaluator: Evaluator) -> list[str] | None:
    """Regions an assertion/condition allows, when it constrains ``AWS::Region``."""
    call = _intrinsic(node)
    if call is None:
        return None
    name, arg = call
    if name == "Condition":
        target = evaluator.conditions.get(arg) if isinstance(arg, str) else None
        return _allowed_regions(target, evaluator) if target is not None else None
    if name == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
        for this, other in ((arg[0], arg[1]), (arg[1], arg[0])):
            if _region_ref(this):
                value = evaluator.value(other)
                return [value] if isinstance(value, str) else None
    if name == "Fn::Contains" and isinstance(arg, list) and len(arg) == 2 and _region_ref(arg[1]):
        values = evaluator.value(arg[0])
        if isinstance(values, list) and all(isinstance(v, str) for v in values):
            return list(values)
    if name == "Fn::Or" and isinstance(arg, list):
        allowed: list[str] = []
        for item in arg:
            found = _allowed_regions(item, evaluator)
            if found is None:
                return None
            allowed.extend(v for v in found if v not in allowed)
        return allowed
    if name == "Fn::And" and isinstance(arg, list):
        sets = [s for s in (_allowed_regions(item, evaluator) for item in arg) if s is not None]
        if not sets:
            return None
        return [v for v in sets[0] if all(v in s for s in sets[1:])]
    return None


def _mapping_lookups(node: Any, evaluator: Evaluator, depth: int = 0) -> Iterator[tuple[str, list[str]]]:
    """(mapping name, regions) for each ``FindInMap`` keyed by ``AWS::Region`` that CloudFormation
    always evaluates in ``node``: without ``DefaultValue``, a region that is not a key makes the
    stack fail to create. Branches of ``Fn::If`` are not always evaluated: not followed."""
    if depth > _MAX_EVAL_DEPTH:
        return
    call = _intrinsic(node)
    if call is not None:
        name, arg = call
        if name == "Fn::If":
            return
        if name == "Fn::FindInMap" and isinstance(arg, list) and len(arg) == 3:
            found = _mapping_regions(arg, evaluator)
            if found is not None:
                yield found
        node = arg
    if isinstance(node, list):
        for item in node:
            yield from _mapping_lookups(item, evaluator, depth + 1)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _mapping_lookups(item, evaluator, depth + 1)


def _mapping_regions(arg: list[Any], evaluator: Evaluator) -> tuple[str, list[str]] | None:
    """The regions a ``FindInMap [M, first, second]`` (no default) allows, when a key is the region."""
    name = evaluator.value(arg[0])
    mapping = _mapping(evaluator.mappings.get(name)) if isinstance(name, str) else {}
    if not mapping:
        return None
    if _region_ref(arg[1]):  # [M, !Ref AWS::Region, key]: top-level keys that hold ``key``
        second = evaluator.value(arg[2])
        return str(name), [str(k) for k, v in mapping.items()
                           if isinstance(second, Unknown) or second in _mapping(v)]
    if _region_ref(arg[2]):  # [M, key, !Ref AWS::Region]: the second-level keys under ``key``
        first = evaluator.value(arg[1])
        tops = list(mapping.values()) if isinstance(first, Unknown) else [mapping.get(first)]
        regions: list[str] = []
        for top in tops:
            regions.extend(str(k) for k in _mapping(top) if str(k) not in regions)
        return str(name), regions
    return None


def _always_evaluated(template: Mapping[str, Any], evaluator: Evaluator) -> Iterator[Any]:
    """The parts of a template CloudFormation evaluates whatever the parameters: the properties
    of resources without a condition (or with a condition that holds) and such outputs."""
    for section in ("Resources", "Outputs"):
        for key, body in _mapping(template.get(section)).items():
            if isinstance(key, str) and key.startswith("Fn::ForEach::"):
                continue
            body = _mapping(body)
            condition = body.get("Condition")
            if condition is not None and evaluator.condition(condition) is not True:
                continue
            yield body.get("Properties") if section == "Resources" else body.get("Value")


def _keyed_regions(template: Mapping[str, Any], probe: Evaluator) -> tuple[list[str], str] | None:
    """The regions the template's region-keyed mappings allow, and which mappings say so."""
    allowed: list[str] | None = None
    names: list[str] = []
    for part in _always_evaluated(template, probe):
        for name, regions in _mapping_lookups(part, probe):
            allowed = regions if allowed is None else [r for r in allowed if r in regions]
            if name not in names:
                names.append(name)
    if allowed is None:
        return None
    return allowed, f"Mappings {', '.join(names)}"


def stack_region(template: Mapping[str, Any], config: Config) -> tuple[str | Unknown, str]:
    """The region of the stack and what fixed it: ``Rules``, region-keyed ``Mappings``, the
    config, or nothing. When several regions remain, the ``Unknown`` lists them."""
    probe = Evaluator(template, Unknown(DEPLOY_TIME))
    allowed: list[str] | None = None
    origins: list[str] = []
    for rule_name, rule in _mapping(template.get("Rules")).items():
        rule = _mapping(rule)
        if "RuleCondition" in rule and probe.value(rule["RuleCondition"]) is not True:
            continue
        for assertion in _list(rule.get("Assertions")):
            found = _allowed_regions(_mapping(assertion).get("Assert"), probe)
            if found is not None:
                allowed = found if allowed is None else [v for v in allowed if v in found]
                origins[:] = ["Rules"]
    keyed = _keyed_regions(template, probe)
    if keyed is not None:
        allowed = keyed[0] if allowed is None else [v for v in allowed if v in keyed[0]]
        origins.append(keyed[1])
    if allowed is not None:
        origin = " and ".join(origins)
        if len(allowed) == 1:
            return allowed[0], origin
        if config.aws_default_region in allowed:
            return str(config.aws_default_region), f"aws.default_region (allowed by {origin})"
        if not allowed:
            return Unknown(f"no region satisfies {origin}: the stack cannot be created"), ""
        return Unknown(f"AWS::Region is one of {', '.join(allowed)} ({origin}); chosen at deploy time",
                       tuple(allowed)), ""
    if config.aws_default_region:
        return config.aws_default_region, "aws.default_region"
    return Unknown(DEPLOY_TIME), ""


# --------------------------------------------------------------------------- resources


@dataclass(frozen=True)
class _Entry:
    logical_id: str
    body: Mapping[str, Any]
    line: int | None
    end_line: int | None
    loop: str | None = None  # Fn::ForEach loop it came from
    unresolved: str | None = None


def _substitute(node: Any, identifier: str, value: str) -> Any:
    """Replace a ``Fn::ForEach`` identifier in a template body."""
    if isinstance(node, str):
        return node.replace("${" + identifier + "}", value).replace(
            "&{" + identifier + "}", re.sub(r"[^A-Za-z0-9]", "", value))
    if isinstance(node, Tagged):
        if node.tag == "!Ref" and node.value == identifier:
            return value
        return Tagged(node.tag, _substitute(node.value, identifier, value))
    if isinstance(node, list):
        return [_substitute(v, identifier, value) for v in node]
    if isinstance(node, dict):
        if len(node) == 1 and node.get("Ref") == identifier:
            return value
        copied = LineDict()
        copied.line = getattr(node, "line", 0)
        copied.end_line = getattr(node, "end_line", 0)
        for key, item in node.items():
            new_key = _substitute(key, identifier, value) if isinstance(key, str) else key
            copied[new_key] = _substitute(item, identifier, value)
            copied.key_lines[new_key] = getattr(node, "key_lines", {}).get(key, copied.line)
        return copied
    return node


def _entries(resources: Mapping[str, Any], evaluator: Evaluator, depth: int = 0,
             expanded: list[int] | None = None) -> Iterator[_Entry]:
    """The resource entries of a ``Resources`` section, ``Fn::ForEach`` loops expanded
    (``expanded`` counts the copies the loops made, against ``MAX_EXPANDED``)."""
    expanded = [0] if expanded is None else expanded
    key_lines = getattr(resources, "key_lines", {})
    for key, body in resources.items():
        line = key_lines.get(key)
        if isinstance(key, str) and key.startswith("Fn::ForEach::") and depth < 5:
            yield from _for_each(key, body, line, evaluator, depth, expanded)
            continue
        if isinstance(body, dict):
            yield _Entry(str(key), body, line, getattr(body, "end_line", None) or line)


def _for_each(key: str, body: Any, line: int | None, evaluator: Evaluator,
              depth: int, expanded: list[int]) -> Iterator[_Entry]:
    loop = key[len("Fn::ForEach::"):]
    if not (isinstance(body, list) and len(body) == 3 and isinstance(body[0], str)
            and isinstance(body[2], dict)):
        yield _Entry(key, {"Type": "Fn::ForEach"}, line, line, loop,
                     f"Fn::ForEach::{loop} is malformed")
        return
    identifier, collection, templates = body
    values = evaluator.value(collection)
    if not isinstance(values, list) or any(isinstance(v, (Unknown, dict, list)) for v in values):
        reason = values.reason if isinstance(values, Unknown) else "not a list of strings"
        for out_key, out_body in templates.items():
            if isinstance(out_body, dict):
                yield _Entry(str(out_key), out_body, line, getattr(out_body, "end_line", line), loop,
                             f"Fn::ForEach::{loop} collection is not known ({reason})")
        return
    for value in values:
        expanded[0] += len(templates)  # counted before the copy is made
        if expanded[0] > MAX_EXPANDED:
            yield _Entry(key, {"Type": "Fn::ForEach"}, line, line, loop,
                         f"Fn::ForEach::{loop} expands to more than {MAX_EXPANDED:,} resources "
                         "(the limit; CloudFormation accepts 500 per template); the rest is not read")
            return
        copy = _substitute(templates, identifier, str(value))
        for entry in _entries(copy, evaluator, depth + 1, expanded):
            yield _Entry(entry.logical_id, entry.body, line, entry.end_line or line,
                         loop, entry.unresolved)


def _type_of(body: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    kind = body.get("Type")
    if isinstance(kind, Tagged):  # Rain modules: `Type: !Rain::Module ./bucket.yaml`
        return kind.tag.lstrip("!"), {"module_source": str(kind.value)}
    if isinstance(kind, str):
        return kind, {}
    if isinstance(kind, dict) and len(kind) == 1:  # the JSON form: {"Rain::Module": "./bucket.json"}
        key = str(next(iter(kind)))
        return key, {"module_source": str(kind[key])}
    return "unknown", {"type_expression": str(kind)}


def _tags(properties: Mapping[str, Any], evaluator: Evaluator) -> dict[str, str]:
    """A resource's (or a SAM ``Globals`` section's) tags, as the ``cloudformation`` tag specs of
    ``policies/locations/aws.yaml`` say: ``Tags`` lists of Key/Value, maps, and the other names."""
    return tags_in(PROVIDER, properties, INPUT_FORMAT, evaluate=evaluator.value,
                   unknown=lambda value: value.reason if isinstance(value, Unknown) else None)


_S3_ARN = re.compile(r"^arn:aws[a-z-]*:s3:::(?P<bucket>[^/]+)")


def _referenced_ids(node: Any, ids: Mapping[str, Any]) -> list[str]:
    """Logical ids of this template that ``node`` refers to (Ref, GetAtt, ${Id} in Sub)."""
    found: list[str] = []
    call = _intrinsic(node)
    if call is not None:
        name, arg = call
        if name == "Ref" and isinstance(arg, str) and arg in ids:
            found.append(arg)
        elif name == "Fn::GetAtt":
            target = arg[0] if isinstance(arg, list) and arg else str(arg).split(".")[0]
            if target in ids:
                found.append(str(target))
        elif name == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) else arg
            if isinstance(text, str):
                found.extend(m.split(".")[0] for m in Evaluator._SUB.findall(text)
                             if m.split(".")[0] in ids)
            if isinstance(arg, list) and len(arg) > 1:
                found.extend(_referenced_ids(arg[1], ids))
        else:
            found.extend(_referenced_ids(arg, ids))
    elif isinstance(node, list):
        for item in node:
            found.extend(_referenced_ids(item, ids))
    elif isinstance(node, dict):
        for item in node.values():
            found.extend(_referenced_ids(item, ids))
    return found


class _TemplateReader:
    def __init__(self, template: Mapping[str, Any], source: SourceDocuments, config: Config):
        self.template = template
        self.source = source
        self.region, self.region_origin = stack_region(template, config)
        self.evaluator = Evaluator(template, self.region)
        self.entries = list(_entries(_mapping(template.get("Resources")), self.evaluator))
        self.by_id = {e.logical_id: e for e in self.entries}
        self.bucket_names: dict[str, str] = {}
        for entry in self.entries:
            if entry.body.get("Type") == "AWS::S3::Bucket":
                name = self.evaluator.value(_mapping(entry.body.get("Properties")).get("BucketName"))
                if isinstance(name, str):
                    self.bucket_names[name] = entry.logical_id
        globals_ = _mapping(template.get("Globals"))
        self.global_tags = {section: _tags(_mapping(globals_.get(section)), self.evaluator)
                            for section in ("Function", "Api", "HttpApi", "SimpleTable", "StateMachine")}

    def resource_region(self, entry: _Entry) -> tuple[str | Unknown, str]:
        """A resource's region: what its Condition requires (within what the stack allows),
        else the stack's."""
        condition = entry.body.get("Condition")
        if isinstance(condition, str) and condition in self.evaluator.conditions:
            allowed = _allowed_regions({"Condition": condition}, self.evaluator)
            if allowed and isinstance(self.region, Unknown) and self.region.regions:
                allowed = [r for r in allowed if r in self.region.regions] or allowed
            if allowed and len(allowed) == 1:
                return allowed[0], f"Condition {condition}"
            if allowed:
                return Unknown(f"AWS::Region is one of {', '.join(allowed)} (Condition {condition}); "
                               "chosen at deploy time", tuple(allowed)), ""
        return self.region, self.region_origin

    def resources(self) -> list[Resource]:
        return [self.resource(entry) for entry in self.entries]

    def resource(self, entry: _Entry) -> Resource:
        kind, attributes = _type_of(entry.body)
        properties = _mapping(entry.body.get("Properties"))
        region, origin = self.resource_region(entry)
        unresolved: list[str] = []
        region_set: tuple[str, ...] = ()
        if isinstance(region, Unknown) and len(region.regions) > 1:
            # the stack can only be created in these regions: the data may be in any of them,
            # and the location rules judge each one
            region_set = region.regions
            attributes["possible_regions"] = list(region.regions)
        elif isinstance(region, Unknown):
            unresolved.append(region.reason)
        if entry.unresolved:
            unresolved.append(entry.unresolved)
        if origin:
            attributes["region_from"] = origin
        if entry.loop:
            attributes["for_each"] = entry.loop
        semantics = location_semantics().for_format(INPUT_FORMAT, kind)
        arguments = self.arguments(kind, properties, semantics)
        replicas: list[Replica] = []
        span = SourceSpan(self.source.path, entry.line, entry.end_line)
        if semantics is not None:
            attributes.update(single_site(semantics, arguments))
            context = _TemplateContext(self, entry)
            for decl in copies(semantics, arguments, context):
                placement = decl.placement
                if placement.relative == SAME_AS_RESOURCE:
                    placement = context.placement_of(entry)
                replicas.append(as_replica(decl.via, placement, SourceSpan(
                    self.source.path, decl.line or entry.line)))
        metadata = _mapping(entry.body.get("Metadata"))
        suppressions = metadata_suppressions(_mapping(metadata.get("sovlint")).get("ignore"), span)
        if entry.line:
            suppressions += comment_suppressions(self.source, entry.line, entry.end_line)
        inherited: dict[str, str] = {}
        if kind.startswith("AWS::Serverless::"):
            inherited = self.global_tags.get(kind.split("::")[-1], {})
        return Resource(
            address=entry.logical_id,
            resource_type=kind,
            source=span,
            input_format=INPUT_FORMAT,
            provider=PROVIDER,
            region=region if isinstance(region, str) else None,
            region_set=region_set,
            location_origin=region.reason.replace("; chosen at deploy time", "")
            if region_set and isinstance(region, Unknown) else None,
            unresolved=tuple(unresolved),
            tags=_tags(properties, self.evaluator),
            inherited_tags=inherited,
            replicas=tuple(replicas),
            attributes=attributes,
            suppressions=suppressions,
        )

    def arguments(self, kind: str, properties: Mapping[str, Any],
                  semantics: TypeSemantics | None) -> TreeArguments:
        """A resource's properties under the Terraform names its semantics use."""
        paths = semantics.paths_for(INPUT_FORMAT, kind) if semantics is not None else None
        return TreeArguments(properties, table(paths or {}), evaluate=self._value,
                             unknown=lambda value: value.reason if isinstance(value, Unknown) else None,
                             reference=lambda raw, path: self._referenced(raw),
                             describe=lambda raw, spelled: spelled)

    def _value(self, node: Any) -> Any:
        """A property's value, evaluated one level at a time (nested properties keep their
        lines); an ARN built with unknown parts keeps its known ones (``?``)."""
        if isinstance(node, (dict, list)) and _intrinsic(node) is None:
            return node
        value = self.evaluator.value(node)
        if isinstance(value, Unknown) and _intrinsic(node) is not None:
            partial = self.evaluator.partial_text(node)
            if isinstance(partial, str):
                return partial
        return value

    def _referenced(self, raw: Any) -> str | None:
        """The logical id of the resource a property refers to (also by bucket name or ARN)."""
        for logical_id in _referenced_ids(raw, self.by_id):
            return logical_id
        value = self.evaluator.value(raw)
        if isinstance(value, str):
            match = _S3_ARN.match(value)
            return self.bucket_names.get(match.group("bucket") if match else value)
        return None


class _TemplateContext:
    """The interpreter's view of a template: the stack's region, the other resources."""

    def __init__(self, reader: _TemplateReader, entry: _Entry):
        self.reader = reader
        self.entry = entry

    def placement_of(self, entry: _Entry) -> Placement:
        """Where a resource of the template keeps its data."""
        kind, _ = _type_of(entry.body)
        semantics = location_semantics().for_format(INPUT_FORMAT, kind)
        if semantics is None:
            return _TemplateContext(self.reader, entry).provider_location(zone=False)
        properties = _mapping(entry.body.get("Properties"))
        return place(semantics, self.reader.arguments(kind, properties, semantics),
                     _TemplateContext(self.reader, entry))

    def provider_location(self, zone: bool) -> Placement:
        """The region the stack (or the resource's Condition) deploys it to."""
        region, origin = self.reader.resource_region(self.entry)
        if isinstance(region, Unknown) and len(region.regions) > 1:
            return Placement(names=region.regions)
        if isinstance(region, Unknown):
            return Placement(unresolved=region.reason)
        return Placement(names=(region,))  # where it came from is in attributes.region_from

    def locate(self, handle: Any) -> Placement | None:
        """Where another resource of the template is (``handle``: its logical id)."""
        entry = self.reader.by_id.get(handle) if isinstance(handle, str) else None
        if entry is None or entry is self.entry:
            return None
        return self.placement_of(entry)

    def peers(self, path: str, handle: Any) -> list[Placement]:
        """Templates declare no global-database groups this way."""
        return []


def normalise_template(source: SourceDocuments, config: Config) -> list[Resource]:
    """The resources of a parsed template (the first document of a YAML stream)."""
    template = source.documents[0] if source.documents else None
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        return []
    return _TemplateReader(template, source, config).resources()


def normalise_cloudformation(unit: Any, config: Config) -> Any:
    """One CloudFormation/SAM template file -> resources (or a SOV900 failure)."""
    from sovlint.units import UnitResult

    result = UnitResult()
    loaded = load_source(Path(unit.path), unit.reported[0])
    if isinstance(loaded, ParseFailure):
        result.failures.append(loaded.as_tuple())
        return result
    result.resources = normalise_template(loaded, config)
    return result
