"""HCL source text for an expression of sovlint's syntax tree.

Used in messages ("region = var.region was not resolved"). The output is on
one line; heredocs come back as quoted strings. Parsing the output and
rendering again gives the same text. Parentheses are added where an operand
would otherwise bind differently (only possible for trees built by hand).
"""

from __future__ import annotations

import math
import re
from typing import Union

from sovlint.hcl.syntax import (
    BinaryOp,
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    Literal,
    ObjectExpr,
    Parens,
    Splat,
    Template,
    TemplateFor,
    TemplateIf,
    TupleExpr,
    UnaryOp,
    Variable,
)

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")

# Binding strength of binary operators (higher binds tighter), as in HCL.
BINARY_PRECEDENCE = {
    "||": 1,
    "&&": 2,
    "==": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
}
_UNARY_PRECEDENCE = 7
_TERM_PRECEDENCE = 8


def render(expr: Expr) -> str:
    """HCL source text for ``expr`` (one line)."""
    return _render(expr)


def render_string_literal(value: str) -> str:
    """A quoted HCL string for ``value`` (escapes ``"``, ``\\``, control characters, ``${``, ``%{``)."""
    return '"' + _escape_template_text(value) + '"'


def _escape_template_text(text: str) -> str:
    out: list[str] = []
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    escaped = "".join(out)
    return escaped.replace("${", "$${").replace("%{", "%%{")


def _precedence(expr: Expr) -> int:
    if isinstance(expr, Conditional):
        return 0
    if isinstance(expr, BinaryOp):
        return BINARY_PRECEDENCE.get(expr.op, 1)
    if isinstance(expr, UnaryOp):
        return _UNARY_PRECEDENCE
    if isinstance(expr, Literal) and isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool):
        if expr.value < 0:
            return _UNARY_PRECEDENCE
    return _TERM_PRECEDENCE


def _wrap(expr: Expr, minimum: int) -> str:
    """Render ``expr``, in parentheses when it binds less tightly than ``minimum``."""
    text = _render(expr)
    return f"({text})" if _precedence(expr) < minimum else text


def _render_number(value: Union[int, float]) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "1e999" if value > 0 else "-1e999"
    if math.isnan(value):
        return "(0/0)"
    text = repr(value)
    return text


def _render_literal(expr: Literal) -> str:
    value = expr.value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return render_string_literal(value)
    return _render_number(value)


def _render_template_parts(parts: tuple) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(_escape_template_text(part))
        elif isinstance(part, TemplateIf):
            out.append("%{ if " + _render(part.cond) + " }")
            out.append(_render_template_parts(part.then.parts))
            if part.else_ is not None:
                out.append("%{ else }")
                out.append(_render_template_parts(part.else_.parts))
            out.append("%{ endif }")
        elif isinstance(part, TemplateFor):
            names = f"{part.key_var}, {part.value_var}" if part.key_var else part.value_var
            out.append("%{ for " + names + " in " + _render(part.collection) + " }")
            out.append(_render_template_parts(part.body.parts))
            out.append("%{ endfor }")
        else:
            out.append("${" + _render(part) + "}")
    return "".join(out)


def _render_object_key(key: Expr) -> str:
    if isinstance(key, Literal) and isinstance(key.value, str) and _IDENTIFIER.match(key.value):
        if key.value not in ("true", "false", "null"):
            return key.value
    if isinstance(key, (Variable, GetAttr)):
        return f"({_render(key)})"
    return _render(key)


def _render_traversal_step(step: Union[str, Expr], attribute_only: bool) -> str:
    if isinstance(step, str):
        return "." + step
    if attribute_only and isinstance(step, Literal) and isinstance(step.value, int) and not isinstance(step.value, bool):
        return f".{step.value}"
    return f"[{_render(step)}]"


def _render(expr: Expr) -> str:
    if isinstance(expr, Literal):
        return _render_literal(expr)
    if isinstance(expr, Template):
        return '"' + _render_template_parts(expr.parts) + '"'
    if isinstance(expr, (TemplateIf, TemplateFor)):
        return '"' + _render_template_parts((expr,)) + '"'
    if isinstance(expr, Variable):
        return expr.name
    if isinstance(expr, GetAttr):
        return _wrap(expr.obj, _TERM_PRECEDENCE) + "." + expr.name
    if isinstance(expr, Index):
        return _wrap(expr.obj, _TERM_PRECEDENCE) + "[" + _render(expr.key) + "]"
    if isinstance(expr, Splat):
        head = _wrap(expr.obj, _TERM_PRECEDENCE) + ("[*]" if expr.full else ".*")
        return head + "".join(_render_traversal_step(step, not expr.full) for step in expr.each)
    if isinstance(expr, Call):
        args = ", ".join(_render(arg) for arg in expr.args)
        return f"{expr.name}({args}{'...' if expr.expand_final else ''})"
    if isinstance(expr, Conditional):
        return f"{_wrap(expr.cond, 1)} ? {_render(expr.then)} : {_render(expr.else_)}"
    if isinstance(expr, BinaryOp):
        level = BINARY_PRECEDENCE.get(expr.op, 1)
        return f"{_wrap(expr.left, level)} {expr.op} {_wrap(expr.right, level + 1)}"
    if isinstance(expr, UnaryOp):
        return expr.op + _wrap(expr.operand, _TERM_PRECEDENCE)
    if isinstance(expr, TupleExpr):
        return "[" + ", ".join(_render(item) for item in expr.items) + "]"
    if isinstance(expr, ObjectExpr):
        if not expr.items:
            return "{}"
        body = ", ".join(f"{_render_object_key(k)} = {_render(v)}" for k, v in expr.items)
        return "{ " + body + " }"
    if isinstance(expr, ForExpr):
        names = f"{expr.key_var}, {expr.value_var}" if expr.key_var else expr.value_var
        intro = f"for {names} in {_render(expr.collection)} : "
        cond = f" if {_render(expr.cond)}" if expr.cond is not None else ""
        if expr.key is None:
            return "[" + intro + _render(expr.value) + cond + "]"
        grouping = "..." if expr.grouping else ""
        return "{" + intro + _render(expr.key) + " => " + _render(expr.value) + grouping + cond + "}"
    if isinstance(expr, Parens):
        return "(" + _render(expr.expr) + ")"
    raise TypeError(f"not an expression: {expr!r}")
