"""Evaluation of HCL expressions to Terraform values (see :mod:`sovlint.terraform.values`).

Values that cannot be known (unset variables, resource attributes, file
reads...) are :class:`Unknown`; an operation on an unknown gives the innermost
unknown unchanged, except where Terraform can answer anyway (``try``, ``can``,
``coalesce`` with a known first argument, a conditional with a known
condition, ``length`` of a list holding unknowns, ``false && x``...).

Work is bounded: each top-level :func:`evaluate` call (including nested
evaluations it triggers, such as lazily evaluated locals) may visit at most
``STEP_BUDGET`` nodes and nest ``MAX_DEPTH`` levels deep; beyond that the
result is :class:`Unknown`, never a hang or a ``RecursionError``. Memory is
bounded before it is used: a function or template that would build a value
past the limits of :mod:`sovlint.terraform.values` (one string, one
collection, everything one root module builds: ``allowance``) raises
``ValueTooLarge`` before building it, and the value is :class:`Unknown`
saying so.
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, Union

from sovlint.hcl.render import render
from sovlint.hcl.syntax import (
    UNREADABLE_CALL,
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
from sovlint.terraform.functions import FUNCTIONS, TerraformFunction
from sovlint.terraform.values import (
    EvaluationError,
    OpenMapping,
    Unknown,
    ValueTooLarge,
    check_size,
    close_allowance,
    first_unknown,
    format_number,
    is_number,
    limit_string,
    normalize_number,
    open_allowance,
    reserve_items,
    reserve_string,
    to_bool,
    to_number,
    to_string,
    type_name,
    values_equal,
)

STEP_BUDGET = 200_000
MAX_DEPTH = 150


class Scope(Protocol):
    """Where root names (``var``, ``local``, ``each``, a resource type...) get their values."""

    def lookup(self, name: str, line: int) -> object:
        """The value of root name ``name`` (an :class:`Unknown` when it is not known)."""
        ...


@dataclass(frozen=True)
class MappingScope:
    """A scope over a fixed mapping of root names; other names are unknown."""

    roots: Mapping[str, object] = field(default_factory=dict)

    def lookup(self, name: str, line: int) -> object:
        """The value of ``name``, or an :class:`Unknown`."""
        if name in self.roots:
            return self.roots[name]
        return Unknown(f"{name} is not known")


@dataclass(frozen=True)
class ChildScope:
    """A scope adding for-expression variables on top of ``parent``."""

    parent: Scope
    variables: Mapping[str, object]

    def lookup(self, name: str, line: int) -> object:
        """The for-variable ``name`` or the parent's value for it."""
        if name in self.variables:
            return self.variables[name]
        return self.parent.lookup(name, line)


class _BudgetExceeded(Exception):
    """Raised through the evaluation when a bound is hit; becomes an :class:`Unknown`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Budget:
    """Work done by the outermost :func:`evaluate` call and the evaluations it triggers."""

    steps: int = 0
    depth: int = 0


_ACTIVE_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("sovlint_budget", default=None)


def evaluate(expr: Expr, scope: Scope, functions: Mapping[str, TerraformFunction] | None = None) -> object:
    """The value of ``expr``; raises :class:`EvaluationError` where Terraform would fail.

    ``functions`` replaces the built-in function table (:data:`FUNCTIONS`).
    """
    table = FUNCTIONS if functions is None else functions
    budget = _ACTIVE_BUDGET.get()
    if budget is not None:  # inside another evaluation (a local, a variable): its budget
        return _Evaluator(table, budget).eval(expr, scope)
    budget = _Budget()
    token = _ACTIVE_BUDGET.set(budget)
    # what it builds draws on the caller's allowance (a whole root module's), else its own
    own = open_allowance()
    try:
        return _Evaluator(table, budget).eval(expr, scope)
    except (_BudgetExceeded, ValueTooLarge) as exc:
        return Unknown(exc.reason, _safe_render(expr))
    except RecursionError:
        return Unknown("expression nested too deeply", _safe_render(expr))
    finally:
        if own is not None:
            close_allowance(own)
        _ACTIVE_BUDGET.reset(token)


def evaluate_or_unknown(expr: Expr, scope: Scope, functions: Mapping[str, TerraformFunction] | None = None) -> object:
    """Like :func:`evaluate`, with Terraform errors turned into :class:`Unknown` (reason: the message)."""
    try:
        return evaluate(expr, scope, functions)
    except EvaluationError as exc:
        return Unknown(exc.message, _safe_render(expr))


def _safe_render(expr: Expr) -> str:
    try:
        return render(expr)
    except RecursionError:
        return "<expression too deep to show>"


def _with_expr(value: object, expr: Expr) -> object:
    """Attach the source of ``expr`` to an :class:`Unknown` that has none."""
    if isinstance(value, Unknown) and not value.expr:
        return Unknown(value.reason, _safe_render(expr))
    return value


#: ``eval_<Node>`` method of each syntax-tree node class, found once.
_METHODS: dict[type, Callable[..., object]] = {}


class _Evaluator:
    """Evaluates one expression tree against a scope."""

    def __init__(self, functions: Mapping[str, TerraformFunction], budget: _Budget):
        self.functions = functions
        self.budget = budget

    def step(self) -> None:
        """Count one step of work against the budget."""
        self.budget.steps += 1
        if self.budget.steps > STEP_BUDGET:
            raise _BudgetExceeded("evaluation budget exceeded")

    def eval(self, expr: Expr, scope: Scope) -> object:
        budget = self.budget
        budget.steps += 1
        if budget.steps > STEP_BUDGET:
            raise _BudgetExceeded("evaluation budget exceeded")
        budget.depth += 1
        try:
            if budget.depth > MAX_DEPTH:
                raise _BudgetExceeded("expression nested too deeply")
            method = _METHODS.get(type(expr))
            if method is None:
                method = _METHODS[type(expr)] = getattr(_Evaluator, "eval_" + type(expr).__name__)
            return check_size(method(self, expr, scope))
        finally:
            budget.depth -= 1

    # -- leaves --------------------------------------------------------------------

    def eval_Literal(self, expr: Literal, scope: Scope) -> object:
        value = expr.value
        if isinstance(value, float):
            return normalize_number(value)
        return value

    def eval_Variable(self, expr: Variable, scope: Scope) -> object:
        return _with_expr(scope.lookup(expr.name, expr.line), expr)

    def eval_Parens(self, expr: Parens, scope: Scope) -> object:
        return self.eval(expr.expr, scope)

    # -- templates -----------------------------------------------------------------

    def eval_Template(self, expr: Template, scope: Scope) -> object:
        if len(expr.parts) == 1 and not isinstance(expr.parts[0], (str, TemplateIf, TemplateFor)):
            return self.eval(expr.parts[0], scope)  # "${x}" is x itself
        pieces: list[str] = []
        unknown = self.render_parts(expr.parts, scope, pieces, [0])
        if unknown is not None:
            return unknown
        reserve_string(sum(len(p) for p in pieces), "a string template")
        return "".join(pieces)

    def render_parts(self, parts: tuple, scope: Scope, out: list[str], size: list[int]) -> Unknown | None:
        """Append the text of template ``parts`` to ``out``; an :class:`Unknown` if one is met."""
        for part in parts:
            if isinstance(part, str):
                size[0] += len(part)
                limit_string(size[0], "a string template")
                out.append(part)
                continue
            if isinstance(part, TemplateIf):
                cond = self.eval(part.cond, scope)
                if isinstance(cond, Unknown):
                    return cond
                chosen = part.then if self.condition(cond, "template if") else part.else_
                if chosen is not None:
                    unknown = self.render_parts(chosen.parts, scope, out, size)
                    if unknown is not None:
                        return unknown
                continue
            if isinstance(part, TemplateFor):
                collection = self.eval(part.collection, scope)
                if isinstance(collection, Unknown):
                    return collection
                for key, value in self.iterate(collection, "template for"):
                    self.step()  # an iteration costs work even when its body is only text
                    names = {part.value_var: value}
                    if part.key_var:
                        names[part.key_var] = key
                    unknown = self.render_parts(part.body.parts, ChildScope(scope, names), out, size)
                    if unknown is not None:
                        return unknown
                continue
            value = self.eval(part, scope)
            if isinstance(value, Unknown):
                return value
            if value is None:
                raise EvaluationError(f"Invalid template interpolation value: the expression result ({_safe_render(part)}) is null")
            if isinstance(value, (list, Mapping)):
                raise EvaluationError(f"Invalid template interpolation value: cannot include a {type_name(value)} in a string template")
            text = to_string(value)
            size[0] += len(text)
            limit_string(size[0], "a string template")  # measured as it grows, joined once
            out.append(text)
        return None

    # -- traversals ------------------------------------------------------------------

    def eval_GetAttr(self, expr: GetAttr, scope: Scope) -> object:
        obj = self.eval(expr.obj, scope)
        return _with_expr(self.get_attr(obj, expr.name), expr)

    def get_attr(self, obj: object, name: str) -> object:
        if isinstance(obj, Unknown):
            return obj
        if isinstance(obj, OpenMapping):
            return obj[name] if name in obj else obj.missing(name)
        if isinstance(obj, Mapping):
            if name in obj:
                return obj[name]
            raise EvaluationError(f'Unsupported attribute: this object does not have an attribute named "{name}"')
        if obj is None:
            raise EvaluationError(f'Attempt to get attribute "{name}" from null value')
        raise EvaluationError(f'Unsupported attribute "{name}": a {type_name(obj)} does not have attributes')

    def eval_Index(self, expr: Index, scope: Scope) -> object:
        obj = self.eval(expr.obj, scope)
        key = self.eval(expr.key, scope)
        return _with_expr(self.index(obj, key), expr)

    def index(self, obj: object, key: object) -> object:
        if isinstance(obj, Unknown):
            return obj
        if isinstance(key, Unknown):
            return key
        if key is None:
            raise EvaluationError("Invalid index: can't use a null value as an indexing key")
        if isinstance(obj, list):
            if isinstance(key, (list, Mapping)) or isinstance(key, bool):
                raise EvaluationError(f"Invalid index: a number is required, got {type_name(key)}")
            number = to_number(key)
            if isinstance(number, float) and not number.is_integer():
                raise EvaluationError("Invalid index: the given key must be a whole number")
            position = int(number)
            if position < 0 or position >= len(obj):
                raise EvaluationError("Invalid index: the given key does not identify an element in this collection value")
            return obj[position]
        if isinstance(obj, Mapping):
            if isinstance(key, (list, Mapping)):
                raise EvaluationError(f"Invalid index: a string is required, got {type_name(key)}")
            name = to_string(key)
            if name in obj:
                return obj[name]
            if isinstance(obj, OpenMapping):
                return obj.missing(name)
            raise EvaluationError(f'Invalid index: the given key "{name}" does not identify an element in this collection value')
        if obj is None:
            raise EvaluationError("Attempt to index null value")
        raise EvaluationError(f"Invalid index: a {type_name(obj)} value cannot be indexed")

    def eval_Splat(self, expr: Splat, scope: Scope) -> object:
        obj = self.eval(expr.obj, scope)
        if isinstance(obj, Unknown):
            return obj
        if obj is None:
            return []
        elements = obj if isinstance(obj, list) else [obj]
        reserve_items(len(elements), "a splat expression")
        keys = [step if isinstance(step, str) else self.eval(step, scope) for step in expr.each]
        results = []
        for element in elements:
            value = element
            for step, key in zip(expr.each, keys):
                value = self.get_attr(value, step) if isinstance(step, str) else self.index(value, key)
            results.append(_with_expr(value, expr))
        return results

    # -- calls -------------------------------------------------------------------------

    def eval_Call(self, expr: Call, scope: Scope) -> object:
        name = expr.name
        if name == "try":
            return self.call_try(expr, scope)
        if name == "can":
            return self.call_can(expr, scope)
        if name == UNREADABLE_CALL and expr.args and isinstance(expr.args[0], Literal):
            return Unknown(str(expr.args[0].value), "")
        if "::" in name:
            return Unknown(f"provider function {name}() is not evaluated", _safe_render(expr))
        function = self.functions.get(name)
        if function is None:
            return Unknown(f"function {name}() is not known", _safe_render(expr))
        args = [self.eval(arg, scope) for arg in expr.args]
        if expr.expand_final:
            if not args:
                raise EvaluationError(f"{name}: missing argument before ...")
            final = args.pop()
            if isinstance(final, Unknown):
                return final
            if not isinstance(final, list):
                raise EvaluationError(f"{name}: the final argument before ... must be a list, got {type_name(final)}")
            args.extend(final)
        if len(args) < function.min_args or (function.max_args is not None and len(args) > function.max_args):
            raise EvaluationError(f"Invalid number of arguments for {name}(): got {len(args)}")
        if not function.accepts_unknown:
            for arg in args:
                unknown = first_unknown(arg)
                if unknown is not None:
                    return _with_expr(unknown, expr)
        try:
            result = function.implementation(*args)
        except EvaluationError:
            raise
        except (TypeError, ValueError, OverflowError, ZeroDivisionError, IndexError, KeyError) as exc:
            raise EvaluationError(f"Error in function call {name}(): {exc}") from None
        return _with_expr(result, expr)

    def call_try(self, expr: Call, scope: Scope) -> object:
        if not expr.args:
            raise EvaluationError("try: at least one argument is required")
        for arg in expr.args:
            try:
                value = self.eval(arg, scope)
            except EvaluationError:
                continue
            return value
        raise EvaluationError("try: no expression succeeded")

    def call_can(self, expr: Call, scope: Scope) -> object:
        if len(expr.args) != 1:
            raise EvaluationError("can: exactly one argument is required")
        try:
            value = self.eval(expr.args[0], scope)
        except EvaluationError:
            return False
        unknown = first_unknown(value)
        return unknown if unknown is not None else True

    # -- operators -----------------------------------------------------------------------

    def condition(self, value: object, what: str) -> bool:
        if value is None:
            raise EvaluationError(f"Invalid {what} condition: the condition value is null")
        try:
            return to_bool(value)
        except EvaluationError:
            raise EvaluationError(f"Invalid {what} condition: a bool is required, got {type_name(value)}") from None

    def eval_Conditional(self, expr: Conditional, scope: Scope) -> object:
        cond = self.eval(expr.cond, scope)
        if isinstance(cond, Unknown):
            return cond
        chosen, other = (expr.then, expr.else_) if self.condition(cond, "conditional") else (expr.else_, expr.then)
        value = self.eval(chosen, scope)
        try:
            other_value = self.eval(other, scope)
        except EvaluationError:
            return value
        return _unify_with(value, other_value)

    def eval_UnaryOp(self, expr: UnaryOp, scope: Scope) -> object:
        value = self.eval(expr.operand, scope)
        if isinstance(value, Unknown):
            return value
        if expr.op == "!":
            return not self.operand_bool(value, "!")
        return normalize_number(-self.operand_number(value, "-"))

    def operand_number(self, value: object, op: str) -> int | float:
        if value is None:
            raise EvaluationError(f"Invalid operand for {op}: a number is required, got null")
        if isinstance(value, bool) or isinstance(value, (list, Mapping)):
            raise EvaluationError(f"Invalid operand for {op}: a number is required, got {type_name(value)}")
        return to_number(value)

    def operand_bool(self, value: object, op: str) -> bool:
        if value is None:
            raise EvaluationError(f"Invalid operand for {op}: a bool is required, got null")
        try:
            return to_bool(value)
        except EvaluationError:
            raise EvaluationError(f"Invalid operand for {op}: a bool is required, got {type_name(value)}") from None

    def eval_BinaryOp(self, expr: BinaryOp, scope: Scope) -> object:
        op = expr.op
        left = self.eval(expr.left, scope)
        right = self.eval(expr.right, scope)
        if op in ("&&", "||"):
            return self.logical(op, left, right)
        if op in ("==", "!="):
            unknown = first_unknown(left) or first_unknown(right)
            if unknown is not None:
                return unknown
            equal = values_equal(left, right)
            return equal if op == "==" else not equal
        if isinstance(left, Unknown):
            return left
        if isinstance(right, Unknown):
            return right
        a, b = self.operand_number(left, op), self.operand_number(right, op)
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        if op == ">=":
            return a >= b
        return _arithmetic(op, a, b)

    def logical(self, op: str, left: object, right: object) -> object:
        known = [v for v in (left, right) if not isinstance(v, Unknown)]
        flags = [self.operand_bool(v, op) for v in known]
        if op == "&&" and False in flags:
            return False
        if op == "||" and True in flags:
            return True
        if isinstance(left, Unknown):
            return left
        if isinstance(right, Unknown):
            return right
        return all(flags) if op == "&&" else any(flags)

    # -- collections -------------------------------------------------------------------

    def eval_TupleExpr(self, expr: TupleExpr, scope: Scope) -> object:
        reserve_items(len(expr.items), "a tuple")
        return [self.eval(item, scope) for item in expr.items]

    def eval_ObjectExpr(self, expr: ObjectExpr, scope: Scope) -> object:
        result: dict[str, object] = {}
        for key_expr, value_expr in expr.items:
            if isinstance(key_expr, GetAttr):
                raise EvaluationError("Ambiguous attribute key: put a reference used as a key in parentheses")
            key = self.eval(key_expr, scope)
            if isinstance(key, Unknown):
                return key
            if key is None:
                raise EvaluationError("Invalid object key: the key expression produced a null value")
            if isinstance(key, (list, Mapping)):
                raise EvaluationError(f"Invalid object key: a string is required, got {type_name(key)}")
            result[to_string(key)] = self.eval(value_expr, scope)  # as Terraform: the last one wins
        return result

    def iterate(self, collection: object, what: str) -> list[tuple[object, object]]:
        """(key, value) pairs of a collection: list positions, or map keys in lexical order."""
        if isinstance(collection, Mapping):
            return [(key, collection[key]) for key in sorted(collection.keys())]
        if isinstance(collection, list):
            return list(enumerate(collection))
        if collection is None:
            raise EvaluationError(f"Iteration over null value in {what}")
        raise EvaluationError(f"Iteration over non-iterable value in {what}: a {type_name(collection)} cannot be iterated")

    def eval_ForExpr(self, expr: ForExpr, scope: Scope) -> object:
        collection = self.eval(expr.collection, scope)
        if isinstance(collection, Unknown):
            return collection
        if isinstance(collection, OpenMapping):
            return Unknown(f"the whole of {collection.name} is not known", _safe_render(expr.collection))
        items: list[object] = []
        keyed: dict[str, object] = {}
        pairs = self.iterate(collection, "for expression")
        reserve_items(len(pairs), "a for expression")
        for key, value in pairs:
            names = {expr.value_var: value}
            if expr.key_var:
                names[expr.key_var] = key
            inner = ChildScope(scope, names)
            if expr.cond is not None:
                keep = self.eval(expr.cond, inner)
                if isinstance(keep, Unknown):
                    return keep
                if not self.condition(keep, "for expression filter"):
                    continue
            if expr.key is None:
                items.append(self.eval(expr.value, inner))
                continue
            result_key = self.eval(expr.key, inner)
            if isinstance(result_key, Unknown):
                return result_key
            if result_key is None or isinstance(result_key, (list, Mapping)):
                raise EvaluationError(f"Invalid object key in for expression: a string is required, got {type_name(result_key)}")
            name = to_string(result_key)
            result_value = self.eval(expr.value, inner)
            if expr.grouping:
                group = keyed.setdefault(name, [])
                assert isinstance(group, list)
                group.append(result_value)
            elif name in keyed:
                raise EvaluationError(f'Duplicate object key "{name}" in for expression; use ... to group values')
            else:
                keyed[name] = result_value
        return items if expr.key is None else keyed


def _arithmetic(op: str, a: int | float, b: int | float) -> int | float:
    """``a op b`` for ``+ - * / %`` with Terraform's number rules."""
    try:
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif op == "/":
            if b == 0:
                if a == 0:
                    raise EvaluationError("Operation failed: can't divide zero by zero")
                return math.inf if a > 0 else -math.inf  # as Terraform: 1/0 is +Inf
            result = a // b if isinstance(a, int) and isinstance(b, int) and a % b == 0 else a / b
        elif op == "%":
            if b == 0:
                return a  # as Terraform: x % 0 is x
            if isinstance(a, int) and isinstance(b, int):
                result = int(math.copysign(abs(a) % abs(b), a)) if a % b else 0
            else:
                result = math.fmod(a, b)
        else:
            raise EvaluationError(f"unknown operator {op}")
    except OverflowError:
        raise EvaluationError("Operation failed: number out of range") from None
    return normalize_number(result)


def _unify_with(value: object, other: object) -> object:
    """``value`` converted to the type Terraform unifies it with ``other`` to (primitives only)."""
    if isinstance(value, Unknown) or isinstance(other, Unknown) or value is None or other is None:
        return value
    if isinstance(value, list) and isinstance(other, list):
        element_kinds = {type_name(v) for v in value + other if v is not None}
        if "string" in element_kinds and element_kinds <= {"string", "number", "bool"}:
            return [to_string(v) if v is not None else None for v in value]
        return value
    kinds = {type_name(value), type_name(other)}
    if kinds == {"string", "number"} or kinds == {"string", "bool"}:
        return to_string(value)
    if kinds == {"number", "bool"}:
        raise EvaluationError("Inconsistent conditional result types: number and bool")
    return value


Value = Union[str, int, float, bool, None, list, dict, Unknown]

__all__ = [
    "ChildScope",
    "EvaluationError",
    "MappingScope",
    "Scope",
    "Unknown",
    "evaluate",
    "evaluate_or_unknown",
    "format_number",
    "is_number",
]
