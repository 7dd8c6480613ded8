"""sovlint's own HCL syntax tree.

Every HCL backend (python-hcl2 today, tree-sitter-hcl as the ``fast`` extra)
produces these frozen nodes; the Terraform evaluator and normaliser only ever
see them. They are plain data (picklable) so that parsed files can be cached and
sent between worker processes.

Lines are 1-based. Every expression node carries the line it starts on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True, slots=True)
class Literal:
    """A number, bool, null, or a string with no interpolation."""

    value: str | int | float | bool | None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Template:
    """A quoted string or heredoc with interpolations/directives.

    ``parts`` holds plain strings and expressions, in order; ``%{if}`` and
    ``%{for}`` directives appear as ``TemplateIf``/``TemplateFor`` parts.
    """

    parts: tuple[Union[str, "Expr"], ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class TemplateIf:
    """``%{ if cond }then%{ else }else%{ endif }`` inside a template."""

    cond: "Expr"
    then: Template
    else_: Template | None
    line: int = 0


@dataclass(frozen=True, slots=True)
class TemplateFor:
    """``%{ for k, v in coll }body%{ endfor }`` inside a template."""

    key_var: str | None
    value_var: str
    collection: "Expr"
    body: Template
    line: int = 0


@dataclass(frozen=True, slots=True)
class Variable:
    """A bare name: ``var``, ``local``, ``aws_s3_bucket``, ``each``, a for-variable."""

    name: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class GetAttr:
    """``obj.name``."""

    obj: "Expr"
    name: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Index:
    """``obj[key]`` (also the legacy ``obj.0``)."""

    obj: "Expr"
    key: "Expr"
    line: int = 0


@dataclass(frozen=True, slots=True)
class Splat:
    """``obj[*].a.b`` (full) or ``obj.*.a`` (attribute-only); ``each`` applies to every element."""

    obj: "Expr"
    each: tuple[Union[str, "Expr"], ...]  # attribute names (str) or index expressions
    full: bool = True
    line: int = 0


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; ``expand_final`` is the ``...`` after the last argument."""

    name: str
    args: tuple["Expr", ...]
    expand_final: bool = False
    line: int = 0


@dataclass(frozen=True, slots=True)
class Conditional:
    """``cond ? then : else_``."""

    cond: "Expr"
    then: "Expr"
    else_: "Expr"
    line: int = 0


@dataclass(frozen=True, slots=True)
class BinaryOp:
    """``left op right`` with op one of ``+ - * / % == != < <= > >= && ||``."""

    op: str
    left: "Expr"
    right: "Expr"
    line: int = 0


@dataclass(frozen=True, slots=True)
class UnaryOp:
    """``-x`` or ``!x``."""

    op: str
    operand: "Expr"
    line: int = 0


@dataclass(frozen=True, slots=True)
class TupleExpr:
    """``[a, b, c]``."""

    items: tuple["Expr", ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class ObjectExpr:
    """``{ key = value, ... }``; a bare-identifier key is a ``Literal`` string."""

    items: tuple[tuple["Expr", "Expr"], ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class ForExpr:
    """``[for k, v in coll : value if cond]`` or ``{for k, v in coll : key => value...}``."""

    key_var: str | None
    value_var: str
    collection: "Expr"
    key: "Expr | None"  # set for object results
    value: "Expr"
    cond: "Expr | None"
    grouping: bool = False  # the ``...`` of object for-expressions
    line: int = 0


@dataclass(frozen=True, slots=True)
class Parens:
    """``(expr)``; kept so that rendering round-trips."""

    expr: "Expr"
    line: int = 0


Expr = Union[
    Literal,
    Template,
    TemplateIf,
    TemplateFor,
    Variable,
    GetAttr,
    Index,
    Splat,
    Call,
    Conditional,
    BinaryOp,
    UnaryOp,
    TupleExpr,
    ObjectExpr,
    ForExpr,
    Parens,
]


@dataclass(frozen=True, slots=True)
class Attribute:
    """``name = expr`` inside a body."""

    name: str
    expr: Expr
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Block:
    """``type "label" ... { body }``."""

    type: str
    labels: tuple[str, ...]
    body: "Body"
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Body:
    """Attributes (in source order; names are unique in valid HCL) and nested blocks."""

    attributes: tuple[Attribute, ...]
    blocks: tuple[Block, ...]

    def attribute(self, name: str) -> Attribute | None:
        """The attribute called ``name``, if any."""
        for attr in self.attributes:
            if attr.name == name:
                return attr
        return None

    def blocks_of(self, type_: str) -> tuple[Block, ...]:
        """Nested blocks of one type, in source order."""
        return tuple(b for b in self.blocks if b.type == type_)


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment with the line it starts on (text without the ``#``, ``//`` or ``/* */``)."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class HclFile:
    """A parsed ``.tf``/``.tfvars``/``.tf.json`` file."""

    path: str
    body: Body
    comments: tuple[Comment, ...]


class HclSyntaxError(Exception):
    """A file that no backend can parse; carries the line (1-based) where it failed."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
