"""The tree-sitter backend must give the same syntax trees as python-hcl2 (the reference).

Unit tests of tricky forms compare both backends on small sources; the corpus
tests compare them on every ``.tf`` file of the shared corpus, and compare the
JSON of ``sovlint scan`` on its Terraform part.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sovlint.hcl import hcl2_backend
from sovlint.hcl.syntax import (
    Comment,
    Conditional,
    HclFile,
    HclSyntaxError,
    Literal,
    Template,
    Variable,
)

pytest.importorskip("tree_sitter")
pytest.importorskip("tree_sitter_hcl")

from sovlint.hcl import treesitter_backend  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
TF_SUFFIXES = (".tf", ".tf.json", ".tfvars")


def both(source: str) -> tuple[HclFile | str, HclFile | str]:
    """Both backends' result for ``source``: an HclFile, or ``"error"``."""
    results: list[HclFile | str] = []
    for backend in (hcl2_backend, treesitter_backend):
        try:
            results.append(backend.parse_hcl(source, "t.tf"))
        except HclSyntaxError:
            results.append("error")
    return results[0], results[1]


TRICKY = {
    "flush heredoc": "a = <<-EOT\n    hello ${var.x}\n\n      x\n  \n    end\n    EOT\nb = 1\n",
    "flush heredoc with directives": "a = <<-EOT\n  %{ for v in xs ~}\n  - ${v}\n  %{ endfor ~}\n  EOT\n",
    "plain heredoc": "a = <<EOT\nhello\n  ${x}\n  # not a comment\nEOT\nb = 1\n",
    "empty heredoc": "a = <<EOT\nEOT\n",
    "heredoc escapes": "a = <<EOT\n$${x} %%{y} \\n ${z}\nEOT\n",
    "heredoc lines": "x = 1\na = <<EOT\none\ntwo ${b}\nthree ${\n  c\n}\nEOT\n",
    "template if": 'a = "%{ if a }yes%{ else }no%{ endif }"\n',
    "template for": 'a = "%{ for k, v in m }${k}=${v},%{ endfor }"\n',
    "template strip markers": 'a = "a  %{~ if true ~}  x  %{~ endif ~} c"\n',
    "escapes": 'a = "$${x} %%{y} a $ b % c \\"q\\" \\n\\t\\\\ \\u00e9\\U0001F600"\n',
    "escape beside interpolation": 'a = "\\"${x}\\" $${y}-${z}"\n',
    "splats": "a = x[*].a.b\nb = x[*][0].a\nc = x.*.a\nd = x[*]\ne = x.*.a[0]\nf = x.*.a.0.b\n",
    "traversals": 'a = a.b[0].c.1\nb = m["k"]\nc = (a).b\nd = f(x)[0].y\n',
    "legacy index": "a = aws_instance.x.0.id\nb = x.0\n",
    "for with grouping": "a = {for k, v in m : v => k...}\nb = {for v in xs : v => 1 if v}\n",
    "for tuple": 'a = [for v in xs : upper(v)]\nb = [for k, v in m : v if k != "x"]\n',
    "call expansion": "a = f(1, a...)\nb = f()\nc = f(\n  1,\n  2,\n)\n",
    "provider function": 'a = provider::aws::arn_parse("arn:aws:s3:::b").region\n',
    "comments": (
        "# hash\nterraform { // slashes\n  a = 1 /* inline */\n}\n/* a block\n   comment */\n"
        "b = [\n  1, # in a tuple\n  2,\n]\n"
    ),
    "comment before operator": "a = (x # why\n  || y)\nb = x ||\n  # why\n  y\n",
    "comment at end without newline": "a = 1\n# last",
    "operators": "a = 1 + 2 * 3\nb = 1 - 2 - 3\nc = !a && -b.c > 1\nd = (1 + 2) * 3\ne = a == b && c < d || e\n",
    "negative numbers": "a = -1\nb = -1.5\nc = 1.5e3\nd = 0\n",
    "conditionals": (
        "a = x ? 1 : y ? 2 : z ? 3 : 4\nb = (x ? 1 : y) ? 2 : 3\nc = x ? y ? 1 : 2 : 3\n"
        "d = x ? 1 : (y ? 2 : 3) ? 4 : 5\ne = x == 1 ? (\n  a\n) : b\n"
    ),
    "objects": 'a = { a = 1, "b" = 2, (c) = 3, for = 4, d: 5 }\nb = {\n  k = 1\n  m = [\n    2,\n  ]\n}\nc = {}\nd = []\n',
    "blocks": 'in { for = 1 }\nblock "a" b {}\nresource "x" "y" {\n  lifecycle {\n    ignore_changes = [tags]\n  }\n}\n',
    "one-line block": 'variable "v" { default = 1 }\n',
    "crlf": 'a = 1\r\nb = "x"\r\nc = <<EOT\r\nline\r\nEOT\r\n',
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_forms_agree(name: str) -> None:
    reference, fast = both(TRICKY[name])
    assert reference != "error", "the reference backend must parse these"
    assert fast == reference


@pytest.mark.parametrize("source", ["a = ", "a = {", 'resource "x" {\n  a = 1\n', "a = 1 +", "= 3", "a = [1 2]",
                                    'a = "%{ if a }x"\n', 'a = "\\q"\n', 'b "${x}" {}\n'])
def test_broken_input_is_a_syntax_error_in_both(source: str) -> None:
    assert both(source) == ("error", "error")


def test_syntax_error_has_line_and_column() -> None:
    with pytest.raises(HclSyntaxError) as info:
        treesitter_backend.parse_hcl("a = 1\nb = ]\n", "t.tf")
    assert info.value.line == 2 and info.value.column is not None


def test_absurd_nesting_is_a_syntax_error() -> None:
    depth = max(sys.getrecursionlimit(), 1000) * 2
    with pytest.raises(HclSyntaxError):
        treesitter_backend.parse_hcl("a = " + "[" * depth + "]" * depth + "\n", "t.tf")


def test_values_and_lines() -> None:
    parsed = treesitter_backend.parse_hcl('# c\na = x ? "y" : <<EOT\n${z}\nEOT\n', "t.tf")
    (attribute,) = parsed.body.attributes
    assert (attribute.line, attribute.end_line) == (2, 4)
    assert attribute.expr == Conditional(Variable("x", 2), Literal("y", 2), Template((Variable("z", 3), "\n"), 2), 2)
    assert parsed.comments == (Comment("c", 1),)


def test_strip_marker_inside_interpolation() -> None:
    """HCL allows ``${~ x ~}`` in quoted strings; python-hcl2 8.1.4 rejects it, tree-sitter does not."""
    parsed = treesitter_backend.parse_hcl('a = "x ${~ y ~} z"\n', "t.tf")
    assert parsed.body.attributes[0].expr == Template(("x", Variable("y", 1), "z"), 1)


def test_parse_expression_and_template() -> None:
    assert treesitter_backend.parse_expression("a.b", 3) == hcl2_backend.parse_expression("a.b", 3)
    assert treesitter_backend.parse_template("x-${a}", 2) == hcl2_backend.parse_template("x-${a}", 2)
    with pytest.raises(HclSyntaxError):
        treesitter_backend.parse_expression("1\nb = 2")


def test_terraform_json_agrees() -> None:
    source = '{"resource": {"aws_s3_bucket": {"b": {"bucket": "x-${var.env}", "count": 2}}}}'
    assert treesitter_backend.parse_hcl_json(source, "m.tf.json") == hcl2_backend.parse_hcl_json(source, "m.tf.json")


# --- the whole corpus -------------------------------------------------------


def corpus_tf_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*.tf") if p.is_file())


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus absent")
def test_corpus_trees_are_identical() -> None:
    differences = []
    for path in corpus_tf_files():
        text = path.read_text(encoding="utf-8")
        results = []
        for backend in (hcl2_backend, treesitter_backend):
            try:
                results.append(backend.parse_hcl(text, str(path)))
            except HclSyntaxError:
                results.append("error")
        if results[0] != results[1]:
            differences.append(str(path.relative_to(CORPUS)))
    assert differences == []


def terraform_part(target: Path) -> Path:
    """A copy of the corpus's Terraform files (``.tf``, ``.tf.json``, ``.tfvars``) under ``target``."""
    for dirpath, _dirs, files in os.walk(CORPUS):
        for name in files:
            if name.endswith(TF_SUFFIXES):
                source = Path(dirpath) / name
                destination = target / source.relative_to(CORPUS)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination)
    return target


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus absent")
def test_corpus_scan_json_is_identical(tmp_path: Path) -> None:
    corpus = terraform_part(tmp_path / "corpus")
    outputs = {}
    for backend in ("hcl2", "treesitter"):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SOVLINT_HCL_BACKEND": backend, "NO_COLOR": "1",
               "SOVLINT_CACHE_DIR": str(tmp_path / f"cache-{backend}")}
        proc = subprocess.run([sys.executable, "-m", "sovlint", "scan", ".", "--format", "json", "--no-cache",
                               "--jobs", "2"], cwd=corpus, capture_output=True, text=True, env=env, timeout=1200)
        assert proc.returncode in (0, 1), proc.stderr
        outputs[backend] = json.loads(proc.stdout)
    reference, fast = outputs["hcl2"], outputs["treesitter"]
    assert fast["resources"] == reference["resources"]
    assert fast["findings"] == reference["findings"]
    assert fast == reference


#: Heredocs whose closing marker has blanks after it: HCL (and so Terraform) closes them there.
CLOSING_MARKERS = {
    "spaces": 'x = <<EOF\nhunter2\nEOF   \ny = 1\n',
    "a tab": 'x = <<EOF\nhunter2\nEOF\t\ny = 1\n',
    "CRLF": 'x = <<EOF\r\nhunter2\r\nEOF  \r\ny = 1\r\n',
    "indented": 'x = <<-EOF\n\thunter2\n\tEOF \ny = 1\n',
    "in a block": 'locals {\n  p = <<EOT\n  {"a": 1}\n  EOT   \n  q = 2\n}\n',
    "a marker-like line inside": 'a = <<A\n<<B\nA  \nb = <<B\nx\nB \nc = 3\n',
}


@pytest.mark.parametrize("name", list(CLOSING_MARKERS))
def test_a_closing_marker_followed_by_blanks(name: str, tmp_path: Path) -> None:
    source = CLOSING_MARKERS[name]
    reference, fast = both(source)
    assert isinstance(reference, HclFile) and reference == fast
    body = reference.body if reference.body.attributes else reference.body.blocks[0].body
    last = body.attributes[-1]
    assert last.expr.line == source.count("\n", 0, source.rindex(last.name + " =")) + 1  # lines unchanged
    terraform = shutil.which("terraform")
    if terraform is not None:  # Terraform itself accepts each of them
        done = subprocess.run([terraform, "fmt", "-"], input=source, capture_output=True, text=True,
                              timeout=60, env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull})
        assert done.returncode == 0, done.stderr


def test_a_syntax_error_quotes_no_more_than_the_first_line_of_a_heredoc() -> None:
    source = 'secret = <<EOF\nhunter2-TOPSECRET\nEOF\n= broken\n'
    for backend in (hcl2_backend, treesitter_backend):
        with pytest.raises(HclSyntaxError) as raised:
            backend.parse_hcl('x = 1 +\n' + source, "t.tf")
        assert "hunter2" not in raised.value.message, raised.value.message
