"""The reference graph reads module calls, kustomize bases and chart dependencies from text, as
the evaluator and the renderers follow them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from filetree import CORPUS, write_tree
from sovlint.references import COMPUTED, ReferenceGraph, read_references, terraform_module_sources


def test_module_blocks_with_a_literal_source() -> None:
    text = '''\
# module "commented" { source = "./no" }
// module "also" { source = "./no" }
/* module "block" {
  source = "./no"
} */
module "one" {
  source  = "./one"
  version = "1.0"
  nested {
    source = "./not-the-module-source"
  }
}

module "two" { source = "../two" }

module three {
  source = "../three"
}

module "templated" {
  source = "${path.module}/x"
}

module "registry" {
  source = "terraform-aws-modules/vpc/aws"
}

resource "null_resource" "r" {
  source = "./not-a-module"
}

locals {
  doc = <<EOT
module "heredoc" {
  source = "./no"
}
EOT
  quoted = "module \\"x\\" { source = \\"./no\\" }"
}

module "last" {
  source = "./last"
}'''
    assert terraform_module_sources(text) == {
        "one": "./one", "two": "../two", "three": "../three", "templated": COMPUTED,
        "registry": "terraform-aws-modules/vpc/aws", "last": "./last"}


def test_graph_of_a_tree(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "envs/prod/main.tf": 'module "a" {\n  source = "../../modules/a"\n}\n',
        "envs/prod/extra.tf.json": '{"module": {"b": {"source": "../../modules/b"}}}',
        "modules/a/main.tf": 'module "c" {\n  source = "../c"\n}\n',
        "modules/b/main.tf": "",
        "modules/c/main.tf": "",
        "k8s/overlay/kustomization.yaml": "resources:\n  - ../base\npatches:\n  - path: ../patches/p.yaml\n",
        "k8s/base/kustomization.yaml": "resources:\n  - deploy.yaml\n",
        "k8s/patches/p.yaml": "",
        "charts/app/Chart.yaml": "dependencies:\n  - name: lib\n    repository: file://../lib\n",
    })
    files = [os.path.join(d, n) for d, _, names in os.walk(tmp_path) for n in names]
    graph = read_references(files)
    real = os.path.realpath
    prod, a, b, c = (real(tmp_path / p) for p in ("envs/prod", "modules/a", "modules/b", "modules/c"))
    assert graph.targets(prod, "terraform") == {a, b}
    assert graph.reachable(prod, "terraform") == {prod, a, b, c}
    assert graph.dependents([c], "terraform") == {c, a, prod}
    assert graph.referenced([prod, a, b, c], "terraform") == {a, b, c}
    overlay, base = real(tmp_path / "k8s/overlay"), real(tmp_path / "k8s/base")
    assert graph.referenced([overlay, base], "kustomize") == {base}
    inputs = graph.reachable(overlay, "kustomize-input")
    assert real(tmp_path / "k8s/patches/p.yaml") in inputs and base in inputs
    assert graph.reachable(real(tmp_path / "charts/app"), "helm") == {
        real(tmp_path / "charts/app"), real(tmp_path / "charts/lib")}


def test_a_source_that_is_an_expression(tmp_path: Path) -> None:
    """Known once evaluated early (variables, locals); unknown, the caller may call anything."""
    write_tree(tmp_path, {
        "live/main.tofu": 'module "m" {\n  source = "${local.base}/x"\n}\n',
        "dynamic/main.tf": 'module "m" {\n  source = var.where\n}\n',
        "modules/x/main.tf": "",
    })
    graph = read_references(str(tmp_path / p) for p in ("live/main.tofu", "dynamic/main.tf"))
    real = os.path.realpath
    live, dynamic, module = (real(tmp_path / p) for p in ("live", "dynamic", "modules/x"))
    assert graph.computed_references("terraform") == {live, dynamic}
    assert graph.dependents([module], "terraform") == {module, live, dynamic}
    graph.resolve_computed("terraform", lambda d: [module] if d == live else None)
    assert graph.targets(live, "terraform") == {module}
    assert graph.computed_references("terraform") == {dynamic}
    assert graph.referenced([live, dynamic, module], "terraform") == {module}
    assert graph.dependents([module], "terraform") == {module, live, dynamic}
    assert graph.dependents([], "terraform") == set()


def test_a_new_kind_of_reference_plugs_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Another input kind (a Terragrunt unit deploying a module) is one more finder."""
    from sovlint import references
    from sovlint.references import ReferenceFinder

    def terragrunt_sources(name: str, data: bytes) -> list[str]:
        import re

        return re.findall(r'source\s*=\s*"(\.\.?/[^"]+)"', data.decode())

    finders = {**references.FINDERS, "terragrunt": ReferenceFinder(
        "terragrunt", lambda name: name == "terragrunt.hcl", (b"source",), terragrunt_sources,
        ("*terragrunt.hcl",))}
    monkeypatch.setattr(references, "FINDERS", finders)
    write_tree(tmp_path, {"live/prod/terragrunt.hcl": 'terraform {\n  source = "../../modules/x"\n}\n',
                          "modules/x/main.tf": ""})
    graph = ReferenceGraph()
    path = tmp_path / "live/prod/terragrunt.hcl"
    graph.add_file(str(path), path.read_bytes())
    module = os.path.realpath(tmp_path / "modules/x")
    assert graph.dependents([module], "terragrunt") == {module, os.path.realpath(tmp_path / "live/prod")}


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not there")
def test_terraform_calls_match_the_parser_on_the_whole_corpus() -> None:
    """Every module directory of the corpus: the calls read from text are the local module
    calls of the parsed configuration (what the evaluator follows)."""
    from sovlint.catalog import cached_catalog
    from sovlint.engine import plan_units
    from sovlint.discover import discover
    from sovlint.hcl.syntax import Block, Literal
    from sovlint.normalise.terraform import TerraformLoader, TerraformOptions

    here = os.getcwd()
    os.chdir(CORPUS)
    try:
        found = discover([Path(".")])
        units = [u for u in plan_units(found.files, False) if u.kind == "terraform"]
        graph = read_references(f.location for f in found.files)
        loader = TerraformLoader(cached_catalog(()), TerraformOptions())
        compared = 0
        for unit in units:
            config = loader.module_config(Path(unit.path))
            parsed = set()
            for located in (config.module_calls.values() if config else ()):
                node = located.node
                assert isinstance(node, Block)
                source = node.body.attribute("source")
                if source is not None and isinstance(source.expr, Literal) \
                        and str(source.expr.value).startswith(("./", "../")):
                    parsed.add(os.path.realpath(os.path.join(unit.path, str(source.expr.value))))
            assert graph.targets(os.path.realpath(unit.path), "terraform") == parsed, unit.path
            compared += bool(parsed)
    finally:
        os.chdir(here)
    assert len(units) > 600 and compared > 100
