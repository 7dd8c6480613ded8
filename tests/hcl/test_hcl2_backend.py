"""Tests of the python-hcl2 backend and of rendering."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from sovlint.hcl.hcl2_backend import parse_expression, parse_hcl, parse_hcl_json
from sovlint.hcl.render import render
from sovlint.hcl.syntax import (
    BinaryOp,
    Block,
    Body,
    Call,
    Comment,
    Conditional,
    ForExpr,
    GetAttr,
    HclSyntaxError,
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

from filetree import SHARED

CORPUS = SHARED / "corpus"


def expr_of(source: str, line: int = 1):
    """The expression of ``x = <source>``."""
    return parse_expression(source, line)


def strip_lines(node):
    """``node`` with every ``line`` set to 0, to compare shapes only."""
    import dataclasses

    if isinstance(node, tuple):
        return tuple(strip_lines(n) for n in node)
    if dataclasses.is_dataclass(node):
        changes = {f.name: strip_lines(getattr(node, f.name)) for f in dataclasses.fields(node)}
        if "line" in changes:
            changes["line"] = 0
        return type(node)(**changes)
    return node


def shape(source: str):
    return strip_lines(expr_of(source))


# --- literals and strings ---------------------------------------------------


@pytest.mark.parametrize(
    "source, value",
    [("1", 1), ("1.5", 1.5), ("1e3", 1000.0), ("true", True), ("false", False), ("null", None), ('"abc"', "abc")],
)
def test_literals(source, value):
    result = expr_of(source)
    assert isinstance(result, Literal) and result.value == value and type(result.value) is type(value)


def test_negative_number_is_unary_minus():
    assert shape("-1") == UnaryOp("-", Literal(1))
    assert shape("-1.5") == UnaryOp("-", Literal(1.5))


@pytest.mark.parametrize(
    "source, text",
    [
        (r'"a\"b"', 'a"b'),
        (r'"a\nb\tc\\d"', "a\nb\tc\\d"),
        (r'"\u00e9\U0001F600"', "\u00e9\U0001F600"),
        ('"$${x}"', "${x}"),
        ('"%%{x}"', "%{x}"),
        ('"a $ b % c"', "a $ b % c"),
    ],
)
def test_string_escapes(source, text):
    assert shape(source) == Literal(text)


def test_invalid_escape_is_a_syntax_error():
    with pytest.raises(HclSyntaxError):
        parse_expression(r'"\q"')


def test_interpolation_is_template():
    assert shape('"x-${var.env}-y"') == Template(("x-", GetAttr(Variable("var"), "env"), "-y"))
    assert shape('"${a}"') == Template((Variable("a"),))
    assert shape('"${join(",", ["a"])}"') == Template((Call("join", (Literal(","), TupleExpr((Literal("a"),)))),))


def test_template_directives():
    assert shape('"%{ if a }yes%{ else }no%{ endif }"') == Template(
        (TemplateIf(Variable("a"), Template(("yes",)), Template(("no",))),)
    )
    assert shape('"%{ for k, v in m }${k}=${v},%{ endfor }"') == Template(
        (TemplateFor("k", "v", Variable("m"), Template((Variable("k"), "=", Variable("v"), ","))),)
    )
    assert shape('"%{ for v in m }x%{ endfor }"') == Template((TemplateFor(None, "v", Variable("m"), Template(("x",))),))


def test_strip_markers_in_quoted_string():
    assert shape('"a  %{~ if true ~}  x  %{~ endif ~} c"') == Template(
        ("a", TemplateIf(Literal(True), Template(("x",)), None), "c")
    )


def test_unbalanced_directive_is_a_syntax_error():
    with pytest.raises(HclSyntaxError):
        parse_expression('"%{ if a }x"')


# --- heredocs ---------------------------------------------------------------


def test_heredoc_plain():
    f = parse_hcl("a = <<EOT\nhello\n  ${x}\nEOT\nb = 1\n", "t.tf")
    a, b = f.body.attributes
    assert a.expr == Template(("hello\n  ", Variable("x", 3), "\n"), 1)
    assert (a.line, a.end_line) == (1, 4)
    assert b.line == 5


def test_heredoc_without_interpolation_is_literal():
    f = parse_hcl("a = <<EOT\nplain \\n text\nEOT\n", "t.tf")
    assert f.body.attributes[0].expr == Literal("plain \\n text\n", 1)


def test_empty_heredoc():
    assert parse_hcl("a = <<EOT\nEOT\n", "t.tf").body.attributes[0].expr == Literal("", 1)


def test_flush_heredoc_trims_common_indentation():
    # Terraform's rules (checked with terraform console): whitespace-only lines
    # do not count and stay as they are; a line starting with ${ has indent 0.
    source = "a = <<-EOT\n    hello\n\n      x\n  \n    end\n    EOT\n"
    assert parse_hcl(source, "t.tf").body.attributes[0].expr == Literal("hello\n\n  x\n  \nend\n", 1)
    source = '  b = <<-EOT\n    hello\n  ${"x"} y\n      z\n    EOT\n'
    assert strip_lines(parse_hcl(source, "t.tf").body.attributes[0].expr) == Template(
        ("  hello\n", Literal("x"), " y\n    z\n")
    )
    source = 'a = <<-EOT\n    hello\n${"x"}\n    EOT\n'
    assert strip_lines(parse_hcl(source, "t.tf").body.attributes[0].expr) == Template(("    hello\n", Literal("x"), "\n"))


def test_heredoc_directive_with_strip_markers():
    source = "a = <<-EOT\n  %{ for v in xs ~}\n  - ${v}\n  %{ endfor ~}\n  EOT\n"
    expr = strip_lines(parse_hcl(source, "t.tf").body.attributes[0].expr)
    assert expr == Template((TemplateFor(None, "v", Variable("xs"), Template(("- ", Variable("v"), "\n"))),))


def test_heredoc_interpolation_line_numbers():
    source = "x = 1\na = <<EOT\none\ntwo ${b}\nEOT\n"
    expr = parse_hcl(source, "t.tf").body.attributes[1].expr
    assert isinstance(expr, Template) and expr.parts[1] == Variable("b", 4)


# --- traversals, calls, operators -------------------------------------------


def test_traversals():
    assert shape("a.b[0].c.1") == Index(GetAttr(Index(GetAttr(Variable("a"), "b"), Literal(0)), "c"), Literal(1))
    assert shape('m["k"]') == Index(Variable("m"), Literal("k"))


def test_splats():
    assert shape("x[*].a.b") == Splat(Variable("x"), ("a", "b"), True)
    assert shape("x[*][0].a") == Splat(Variable("x"), (Literal(0), "a"), True)
    assert shape("x.*.a") == Splat(Variable("x"), ("a",), False)
    assert shape("x[*]") == Splat(Variable("x"), (), True)
    # an index ends an attribute-only splat
    assert shape("x.*.a[0]") == Index(Splat(Variable("x"), ("a",), False), Literal(0))


def test_function_calls():
    assert shape("f()") == Call("f", ())
    assert shape("f(1, a...)") == Call("f", (Literal(1), Variable("a")), True)
    assert shape("provider::aws::arn_parse(x)") == Call("provider::aws::arn_parse", (Variable("x"),))
    assert shape("f(\n  1,\n  2,\n)") == Call("f", (Literal(1), Literal(2)))


def test_operator_precedence():
    assert shape("1 + 2 * 3") == BinaryOp("+", Literal(1), BinaryOp("*", Literal(2), Literal(3)))
    assert shape("1 - 2 - 3") == BinaryOp("-", BinaryOp("-", Literal(1), Literal(2)), Literal(3))
    assert shape("a || b && c") == BinaryOp("||", Variable("a"), BinaryOp("&&", Variable("b"), Variable("c")))
    assert shape("a == b && c < d") == BinaryOp(
        "&&", BinaryOp("==", Variable("a"), Variable("b")), BinaryOp("<", Variable("c"), Variable("d"))
    )
    assert shape("!a && -b.c > 1") == BinaryOp(
        "&&", UnaryOp("!", Variable("a")), BinaryOp(">", UnaryOp("-", GetAttr(Variable("b"), "c")), Literal(1))
    )
    assert shape("(1 + 2) * 3") == BinaryOp("*", Parens(BinaryOp("+", Literal(1), Literal(2))), Literal(3))


def test_conditional():
    assert shape("a ? b : c ? d : e") == Conditional(
        Variable("a"), Variable("b"), Conditional(Variable("c"), Variable("d"), Variable("e"))
    )
    assert shape("a == 1 ? 2 : 3") == Conditional(BinaryOp("==", Variable("a"), Literal(1)), Literal(2), Literal(3))


def test_multiline_operator_continuation():
    expr = parse_hcl("a = (x\n  || y\n)\n", "t.tf").body.attributes[0].expr
    assert strip_lines(expr) == Parens(BinaryOp("||", Variable("x"), Variable("y")))


# --- collections and for-expressions ----------------------------------------


def test_tuples_and_objects():
    assert shape("[1, 2,]") == TupleExpr((Literal(1), Literal(2)))
    assert shape("[]") == TupleExpr(())
    assert shape("{}") == ObjectExpr(())
    assert shape('{ a = 1, "b" = 2, (c) = 3, for = 4, d: 5 }') == ObjectExpr(
        (
            (Literal("a"), Literal(1)),
            (Literal("b"), Literal(2)),
            (Parens(Variable("c")), Literal(3)),
            (Literal("for"), Literal(4)),
            (Literal("d"), Literal(5)),
        )
    )


def test_object_on_several_lines_has_lines():
    expr = parse_hcl("a = {\n  k = 1\n  m = [\n    2,\n  ]\n}\n", "t.tf").body.attributes[0].expr
    assert expr == ObjectExpr(((Literal("k", 2), Literal(1, 2)), (Literal("m", 3), TupleExpr((Literal(2, 4),), 3))), 1)


def test_for_expressions():
    assert shape("[for v in xs : upper(v)]") == ForExpr(None, "v", Variable("xs"), None, Call("upper", (Variable("v"),)), None)
    assert shape("[for k, v in m : v if k != \"x\"]") == ForExpr(
        "k", "v", Variable("m"), None, Variable("v"), BinaryOp("!=", Variable("k"), Literal("x"))
    )
    assert shape("{for k, v in m : v => k...}") == ForExpr("k", "v", Variable("m"), Variable("v"), Variable("k"), None, True)
    assert shape("{for v in xs : v => 1 if v}") == ForExpr(None, "v", Variable("xs"), Variable("v"), Literal(1), Variable("v"))


# --- bodies, blocks, comments -----------------------------------------------


SAMPLE = """\
# sovlint:ignore SOV002 -- reason
terraform {
  required_version = ">= 1.0" // pin
}

/* a block
   comment */
resource "aws_s3_bucket" "b" {
  bucket = "x-${var.env}"

  versioning {
    enabled = true
  }
  tags = {
    Name = "b" # inline
  }
}

variable "region" {
  default = "eu-west-3"
}
"""


def test_blocks_attributes_and_lines():
    f = parse_hcl(SAMPLE, "main.tf")
    assert f.path == "main.tf"
    assert [b.type for b in f.body.blocks] == ["terraform", "resource", "variable"]
    terraform, bucket, variable = f.body.blocks
    assert (terraform.line, terraform.end_line) == (2, 4)
    assert bucket.labels == ("aws_s3_bucket", "b")
    assert (bucket.line, bucket.end_line) == (8, 17)
    assert bucket.body.attribute("bucket").line == 9
    tags = bucket.body.attribute("tags")
    assert (tags.line, tags.end_line) == (14, 16)
    (versioning,) = bucket.body.blocks_of("versioning")
    assert versioning == Block("versioning", (), Body((versioning.body.attributes[0],), ()), 11, 13)
    assert variable.labels == ("region",)


def test_comments_with_lines():
    f = parse_hcl(SAMPLE, "main.tf")
    assert f.comments == (
        Comment("sovlint:ignore SOV002 -- reason", 1),
        Comment("pin", 3),
        Comment("a block\n   comment", 6),
        Comment("inline", 15),
    )


def test_comment_before_continued_operator():
    f = parse_hcl("a = (x # why\n  || y)\n", "t.tf")
    assert f.comments == (Comment("why", 1),)
    f = parse_hcl("a = x ||\n  # why\n  y\n", "t.tf")
    assert f.comments == (Comment("why", 2),)


@pytest.mark.xfail(strict=True, reason="python-hcl2 8.1.4 grammar rejects a comment line before a continued operator")
def test_comment_line_before_continued_operator():
    f = parse_hcl("a = (x\n  # why\n  || y)\n", "t.tf")
    assert f.comments == (Comment("why", 2),)


def test_comment_at_end_without_newline():
    assert parse_hcl("a = 1\n# last", "t.tf").comments == (Comment("last", 2),)


def test_keyword_names_and_labels():
    f = parse_hcl('in { for = 1 }\nblock "a" b {}\n', "t.tf")
    assert f.body.blocks[0].type == "in"
    assert f.body.blocks[0].body.attributes[0].name == "for"
    assert f.body.blocks[1].labels == ("a", "b")


# --- errors -----------------------------------------------------------------


@pytest.mark.parametrize("source", ["a = ", "a = {", 'resource "x" {\n  a = 1\n', "a = 1 +", "= 3", "a = [1 2]"])
def test_syntax_errors(source):
    with pytest.raises(HclSyntaxError) as info:
        parse_hcl(source, "t.tf")
    assert info.value.line is None or info.value.line >= 1


def test_syntax_error_has_line_and_column():
    with pytest.raises(HclSyntaxError) as info:
        parse_hcl("a = 1\nb = ]\n", "t.tf")
    assert info.value.line == 2 and info.value.column is not None


def test_absurd_nesting_is_a_syntax_error():
    depth = max(sys.getrecursionlimit(), 1000) * 2
    with pytest.raises(HclSyntaxError):
        parse_hcl("a = " + "[" * depth + "]" * depth + "\n", "t.tf")


def test_parse_expression_rejects_more_than_one_expression():
    with pytest.raises(HclSyntaxError):
        parse_expression("1\nb = 2")


# --- JSON syntax ------------------------------------------------------------


JSON_SAMPLE = """{
  "//": "managed by hand",
  "variable": {
    "region": {"default": "eu-west-3"}
  },
  "resource": {
    "aws_s3_bucket": {
      "b": {
        "bucket": "x-${var.env}",
        "count": 2,
        "tags": {"Name": "b"},
        "versioning": {"enabled": true},
        "lifecycle_rule": [{"id": "a"}, {"id": "b"}]
      }
    }
  },
  "locals": {"l": "${upper(\\"x\\")}"}
}"""


def test_terraform_json():
    f = parse_hcl_json(JSON_SAMPLE, "main.tf.json")
    assert f.comments == (Comment("managed by hand", 2),)
    variable, bucket, locals_ = f.body.blocks
    assert (variable.type, variable.labels, variable.line) == ("variable", ("region",), 4)
    assert variable.body.attribute("default").expr == Literal("eu-west-3", 4)
    assert (bucket.labels, bucket.line, bucket.end_line) == (("aws_s3_bucket", "b"), 8, 14)
    attr = bucket.body.attribute("bucket")
    assert attr.line == 9
    assert strip_lines(attr.expr) == Template(("x-", GetAttr(Variable("var"), "env")))
    assert bucket.body.attribute("count").expr == Literal(2, 10)
    assert strip_lines(bucket.body.attribute("tags").expr) == ObjectExpr(((Literal("Name"), Literal("b")),))
    assert [b.type for b in bucket.body.blocks] == ["versioning", "lifecycle_rule", "lifecycle_rule"]
    assert locals_.type == "locals" and strip_lines(locals_.body.attribute("l").expr) == Template(
        (Call("upper", (Literal("x"),)),)
    )


@pytest.mark.parametrize("source", ["{", '{"a": }', "[1]", '{"a": 1} x', '{"resource": 3}'])
def test_terraform_json_errors(source):
    with pytest.raises(HclSyntaxError):
        parse_hcl_json(source, "bad.tf.json")


# --- rendering --------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "var.region",
        '"x-${var.env}-${local.n}"',
        '"%{ if a }yes%{ else }no%{ endif }"',
        '"%{ for k, v in m }${k}%{ endfor }"',
        '"a\\"b\\n$${x}%%{y}"',
        "a[*].b[0]",
        "a.*.b",
        "a.*.b[0]",
        "f(1, [2, 3]...)",
        "provider::p::f()",
        "a ? b : c",
        "(a ? b : c) ? d : e",
        "1 - (2 - 3)",
        "-(-1)",
        "!a || b && c",
        "{ a = 1, (b) = 2, \"c d\" = 3, \"true\" = 4 }",
        "[for k, v in m : v if k]",
        "{for k, v in m : k => v... if v}",
        "1.5",
        "1e+20",
        "null",
    ],
)
def test_render_round_trip(source):
    rendered = render(parse_expression(source))
    assert render(parse_expression(rendered)) == rendered


def test_render_adds_needed_parentheses():
    expr = BinaryOp("*", BinaryOp("+", Literal(1), Literal(2)), Conditional(Variable("a"), Literal(1), Literal(2)))
    assert render(expr) == "(1 + 2) * (a ? 1 : 2)"
    assert render(GetAttr(BinaryOp("+", Variable("a"), Variable("b")), "c")) == "(a + b).c"


def test_render_heredoc_as_quoted_string():
    expr = parse_hcl("a = <<EOT\nx ${y}\nEOT\n", "t.tf").body.attributes[0].expr
    assert render(expr) == '"x ${y}\\n"'


# --- the corpus -------------------------------------------------------------


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus {CORPUS} is absent")
    return sorted(p for p in CORPUS.rglob("*.tf") if p.is_file())


def walk_attributes(body):
    for attribute in body.attributes:
        yield attribute
    for block in body.blocks:
        yield from walk_attributes(block.body)


def test_corpus_parses():
    failures = []
    for path in corpus_files():
        try:
            parse_hcl(path.read_text(encoding="utf-8", errors="replace"), str(path))
        except HclSyntaxError as exc:
            failures.append((str(path), exc.message))
    assert len(failures) == 0, failures[:5]


def test_corpus_render_round_trip_sample():
    files = corpus_files()
    sample = random.Random(7).sample(files, min(60, len(files)))
    checked = 0
    for path in sample:
        parsed = parse_hcl(path.read_text(encoding="utf-8", errors="replace"), str(path))
        for attribute in walk_attributes(parsed.body):
            rendered = render(attribute.expr)
            assert render(parse_expression(rendered)) == rendered, (str(path), attribute.line)
            checked += 1
    assert checked > 0
