"""Arguments read from nested data (plan JSON, state, CloudFormation, ARM, Kubernetes specs).

Location semantics name arguments by their Terraform path (``settings.
backup_configuration.location``). A format whose resources are nested
mappings and lists gives them to the interpreter through :class:`TreeArguments`,
which translates each path into the format's own spelling (an equivalent's
``paths`` table, or camelCase for Kubernetes-declared resources), walks the
data (a list of blocks is read at its first item; ``items`` gives them all),
and turns the format's unknowns into :class:`~sovlint.placement.interpret.Unresolved`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sovlint.placement.interpret import MISSING, Unresolved

#: How a format spells a Terraform path, or ``None`` when it has no such argument.
Translate = Callable[[str], "str | None"]


def identity(path: str) -> str | None:
    """Terraform's own spelling (plan JSON, state)."""
    return path


def camel_case(path: str) -> str | None:
    """``backup_configuration.point_in_time`` -> ``backupConfiguration.pointInTime`` (Kubernetes)."""
    return ".".join(part.split("_")[0] + "".join(w.title() for w in part.split("_")[1:])
                    for part in path.split("."))


def table(paths: Mapping[str, str]) -> Translate:
    """A translation table of an equivalent type (CloudFormation, ARM): absent = no such argument."""
    return lambda path: paths.get(path)


def _get(mapping: Mapping[str, Any], key: str, case_insensitive: bool) -> Any:
    if key in mapping:
        return mapping[key]
    if case_insensitive:
        lowered = key.lower()
        for name, value in mapping.items():
            if isinstance(name, str) and name.lower() == lowered:
                return value
    return MISSING


class TreeArguments:
    """A resource's arguments in nested data, as the interpreter reads them.

    ``evaluate`` turns a raw node into a value (CloudFormation intrinsics, ARM
    expressions; identity for data that is already evaluated); ``unknown``
    says why a value is unknown (``None`` for a known value); ``reference``
    gives a handle of the resource a raw node refers to.
    """

    def __init__(self, data: Any, translate: Translate = identity, *,
                 evaluate: Callable[[Any], Any] = lambda node: node,
                 unknown: Callable[[Any], str | None] = lambda value: None,
                 reference: Callable[[Any, str], Any] = lambda node, path: None,
                 describe: Callable[[Any, str], str] | None = None,
                 excerpt: Callable[[Any], str] = repr,
                 case_insensitive: bool = False, prefix: str = "", format_prefix: str = ""):
        self.data = data
        self.translate = translate
        self.evaluate = evaluate
        self.unknown = unknown
        self._reference = reference
        self._describe = describe
        self._excerpt = excerpt
        self.case_insensitive = case_insensitive
        self.prefix = prefix  # the Terraform path of this item (for ``each`` items)
        self.format_prefix = format_prefix

    @property
    def line(self) -> int | None:
        """The line of this item in its file, when the format records it."""
        return getattr(self.data, "line", None)

    def _spelled(self, path: str) -> list[str] | None:
        full = f"{self.prefix}.{path}" if self.prefix else path
        spelled = self.translate(full)
        if spelled is None:
            return None
        if self.format_prefix and spelled.startswith(self.format_prefix + "."):
            spelled = spelled[len(self.format_prefix) + 1:]
        return spelled.split(".")

    def _nodes(self, path: str) -> list[tuple[Any, Any]] | Unresolved:
        """Every (raw node, value) at ``path``, through every list of blocks."""
        parts = self._spelled(path)
        if parts is None:
            return []
        nodes: list[tuple[Any, Any]] = [(self.data, self.evaluate(self.data))]
        for part in parts:
            following: list[tuple[Any, Any]] = []
            for _raw, value in nodes:
                reason = self.unknown(value)
                if reason is not None:
                    return Unresolved(reason)
                for item in value if isinstance(value, list) else [value]:
                    item_value = self.evaluate(item)
                    reason = self.unknown(item_value)
                    if reason is not None:
                        return Unresolved(reason)
                    if isinstance(item_value, Mapping):
                        raw = _get(item_value, part, self.case_insensitive)
                        if raw is not MISSING:
                            following.append((raw, self.evaluate(raw)))
            nodes = following
            if not nodes:
                break
        return nodes

    def _checked(self, value: Any) -> Any:
        reason = self.unknown(value)
        return Unresolved(reason) if reason is not None else value

    def value(self, path: str) -> Any:
        """The value at a Terraform path (the first block's; MISSING, Unresolved, or the value)."""
        nodes = self._nodes(path)
        if isinstance(nodes, Unresolved):
            return nodes
        return self._checked(nodes[0][1]) if nodes else MISSING

    def values(self, path: str) -> list[Any] | Unresolved:
        """Every value at ``path`` across lists of blocks, lists flattened."""
        nodes = self._nodes(path)
        if isinstance(nodes, Unresolved):
            return nodes
        found: list[Any] = []
        for _raw, value in nodes:
            for item in value if isinstance(value, list) else [value]:
                checked = self._checked(self.evaluate(item))
                if isinstance(checked, Unresolved):
                    return checked
                if checked is not None:
                    found.append(checked)
        return found

    def present(self, path: str) -> Any:
        """Whether the argument or block is written (neither null nor false)."""
        value = self.value(path)
        if isinstance(value, Unresolved):
            return value
        return value is not MISSING and value is not None and value is not False and value != []

    def items(self, path: str) -> Sequence[TreeArguments] | Unresolved:
        """Each nested block or list item at ``path``, across every level."""
        nodes = self._nodes(path)
        if isinstance(nodes, Unresolved):
            return nodes
        spelled = ".".join(self._spelled(path) or [])
        full = f"{self.prefix}.{path}" if self.prefix else path
        inner_prefix = f"{self.format_prefix}.{spelled}" if self.format_prefix else spelled
        found: list[TreeArguments] = []
        for _raw, value in nodes:
            for item in value if isinstance(value, list) else [value]:
                if item is None:
                    continue
                found.append(TreeArguments(item, self.translate, evaluate=self.evaluate,
                                           unknown=self.unknown, reference=self._reference,
                                           describe=self._describe, excerpt=self._excerpt,
                                           case_insensitive=self.case_insensitive, prefix=full,
                                           format_prefix=inner_prefix))
        return found

    def describe(self, path: str) -> str:
        """The argument as the format writes it, for messages."""
        nodes = self._nodes(path)
        spelled = ".".join(self._spelled(path) or [path])
        if self._describe is not None and isinstance(nodes, list) and nodes:
            return self._describe(nodes[0][0], spelled)
        return spelled

    def excerpt(self, value: Any) -> str:
        """A value as messages may quote it (``excerpt``: ``repr`` unless the format hides values)."""
        return self._excerpt(value)

    def reference(self, path: str) -> Any:
        """A handle of the resource the argument refers to."""
        nodes = self._nodes(path)
        if not isinstance(nodes, list) or not nodes:
            return None
        full = f"{self.prefix}.{path}" if self.prefix else path
        return self._reference(nodes[0][0], full)
