"""SPEC §9: every evaluation has budgets checked before allocation.

Each hostile expression is evaluated under ``tracemalloc``: the assertion is
on the bytes it made Python allocate at the peak (bounded work, not wall
time), on the value being unknown with a reason that names the budget, and on
the rest of the configuration still being evaluated.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any, Callable

import pytest

from filetree import write_tree
from sovlint.hcl.hcl2_backend import parse_expression
from sovlint.terraform.evaluator import MappingScope, evaluate
from sovlint.terraform.values import ALLOCATION_BUDGET, PartialMapping, Unknown

#: Bytes an evaluation refused by a budget may allocate at its peak: a few times the
#: largest value allowed (10 MiB characters), never what the expression asks for.
PEAK_LIMIT = 64 * 1024 * 1024

BIG = "var.big"  # a 100,000-character string


def _peak(action: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def _evaluate(source: str) -> tuple[Any, int]:
    scope = MappingScope({"var": PartialMapping("var", {"big": "y" * 100_000, "n": 10_000})})
    return _peak(lambda: evaluate(parse_expression(source), scope))


@pytest.mark.parametrize("source, culprit", [
    # the probe: 10,000 spaces, each replaced by 100,000 characters (1 GB)
    (f'replace(format("%10000s", ""), " ", {BIG})', "replace()"),
    (f'replace("{"a" * 200}", "/a/", {BIG})', "replace()"),
    (f'replace("{"a" * 200}", "", {BIG})', "replace()"),
    (f'join({BIG}, [for i in range(1000) : "a"])', "join()"),
    (f'join("", [for i in range(1000) : {BIG}])', "join()"),
    ('format("%10000s%10000s", "", "")', None),  # small enough: a value
    (f'format("%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s", {", ".join([BIG] * 20)})', None),
    (f'format("{"%s" * 110}", {", ".join([BIG] * 110)})', "format()"),
    (f'formatlist("%s%s", [for i in range(1000) : {BIG}], {BIG})', "format"),
    (f'indent(100000, join("\\n", [for i in range(50) : "a"]))', None),
    (f'indent(100000, join("\\n", [for i in range(1000) : "a"]))', "indent()"),
    (f'jsonencode([for i in range(1000) : {BIG}])', "jsonencode()"),
    (f'base64encode(join("", [for i in range(100) : {BIG}]))', "base64encode()"),
    (f'"%{{for i in range(1000)}}${{{BIG}}}%{{endfor}}"', "template"),
    (f'"%{{for i in range(1000)}}%{{for j in range(1000)}}{"z" * 100}%{{endfor}}%{{endfor}}"', "template"),
    ('[for i in range(1000) : [for j in range(1000) : [for k in range(1000) : k]]]', "budget"),
    ('setproduct(range(1000), range(1000), range(1000))', "setproduct()"),
    (f'upper(join("", [for i in range(99) : {BIG}]))', None),
    ('split("", join("", [for i in range(1001) : "abcdefghij" ]))', None),
    ('split(",", join(",", [for i in range(1000) : join(",", range(200))]))', "split()"),
    ('length(distinct(flatten([for i in range(99) : range(1000)])))', None),
])
def test_functions_stop_before_building_too_much(source: str, culprit: str | None) -> None:
    value, peak = _evaluate(source)
    assert peak < PEAK_LIMIT, f"{peak:,} bytes allocated at the peak"
    if culprit is None:
        assert not isinstance(value, Unknown), value
        return
    assert isinstance(value, Unknown), type(value)
    assert ("value too large" in value.reason or "budget" in value.reason) and culprit in value.reason, value.reason


def test_a_budget_refusal_is_not_an_error_try_can_catch() -> None:
    value, _ = _evaluate(f'try(replace(format("%10000s", ""), " ", {BIG}), "fallback")')
    assert isinstance(value, Unknown) and "value too large" in value.reason


def test_regular_expressions_run_in_linear_time() -> None:
    # 2^60 steps for a backtracking engine; RE2 answers at once
    scope = MappingScope({})
    for source in ('regexall("^(a+)+$", "' + "a" * 60 + '!")', 'replace("' + "a" * 60 + '!", "/(a|aa)+$/", "")'):
        value = evaluate(parse_expression(source), scope)
        assert value in ([], "a" * 60 + "!") or isinstance(value, str), value


def test_yamldecode_of_an_alias_bomb_stops_at_the_loaders_limit() -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    text = "\\n".join(lines)
    value, peak = _evaluate(f'yamldecode("{text}")')
    assert isinstance(value, Unknown) and "alias bomb" in value.reason, value
    assert peak < PEAK_LIMIT


def test_jsondecode_nesting_is_bounded() -> None:
    value, _ = _evaluate('jsondecode("' + "[" * 5000 + "]" * 5000 + '")')
    assert isinstance(value, Unknown) and "nesting deeper than 1000" in value.reason, value


def _root(tmp_path: Path) -> Any:
    from sovlint.catalog import cached_catalog
    from sovlint.normalise.terraform import TerraformLoader, TerraformOptions

    loader = TerraformLoader(cached_catalog(()), TerraformOptions())
    return loader, lambda: loader.evaluate_root(tmp_path)


def test_one_allowance_for_everything_a_root_builds(tmp_path: Path) -> None:
    """Each local alone is allowed (2 MiB); all of them together pass the root's allowance:
    later values are unknown, every resource is still reported."""
    count = 48  # 48 strings of a million characters: past the allowance of 32 Mi characters
    lines = ["locals {", '  pad = join("", [for j in range(100) : format("%10000s", "")])']
    lines += [f'  l{i} = "{i}${{local.pad}}"' for i in range(count)] + ["}"]
    for i in range(count):
        lines.append(f'resource "aws_s3_bucket" "b{i}" {{\n  region = "eu-west-3"\n  tags = {{ big = local.l{i} }}\n}}')
    write_tree(tmp_path, {"main.tf": "\n".join(lines) + "\n"})
    loader, run = _root(tmp_path)
    result, peak = _peak(run)
    assert len(result.resources) == count and all(r.region == "eu-west-3" for r in result.resources)
    tagged = [r for r in result.resources if r.tags.get("big")]
    assert 0 < len(tagged) < count, len(tagged)
    assert peak < ALLOCATION_BUDGET * 4 + PEAK_LIMIT, f"{peak:,}"


def test_module_fan_out_is_bounded_in_total(tmp_path: Path) -> None:
    """10 calls per level, 12 levels: 10^12 instances if followed; the root's total is capped."""
    from sovlint.terraform.instance import MAX_TOTAL_MODULE_INSTANCES

    files = {"main.tf": "".join(f'module "c{i}" {{\n  source = "./m0"\n}}\n' for i in range(10))}
    for level in range(12):
        calls = "".join(f'module "c{i}" {{\n  source = "../m{level + 1}"\n}}\n' for i in range(10)) if level < 11 else ""
        files[f"m{level}/main.tf"] = calls + f'resource "aws_s3_bucket" "b" {{\n  region = "eu-west-3"\n}}\n'
    write_tree(tmp_path, files)
    loader, run = _root(tmp_path)
    result = run()
    assert loader.module_instances > MAX_TOTAL_MODULE_INSTANCES  # some were refused
    assert len(result.resources) == MAX_TOTAL_MODULE_INSTANCES
    notes = [m for _, _, m in result.errors if "module instances" in m]
    assert len(notes) == 1 and f"limit of {MAX_TOTAL_MODULE_INSTANCES:,} module instances" in notes[0]

