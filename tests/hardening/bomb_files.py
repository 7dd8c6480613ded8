"""Hostile inputs that try to exhaust memory or time (SPEC §9), shared by tests and ``bench/hostile.py``.

Each bomb is a small directory tree written in a second or less (the 100 MB
file is sparse: one byte written after a seek), with what the scan must say
about it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

#: A valid file next to every bomb: it must still be checked.
NEIGHBOUR = ("neighbour.tf", 'resource "aws_s3_bucket" "n" {\n  region = "us-east-1"\n}\n')
DEPTH = 10_000
HUGE_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class Bomb:
    """A hostile tree: how to write it, and what the JSON report must contain about it."""

    name: str
    write: Callable[[Path], None]
    #: ("finding", path, rule) or ("error", path, text in the message)
    expect: tuple[str, str, str]


def _write(base: Path, rel: str, text: str) -> None:
    path = base / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def alias_bomb(base: Path) -> None:
    """Billion laughs: nine levels of nine aliases each (10^9 strings once expanded)."""
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: lol", "data:",
             '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"  a{level}: &a{level} [{refs}]")
    _write(base, "bomb.yaml", "\n".join(lines) + "\n")


def deep_yaml(base: Path) -> None:
    """A Kubernetes manifest with a value nested ``DEPTH`` levels deep (flow sequences)."""
    _write(base, "deep.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x: "
           + "[" * DEPTH + "]" * DEPTH + "\n")


def deep_yaml_block(base: Path) -> None:
    """The same depth in block style: compact nested sequences (``- - - x``)."""
    _write(base, "deep-block.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x:\n"
           + "  " + "- " * DEPTH + "x\n")


def deep_json(base: Path) -> None:
    """A CloudFormation JSON template with a property nested ``DEPTH`` levels deep."""
    _write(base, "deep.json", '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": '
           '{"Type": "AWS::S3::Bucket", "Properties": {"Tags": ' + "[" * DEPTH + "]" * DEPTH + "}}}}\n")


def deep_hcl(base: Path) -> None:
    """A Terraform file with a tuple nested ``DEPTH`` levels deep."""
    _write(base, "deep/main.tf", 'locals {\n  x = ' + "[" * DEPTH + "]" * DEPTH + "\n}\n")


def deep_tf_json(base: Path) -> None:
    """A ``.tf.json`` file with a value nested ``DEPTH`` levels deep."""
    _write(base, "deepj/main.tf.json", '{"locals": {"x": ' + "[" * DEPTH + "]" * DEPTH + "}}\n")


def huge_file(base: Path) -> None:
    """A 100 MB ``.tf`` file, sparse: written in microseconds, never to be read."""
    path = base / "huge" / "main.tf"
    path.parent.mkdir(parents=True)
    with open(path, "wb") as handle:
        handle.seek(HUGE_BYTES - 1)
        handle.write(b"\n")


def self_module(base: Path) -> None:
    """A module that calls itself."""
    _write(base, "self/main.tf", 'module "again" {\n  source = "./"\n}\n'
           'resource "aws_s3_bucket" "b" {\n  region = "us-east-1"\n}\n')


def huge_for_each(base: Path) -> None:
    """``for_each`` over a million generated keys."""
    _write(base, "range/main.tf", 'resource "aws_s3_bucket" "b" {\n'
           '  for_each = toset([for i in range(1000000) : tostring(i)])\n'
           '  region   = "us-east-1"\n}\n')


def million_keys(base: Path) -> None:
    """``for_each`` over a million keys built without ``range`` (which Terraform caps at 1024)."""
    _write(base, "million/main.tf", 'resource "aws_s3_bucket" "b" {\n'
           '  for_each = toset(flatten([for i in range(1000) : [for j in range(1000) : "${i}-${j}"]]))\n'
           '  region   = "us-east-1"\n}\n')


def exponential_locals(base: Path) -> None:
    """Sixty locals, each the previous one twice: 2^60 elements if evaluated naively."""
    lines = ["locals {", '  l0 = ["x"]']
    lines += [f"  l{i} = concat(local.l{i - 1}, local.l{i - 1})" for i in range(1, 61)]
    lines.append("}")
    lines.append('resource "aws_s3_bucket" "b" {\n  count  = length(local.l60)\n  region = "us-east-1"\n}')
    _write(base, "exp/main.tf", "\n".join(lines) + "\n")


def deep_for(base: Path) -> None:
    """Nested ``for`` expressions: 1000^4 iterations if evaluated naively."""
    expr = "i3"
    for level in reversed(range(4)):
        expr = f"[for i{level} in range(1000) : {expr}]"
    _write(base, "for/main.tf", "locals {\n  x = " + expr + "\n}\n"
           'resource "aws_s3_bucket" "b" {\n  count  = length(flatten(local.x))\n  region = "us-east-1"\n}\n')


def tf_redos(base: Path) -> None:
    """Terraform's regex() on a pattern that takes 2^n steps in a backtracking engine."""
    _write(base, "redos/main.tf", 'resource "aws_s3_bucket" "b" {\n'
           '  region = can(regex("^(a+)+$", "' + "a" * 40 + '!")) ? "eu-west-3" : "us-east-1"\n}\n')


def tf_replace_gigabyte(base: Path) -> None:
    """10,000 spaces each replaced by 100,000 characters: a gigabyte asked by a few bytes."""
    _write(base, "replace/main.tf", 'locals {\n  big = join("", [for i in range(100) : format("%1000s", "")])\n}\n'
           'resource "aws_s3_bucket" "b" {\n'
           '  region = substr(replace(format("%10000s", ""), " ", local.big), 0, 9)\n}\n')


def tf_yamldecode_bomb(base: Path) -> None:
    """yamldecode() of a billion-laughs document."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    _write(base, "yamldecode/main.tf", 'resource "aws_s3_bucket" "b" {\n'
           '  region = yamldecode("' + "\\n".join(lines) + '\\nr: eu-west-3")["r"]\n}\n')


def _fan_out(levels: int) -> Callable[[Path], None]:
    def write(base: Path) -> None:
        calls = "".join(f'module "c{i}" {{\n  source = "./m0"\n}}\n' for i in range(10))
        _write(base, f"fan{levels}/main.tf", calls)
        for level in range(levels):
            inner = "".join(f'module "c{i}" {{\n  source = "../m{level + 1}"\n}}\n' for i in range(10))
            _write(base, f"fan{levels}/m{level}/main.tf", (inner if level < levels - 1 else "")
                   + 'resource "aws_s3_bucket" "b" {\n  region = "eu-west-3"\n}\n')
    write.__doc__ = f"10 module calls per module, {levels} levels deep (10^{levels} instances)."
    return write


def distinct_large(base: Path) -> None:
    """distinct() over 99,000 values (quadratic if done naively), then 1,000 instances."""
    _write(base, "distinct/main.tf", 'locals {\n  d = distinct(flatten([for i in range(99) : range(1000)]))\n}\n'
           'resource "aws_s3_bucket" "b" {\n  count  = length(local.d)\n  region = "us-east-1"\n}\n')


def arm_doubling(base: Path) -> None:
    """26 ARM variables, each the previous one concatenated to itself (5 GB at the end)."""
    import json

    variables = {"v0": "[string('" + "x" * 80 + "')]"}
    variables.update({f"v{i}": f"[concat(variables('v{i - 1}'), variables('v{i - 1}'))]" for i in range(1, 27)})
    _write(base, "arm/azuredeploy.json", json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "variables": variables,
        "resources": [{"type": "Microsoft.Storage/storageAccounts", "name": "[variables('v26')]",
                       "location": "[substring(variables('v26'), 0, 6)]"},
                      {"type": "Microsoft.Storage/storageAccounts", "name": "[string(int(json('Infinity')))]",
                       "location": "westus"}]}))


def empty_documents(base: Path) -> None:
    """2.5 million empty YAML documents after a manifest (10 MB)."""
    path = base / "many.yaml"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n" + "---\n" * 2_500_000)


def tfvars_device(base: Path) -> None:
    """terraform.tfvars committed as a symbolic link to /dev/zero."""
    _write(base, "zero/main.tf", 'variable "region" {}\nresource "aws_s3_bucket" "b" {\n  region = var.region\n}\n')
    os.symlink("/dev/zero", base / "zero" / "terraform.tfvars")


def tfvars_fifo(base: Path) -> None:
    """terraform.tfvars committed as a FIFO (reading it would block forever)."""
    _write(base, "fifo/main.tf", 'variable "region" {}\nresource "aws_s3_bucket" "b" {\n  region = var.region\n}\n')
    os.mkfifo(base / "fifo" / "terraform.tfvars")


def kustomize_remote(base: Path) -> None:
    """A kustomization whose nested kustomization names a URL (port 1: nothing answers)."""
    _write(base, "kustomize/kustomization.yaml", "resources:\n  - sub\n")
    _write(base, "kustomize/sub/kustomization.yaml",
           "resources:\n  - http://127.0.0.1:1/exfil.yaml?leak=ci-secret\n")


def cloudformation_for_each(base: Path) -> None:
    """Five nested Fn::ForEach loops over 100 values (10^10 resources if expanded)."""
    values = "[" + ", ".join(f"v{i}" for i in range(100)) + "]"
    body = "B${A}${B}${C}${D}${E}: {Type: AWS::S3::Bucket}"
    for level, name in reversed(list(enumerate("ABCDE"))):
        indent = "  " * (level + 1)
        body = f"Fn::ForEach::L{name}:\n{indent}  - {name}\n{indent}  - {values}\n{indent}  - {body}"
    _write(base, "cfn/template.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\n'
           "Transform: AWS::LanguageExtensions\nResources:\n  " + body + "\n")


BOMBS: tuple[Bomb, ...] = (
    Bomb("yaml-alias-bomb", alias_bomb, ("finding", "bomb.yaml", "SOV900")),
    Bomb("yaml-10000-levels-flow", deep_yaml, ("finding", "deep.yaml", "SOV900")),
    Bomb("yaml-10000-levels-block", deep_yaml_block, ("finding", "deep-block.yaml", "SOV900")),
    Bomb("json-10000-levels", deep_json, ("finding", "deep.json", "SOV900")),
    Bomb("hcl-10000-levels", deep_hcl, ("finding", "deep/main.tf", "SOV900")),
    Bomb("tf-json-10000-levels", deep_tf_json, ("finding", "deepj/main.tf.json", "SOV900")),
    Bomb("100-MB-file", huge_file, ("finding", "huge/main.tf", "SOV900")),
    Bomb("module-calls-itself", self_module, ("error", "self/main.tf", "calls itself")),
    # Terraform rejects range() beyond 1024 values; so does sovlint: for_each unknown, one resource
    Bomb("for_each-range-1000000", huge_for_each, ("finding", "range/main.tf", "SOV001")),
    Bomb("for_each-1000000-keys", million_keys, ("error", "million/main.tf", "evaluation budget exceeded")),
    Bomb("exponential-locals", exponential_locals, ("error", "exp/main.tf", "value too large")),
    Bomb("deep-for-nesting", deep_for, ("error", "for/main.tf", "evaluation budget exceeded")),
    Bomb("terraform-regex-redos", tf_redos, ("finding", "redos/main.tf", "SOV001")),
    Bomb("terraform-replace-1-GB", tf_replace_gigabyte, ("finding", "replace/main.tf", "SOV004")),
    Bomb("terraform-yamldecode-alias-bomb", tf_yamldecode_bomb, ("finding", "yamldecode/main.tf", "SOV004")),
    Bomb("module-fan-out-10x5", _fan_out(5), ("error", "fan5/m3/main.tf", "module instances")),
    Bomb("module-fan-out-10x12", _fan_out(12), ("error", "fan12/m10/main.tf", "module instances")),
    Bomb("distinct-99000-values", distinct_large, ("error", "distinct/main.tf", "stand for all")),
    Bomb("arm-concat-doubling-26", arm_doubling, ("finding", "arm/azuredeploy.json", "SOV004")),
    Bomb("yaml-2.5M-empty-documents", empty_documents, ("finding", "many.yaml", "SOV900")),
    Bomb("tfvars-link-to-dev-zero", tfvars_device, ("finding", "zero/terraform.tfvars", "SOV900")),
    Bomb("tfvars-fifo", tfvars_fifo, ("finding", "fifo/terraform.tfvars", "SOV900")),
    Bomb("cloudformation-nested-for-each", cloudformation_for_each, ("finding", "cfn/template.yaml", "SOV002")),
    Bomb("kustomize-nested-remote", kustomize_remote, ("error", "kustomize/kustomization.yaml",
                                                        "kustomization not rendered")),
)


def write_bomb(bomb: Bomb, base: Path) -> Path:
    """Write ``bomb`` and the valid neighbour file under ``base``; return ``base``."""
    base.mkdir(parents=True, exist_ok=True)
    bomb.write(base)
    _write(base, NEIGHBOUR[0], NEIGHBOUR[1])
    return base


