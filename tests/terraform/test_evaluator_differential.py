"""Differential test: sovlint's evaluator against ``terraform console``.

Every expression of the generated table is evaluated by terraform in ONE
``terraform console`` run (all cases in a single object, each wrapped as
``try([expr], "ERROR")`` and the whole base64-encoded JSON), and by sovlint
with the same variables and locals (read from the same ``main.tf`` with
sovlint's own parser). A terraform error must be an ``EvaluationError`` in
sovlint; values are compared after JSON normalisation of numbers.
"""

from __future__ import annotations

import base64
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sovlint.hcl.hcl2_backend import parse_expression, parse_hcl
from sovlint.terraform.evaluator import MappingScope, evaluate, evaluate_or_unknown
from sovlint.terraform.values import EvaluationError, LazyMapping, PartialMapping, Unknown

MAIN_TF = """\
variable "region" {
  default = "eu-west-3"
}
variable "zones" {
  default = ["a", "b", "c"]
}
variable "tags" {
  default = { env = "prod", team = "data" }
}
variable "n" {
  default = 3
}
variable "enabled" {
  default = true
}
variable "nothing" {
  default = null
}
locals {
  prefix       = "${var.region}-x"
  upper_prefix = upper(local.prefix)
  zone_map     = { for z in var.zones : z => "${var.region}${z}" }
  numbers      = [1, 2.5, -3]
  nested       = { a = { b = [1, { c = "deep" }] } }
  chosen       = var.enabled ? local.prefix : "none"
  count_plus   = var.n + length(var.zones)
}
"""

STRINGS = ['""', '"abc"', '"Hello wORLD foo-bar"', '"a,b,,c"', '"  pad \\n"', '"1"', '"2.5"', '"true"', "var.region", "local.prefix"]
NUMBERS = ["0", "1", "-2", "2.5", "10", "var.n", "1e3", "0.1"]
BOOLS = ["true", "false", "var.enabled"]
LISTS = ["[]", '["a", "b"]', "[1, 2, 3]", "var.zones", '["b", "a", "b"]', "[[1, 2], [3]]", '[null, "x", ""]', "local.numbers"]
MAPS = ["{}", "{ a = 1, b = 2 }", "var.tags", "local.zone_map", '{ b = "x", a = "y" }']
NULLS = ["null", "var.nothing"]
ALL_VALUES = STRINGS + NUMBERS + BOOLS + LISTS + MAPS + NULLS

UNARY_FUNCTIONS = [
    "lower", "upper", "title", "trimspace", "strrev", "chomp", "length", "tostring", "tonumber", "tobool",
    "jsonencode", "base64encode", "md5", "sha256", "tolist", "toset", "tomap", "keys", "values", "flatten",
    "distinct", "compact", "reverse", "sort", "one", "sum", "alltrue", "anytrue", "abs", "ceil", "floor",
]

HANDWRITTEN = [
    # operators and conversions
    '"1" + 1', '1 + "a"', "7 / 2", "6 / 2", "7 % 3", "-7 % 3", "7.5 % 2", "0 / 0", "5 % 0", '"x${1 / 0}"', "1 / 0 > 5", "2 * 3.5", "0.1 + 0.2",
    "1 == 1.0", '1 == "1"', '"a" == "a"', "[1, 2] == [1, 2]", "{ a = 1 } == { a = 1 }", "null == null",
    '"2" < 10', "3 >= 3", "!true", '!"false"', "-var.n", "true && false", "true || false", '"true" && true',
    "1 && true", "null + 1", "-(1 - 3) * 2", "1 + 2 * 3 - 4 / 2", "(1 + 2) * 3", "5 - 3 - 1", "2 > 1 == true",
    # conditionals and unification
    'true ? "a" : 1', 'false ? "a" : 1', "false ? 1 : 2", 'var.enabled ? var.region : "x"', '"true" ? 1 : 2',
    "null ? 1 : 2", 'true ? [1] : ["a"]', "true ? 1 : true", 'false ? "x" : true', "true ? { a = 1 } : { a = 2 }",
    # templates
    '"${1.5}"', '"x${10}"', '"x${1.5}"', '"x${true}"', '"${var.nothing}"', '"x${var.nothing}"', '"x${[1]}"',
    '"${var.region}-${var.n}"', '"%{ if var.enabled }yes%{ else }no%{ endif }"',
    '"%{ for z in var.zones }${z};%{ endfor }"', '"%{ for k, v in var.tags }${k}=${v} %{ endfor }"',
    '"a  %{~ if true ~}  b  %{~ endif ~}  c"', '"$${literal} %%{x}"', '"x${0.1 + 0.2}"', '"x${1e3}"', '"x${2/3}"',
    '"${1/3}"', '"x${-0.5}"', '"x${100000000000000000000}"',
    # traversals and splats
    "var.zones[1]", "var.zones[5]", 'var.tags["env"]', 'var.tags["nope"]', "var.tags.env", "var.tags.nope",
    "local.nested.a.b[1].c", "local.nested.a.b.1.c", 'var.zones["1"]', "var.zones[1.5]", "var.zones[-1]",
    "[{ a = 1 }, { a = 2 }][*].a", "[{ a = 1 }, { a = 2 }].*.a", "var.nothing[*]", '"x"[*]', "{ a = 1 }[*].a",
    "[[1, 2], [3, 4]][*][0]", "var.nothing.a", "null[0]",
    # collections
    "[for z in var.zones : upper(z)]", '[for i, z in var.zones : "${i}${z}"]', "[for k, v in var.tags : k]",
    "[for k, v in var.tags : v if k != \"env\"]", "{ for z in var.zones : z => z }", '{ for z in ["a", "a"] : z => z }',
    '{ for z in ["a", "a", "b"] : z => z... }', "[for x in var.nothing : x]", '[for x in "abc" : x]',
    "{ for k, v in local.zone_map : v => k }", "[for x in [1, 2, 3] : x * 2 if x > 1]", '[for x in [1, 2] : x if "yes"]',
    "{ a = 1, b = 2 }", '{ "x y" = 1 }', "{ (var.region) = 1 }", '{ a = 1, "a" = 2 }', "{ (var.nothing) = 1 }",
    # locals
    "local.upper_prefix", "local.zone_map", "local.chosen", "local.count_plus", "local.numbers",
    # functions with several arguments
    'format("%s-%d", "a", 3)', 'format("%05d|%-4s|%4s|", 42, "ab", "cd")', 'format("%.2f", 3.14159)', 'format("%f", 2)',
    'format("%q", "a\\"b")', 'format("%v %v %v", 1, true, "s")', 'format("%#v", { a = [1, "x"] })', 'format("%%")',
    'format("%d", 2.5)', 'format("%d", "7")', 'format("%s")', 'format("%s", "a", "b")', 'format("%t", true)',
    'format("%x %X %o %b", 255, 255, 8, 5)', 'format("%e", 12345.678)', 'format("%g", 0.000012)', 'format("%[2]s %[1]s", "a", "b")',
    'format("%s", [1])', 'format("%8.3f|", 3.14159)', 'format("%+d", 5)',
    'formatlist("%s=%s", ["a", "b"], ["1", "2"])', 'formatlist("%s-%s", "x", ["a", "b"])', 'formatlist("%s", [1], [1, 2])',
    'lookup(var.tags, "env")', 'lookup(var.tags, "nope", "dflt")', 'lookup(var.tags, "nope")',
    'coalesce("", "x")', 'coalesce(null, "", "y")', "coalesce(null, 2)", 'coalesce(1, "a")', "coalesce()", 'coalesce("", null)',
    "coalescelist([], [1])", "coalescelist([], [])", "merge({ a = 1 }, { b = 2 }, { a = 3 })", "merge(var.tags, null)",
    "merge({ a = 1 }, [1])", 'replace("hello world", "o", "0")', 'replace("abc-123", "/[0-9]+/", "N")',
    'replace("abc", "/(b)/", "[$1]")', 'replace("a.b.c", ".", "-")', 'regex("[a-z]+", "123abc456")',
    'regex("(\\\\d+)-(\\\\d+)", "10-20")', 'regex("(?P<k>\\\\w+)=(?P<v>\\\\w+)", "key=val")', 'regex("x", "abc")',
    'regexall("[a-z]", "a1b2")', 'regexall("(\\\\d)(\\\\w)", "1a2b")', 'element(var.zones, 4)', "element([], 0)",
    "element(var.zones, -1)", 'concat(["a"], ["b", "c"], [])', "concat([1], 2)", 'join(",", var.zones)',
    'join("-", ["a"], ["b", 1])', 'join(",", [])', 'join(",", [null])', 'split(",", "a,b,,c")', 'split(",", "")',
    'split("", "abc")', 'substr("hello", 1, 3)', 'substr("hello", -3, -1)', 'substr("hello", 1, 10)',
    'substr("hello", 10, 1)', 'contains(var.zones, "a")', 'contains(var.zones, "z")', "contains([1, 2], \"1\")",
    "zipmap([\"a\", \"b\"], [1, 2])", 'zipmap(["a"], [1, 2])', "slice([1, 2, 3, 4], 1, 3)", "slice([1, 2], 1, 5)",
    'index(var.zones, "b")', 'index(var.zones, "z")', "range(3)", "range(1, 4)", "range(0, 10, 3)", "range(5, 0, -2)",
    "range(0, 1, 0.25)", "range(2000)", "range(3, 1)", "min(3, 1, 2)", "max(3, 1.5, 2)", 'max("3", 1)', "min()",
    "chunklist([1, 2, 3, 4, 5], 2)", "chunklist([1, 2], 0)", 'setproduct(["a", "b"], [1, 2])', "setproduct([], [1])",
    'trim("xxhixx", "x")', 'trim("?!hello?!", "!?")', 'trimprefix("helloworld", "hello")', 'trimsuffix("helloworld", "world")',
    'trimprefix("x", "y")', 'startswith("hello", "he")', 'endswith("hello", "lo")', 'strcontains("hello", "ell")',
    'startswith("hello", 1)', 'jsondecode("{\\"a\\": [1, 2.5, null, true]}")', 'jsondecode("[1")', 'jsondecode("1.0")',
    'yamldecode("a: 1\\nb: [x, y]")', 'yamldecode("- 1\\n- two")', 'base64decode("aGVsbG8=")', 'base64decode("!!")',
    'sha1("abc")', 'nonsensitive("x")', 'nonsensitive(sensitive("x")) == "x"', "tolist(toset([3, 1, 2]))", 'toset(["b", "a", "c", "a"])',
    'toset([1, "a"])', 'tomap({ a = 1, b = "x" })', 'tomap({ a = [1], b = "x" })', 'tolist([1, "a", true])',
    "one([])", "one([1])", "one([1, 2])", "flatten([[1, [2, [3]]], 4])", "sum([1, 2.5])", "sum([])", 'sum(["1", 2])',
    "alltrue([])", 'alltrue(["true", true])', "anytrue([])", "abs(-2.5)", "ceil(1.2)", "floor(-1.2)", "ceil(-0.5)",
    'length("héllo")', "length({ a = 1 })", "length(null)", "length(5)", 'upper("ÿabc")', 'title("hello_world foo.bar")',
    'can(var.zones[5])', 'can(var.zones[0])', 'try(var.zones[5], "fallback")', 'try(var.tags.nope, var.tags.env)',
    "try(0 / 0)", 'try(tonumber("x"), 0)', "can(tonumber(\"x\"))", 'tonumber("0x10")', 'tonumber("1e2")', 'tonumber(" 1")',
    'tobool("yes")', "tostring([1])", "tostring(2.0)", "tostring(1.25)", "keys(var.tags)", "values(var.tags)",
    "jsonencode(\"<&>\")", "jsonencode({ b = 1, a = [true, null] })", "jsonencode(0.5)", "jsonencode(1e21)",
    "distinct([1, 1, 2, \"1\"])", 'sort(["b", "a", "10", "9"])', "sort([10, 9, 1])", "reverse(\"abc\")",
    'compact(["a", "", null, "b"])', "compact([1, 2])", 'upper(local.prefix)', 'lower("ABC")',
]


# The functions that take a pattern (Go's regexp syntax, run by RE2 here): syntax, semantics
# that differ from Python's re, patterns RE2/Go refuse, Go's replacement template rules.
PATTERNS = [
    # what Go accepts
    r'regex("(?i)ABC", "xabcx")', r'regex("\\pL+", "héllo1")', r'regex("(?s)a.b", "a\nb")', r'regex("a.b", "a\nb")',
    r'regex("[[:alpha:]]+", "ab1")', r'regex("\\Qa.b\\E", "xa.bx")', r'regex("(?U)a+", "aaa")', r'regex("[^a]", "\n")',
    r'regex("a$", "a\n")', r'regex("(?m)a$", "a\nb")', r'regex("^b", "a\nb")', r'regex("\\Aab\\z", "ab")',
    r'regex("é.", "aébc")', r'regex("(?<name>x+)", "axxb")', r'regex("(a)|(b)", "b")', r'regex("(?P<a>a)?b", "b")',
    r'regex("^(a+)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!")', r'regex("\\bfoo\\b", "a foo b")',
    r'regex("x*", "abc")', r'regex("[\\d]{2,3}", "a12345")', r'regex("\\x{263a}", "☺")',
    r'regexall("a*", "baaa")', r'regexall("", "héllo")', r'regexall("a|b", "abab")', r'regexall("(a)(x)?", "aa")',
    r'regexall("(?P<k>\\w)=(?P<v>\\d)", "a=1,b=2")', r'regexall("\\s+", "a  b\tc")', r'regexall("x", "abc")',
    r'regexall("a*?", "aa")', r'regexall("(?m)^\\w", "ab\ncd")',
    r'replace("baaa", "/a*/", "-")', r'replace("abc", "//", "-")', r'replace("abc", "", "-")', r'replace("abc", "/", "-")',
    r'replace("héllo", "/l/", "L")', r'replace("abc", "/(?P<x>b)/", "$${x}$${x}")', r'replace("abc", "/(b)/", "$1x")',
    r'replace("abc", "/(b)/", "$${1}x")', r'replace("abc", "/(b)/", "$$1")', r'replace("abc", "/(b)/", "$2")',
    r'replace("abc", "/(b)/", "$")', r'replace("abc", "/(b)/", "$01")',
    r'replace("aaa", "/a/", "$0$0")', r'replace("a.b", "/./", "x")', r'replace("xyz", "/y*/", "_")',
    r'replace("ab", "/(?i)B/", "c")', r'replace("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "/^(a+)+$/", "x")',
    # what Go (and RE2) refuse: an evaluation error, as terraform gives
    r'regex("(a", "a")', r'regex("a**", "a")', r'regex("x{1001}", "x")', r'regex("(?<!a)b", "b")',
    r'regex("(a)\\1", "aa")', r'regex("[z-a]", "a")', r'regex("\\Z", "a")', r'regex("(?P<n>a)(b)", "ab")',
    r'regexall("(?=a)", "a")', r'replace("a", "/(a/", "b")', r'regex("\\C", "a")', r'regexall("(?P<n>a)(b)", "ab")',
]


def generate_cases() -> list[str]:
    """The expression table: handwritten cases, the pattern cases, then unary functions over
    every sample value."""
    cases = [*HANDWRITTEN, *PATTERNS]
    for function in UNARY_FUNCTIONS:
        for value in ALL_VALUES:
            cases.append(f"{function}({value})")
    seen: set[str] = set()
    unique = []
    for case in cases:
        if case not in seen:
            seen.add(case)
            unique.append(case)
    return unique


CASES = generate_cases()

# Cases where sovlint knowingly differs from terraform 1.11 (each with the reason).
KNOWN_DIFFERENCES: dict[str, str] = {
    '"x${0.1 + 0.2}"': "terraform numbers are 512-bit big floats; sovlint uses float64 (0.30000000000000004)",
    '"x${2/3}"': "terraform numbers are 512-bit big floats; sovlint prints float64 digits",
    'yamldecode("a: 1\\nb: [x, y]")': "terraform's YAML reads a bare y as true; PyYAML's safe loader keeps the string",
}


def _normalise(value: object) -> object:
    """Numbers as floats-or-ints compared loosely; everything else as JSON would give it."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    return value


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@pytest.fixture(scope="module")
def terraform_results(tmp_path_factory) -> dict[str, object]:
    """Case index (as ``eN``) → ``[value]`` or ``"ERROR"``, from one terraform run."""
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not on PATH")
    workdir = tmp_path_factory.mktemp("tf")
    (workdir / "main.tf").write_text(MAIN_TF)
    entries = ", ".join(f'e{i} = try([{case}], "ERROR")' for i, case in enumerate(CASES))
    line = f"base64encode(jsonencode({{ {entries} }}))\n"
    env = dict(os.environ, TF_CLI_CONFIG_FILE=os.devnull, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    completed = subprocess.run(
        [terraform, "console"], input=line, capture_output=True, text=True, cwd=workdir, env=env, timeout=300
    )
    if completed.returncode != 0:
        pytest.fail(f"terraform console failed: {completed.stderr[-3000:]}")
    output = completed.stdout.strip()
    if not (output.startswith('"') and output.endswith('"')):
        pytest.fail(f"terraform console gave no value for the table: {output[:300]}")
    return json.loads(base64.b64decode(output.strip('"')))


@pytest.fixture(scope="module")
def sovlint_scope() -> MappingScope:
    """var and local from the same main.tf, read by sovlint."""
    parsed = parse_hcl(MAIN_TF, "main.tf")
    variables = {}
    local_exprs = {}
    for block in parsed.body.blocks:
        if block.type == "variable":
            default = block.body.attribute("default")
            variables[block.labels[0]] = evaluate(default.expr, MappingScope({})) if default else None
        elif block.type == "locals":
            for attribute in block.body.attributes:
                local_exprs[attribute.name] = attribute.expr
    roots: dict[str, object] = {"var": PartialMapping("var", variables)}
    scope = MappingScope(roots)
    roots["local"] = LazyMapping("local", list(local_exprs), lambda name: evaluate_or_unknown(local_exprs[name], scope))
    return scope


def _params():
    for index, case in enumerate(CASES):
        marks = [pytest.mark.xfail(reason=KNOWN_DIFFERENCES[case], strict=True)] if case in KNOWN_DIFFERENCES else []
        yield pytest.param(index, case, id=f"e{index}", marks=marks)


@pytest.mark.parametrize("index, case", list(_params()))
def test_matches_terraform(index, case, terraform_results, sovlint_scope):
    expected = terraform_results[f"e{index}"]
    try:
        actual: object = [evaluate(parse_expression(case), sovlint_scope)]
    except EvaluationError:
        actual = "ERROR"
    assert not isinstance(actual, list) or not isinstance(actual[0], Unknown), f"{case}: sovlint gave {actual[0]}"
    assert _same(_normalise(json.loads(json.dumps(actual))), _normalise(expected)), f"{case}: sovlint {actual!r} terraform {expected!r}"


def test_table_size():
    assert len(CASES) >= 300
