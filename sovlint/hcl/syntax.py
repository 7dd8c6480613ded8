"""sovlint's own HCL syntax tree.

Every HCL backend (python-hcl2 today, tree-sitter-hcl as the ``fast`` extra)
produces these frozen nodes; the Terraform evaluator and normaliser only ever
see them. They are plain data (records, pickled as constructor calls) so that
parsed files can be cached and sent between worker processes.

Lines are 1-based. Every expression node carries the line it starts on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Union

from sovlint.records import Record


@dataclass(frozen=True, slots=True)
class Literal(Record):
    """A number, bool, null, or a string with no interpolation."""

    value: str | int | float | bool | None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Template(Record):
    """A quoted string or heredoc with interpolations/directives.

    ``parts`` holds plain strings and expressions, in order; ``%{if}`` and
    ``%{for}`` directives appear as ``TemplateIf``/``TemplateFor`` parts.
    """

    parts: tuple[Union[str, "Expr"], ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class TemplateIf(Record):
    """``%{ if cond }then%{ else }else%{ endif }`` inside a template."""

    cond: "Expr"
    then: Template
    else_: Template | None
    line: int = 0


@dataclass(frozen=True, slots=True)
class TemplateFor(Record):
    """``%{ for k, v in coll }body%{ endfor }`` inside a template."""

    key_var: str | None
    value_var: str
    collection: "Expr"
    body: Template
    line: int = 0


@dataclass(frozen=True, slots=True)
class Variable(Record):
    """A bare name: ``var``, ``local``, ``aws_s3_bucket``, ``each``, a for-variable."""

    name: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class GetAttr(Record):
    """``obj.name``."""

    obj: "Expr"
    name: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Index(Record):
    """``obj[key]`` (also the legacy ``obj.0``)."""

    obj: "Expr"
    key: "Expr"
    line: int = 0


@dataclass(frozen=True, slots=True)
class Splat(Record):
    """``obj[*].a.b`` (full) or ``obj.*.a`` (attribute-only); ``each`` applies to every element."""

    obj: "Expr"
    each: tuple[Union[str, "Expr"], ...]  # attribute names (str) or index expressions
    full: bool = True
    line: int = 0


@dataclass(frozen=True, slots=True)
class Call(Record):
    """A function call; ``expand_final`` is the ``...`` after the last argument."""

    name: str
    args: tuple["Expr", ...]
    expand_final: bool = False
    line: int = 0


@dataclass(frozen=True, slots=True)
class Conditional(Record):
    """``cond ? then : else_``."""

    cond: "Expr"
    then: "Expr"
    else_: "Expr"
    line: int = 0


@dataclass(frozen=True, slots=True)
class BinaryOp(Record):
    """``left op right`` with op one of ``+ - * / % == != < <= > >= && ||``."""

    op: str
    left: "Expr"
    right: "Expr"
    line: int = 0


@dataclass(frozen=True, slots=True)
class UnaryOp(Record):
    """``-x`` or ``!x``."""

    op: str
    operand: "Expr"
    line: int = 0


@dataclass(frozen=True, slots=True)
class TupleExpr(Record):
    """``[a, b, c]``."""

    items: tuple["Expr", ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class ObjectExpr(Record):
    """``{ key = value, ... }``; a bare-identifier key is a ``Literal`` string."""

    items: tuple[tuple["Expr", "Expr"], ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class ForExpr(Record):
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
class Parens(Record):
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


#: A call of this name stands for an expression whose deferred tree could not be built
#: (the evaluator makes it unknown, with the first argument as the reason).
UNREADABLE_CALL = "sovlint::unreadable"

#: How a deferred expression is built: (parse function, source text, line it starts on).
DeferredSource = tuple[Callable[[str, int], Expr], str, int]


class Attribute(Record):
    """``name = expr`` inside a body.

    A backend may give the expression's source instead of its tree
    (:meth:`deferred`): the tree is then built on first use of :attr:`expr`,
    so that the arguments nothing reads (descriptions, tags of resources no
    rule matches, ...) are never converted, and a cached file keeps the source,
    which is smaller than the tree. Equal attributes have equal trees.
    """

    __slots__ = ("name", "line", "end_line", "_expr", "_source")

    def __init__(self, name: str, expr: Expr, line: int, end_line: int) -> None:
        self.name = name
        self.line = line
        self.end_line = end_line
        self._expr: Expr | None = expr
        self._source: DeferredSource | None = None

    @classmethod
    def deferred(cls, name: str, source: DeferredSource, line: int, end_line: int) -> "Attribute":
        """An attribute whose expression is parsed from ``source`` when first used."""
        attr = cls.__new__(cls)
        attr.name, attr.line, attr.end_line = name, line, end_line
        attr._expr, attr._source = None, source
        return attr

    @property
    def expr(self) -> Expr:
        """The expression (built now if it was deferred)."""
        if self._expr is None:
            assert self._source is not None
            parse, text, line = self._source
            try:
                self._expr = parse(text, line)
            except HclSyntaxError as exc:  # e.g. nested too deeply to convert
                self._expr = Call(UNREADABLE_CALL, (Literal(exc.message, line),), False, line)
        return self._expr

    def source_may_contain(self, needle: str) -> bool:
        """Whether the expression's source may contain ``needle`` (cheap for a deferred one)."""
        return self._source is None or needle in self._source[1]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Attribute):
            return NotImplemented
        return (self.name, self.line, self.end_line, self.expr) == (other.name, other.line, other.end_line, other.expr)

    def __hash__(self) -> int:
        return hash((self.name, self.line, self.end_line))

    def __repr__(self) -> str:
        return f"Attribute(name={self.name!r}, expr={self.expr!r}, line={self.line}, end_line={self.end_line})"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        if self._source is not None:
            return Attribute.deferred, (self.name, self._source, self.line, self.end_line)
        return Attribute, (self.name, self.expr, self.line, self.end_line)


#: How a deferred block body is built: (parse function, source text, line it starts on).
DeferredBody = tuple[Callable[[str, int], "Body"], str, int]


class Block(Record):
    """``type "label" ... { body }``.

    Like an attribute's expression, a block's body may be deferred by the
    backend (:meth:`deferred`) and built from its source on first use of
    :attr:`body`: most ``variable`` and ``output`` blocks are never read.
    """

    __slots__ = ("type", "labels", "line", "end_line", "_body", "_source")

    def __init__(self, type: str, labels: tuple[str, ...], body: "Body", line: int, end_line: int) -> None:
        self.type = type
        self.labels = labels
        self.line = line
        self.end_line = end_line
        self._body: Body | None = body
        self._source: DeferredBody | None = None

    @classmethod
    def deferred(cls, type: str, labels: tuple[str, ...], source: DeferredBody, line: int,
                 end_line: int) -> "Block":
        """A block whose body is parsed from ``source`` when first used."""
        block = cls.__new__(cls)
        block.type, block.labels, block.line, block.end_line = type, labels, line, end_line
        block._body, block._source = None, source
        return block

    @property
    def body(self) -> "Body":
        """The body (built now if it was deferred)."""
        if self._body is None:
            assert self._source is not None
            parse, text, line = self._source
            self._body = parse(text, line)
        return self._body

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Block):
            return NotImplemented
        return ((self.type, self.labels, self.line, self.end_line, self.body)
                == (other.type, other.labels, other.line, other.end_line, other.body))

    def __hash__(self) -> int:
        return hash((self.type, self.labels, self.line, self.end_line))

    def __repr__(self) -> str:
        return (f"Block(type={self.type!r}, labels={self.labels!r}, body={self.body!r}, "
                f"line={self.line}, end_line={self.end_line})")

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        if self._source is not None:
            return Block.deferred, (self.type, self.labels, self._source, self.line, self.end_line)
        return Block, (self.type, self.labels, self.body, self.line, self.end_line)


@dataclass(frozen=True, slots=True)
class Body(Record):
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
class Comment(Record):
    """A comment with the line it starts on (text without the ``#``, ``//`` or ``/* */``)."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class HclFile(Record):
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
