"""Hostile inputs that try to exhaust memory or time (SPEC §9), shared by tests and ``bench/bombs.py``.

Each bomb is a small directory tree written in a second or less (the 100 MB
file is sparse: one byte written after a seek), with what the scan must say
about it.
"""

from __future__ import annotations

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
)


def write_bomb(bomb: Bomb, base: Path) -> Path:
    """Write ``bomb`` and the valid neighbour file under ``base``; return ``base``."""
    base.mkdir(parents=True, exist_ok=True)
    bomb.write(base)
    _write(base, NEIGHBOUR[0], NEIGHBOUR[1])
    return base


