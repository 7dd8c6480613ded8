"""Terraform's JSON syntax (``.tf.json``) into sovlint's syntax tree.

JSON has no schema to tell a nested block from an object-valued argument, so
this reader follows Terraform's top-level structure (``resource`` and ``data``
have two labels; ``variable``, ``output``, ``module``, ``provider`` and
``check`` one; ``locals`` holds attributes) and, inside resource, data and
provider bodies, reads an object (or array of objects) as nested blocks except
for the meta-arguments and the well-known map arguments listed in
``_MAP_ARGUMENTS``. Strings are parsed as templates (``${...}``). ``"//"``
properties are comments. Line numbers are those of the JSON property names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable, Union

from sovlint.hcl.syntax import (
    Attribute,
    Block,
    Body,
    Comment,
    Expr,
    HclFile,
    HclSyntaxError,
    Literal,
    ObjectExpr,
    Template,
    TupleExpr,
)

TemplateParser = Callable[[str, int], Union[Literal, Template]]

_MAX_DEPTH = 500

# Number of labels of each top-level block type.
_TOP_LEVEL_LABELS = {
    "resource": 2,
    "data": 2,
    "ephemeral": 2,
    "variable": 1,
    "output": 1,
    "module": 1,
    "provider": 1,
    "check": 1,
    "locals": 0,
    "terraform": 0,
    "moved": 0,
    "import": 0,
    "removed": 0,
}

# Block types whose whole body is attributes.
_ATTRIBUTE_ONLY_BODIES = frozenset({"locals", "output", "module", "moved", "import", "removed"})

# Arguments that are never nested blocks even when their value is an object.
_MAP_ARGUMENTS = frozenset(
    {
        "count",
        "for_each",
        "depends_on",
        "provider",
        "providers",
        "tags",
        "tags_all",
        "labels",
        "default",
        "variables",
        "environment",
        "metadata",
        "annotations",
        "parameters",
        "triggers",
        "settings",
    }
)

# Nested blocks that carry one label.
_LABELLED_NESTED_BLOCKS = {"provisioner": 1, "dynamic": 1, "backend": 1}


@dataclass(frozen=True, slots=True)
class _JsonValue:
    """A JSON value with the line where it starts and ends."""

    value: object  # str | int | float | bool | None | list[_JsonValue] | list[_JsonProperty]
    line: int
    end_line: int
    is_object: bool = False


@dataclass(frozen=True, slots=True)
class _JsonProperty:
    """``"name": value`` with the line of the name."""

    name: str
    line: int
    value: _JsonValue


class _LineTrackingJsonReader:
    """A small recursive-descent JSON reader that records lines."""

    _NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
    _WHITESPACE = re.compile(r"[ \t\n\r]*")

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.line = 1

    def fail(self, message: str) -> HclSyntaxError:
        column = self.pos - self.text.rfind("\n", 0, self.pos)
        return HclSyntaxError(message, self.line, column)

    def skip_whitespace(self) -> None:
        match = self._WHITESPACE.match(self.text, self.pos)
        assert match is not None
        self.line += match.group().count("\n")
        self.pos = match.end()

    def read_document(self) -> _JsonValue:
        value = self.read_value(0)
        self.skip_whitespace()
        if self.pos != len(self.text):
            raise self.fail("unexpected content after the JSON document")
        return value

    def read_value(self, depth: int) -> _JsonValue:
        if depth > _MAX_DEPTH:
            raise self.fail("JSON nested too deeply")
        self.skip_whitespace()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end of JSON")
        ch = self.text[self.pos]
        start_line = self.line
        if ch == "{":
            return self.read_object(depth)
        if ch == "[":
            self.pos += 1
            items: list[_JsonValue] = []
            self.skip_whitespace()
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return _JsonValue(items, start_line, self.line)
            while True:
                items.append(self.read_value(depth + 1))
                self.skip_whitespace()
                if self.text.startswith(",", self.pos):
                    self.pos += 1
                elif self.text.startswith("]", self.pos):
                    self.pos += 1
                    return _JsonValue(items, start_line, self.line)
                else:
                    raise self.fail("expected ',' or ']' in JSON array")
        if ch == '"':
            return _JsonValue(self.read_string(), start_line, self.line)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return _JsonValue(value, start_line, start_line)
        match = self._NUMBER.match(self.text, self.pos)
        if match and match.group():
            self.pos = match.end()
            text = match.group()
            number: int | float = int(text) if not (match.group(1) or match.group(2)) else float(text)
            if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
                number = int(number)
            return _JsonValue(number, start_line, start_line)
        raise self.fail(f"unexpected character {ch!r} in JSON")

    def read_string(self) -> str:
        try:
            value, end = json.decoder.scanstring(self.text, self.pos + 1)  # type: ignore[attr-defined]
        except json.JSONDecodeError as exc:
            raise self.fail(f"invalid JSON string: {exc.msg}") from None
        self.line += self.text.count("\n", self.pos, end)
        self.pos = end
        return value

    def read_object(self, depth: int) -> _JsonValue:
        start_line = self.line
        self.pos += 1
        properties: list[_JsonProperty] = []
        self.skip_whitespace()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return _JsonValue(properties, start_line, self.line, is_object=True)
        while True:
            self.skip_whitespace()
            if not self.text.startswith('"', self.pos):
                raise self.fail("expected a property name in JSON object")
            name_line = self.line
            name = self.read_string()
            self.skip_whitespace()
            if not self.text.startswith(":", self.pos):
                raise self.fail("expected ':' in JSON object")
            self.pos += 1
            properties.append(_JsonProperty(name, name_line, self.read_value(depth + 1)))
            self.skip_whitespace()
            if self.text.startswith(",", self.pos):
                self.pos += 1
            elif self.text.startswith("}", self.pos):
                self.pos += 1
                return _JsonValue(properties, start_line, self.line, is_object=True)
            else:
                raise self.fail("expected ',' or '}' in JSON object")


class _TerraformJsonConverter:
    """Turns the line-tracked JSON document into a :class:`Body`."""

    def __init__(self, parse_template: TemplateParser):
        self.parse_template = parse_template
        self.comments: list[Comment] = []

    def top_level(self, document: _JsonValue) -> Body:
        if not document.is_object:
            raise HclSyntaxError("a Terraform JSON file must hold an object", document.line)
        attributes: list[Attribute] = []
        blocks: list[Block] = []
        for prop in document.value:  # type: ignore[union-attr, attr-defined]
            if prop.name == "//":
                self.note_comment(prop)
                continue
            labels = _TOP_LEVEL_LABELS.get(prop.name)
            if labels is None:
                attributes.append(self.attribute(prop))
                continue
            blocks.extend(self.blocks(prop.name, prop, labels, (), top_level=True))
        return Body(tuple(attributes), tuple(blocks))

    def note_comment(self, prop: _JsonProperty) -> None:
        if isinstance(prop.value.value, str):
            self.comments.append(Comment(prop.value.value.strip(), prop.line))

    def blocks(
        self, block_type: str, prop: _JsonProperty, labels_left: int, labels: tuple[str, ...], top_level: bool = False
    ) -> list[Block]:
        """Blocks of ``block_type`` from a property whose value holds ``labels_left`` more labels."""
        value = prop.value
        if labels_left > 0:
            if not value.is_object:
                raise HclSyntaxError(f"{block_type} expects an object keyed by label", value.line)
            result: list[Block] = []
            for inner in value.value:  # type: ignore[union-attr, attr-defined]
                if inner.name == "//":
                    self.note_comment(inner)
                    continue
                result.extend(self.blocks(block_type, inner, labels_left - 1, labels + (inner.name,)))
            return result
        bodies = value.value if isinstance(value.value, list) and not value.is_object else [value]
        result = []
        for body_value in bodies:
            if not isinstance(body_value, _JsonValue) or not body_value.is_object:
                raise HclSyntaxError(f"{block_type} block body must be an object", body_value.line)
            body = self.body(block_type, body_value)
            result.append(Block(block_type, labels, body, prop.line, body_value.end_line))
        return result

    def body(self, block_type: str, value: _JsonValue) -> Body:
        attributes: list[Attribute] = []
        blocks: list[Block] = []
        for prop in value.value:  # type: ignore[union-attr, attr-defined]
            if prop.name == "//":
                self.note_comment(prop)
                continue
            if self.is_nested_block(block_type, prop):
                labels = _LABELLED_NESTED_BLOCKS.get(prop.name, 0)
                blocks.extend(self.blocks(prop.name, prop, labels, ()))
            else:
                attributes.append(self.attribute(prop))
        return Body(tuple(attributes), tuple(blocks))

    def is_nested_block(self, block_type: str, prop: _JsonProperty) -> bool:
        if block_type in _ATTRIBUTE_ONLY_BODIES or prop.name in _MAP_ARGUMENTS:
            return False
        value = prop.value
        if block_type == "variable":
            return prop.name == "validation"
        if block_type == "terraform":
            return value.is_object
        if block_type == "required_providers":
            return False
        if value.is_object:
            return True
        return (
            isinstance(value.value, list)
            and bool(value.value)
            and all(isinstance(v, _JsonValue) and v.is_object for v in value.value)
        )

    def attribute(self, prop: _JsonProperty) -> Attribute:
        return Attribute(prop.name, self.expression(prop.value), prop.line, prop.value.end_line)

    def expression(self, value: _JsonValue) -> Expr:
        if value.is_object:
            items: list[tuple[Expr, Expr]] = []
            for prop in value.value:  # type: ignore[union-attr, attr-defined]
                key: Expr = self.parse_template(prop.name, prop.line) if "{" in prop.name else Literal(prop.name, prop.line)
                items.append((key, self.expression(prop.value)))
            return ObjectExpr(tuple(items), value.line)
        if isinstance(value.value, list):
            return TupleExpr(tuple(self.expression(v) for v in value.value), value.line)  # type: ignore[arg-type]
        if isinstance(value.value, str):
            return self.parse_template(value.value, value.line)
        return Literal(value.value, value.line)  # type: ignore[arg-type]


def parse_terraform_json(text: str, path: str, parse_template: TemplateParser) -> HclFile:
    """Parse a ``.tf.json`` document; ``parse_template`` parses ``${...}`` strings."""
    reader = _LineTrackingJsonReader(text.lstrip("\ufeff"))
    document = reader.read_document()
    converter = _TerraformJsonConverter(parse_template)
    try:
        body = converter.top_level(document)
    except RecursionError:
        raise HclSyntaxError("JSON nested too deeply") from None
    return HclFile(path, body, tuple(sorted(converter.comments, key=lambda c: c.line)))
