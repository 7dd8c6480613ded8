"""HCL backend built on tree-sitter and tree-sitter-hcl (the default where they are installed).

It produces the same :mod:`sovlint.hcl.syntax` trees as the python-hcl2
backend (:mod:`sovlint.hcl.hcl2_backend`, the reference), about twenty times
faster. tree-sitter-hcl inlines expression terms into their parents
(``var.a.b`` is a flat ``variable_expr get_attr get_attr`` run), so terms are
rebuilt here from those runs. Heredoc bodies are cut with the same code as the
reference backend (:mod:`sovlint.hcl.template_parts`), so that their values and
lines agree exactly; quoted strings take their literal text from the source
bytes between interpolations, since tree-sitter leaves whitespace out of its
``template_literal`` nodes.

Broken input raises :class:`HclSyntaxError` at the first ``ERROR`` or
``MISSING`` node.
"""

from __future__ import annotations

import re
from typing import Any, Sequence, Union

from sovlint.hcl.syntax import (
    Attribute,
    BinaryOp,
    Block,
    Body,
    Call,
    Comment,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    HclFile,
    HclSyntaxError,
    Index,
    Literal,
    ObjectExpr,
    Parens,
    Splat,
    Template,
    TupleExpr,
    UnaryOp,
    Variable,
)
from sovlint.hcl.template_parts import (
    DirectivePiece,
    InterpolationPiece,
    LiteralPiece,
    TemplatePiece,
    assemble_template,
    scan_raw_template,
    trim_flush_heredoc,
    unescape_quoted,
)

__all__ = ["parse_hcl", "parse_hcl_json", "parse_expression", "parse_body", "parse_template"]

Node = Any  # tree_sitter.Node (the package is optional, so not imported for typing)

_BINARY_OPERATORS = frozenset({"==", "!=", "<", ">", "<=", ">=", "*", "/", "%", "&&", "||", "+", "-"})
_LITERAL_KEYWORDS: dict[str, bool | None] = {"true": True, "false": False, "null": None}
_TOOLS: list[tuple[Any, Any]] = []


def _parser() -> Any:
    """The tree-sitter parser for HCL of this process."""
    return load_tools()[0]


def load_tools() -> tuple[Any, Any]:
    """(parser, comment query cursor), created on first use; ImportError when not installed."""
    if not _TOOLS:
        try:
            import tree_sitter
            import tree_sitter_hcl
        except ImportError as exc:
            raise ImportError(
                "the tree-sitter HCL backend is not installed on this platform: "
                "pip install 'sovlint[fast]' builds it, or use --hcl-backend hcl2 "
                f"(missing: {exc.name})"
            ) from exc
        language = tree_sitter.Language(tree_sitter_hcl.language())
        query = tree_sitter.Query(language, "(comment) @comment")
        _TOOLS.append((tree_sitter.Parser(language), tree_sitter.QueryCursor(query)))
    return _TOOLS[0]


def parse_hcl(text: str, path: str) -> HclFile:
    """Parse HCL native syntax (``.tf``, ``.tfvars``) into an :class:`HclFile`.

    Raises :class:`HclSyntaxError` (with line and column) for input that does
    not parse, including input nested too deeply to convert.
    """
    source = text.encode("utf-8")
    root = _parser().parse(source).root_node
    if root.has_error:
        raise _syntax_error(root)
    converter = _Converter(source, defer=True)
    try:
        body_node = next((c for c in root.children if c.type == "body"), None)
        body = converter.body(body_node)
        comments = _collect_comments(root)
    except RecursionError:
        raise HclSyntaxError("expression nested too deeply") from None
    return HclFile(path=path, body=body, comments=tuple(comments))


def parse_expression(text: str, line: int = 1) -> Expr:
    """Parse one HCL expression (as found on the right of ``=``); ``line`` is where it starts."""
    source = ("x = " + text.strip() + "\n").encode("utf-8")
    root = _parser().parse(source).root_node
    if root.has_error:
        raise _syntax_error(root, line)
    body_node = next((c for c in root.children if c.type == "body"), None)
    items = [c for c in body_node.children if c.type in ("attribute", "block")] if body_node else []
    if len(items) != 1 or items[0].type != "attribute":
        raise HclSyntaxError("expected exactly one expression", line)
    try:
        return _Converter(source, first_line=line).attribute(items[0]).expr
    except RecursionError:
        raise HclSyntaxError("expression nested too deeply", line) from None


def parse_body(text: str, line: int = 1) -> Body:
    """Parse the inside of a block (between its braces) that starts on ``line``."""
    source = (text + "\n").encode("utf-8")
    root = _parser().parse(source).root_node
    if root.has_error:
        raise _syntax_error(root, line)
    body_node = next((c for c in root.children if c.type == "body"), None)
    return _Converter(source, defer=True, first_line=line).body(body_node)


def parse_template(text: str, line: int = 1) -> Literal | Template:
    """Parse a raw template (no backslash escapes, as in a heredoc or a JSON string)."""
    return assemble_template(scan_raw_template(text, line, parse_expression), line)


def parse_hcl_json(text: str, path: str) -> HclFile:
    """Parse Terraform's JSON syntax (``.tf.json``); strings are parsed as templates."""
    from sovlint.hcl.json_backend import parse_terraform_json

    return parse_terraform_json(text, path, parse_template)


# ---------------------------------------------------------------------------
# Errors and comments
# ---------------------------------------------------------------------------


def _syntax_error(root: Node, first_line: int = 1) -> HclSyntaxError:
    """An :class:`HclSyntaxError` at the first ``ERROR``/``MISSING`` node in source order
    (in a source that starts on ``first_line``)."""
    cursor = root.walk()
    while True:
        node = cursor.node
        row, column = node.start_point
        line = row + first_line
        if node.is_missing:
            return HclSyntaxError(f"missing {node.type!r} at line {line}, column {column + 1}", line, column + 1)
        if node.is_error:
            from sovlint.quoting import excerpt

            snippet = excerpt(node.text.decode("utf-8", "replace"), 30)  # never the lines after
            return HclSyntaxError(f"unexpected {snippet!r} at line {line}, column {column + 1}", line, column + 1)
        if node.has_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                row, column = root.start_point
                return HclSyntaxError("syntax error", row + first_line, column + 1)


def _collect_comments(root: Node) -> list[Comment]:
    """Every comment of the file, in line order (heredoc bodies hold no ``comment`` nodes)."""
    comments: list[Comment] = []
    for node in load_tools()[1].captures(root).get("comment", ()):
        comment = _comment_from_text(node.text.decode("utf-8"), node.start_point[0] + 1)
        if comment is not None:
            comments.append(comment)
    comments.sort(key=lambda c: c.line)
    return comments


def _comment_from_text(text: str, line: int) -> Comment | None:
    """A :class:`Comment` from the text of a ``comment`` node."""
    if text.startswith("#"):
        return Comment(text[1:].strip(), line)
    if text.startswith("//"):
        return Comment(text[2:].strip(), line)
    if text.startswith("/*"):
        inner = text[2:]
        end = inner.rfind("*/")
        return Comment((inner[:end] if end >= 0 else inner).strip(), line)
    return None


#: Top-level blocks whose bodies are built only when read: most are never read (a variable's
#: default is read when the variable is used, an output's value when a caller uses it).
_DEFERRED_BLOCKS = frozenset({"variable", "output", "data", "check", "import", "moved", "removed"})

#: Bracket depth from which an expression is converted when its file is parsed rather than
#: deferred, so that input nested too deeply to convert stays a syntax error of the file.
_DEFER_MAX_DEPTH = 48
_NOT_BRACKETS = re.compile(r"[^\[\](){}]+")


def _deeply_nested(text: str) -> bool:
    """Whether ``text`` may nest brackets ``_DEFER_MAX_DEPTH`` deep (brackets in strings count)."""
    if len(text) < 2 * _DEFER_MAX_DEPTH:
        return False
    depth = 0
    for char in _NOT_BRACKETS.sub("", text):
        if char in "[({":
            depth += 1
            if depth >= _DEFER_MAX_DEPTH:
                return True
        else:
            depth -= 1
    return False


def _kids(node: Node) -> list[Node]:
    """The children of ``node`` without comments."""
    return [c for c in node.children if c.type != "comment"]


# ---------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------


class _Converter:
    """Turns tree-sitter-hcl nodes of one source into syntax-tree nodes."""

    def __init__(self, source: bytes, defer: bool = False, first_line: int = 1):
        self.source = source
        self.defer = defer  # attributes keep their source; their trees are built when used
        self.offset = first_line - 1  # the source is a snippet that starts on ``first_line``

    def line(self, node: Node) -> int:
        """The 1-based line ``node`` starts on."""
        return node.start_point[0] + 1 + self.offset

    def end_line(self, node: Node) -> int:
        """The 1-based line ``node`` ends on."""
        return node.end_point[0] + 1 + self.offset

    def text(self, node: Node) -> str:
        """The source text of ``node``."""
        return self.source[node.start_byte : node.end_byte].decode("utf-8")

    # ----- bodies -----

    def body(self, node: Node | None) -> Body:
        """A ``body`` node (or none, for an empty body) into a :class:`Body`."""
        attributes: list[Attribute] = []
        blocks: list[Block] = []
        if node is not None:
            for child in node.children:
                kind = child.type
                if kind == "attribute":
                    attributes.append(self.attribute(child))
                elif kind == "block":
                    blocks.append(self.block(child))
        return Body(tuple(attributes), tuple(blocks))

    def attribute(self, node: Node) -> Attribute:
        """An ``attribute`` node (``name = expression``)."""
        kids = node.children
        if len(kids) != 3:  # comments inside: ``name = # ...``
            kids = _kids(node)
        name_node, expr_node = kids[0], kids[-1]
        source = self.source
        name = source[name_node.start_byte:name_node.end_byte].decode("utf-8")
        line, end_line = self.line(node), self.end_line(expr_node)
        if self.defer:
            text = source[expr_node.start_byte:expr_node.end_byte].decode("utf-8")
            if not _deeply_nested(text):  # those are converted now: too deep is a syntax error
                return Attribute.deferred(name, (parse_expression, text, self.line(expr_node)),
                                          line, end_line)
        return Attribute(name, self.expr(expr_node), line, end_line)

    def block(self, node: Node) -> Block:
        """A ``block`` node (``type "label" { body }``)."""
        block_type = ""
        labels: list[str] = []
        body_node = None
        end_line = self.end_line(node)
        seen_type = False
        for child in node.children:
            kind = child.type
            if kind == "identifier":
                if seen_type:
                    labels.append(self.text(child))
                else:
                    block_type = self.text(child)
                    seen_type = True
            elif kind == "string_lit":
                raw = self.text(child)
                if raw[-1:] == '"' and "\\" not in raw and "{" not in raw:  # plain: no escape, no template
                    labels.append(raw[1:-1])
                    continue
                value = self.quoted(child)
                raw = raw.replace("$${", "").replace("%%{", "")
                if not isinstance(value, Literal) or "${" in raw or "%{" in raw:
                    raise HclSyntaxError("block labels cannot contain interpolations", self.line(child))
                labels.append(str(value.value))
            elif kind == "body":
                body_node = child
            elif kind == "block_end":
                end_line = self.line(child)
        if self.defer and body_node is not None and block_type in _DEFERRED_BLOCKS:
            text = self.text(body_node)
            if not _deeply_nested(text):  # those are converted now: too deep is a syntax error
                return Block.deferred(block_type, tuple(labels), (parse_body, text, self.line(body_node)),
                                      self.line(node), end_line)
        return Block(block_type, tuple(labels), self.body(body_node), self.line(node), end_line)

    # ----- expressions -----

    def expr(self, node: Node) -> Expr:
        """An ``expression`` node, or any single expression node."""
        if node.type == "expression":
            return self.term(_kids(node))
        return self.single(node)

    def term(self, nodes: Sequence[Node]) -> Expr:
        """An inlined expression term: a base (or ``( expr )``) followed by postfix steps."""
        first = nodes[0]
        line = self.line(first)
        if first.type == "(":
            result: Expr = Parens(self.expr(nodes[1]), line)
            steps = nodes[3:]
        else:
            result = self.single(first)
            steps = nodes[1:]
        for step in steps:
            result = self.postfix(result, step, line)
        return result

    def postfix(self, obj: Expr, step: Node, line: int) -> Expr:
        """Apply one ``get_attr``, ``index`` or ``splat`` step to ``obj``."""
        kind = step.type
        if kind == "get_attr":
            return GetAttr(obj, self.attr_name(step), line)
        if kind == "index":
            return Index(obj, self.index_key(step), line)
        if kind == "splat":
            return self.splat(obj, step.children[0], line)
        raise HclSyntaxError(f"unsupported expression step {kind}", self.line(step))

    def attr_name(self, get_attr: Node) -> str:
        """The name of a ``get_attr`` step (``.name``)."""
        return self.text(get_attr)[1:].strip()

    def index_key(self, index: Node) -> Expr:
        """The key of an ``index`` step: ``[expr]`` or the legacy ``.0``."""
        inner = index.children[0] if index.type == "index" else index
        if inner.type == "legacy_index":
            return Literal(int(self.text(inner)[1:].strip()), self.line(inner))
        expr_node = next(c for c in inner.children if c.type == "expression")
        return self.expr(expr_node)

    def splat(self, obj: Expr, node: Node, line: int) -> Expr:
        """``obj[*].a[0]`` (full splat) or ``obj.*.a.0`` (attribute-only splat, which ``[i]`` ends)."""
        steps = [c for c in node.children if c.type in ("get_attr", "index")]
        each: list[Union[str, Expr]] = []
        if node.type == "full_splat":
            for step in steps:
                each.append(self.attr_name(step) if step.type == "get_attr" else self.index_key(step))
            return Splat(obj, tuple(each), True, line)
        position = 0
        while position < len(steps) and (
            steps[position].type == "get_attr" or steps[position].children[0].type == "legacy_index"
        ):
            step = steps[position]
            each.append(self.attr_name(step) if step.type == "get_attr" else self.index_key(step))
            position += 1
        result: Expr = Splat(obj, tuple(each), False, line)
        for step in steps[position:]:
            result = self.postfix(result, step, line)
        return result

    def single(self, node: Node) -> Expr:
        """One named expression node (not an inlined run)."""
        kind = node.type
        line = self.line(node)
        if kind == "variable_expr":
            return Variable(self.text(node), line)
        if kind == "literal_value":
            return self.literal(node.children[0])
        if kind in ("template_expr", "collection_value", "for_expr", "operation"):
            return self.single(node.children[0])
        if kind == "expression":
            return self.term(_kids(node))
        method = _SINGLE.get(kind)
        if method is None:
            raise HclSyntaxError(f"unsupported expression form {kind}", line)
        return method(self, node)

    def literal(self, node: Node) -> Expr:
        """``numeric_lit``, ``bool_lit``, ``null_lit`` or ``string_lit``."""
        kind = node.type
        line = self.line(node)
        if kind == "numeric_lit":
            text = self.text(node)
            if text.isdigit():
                return Literal(int(text), line)
            return Literal(float(text), line)
        if kind in ("bool_lit", "null_lit"):
            return Literal(_LITERAL_KEYWORDS[self.text(node)], line)
        if kind == "string_lit":
            return self.quoted(node)
        raise HclSyntaxError(f"unsupported literal {kind}", line)

    def quoted(self, node: Node) -> Literal | Template:
        """A quoted string (``string_lit`` or ``quoted_template``) into a Literal or Template."""
        kids = node.children
        start = kids[0].end_byte  # after the opening quote
        end = kids[-1].start_byte if kids[-1].type == "quoted_template_end" else node.end_byte
        pieces: list[TemplatePiece] = []
        sequences: list[Node] = []
        for child in kids[1:]:
            _template_sequences(child, sequences)
        position = start
        for sequence in sequences:
            if sequence.start_byte > position:
                pieces.append(self.quoted_literal(position, sequence.start_byte, self.line(sequence)))
            pieces.append(self.sequence(sequence))
            position = sequence.end_byte
        if end > position:
            pieces.append(self.quoted_literal(position, end, self.line(node)))
        return assemble_template(pieces, self.line(node))

    def quoted_literal(self, start: int, end: int, line: int) -> LiteralPiece:
        """Literal text of a quoted string between two sequences, escapes resolved."""
        raw = self.source[start:end].decode("utf-8")
        if "$${" in raw or "%%{" in raw:
            raw = raw.replace("$${", "${").replace("%%{", "%{")
        return LiteralPiece(unescape_quoted(raw, line), line)

    def sequence(self, node: Node) -> TemplatePiece:
        """An interpolation or a directive opener/closer of a quoted string."""
        kind = node.type
        line = self.line(node)
        before, after, keyword = _strip_flags(node)
        if kind == "template_interpolation":
            expr_node = next(c for c in node.children if c.type == "expression")
            return InterpolationPiece(self.expr(expr_node), before, after, line)
        if kind == "template_if_intro":
            expr_node = next(c for c in node.children if c.type == "expression")
            return DirectivePiece("if", self.expr(expr_node), strip_before=before, strip_after=after, line=line)
        if kind == "template_for_start":
            names = [self.text(c) for c in node.children if c.type == "identifier"]
            expr_node = next(c for c in node.children if c.type == "expression")
            key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            return DirectivePiece(
                "for", self.expr(expr_node), key_var, value_var, strip_before=before, strip_after=after, line=line
            )
        return DirectivePiece(keyword, strip_before=before, strip_after=after, line=line)

    def heredoc(self, node: Node) -> Expr:
        """``<<EOT`` / ``<<-EOT``: the body is cut as raw text, like the reference backend does."""
        flush = node.children[0].type == "heredoc_start" and self.text(node.children[0]) == "<<-"
        raw = (self.text(node) + "\n").replace("\r\n", "\n")
        first_newline = raw.index("\n")
        body = raw[first_newline + 1 :]
        body = body[: body.rstrip("\n").rfind("\n") + 1] if "\n" in body.rstrip("\n") else ""
        line = self.line(node)
        pieces = scan_raw_template(body, line + 1, parse_expression)
        if flush:
            pieces = trim_flush_heredoc(pieces)
        return assemble_template(pieces, line)

    def tuple_(self, node: Node) -> Expr:
        """``[a, b, c]``."""
        items = tuple(self.expr(c) for c in node.children if c.type == "expression")
        return TupleExpr(items, self.line(node))

    def object_(self, node: Node) -> Expr:
        """``{ key = value, ... }``; a bare-identifier key is a literal string."""
        items: list[tuple[Expr, Expr]] = []
        for elem in node.children:
            if elem.type != "object_elem":
                continue
            key_node, value_node = [c for c in elem.children if c.type == "expression"]
            key = self.expr(key_node)
            if isinstance(key, Variable):
                key = Literal(key.name, key.line)
            items.append((key, self.expr(value_node)))
        return ObjectExpr(tuple(items), self.line(node))

    def function_call(self, node: Node) -> Expr:
        """``f(a, b...)`` and provider functions ``provider::p::f()``."""
        name = ""
        args: tuple[Expr, ...] = ()
        expand = False
        for child in node.children:
            kind = child.type
            if kind == "identifier":
                name = self.text(child)
            elif kind == "function_arguments":
                args = tuple(self.expr(c) for c in child.children if c.type == "expression")
                expand = any(c.type == "ellipsis" for c in child.children)
        return Call(name, args, expand, self.line(node))

    def conditional(self, node: Node) -> Expr:
        """``c ? a : b``; tree-sitter-hcl nests ``c1 ? a : c2 ? b : d`` to the left, HCL to the right."""
        cond_node, then_node, else_node = [c for c in node.children if c.type == "expression"]
        cond = self.expr(cond_node)
        then, else_ = self.expr(then_node), self.expr(else_node)
        cond_kids = _kids(cond_node)
        if len(cond_kids) == 1 and cond_kids[0].type == "conditional":
            assert isinstance(cond, Conditional)
            return _right_nested(cond, then, else_)
        return Conditional(cond, then, else_, self.line(node))

    def binary(self, node: Node) -> Expr:
        """``left op right``: the operator is the one anonymous operator token among the children."""
        kids = _kids(node)
        split = next(i for i, c in enumerate(kids) if not c.is_named and c.type in _BINARY_OPERATORS)
        left, right = kids[:split], kids[split + 1 :]
        return BinaryOp(kids[split].type, self.term(left), self.term(right), self.line(node))

    def unary(self, node: Node) -> Expr:
        """``-x`` or ``!x``."""
        kids = _kids(node)
        return UnaryOp(kids[0].type, self.term(kids[1:]), self.line(node))

    def for_intro(self, node: Node) -> tuple[str | None, str, Expr]:
        """``for k, v in coll :`` → (key_var, value_var, collection)."""
        intro = next(c for c in node.children if c.type == "for_intro")
        names = [self.text(c) for c in intro.children if c.type == "identifier"]
        collection = self.expr(next(c for c in intro.children if c.type == "expression"))
        if len(names) == 2:
            return names[0], names[1], collection
        return None, names[0], collection

    def for_cond(self, node: Node) -> Expr | None:
        """The ``if cond`` of a for-expression, if any."""
        cond = next((c for c in node.children if c.type == "for_cond"), None)
        if cond is None:
            return None
        return self.expr(next(c for c in cond.children if c.type == "expression"))

    def for_tuple(self, node: Node) -> Expr:
        """``[for k, v in coll : value if cond]``."""
        key_var, value_var, collection = self.for_intro(node)
        value = next(c for c in node.children if c.type == "expression")
        line = self.line(node)
        return ForExpr(key_var, value_var, collection, None, self.expr(value), self.for_cond(node), False, line)

    def for_object(self, node: Node) -> Expr:
        """``{for k, v in coll : key => value... if cond}``."""
        key_var, value_var, collection = self.for_intro(node)
        key_node, value_node = [c for c in node.children if c.type == "expression"][:2]
        grouping = any(c.type == "ellipsis" for c in node.children)
        return ForExpr(
            key_var,
            value_var,
            collection,
            self.expr(key_node),
            self.expr(value_node),
            self.for_cond(node),
            grouping,
            self.line(node),
        )


def _right_nested(left: Conditional, then: Expr, else_: Expr) -> Conditional:
    """``(c1 ? a : x) ? then : else_`` as HCL reads it: ``c1 ? a : (x ? then : else_)``.

    ``left`` is already re-nested, so a bare conditional can only be its else
    branch (a parenthesized one is a ``Parens``).
    """
    inner = left.else_
    if isinstance(inner, Conditional):
        return Conditional(left.cond, left.then, _right_nested(inner, then, else_), left.line)
    return Conditional(left.cond, left.then, Conditional(inner, then, else_, inner.line), left.line)


_SINGLE = {
    "quoted_template": _Converter.quoted,
    "heredoc_template": _Converter.heredoc,
    "tuple": _Converter.tuple_,
    "object": _Converter.object_,
    "function_call": _Converter.function_call,
    "conditional": _Converter.conditional,
    "binary_operation": _Converter.binary,
    "unary_operation": _Converter.unary,
    "for_tuple_expr": _Converter.for_tuple,
    "for_object_expr": _Converter.for_object,
}

#: Template nodes that open or close something, or interpolate (everything else is literal text).
_SEQUENCES = frozenset(
    {
        "template_interpolation",
        "template_if_intro",
        "template_else_intro",
        "template_if_end",
        "template_for_start",
        "template_for_end",
    }
)
_CONTAINERS = frozenset({"template_directive", "template_if", "template_for"})


def _template_sequences(node: Node, out: list[Node]) -> None:
    """Append the interpolations and directive parts under ``node``, in source order."""
    kind = node.type
    if kind in _SEQUENCES:
        out.append(node)
    elif kind in _CONTAINERS:
        for child in node.children:
            _template_sequences(child, out)


_DIRECTIVE_KEYWORDS = {
    "template_else_intro": "else",
    "template_if_end": "endif",
    "template_for_end": "endfor",
    "template_if_intro": "if",
    "template_for_start": "for",
    "template_interpolation": "",
}


def _strip_flags(node: Node) -> tuple[bool, bool, str]:
    """``~`` markers of a sequence: (after its opener, before its closer) and its keyword."""
    kids = node.children
    before = len(kids) > 1 and kids[1].type == "strip_marker"
    after = len(kids) > 2 and kids[-2].type == "strip_marker"
    return before, after, _DIRECTIVE_KEYWORDS[node.type]
