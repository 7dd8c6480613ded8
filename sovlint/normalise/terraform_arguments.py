"""A Terraform resource block's arguments, as the location-semantics interpreter reads them.

Paths go through nested blocks (``settings.backup_configuration.location``),
``dynamic`` blocks (expanded with their ``for_each``), and attributes whose
value is an object or a list of objects. Values are evaluated in the module
instance with the resource's ``count``/``for_each`` names; Terraform's
unknowns become :class:`~sovlint.placement.interpret.Unresolved`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sovlint.hcl.render import render
from sovlint.hcl.syntax import (Attribute, Block, Body, Expr, GetAttr, Index, Literal, ObjectExpr, Splat,
                                Template, Variable)
from sovlint.placement.interpret import MISSING, Unresolved
from sovlint.placement.trees import TreeArguments
from sovlint.terraform.instance import ModuleInstance
from sovlint.terraform.values import Unknown

#: Items of one ``dynamic`` block expanded for an argument path.
MAX_DYNAMIC_ITEMS = 64


def referenced_resource(expr: Expr) -> tuple[str, str] | None:
    """``aws_s3_bucket.logs.arn`` -> ("aws_s3_bucket", "logs"); None for anything else."""
    steps: list[str] = []
    node: Any = expr
    while True:
        if isinstance(node, GetAttr):
            steps.append(node.name)
            node = node.obj
        elif isinstance(node, (Index, Splat)):
            node = node.obj
        elif isinstance(node, Variable):
            steps.append(node.name)
            break
        else:
            return None
    steps.reverse()
    if len(steps) >= 2 and "_" in steps[0] and steps[0] not in ("var", "local", "module", "data"):
        return steps[0], steps[1]
    return None


def _unknown_reason(value: Any) -> str | None:
    return value.reason if isinstance(value, Unknown) else None


def unresolved(value: Unknown) -> Unresolved:
    """Terraform's unknown as the interpreter reads it (a zone of a known region stays one)."""
    return Unresolved(value.reason, value.within)


#: A node reached by a path: ("attr", Attribute, names) | ("block", Body, names) | ("value", v, names).
_Node = tuple[str, Any, Mapping[str, Any]]


class BlockArguments:
    """The arguments of one resource block (or nested block) in a module instance."""

    def __init__(self, module: ModuleInstance, body: Body, extra: Mapping[str, Any]):
        self.module = module
        self.body = body
        self.extra = extra

    def _blocks(self, body: Body, name: str,
                extra: Mapping[str, Any]) -> list[_Node] | Unresolved:
        """Nested blocks called ``name``, ``dynamic`` ones expanded, in source order."""
        found: list[_Node] = [("block", b.body, extra) for b in body.blocks_of(name)]
        for dynamic in body.blocks_of("dynamic"):
            if dynamic.labels[:1] != (name,):
                continue
            content = dynamic.body.blocks_of("content")
            for_each = dynamic.body.attribute("for_each")
            if not content or for_each is None:
                continue
            value = self.module.evaluate(for_each.expr, extra)
            if isinstance(value, Unknown):
                return Unresolved(f"dynamic \"{name}\" for_each = {render(for_each.expr)} ({value.reason})")
            iterator_attr = dynamic.body.attribute("iterator")
            iterator = render(iterator_attr.expr).strip('"') if iterator_attr else name
            if isinstance(value, Mapping):
                pairs: list[tuple[Any, Any]] = list(value.items())
            elif isinstance(value, (list, tuple)):
                pairs = list(enumerate(value))
            else:
                continue
            for key, item in pairs[:MAX_DYNAMIC_ITEMS]:
                found.append(("block", content[0].body, {**extra, iterator: {"key": key, "value": item}}))
        return found

    def _step(self, node: _Node, name: str) -> list[_Node] | Unresolved:
        kind, payload, extra = node
        if kind == "attr":  # an attribute holding an object (or a list of objects)
            payload = self.module.evaluate(payload.expr, extra)
            kind = "value"
        if kind == "value":
            if isinstance(payload, Unknown):
                return unresolved(payload)
            values = payload if isinstance(payload, list) else [payload]
            found: list[_Node] = []
            for value in values:
                if isinstance(value, Unknown):
                    return unresolved(value)
                if isinstance(value, Mapping) and name in value:
                    found.append(("value", value[name], extra))
            return found
        body: Body = payload
        attr = body.attribute(name)
        if attr is not None:
            return [("attr", attr, extra)]
        return self._blocks(body, name, extra)

    def _nodes(self, path: str) -> list[_Node] | Unresolved:
        """Every node at ``path``, through every nested block (in source order)."""
        nodes: list[_Node] = [("block", self.body, self.extra)]
        for name in path.split("."):
            following: list[_Node] = []
            for node in nodes:
                step = self._step(node, name)
                if isinstance(step, Unresolved):
                    return step
                following.extend(step)
            nodes = following
            if not nodes:
                break
        return nodes

    def _value(self, node: _Node) -> Any:
        kind, payload, extra = node
        if kind == "attr":
            payload = self.module.evaluate(payload.expr, extra)
        elif kind == "block":
            return {a.name: self.module.evaluate(a.expr, extra) for a in payload.attributes}
        return unresolved(payload) if isinstance(payload, Unknown) else payload

    def value(self, path: str) -> Any:
        """The value at a Terraform path (the first block's, for repeated blocks)."""
        nodes = self._nodes(path)
        if isinstance(nodes, Unresolved):
            return nodes
        if not nodes:
            return MISSING
        if nodes[0][0] == "block":  # a block argument reads as the list of its blocks
            return [self._value(n) for n in nodes]
        return self._value(nodes[0])

    def values(self, path: str) -> list[Any] | Unresolved:
        """Every value at ``path`` across repeated blocks, lists flattened."""
        nodes = self._nodes(path)
        if isinstance(nodes, Unresolved):
            return nodes
        found: list[Any] = []
        for node in nodes:
            value = self._value(node)
            if isinstance(value, Unresolved):
                return value
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, Unknown):
                        return unresolved(item)
                    found.append(item)
            elif value is not None:
                found.append(value)
        return found

    def present(self, path: str) -> Any:
        """Whether a block, or an argument that is neither null nor false, is written."""
        value = self.value(path)
        if isinstance(value, Unresolved):
            return value
        return value is not MISSING and value is not None and value is not False and value != []

    def items(self, path: str) -> Sequence[Any] | Unresolved:
        """The nested blocks (or objects of a list attribute) at ``path``, across every level."""
        nodes = self._nodes(path)
        if isinstance(nodes, Unresolved):
            return nodes
        found: list[Any] = []
        for node in nodes:
            if node[0] == "block":
                found.append(BlockArguments(self.module, node[1], node[2]))
                continue
            value = self._value(node)
            if isinstance(value, Unresolved):
                return value
            for item in value if isinstance(value, list) else [value]:
                found.append(TreeArguments(item, unknown=_unknown_reason))
        return found

    def describe(self, path: str) -> str:
        """The expression as written (the path for blocks)."""
        nodes = self._nodes(path)
        if isinstance(nodes, list) and nodes and nodes[0][0] == "attr":
            return render(nodes[0][1].expr)
        return path

    def excerpt(self, value: Any) -> str:
        """A value as messages quote it."""
        return repr(value)

    def reference(self, path: str) -> tuple[str, str] | None:
        """The (type, name) of the resource of this module the argument refers to.

        A string that interpolates resources names the last one (a log sink's
        ``"storage.googleapis.com/${google_storage_bucket.logs.name}"``), and a
        key of an object attribute is read too (``params.source_dataset_id``).
        """
        nodes = self._nodes(path)
        if isinstance(nodes, list) and nodes and nodes[0][0] == "attr":
            attr = nodes[0][1]
            assert isinstance(attr, Attribute)
            return _resource_in(attr.expr)
        head, _, key = path.rpartition(".")
        parents = self._nodes(head) if head else []
        if not isinstance(parents, list) or not parents or parents[0][0] != "attr":
            return None
        written = parents[0][1].expr
        if not isinstance(written, ObjectExpr):
            return None
        for name, value in written.items:
            if isinstance(name, Literal) and name.value == key:
                return _resource_in(value)
        return None


def _resource_in(expr: Expr) -> tuple[str, str] | None:
    """The resource an expression refers to; in a template, the last one it interpolates (names
    are paths from the outside in: ``bq://${dataset.project}.${dataset.dataset_id}.${table.table_id}``
    is the table)."""
    if isinstance(expr, Template):
        found = [target for part in expr.parts if not isinstance(part, str)
                 if (target := referenced_resource(part)) is not None]
        return found[-1] if found else None
    return referenced_resource(expr)


def block_arguments(module: ModuleInstance, block: Block, extra: Mapping[str, Any]) -> BlockArguments:
    """The arguments of a resource block, evaluated with its instance's names."""
    return BlockArguments(module, block.body, extra)
