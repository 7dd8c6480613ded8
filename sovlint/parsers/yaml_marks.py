"""YAML documents as plain data with the line of every value.

Built on ``yaml.compose_all`` (libyaml's composer when available) followed by
our own construction: no Python-object tags are ever constructed, unknown tags
(CloudFormation's ``!Ref``...) are kept as ``Tagged`` values, aliases are
expanded with a budget so that an alias bomb cannot exhaust memory, and
nesting depth is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

#: SPEC §9: structures nested deeper than this are refused.
MAX_DEPTH = 1000
#: Values a stream may hold in all (every document's nodes, aliases expanded); beyond it,
#: the file is refused. A stream of more is larger than the default --max-file-size allows.
MAX_NODES = 2_000_000
#: Values that aliases may add by repeating what their anchor names (``*a`` expands to a
#: copy of ``&a``): YAML's own amplification, bounded far below ``MAX_NODES``.
MAX_ALIAS_NODES = 100_000
#: Documents a stream may hold (each costs work even when empty).
MAX_DOCUMENTS = 100_000


class YamlError(Exception):
    """A YAML file that cannot be read; carries the 1-based line. ``limit`` is true when
    the file passes one of this module's limits (it may be valid YAML)."""

    def __init__(self, message: str, line: int | None = None, limit: bool = False):
        super().__init__(message)
        self.message = message
        self.line = line
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Tagged:
    """A value carrying a non-standard tag (``!Ref x`` → ``Tagged("!Ref", "x")``)."""

    tag: str
    value: Any


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping that remembers the line of itself and of each key (1-based)."""

    __slots__ = ("line", "end_line", "key_lines")

    def __init__(self) -> None:
        super().__init__()
        self.line = 0
        self.end_line = 0
        self.key_lines: dict[Any, int] = {}


class LineList(list):  # type: ignore[type-arg]
    """A sequence that remembers its line and the line of each item."""

    __slots__ = ("line", "end_line", "item_lines")

    def __init__(self) -> None:
        super().__init__()
        self.line = 0
        self.end_line = 0
        self.item_lines: list[int] = []


_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False,
         "y": True, "n": False}


def _scalar(node: Any) -> Any:
    tag = node.tag
    value = node.value
    if tag == "tag:yaml.org,2002:str":
        return value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return _BOOL.get(value.lower(), value)
    if tag == "tag:yaml.org,2002:int":
        text = value.replace("_", "")
        try:
            if text.startswith(("0x", "-0x", "+0x")):
                return int(text, 16)
            if text.startswith("0o"):
                return int(text[2:], 8)
            if len(text) > 1 and text.startswith("0") and text.isdigit():
                return int(text, 8)
            return int(text)
        except ValueError:
            return value
    if tag == "tag:yaml.org,2002:float":
        text = value.replace("_", "").lower()
        if text in (".inf", "+.inf"):
            return float("inf")
        if text == "-.inf":
            return float("-inf")
        if text == ".nan":
            return float("nan")
        try:
            return float(text)
        except ValueError:
            return value
    if tag.startswith("tag:yaml.org,2002:"):
        return value  # timestamps, binary, `=` value: keep the text
    return Tagged(tag, value)


#: Tags PyYAML's unsafe loaders turn into Python objects: refused, never constructed.
_PYTHON_TAG = "tag:yaml.org,2002:python/"


class _Builder:
    def __init__(self) -> None:
        self.nodes = 0
        self.alias_nodes = 0
        self.expanding = 0  # > 0 while an alias is being expanded
        self.built: set[int] = set()  # collection nodes already built once (by id)

    def build(self, node: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1, limit=True)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlError(f"more than {MAX_NODES:,} values in the file (the limit); not read",
                            node.start_mark.line + 1, limit=True)
        if isinstance(node, _NODES.scalar):  # most values: no alias, no recursion
            if self.expanding:
                self._count_alias(node)
            if node.tag == _STR_TAG:
                return node.value
            self._refuse_python_tag(node)
            return _scalar(node)
        if id(node) in self.built:  # an alias: the anchored value again
            self.expanding += 1
            try:
                return self._build(node, depth)
            finally:
                self.expanding -= 1
        self.built.add(id(node))
        return self._build(node, depth)

    def _count_alias(self, node: Any) -> None:
        self.alias_nodes += 1
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise YamlError(f"aliases expand to more than {MAX_ALIAS_NODES:,} values "
                            "(an alias bomb); not read", node.start_mark.line + 1, limit=True)

    @staticmethod
    def _refuse_python_tag(node: Any) -> None:
        if node.tag and node.tag.startswith(_PYTHON_TAG):
            raise YamlError(f"Python object tag {node.tag[len('tag:yaml.org,2002:'):]!r} is not allowed",
                            node.start_mark.line + 1)

    def _build(self, node: Any, depth: int) -> Any:
        """A sequence or a mapping."""
        if self.expanding:
            self._count_alias(node)
        self._refuse_python_tag(node)
        build = self.build
        if isinstance(node, _NODES.sequence):
            seq = LineList()
            seq.line = node.start_mark.line + 1
            seq.end_line = node.end_mark.line + 1
            lines = seq.item_lines
            for item in node.value:
                seq.append(build(item, depth + 1))
                lines.append(item.start_mark.line + 1)
            result: Any = seq
        elif isinstance(node, _NODES.mapping):
            mapping = LineDict()
            mapping.line = node.start_mark.line + 1
            mapping.end_line = node.end_mark.line + 1
            key_lines = mapping.key_lines
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    merged = build(value_node, depth + 1)
                    for source in merged if isinstance(merged, list) else [merged]:
                        if isinstance(source, dict):
                            for k, v in source.items():
                                mapping.setdefault(k, v)
                                key_lines.setdefault(k, key_node.start_mark.line + 1)
                    continue
                key = build(key_node, depth + 1)
                if isinstance(key, (dict, list)):
                    key = str(key)
                elif isinstance(key, Tagged):
                    key = f"{key.tag} {key.value}"
                mapping[key] = build(value_node, depth + 1)
                key_lines[key] = key_node.start_mark.line + 1
            result = mapping
        else:  # pragma: no cover - PyYAML has no other node kinds
            raise YamlError(f"unexpected YAML node {type(node).__name__}")
        if node.tag and not node.tag.startswith("tag:yaml.org,2002:"):
            return Tagged(node.tag, result)
        return result


_STR_TAG = "tag:yaml.org,2002:str"


class _NodeKinds:
    """PyYAML's node classes and the loader, bound on first use (PyYAML is imported then)."""

    scalar: Any = None
    sequence: Any = None
    mapping: Any = None
    loader: Any = None


_NODES = _NodeKinds()
#: Tags of plain scalars already resolved (a pure function of the text with SafeLoader's
#: resolvers); short texts only, and a bounded number of them.
_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_MAX = 4096


def _loader_class() -> Any:
    if _NODES.loader is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        scalar, resolve = yaml.ScalarNode, base.resolve

        class Loader(base):  # type: ignore[valid-type,misc]
            """SafeLoader (libyaml's when available) that remembers how plain scalars resolve."""

            def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
                if kind is scalar and implicit[0] and not self.yaml_path_resolvers:
                    tag = _PLAIN_TAGS.get(value)
                    if tag is None:
                        tag = resolve(self, kind, value, implicit)
                        if len(value) <= 64 and len(_PLAIN_TAGS) < _PLAIN_TAGS_MAX:
                            _PLAIN_TAGS[value] = tag
                    return tag
                return resolve(self, kind, value, implicit)

        _NODES.scalar, _NODES.sequence, _NODES.mapping = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
        _NODES.loader = Loader
    return _NODES.loader


def load_documents(text: str) -> Iterator[Any]:
    """Yield each document of a YAML stream as line-marked plain data.

    Raises ``YamlError`` (with a line) for malformed YAML, too-deep nesting or
    alias bombs. Empty documents yield ``None``.
    """
    import yaml

    loader = _loader_class()(text)
    builder = _Builder()
    documents = 0
    try:
        while loader.check_node():
            documents += 1
            if documents > MAX_DOCUMENTS:
                line = loader.peek_event().start_mark.line + 1
                raise YamlError(f"more than {MAX_DOCUMENTS:,} YAML documents in the file (the limit); "
                                "not read", line, limit=True)
            node = loader.get_node()
            builder.built.clear()  # ids of the previous document's nodes may be reused
            yield None if node is None else builder.build(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlError(f"invalid YAML: {exc.problem or exc}", line) from None
    except yaml.reader.ReaderError as exc:  # a control character: no mark, a position
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        raise YamlError(f"invalid YAML: unacceptable character #x{code:04x}",
                        line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlError(f"nesting deeper than the parser can follow") from None
    finally:
        loader.dispose()


def line_of(data: Any, path: tuple[Any, ...]) -> int | None:
    """The line of the value at ``path`` (keys and indexes) in line-marked data."""
    line: int | None = getattr(data, "line", None)
    node = data
    for step in path:
        if isinstance(node, LineDict) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
        line = getattr(node, "line", None) or line
    return line
