"""Unit tests of the expression evaluator (Terraform semantics checked against terraform in the differential test)."""

from __future__ import annotations

import pytest

from sovlint.hcl.hcl2_backend import parse_expression
from sovlint.terraform.evaluator import ChildScope, MappingScope, evaluate, evaluate_or_unknown
from sovlint.terraform.values import EvaluationError, LazyMapping, PartialMapping, Unknown

VARIABLES = PartialMapping("var", {"region": "eu-west-3", "zones": ["a", "b"], "tags": {"env": "prod"}, "nothing": None})


def make_scope(locals_source: dict[str, str] | None = None) -> MappingScope:
    roots: dict[str, object] = {"var": VARIABLES}
    if locals_source is not None:
        parsed = {name: parse_expression(text) for name, text in locals_source.items()}

        def compute(name: str) -> object:
            return evaluate_or_unknown(parsed[name], scope)

        roots["local"] = LazyMapping("local", list(parsed), compute)
    scope = MappingScope(roots)
    return scope


def ev(source: str, scope: MappingScope | None = None) -> object:
    return evaluate(parse_expression(source), scope or make_scope())


@pytest.mark.parametrize(
    "source, expected",
    [
        ('"1" + 1', 2),
        ("7 / 2", 3.5),
        ("6 / 2", 3),
        ("1.5 * 2", 3),
        ('true ? "a" : 1', "a"),
        ('false ? "a" : 1', "1"),
        ('"${1.5}/${10}"', "1.5/10"),
        ('"${true}"', True),
        ('"x${true}"', "xtrue"),
        ("tostring(true)", "true"),
        ("var.region", "eu-west-3"),
        ('var.tags["env"]', "prod"),
        ("var.zones[1]", "b"),
        ("var.zones[*]", ["a", "b"]),
        ('"${var.region}"', "eu-west-3"),
        ("[for k, v in {b = 1, a = 2} : k]", ["a", "b"]),
        ("{for s in [\"x\", \"y\", \"x\"] : s => 1...}", {"x": [1, 1], "y": [1]}),
        ("[for z in var.zones : upper(z) if z != \"a\"]", ["B"]),
        ('"%{ for z in var.zones }${z},%{ endfor }"', "a,b,"),
        ('"%{ if var.region == "eu-west-3" }eu%{ else }other%{ endif }"', "eu"),
        ("!true || 1 < 2 && \"x\" == \"x\"", True),
        ("-(-3)", 3),
        ("[{a = 1}, {a = 2}][*].a", [1, 2]),
        ("merge({a = 1}, {b = 2}, {a = 3})", {"a": 3, "b": 2}),
    ],
)
def test_values(source, expected):
    assert ev(source) == expected


def test_numbers_keep_int_when_integral():
    value = ev("2.0 * 3")
    assert value == 6 and isinstance(value, int)


def test_unknown_propagates_innermost_reason():
    value = ev('upper("x-${var.unset}")')
    assert value == Unknown("var.unset is not known", "var.unset")


@pytest.mark.parametrize(
    "source, expected",
    [
        ("length([var.unset, 1])", 2),
        ('coalesce("a", var.unset)', "a"),
        ('true ? "x" : var.unset', "x"),
        ("false && var.unset", False),
        ("true || var.unset", True),
        ('try(var.zones[5], "fallback")', "fallback"),
        ("can(var.zones[5])", False),
        ("can(var.zones[0])", True),
        ('lookup({a = var.unset, b = 2}, "b")', 2),
        ("keys({a = var.unset})", ["a"]),
    ],
)
def test_terraform_answers_despite_unknowns(source, expected):
    assert ev(source) == expected


@pytest.mark.parametrize(
    "source, reason",
    [
        ('file("x")', "function file() is not evaluated"),
        ("timestamp()", "function timestamp() is not evaluated"),
        ("nosuchfunction(1)", "function nosuchfunction() is not known"),
        ("provider::aws::arn_parse(\"x\")", "provider function provider::aws::arn_parse() is not evaluated"),
        ("aws_s3_bucket.b.region", "aws_s3_bucket is not known"),
        ("var.unset ? 1 : 2", "var.unset is not known"),
    ],
)
def test_unknowns(source, reason):
    value = ev(source)
    assert isinstance(value, Unknown) and value.reason == reason and value.expr


@pytest.mark.parametrize(
    "source",
    [
        '"a" + 1',
        "[1][3]",
        '{a = 1}["b"]',
        '"x${var.nothing}"',
        '"x${[1]}"',
        "0 / 0",
        "{a = 1}.b",
        "null.a",
        "element([], 0)",
        'lookup({}, "k")',
        "range(2000)",
        '"x" ? 1 : 2',
        "{for v in [1, 1] : v => v}",
    ],
)
def test_terraform_errors(source):
    with pytest.raises(EvaluationError):
        ev(source)


def test_evaluate_or_unknown_turns_errors_into_unknown():
    value = evaluate_or_unknown(parse_expression("[1][3]"), make_scope())
    assert isinstance(value, Unknown) and "Invalid index" in value.reason and value.expr == "[1][3]"


def test_locals_are_lazy_and_can_reference_each_other():
    scope = make_scope({"a": 'upper(local.b)', "b": '"${var.region}-x"', "broken": "local.nope"})
    assert ev("local.a", scope) == "EU-WEST-3-X"
    assert ev("local.missing", scope) == Unknown("local.missing is not known", "local.missing")


def test_local_cycle_is_unknown_with_the_chain():
    scope = make_scope({"a": "local.b", "b": "local.a"})
    value = ev("local.a", scope)
    assert isinstance(value, Unknown) and value.reason == "cycle: local.a -> local.b -> local.a"


def test_child_scope_for_variables():
    scope = ChildScope(make_scope(), {"each": {"key": "k", "value": "v"}})
    assert evaluate(parse_expression('"${each.key}=${each.value}"'), scope) == "k=v"


def test_step_budget_gives_unknown():
    # 1024 * 1024 element evaluations exceed the budget
    value = ev("length(flatten([for i in range(1024) : [for j in range(1024) : i * j]]))")
    assert isinstance(value, Unknown) and "budget" in value.reason


def test_deep_nesting_gives_unknown():
    source = "(" * 400 + "1" + ")" * 400
    try:
        expr = parse_expression(source)
    except Exception:
        pytest.skip("parser rejects the nesting already")
    value = evaluate(expr, make_scope())
    assert isinstance(value, Unknown) and "deep" in value.reason


def test_large_values_are_unknown():
    value = ev('join("", [for i in range(1024) : format("%010000d%010000d", i, i)]) == ""')
    assert isinstance(value, Unknown) and "too large" in value.reason
