"""The shortcuts that make scans fast give the same answers as the long way round.

- a kustomization's rendered result is cached while nothing it reads changes;
- manifests parsed once per process are read again when they change;
- tree-sitter attributes are converted when first read, pickle as source, and
  an expression that cannot be converted becomes an unknown value, not a crash;
- rules skip resources through ``match_prefilter`` only where ``match`` could
  not hold anyway;
- ``display_path`` takes a shortcut for relative paths, with relpath's result.
"""

from __future__ import annotations

import json
import os
import pickle
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from filetree import ROOT, touch_later, write_tree
from sovlint.discover import display_path
from sovlint.hcl import treesitter_backend
from sovlint.hcl.syntax import UNREADABLE_CALL, Attribute, Call, HclSyntaxError, ObjectExpr
from sovlint.normalise.documents import SourceDocuments, load_source
from sovlint.terraform.evaluator import evaluate_or_unknown
from sovlint.terraform.values import Unknown

STUB = """#!/bin/sh
echo "$@" >> "{log}"
cat <<'END'
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  storageClassName: standard
END
"""


def test_rendered_kustomization_is_cached_until_an_input_changes(tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    log = tmp_path / "renders.log"
    stub = tools / "kustomize"  # a real executable standing for the user's renderer
    stub.write_text(STUB.format(log=log), encoding="utf-8")
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    work = write_tree(tmp_path / "work", {
        "app/overlay/kustomization.yaml": "resources:\n  - ../base\npatches:\n  - path: patch.yaml\n",
        "app/overlay/patch.yaml": "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n",
        "app/base/kustomization.yaml": "resources:\n  - pvc.yaml\n",
        "app/base/pvc.yaml": "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n",
    })
    env = {"PATH": f"{tools}:/usr/bin:/bin", "PYTHONPATH": str(ROOT),
           "SOVLINT_CACHE_DIR": str(tmp_path / "cache")}

    def renders_after_scan() -> int:
        done = subprocess.run([sys.executable, "-m", "sovlint", "scan", "app/overlay", "--format", "json"],
                              cwd=work, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode in (0, 1), done.stderr
        addresses = [r["address"] for r in json.loads(done.stdout)["resources"]]
        assert any("PersistentVolumeClaim" in a for a in addresses), addresses  # the rendered stream
        return len(log.read_text(encoding="utf-8").splitlines())

    assert renders_after_scan() == 1
    assert renders_after_scan() == 1  # reused
    touch_later(work / "app/base/pvc.yaml", "apiVersion: v1\nkind: PersistentVolumeClaim\n"
                                             "metadata:\n  name: data\n  labels: {a: b}\n")
    assert renders_after_scan() == 2  # a file of the base it names changed
    (work / "app/overlay/extra.yaml").write_text("a: 1\n", encoding="utf-8")
    assert renders_after_scan() == 3  # a new file in its folder
    assert renders_after_scan() == 3


def test_a_manifest_parsed_before_is_read_again_once_changed(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text("kind: Pod\nmetadata: {name: a}\n", encoding="utf-8")
    first = load_source(path, "pod.yaml")
    second = load_source(path, "other/pod.yaml")
    assert isinstance(first, SourceDocuments) and isinstance(second, SourceDocuments)
    assert second.documents == first.documents and second.path == "other/pod.yaml"
    touch_later(path, "kind: Pod\nmetadata: {name: b}\n")
    again = load_source(path, "pod.yaml")
    assert isinstance(again, SourceDocuments) and again.documents[0]["metadata"]["name"] == "b"


def test_deferred_attributes_convert_on_use_and_pickle_as_source() -> None:
    parsed = treesitter_backend.parse_hcl('a = "https://x.example/${var.p}"\nb = [1, 2]\n', "t.tf")
    a, b = parsed.body.attributes
    assert a.source_may_contain("://") and not b.source_may_contain("://")
    restored = pickle.loads(pickle.dumps(parsed))
    assert restored.body.attributes[1]._source is not None  # still source, not a tree
    assert restored == parsed
    assert restored.body.attributes[1].expr == treesitter_backend.parse_expression("[1, 2]", 2)


def test_an_expression_that_cannot_be_converted_is_unknown() -> None:
    def broken(text: str, line: int) -> Call:
        raise HclSyntaxError("expression nested too deeply", line)

    attr = Attribute.deferred("a", (broken, "[[[...]]]", 3), 3, 3)
    assert isinstance(attr.expr, Call) and attr.expr.name == UNREADABLE_CALL

    class Scope:
        def lookup(self, name: str, line: int = 0) -> object:
            raise AssertionError(name)

    value = evaluate_or_unknown(attr.expr, Scope())
    assert isinstance(value, Unknown) and value.reason == "expression nested too deeply"


def test_rule_prefilter_only_skips_what_match_rejects() -> None:
    from sovlint.config import Config
    from sovlint.engine import scan, select_policies
    from sovlint.policy.evaluate import cannot_match, holds, match_prefilter, resource_view

    config = Config(cache=False)
    result = scan([ROOT / "examples"], config)
    policies = select_policies(config)
    assert result.resources and policies
    skipped = 0
    for resource in result.resources:
        view = resource_view(resource, {"allowed_countries_personal": [], "profile": "france"})
        for policy in policies:
            prefilter = match_prefilter(policy)
            if prefilter and cannot_match(prefilter, view):
                skipped += 1
                assert policy.match is not None and holds(policy.match, view) is not True, policy.id
    assert skipped > 0


@pytest.mark.parametrize("path", ["a/b.tf", "./a/b.tf", "a/../b.tf", "../x/y.tf", "..", ".", "a/./b/../c.tf"])
def test_display_path_matches_relpath(path: str) -> None:
    assert display_path(Path(path)) == os.path.relpath(path)


def test_variable_and_output_bodies_are_built_when_read() -> None:
    source = ('variable "region" {\n  default = "eu-west-3"\n}\n'
              'output "id" { value = aws_s3_bucket.b.id }\n'
              'resource "aws_s3_bucket" "b\\u0041" {\n  bucket = "x"\n}\n')
    parsed = treesitter_backend.parse_hcl(source, "t.tf")
    variable, output, resource = parsed.body.blocks
    assert variable._source is not None and output._source is not None and resource._source is None
    restored = pickle.loads(pickle.dumps(parsed))
    assert restored.body.blocks[0]._source is not None  # still source after the cache
    assert restored == parsed
    assert variable.body.attribute("default").expr.value == "eu-west-3"  # type: ignore[union-attr]
    assert (output.body.attributes[0].line, output.end_line) == (4, 4)
    assert resource.labels == ("aws_s3_bucket", "bA")  # an escaped label takes the long way


def test_an_expression_parsed_alone_keeps_its_lines() -> None:
    expr = treesitter_backend.parse_expression("{\n  a = var.x\n}", 40)
    assert isinstance(expr, ObjectExpr) and expr.line == 40 and expr.items[0][1].line == 41
    with pytest.raises(HclSyntaxError) as info:
        treesitter_backend.parse_expression("[1,\n 2 +]", 7)
    assert info.value.line == 8 and "line 8" in info.value.message
