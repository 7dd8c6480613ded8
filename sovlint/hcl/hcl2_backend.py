"""HCL backend built on python-hcl2's lark parse tree.

``hcl2.parses_to_tree`` gives a concrete lark tree with positions; this module
converts it into sovlint's syntax tree (:mod:`sovlint.hcl.syntax`). Heredoc
bodies arrive as single tokens, so their templates are cut here (see
:mod:`sovlint.hcl.template_parts`) and each interpolation is parsed again.

Comments are returned with their 1-based line and their text without the
comment markers and surrounding whitespace.
"""

from __future__ import annotations

import re

from typing import Iterator, Union

from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

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

__all__ = ["parse_hcl", "parse_hcl_json", "parse_expression", "parse_template"]

_OPERATOR_TEXT = {
    "DOUBLE_EQ": "==",
    "NEQ": "!=",
    "LT": "<",
    "GT": ">",
    "LEQ": "<=",
    "GEQ": ">=",
    "ASTERISK": "*",
    "SLASH": "/",
    "PERCENT": "%",
    "DOUBLE_AMP": "&&",
    "DOUBLE_PIPE": "||",
    "PLUS": "+",
    "MINUS": "-",
    "QMARK": "?",
}


def parse_hcl(text: str, path: str) -> HclFile:
    """Parse HCL native syntax (``.tf``, ``.tfvars``) into an :class:`HclFile`.

    Raises :class:`HclSyntaxError` (with line and column) for input that does
    not parse, including input nested too deeply to convert.
    """
    try:
        tree = _parse_tree(text)
    except HclSyntaxError as error:
        closed = close_heredocs(text)
        if closed == text:
            raise
        try:
            tree = _parse_tree(closed)
        except HclSyntaxError:
            raise error from None
    try:
        body = _convert_body(tree.children[0])
    except RecursionError:
        raise HclSyntaxError("expression nested too deeply") from None
    return HclFile(path=path, body=body, comments=tuple(_collect_comments(tree)))


_HEREDOC_OPENER = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)\r?\n")


def close_heredocs(text: str) -> str:
    """``text`` with the closing marker line of every heredoc stripped of trailing blanks.

    HCL closes a heredoc on a line holding its marker between any blanks
    (``EOF  ``); python-hcl2's grammar only without trailing ones. Only the end
    of those lines changes, so every line and column stays where it was.
    """
    lines = text.split("\n")
    changed = False
    number = 0  # the line after the last closing marker found
    for opener in _HEREDOC_OPENER.finditer(text):
        start = text.count("\n", 0, opener.end())  # the line after the opener
        if start < number:
            continue  # inside a heredoc already closed below
        marker = opener.group(1)
        for number in range(start, len(lines)):
            line = lines[number]
            if line.strip() == marker:
                ending = "\r" if line.endswith("\r") else ""
                kept = line[:len(line) - len(line.lstrip())] + marker + ending
                if kept != line:
                    lines[number] = kept
                    changed = True
                number += 1
                break
    return "\n".join(lines) if changed else text


def parse_expression(text: str, line: int = 1) -> Expr:
    """Parse one HCL expression (as found on the right of ``=``); ``line`` is where it starts."""
    source = "\n" * (line - 1) + "x = " + text.strip() + "\n"
    tree = _parse_tree(source)
    body_tree = tree.children[0]
    items = [c for c in body_tree.children if isinstance(c, Tree) and c.data in ("attribute", "block")]
    if len(items) != 1 or items[0].data != "attribute":
        raise HclSyntaxError("expected exactly one expression", line)
    try:
        return _convert_body(body_tree).attributes[0].expr
    except RecursionError:
        raise HclSyntaxError("expression nested too deeply", line) from None


def parse_template(text: str, line: int = 1) -> Literal | Template:
    """Parse a raw template (no backslash escapes, as in a heredoc or a JSON string)."""
    return assemble_template(scan_raw_template(text, line, parse_expression), line)


def parse_hcl_json(text: str, path: str) -> HclFile:
    """Parse Terraform's JSON syntax (``.tf.json``); strings are parsed as templates."""
    from sovlint.hcl.json_backend import parse_terraform_json

    return parse_terraform_json(text, path, parse_template)


def _parse_tree(text: str) -> Tree:
    """Run python-hcl2's lark parser; lark errors become :class:`HclSyntaxError`."""
    import hcl2

    try:
        return hcl2.parses_to_tree(text)
    except UnexpectedInput as exc:
        raise HclSyntaxError(_unexpected(exc), getattr(exc, "line", None), getattr(exc, "column", None)) from None
    except LarkError as exc:
        raise HclSyntaxError(str(exc) or type(exc).__name__) from None
    except RecursionError:
        raise HclSyntaxError("input nested too deeply") from None


def _unexpected(exc: UnexpectedInput) -> str:
    """Lark's complaint, quoting at most a short first line of the input (never a whole
    heredoc, whose next lines may hold a secret)."""
    from sovlint.quoting import excerpt

    line, column = getattr(exc, "line", None), getattr(exc, "column", None)
    where = f" at line {line}, column {column}" if line is not None else ""
    token = getattr(exc, "token", None)
    if token is not None:
        kind = getattr(token, "type", "")
        if kind == "$END":
            return f"unexpected end of input{where}"
        return f"unexpected {kind} {excerpt(str(token), 30)!r}{where}"
    char = getattr(exc, "char", None)
    if char is not None:
        return f"unexpected character {excerpt(str(char))!r}{where}"
    return f"syntax error{where}"


# ---------------------------------------------------------------------------
# Comments
# ---------------------------------------------------------------------------


def _collect_comments(tree: Tree) -> list[Comment]:
    """All comments of the tree, in line order."""
    comments: list[Comment] = []
    for token in _iter_tokens(tree):
        if token.type == "NL_OR_COMMENT":
            comment = _comment_from_text(str(token), token.line or 1)
            if comment is not None:
                comments.append(comment)
        elif token.type in _OPERATOR_TEXT:
            # The post-lexer glues a newline/comment preceding an operator onto it.
            prefix = str(token)[: -len(_OPERATOR_TEXT[token.type])]
            if prefix.strip():
                comment = _comment_from_text(prefix, (token.line or 1) - prefix.count("\n"))
                if comment is not None:
                    comments.append(comment)
    comments.sort(key=lambda c: c.line)
    return comments


def _comment_from_text(text: str, line: int) -> Comment | None:
    """A :class:`Comment` from one ``NL_OR_COMMENT`` token text, or None for plain newlines."""
    body = text.lstrip("\n \t\r")
    line += text[: len(text) - len(body)].count("\n")
    if body.startswith("#"):
        return Comment(body[1:].strip(), line)
    if body.startswith("//"):
        return Comment(body[2:].strip(), line)
    if body.startswith("/*"):
        inner = body[2:]
        end = inner.rfind("*/")
        return Comment((inner[:end] if end >= 0 else inner).strip(), line)
    return None


def _iter_tokens(tree: Tree) -> Iterator[Token]:
    """Every token under ``tree`` (iteratively, so deep trees are fine)."""
    stack: list[Union[Tree, Token]] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Token):
            yield node
        else:
            stack.extend(reversed(node.children))


# ---------------------------------------------------------------------------
# Bodies
# ---------------------------------------------------------------------------


def _trees(node: Tree) -> list[Tree]:
    """The subtree children of ``node`` except newlines/comments."""
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _convert_body(body: Tree) -> Body:
    """A ``body`` tree into a :class:`Body`."""
    attributes: list[Attribute] = []
    blocks: list[Block] = []
    for child in _trees(body):
        if child.data == "attribute":
            attributes.append(_convert_attribute(child))
        elif child.data == "block":
            blocks.append(_convert_block(child))
    return Body(tuple(attributes), tuple(blocks))


def _name_of(node: Tree) -> str:
    """The text of an ``identifier``/``keyword``/``literal_value`` tree."""
    return str(node.children[0])


def _last_line(node: Tree) -> int:
    """The line of the last significant character under ``node``."""
    last: Token | None = None
    for token in _iter_tokens(node):
        if token.type != "NL_OR_COMMENT":
            last = token
    if last is None or last.end_line is None:
        return node.meta.end_line
    end_line = last.end_line
    if str(last).endswith("\n"):
        end_line -= 1
    return end_line


def _convert_attribute(node: Tree) -> Attribute:
    """An ``attribute`` tree into an :class:`Attribute`."""
    name_tree, expr_tree = _trees(node)[0], _trees(node)[-1]
    expr = _convert_expr(expr_tree)
    return Attribute(_name_of(name_tree), expr, node.meta.line, _last_line(node))


def _convert_block(node: Tree) -> Block:
    """A ``block`` tree into a :class:`Block`."""
    children = _trees(node)
    head, body = children[:-1], children[-1]
    block_type = _name_of(head[0])
    labels: list[str] = []
    for label in head[1:]:
        if label.data == "string":
            value = _convert_string(label)
            if not isinstance(value, Literal):
                raise HclSyntaxError("block labels cannot contain interpolations", label.meta.line)
            labels.append(str(value.value))
        else:
            labels.append(_name_of(label))
    end_line = node.meta.end_line
    for child in reversed(node.children):
        if isinstance(child, Token) and child.type == "RBRACE":
            end_line = child.line or end_line
            break
    return Block(block_type, tuple(labels), _convert_body(body), node.meta.line, end_line)


# ---------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------


def _convert_expr(node: Tree) -> Expr:
    """Any expression tree into an :data:`Expr`."""
    kind = node.data
    line = node.meta.line
    if kind == "expr_term":
        children = _trees(node)
        tokens = [c for c in node.children if isinstance(c, Token)]
        if tokens and tokens[0].type == "LPAR":
            return Parens(_convert_expr(children[0]), line)
        return _convert_expr(children[0])
    converter = _CONVERTERS.get(kind)
    if converter is None:
        raise HclSyntaxError(f"unsupported expression form {kind}", line)
    return converter(node)


def _convert_int(node: Tree) -> Expr:
    text = str(node.children[0])
    value = int(text)
    if value < 0:
        return UnaryOp("-", Literal(-value, node.meta.line), node.meta.line)
    return Literal(value, node.meta.line)


def _convert_float(node: Tree) -> Expr:
    text = str(node.children[0])
    value = float(text)
    if text.startswith("-"):
        return UnaryOp("-", Literal(-value, node.meta.line), node.meta.line)
    return Literal(value, node.meta.line)


_LITERAL_KEYWORDS = {"true": True, "false": False, "null": None}


def _convert_literal_value(node: Tree) -> Expr:
    return Literal(_LITERAL_KEYWORDS[str(node.children[0])], node.meta.line)


def _convert_identifier(node: Tree) -> Expr:
    return Variable(str(node.children[0]), node.meta.line)


def _convert_string(node: Tree) -> Literal | Template:
    """A quoted string (``string`` tree) into a ``Literal`` or ``Template``."""
    line = node.meta.line
    pieces: list[TemplatePiece] = []
    for part in node.children:
        if not isinstance(part, Tree):
            continue  # the quotes
        inner = part.children[0]
        if isinstance(inner, Token):
            if inner.type == "ESCAPED_INTERPOLATION" or inner.type == "ESCAPED_DIRECTIVE":
                text = inner[1:]
                pieces.append(LiteralPiece(text[:2] + unescape_quoted(text[2:], inner.line or 1), inner.line or 1))
            else:
                pieces.append(LiteralPiece(unescape_quoted(str(inner), inner.line or 1), inner.line or 1))
        else:
            pieces.append(_convert_template_sequence(inner))
    return assemble_template(pieces, line)


def _strip_flags(node: Tree, keyword: str) -> tuple[bool, bool]:
    """Which ``~`` markers a directive tree has: (before, after) its keyword/expression."""
    before = after = False
    seen_keyword = False
    for child in node.children:
        if isinstance(child, Token):
            if child.type == "STRIP_MARKER":
                if seen_keyword:
                    after = True
                else:
                    before = True
            elif child.type == keyword:
                seen_keyword = True
    return before, after


def _convert_template_sequence(node: Tree) -> TemplatePiece:
    """An interpolation or directive inside a quoted string."""
    line = node.meta.line
    kind = node.data
    exprs = [c for c in _trees(node) if c.data not in ("identifier",)]
    if kind == "interpolation":
        return InterpolationPiece(_convert_expr(exprs[0]), line=line)
    if kind == "template_if_start":
        before, after = _strip_flags(node, "IF")
        return DirectivePiece("if", _convert_expr(exprs[0]), strip_before=before, strip_after=after, line=line)
    if kind == "template_for_start":
        before, after = _strip_flags(node, "FOR")
        names = [_name_of(c) for c in _trees(node) if c.data == "identifier"]
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        return DirectivePiece(
            "for", _convert_expr(exprs[0]), key_var, value_var, strip_before=before, strip_after=after, line=line
        )
    keyword = {"template_else": "ELSE", "template_endif": "ENDIF", "template_endfor": "ENDFOR"}[kind]
    before, after = _strip_flags(node, keyword)
    return DirectivePiece(keyword.lower(), strip_before=before, strip_after=after, line=line)


def _convert_template_string(node: Tree) -> Expr:
    """python-hcl2's ``\\"...\\"`` form: a quoted string written with escaped quotes."""
    raw = str(node.children[0])[2:-2]
    return Literal(unescape_quoted(raw, node.meta.line), node.meta.line)


def _convert_heredoc(node: Tree, flush: bool) -> Expr:
    """``<<EOT`` / ``<<-EOT`` heredocs (one token holding marker, body and closing marker)."""
    raw = str(node.children[0]).replace("\r\n", "\n")
    first_newline = raw.index("\n")
    body = raw[first_newline + 1 :]
    # drop the closing marker line (the token ends with "\n" after the marker)
    body = body[: body.rstrip("\n").rfind("\n") + 1] if "\n" in body.rstrip("\n") else ""
    line = node.meta.line
    pieces = scan_raw_template(body, line + 1, parse_expression)
    if flush:
        pieces = trim_flush_heredoc(pieces)
    return assemble_template(pieces, line)


def _convert_tuple(node: Tree) -> Expr:
    return TupleExpr(tuple(_convert_expr(c) for c in _trees(node)), node.meta.line)


def _convert_object(node: Tree) -> Expr:
    items: list[tuple[Expr, Expr]] = []
    for elem in _trees(node):
        key_tree, value_tree = _trees(elem)
        items.append((_convert_object_key(key_tree), _convert_expr(value_tree)))
    return ObjectExpr(tuple(items), node.meta.line)


def _convert_object_key(node: Tree) -> Expr:
    """An object key: bare identifiers and keywords are literal strings."""
    inner = _trees(node)[0]
    if inner.data == "keyword":
        return Literal(_name_of(inner), inner.meta.line)
    expr = _convert_expr(inner)
    if isinstance(expr, Variable):
        return Literal(expr.name, expr.line)
    return expr


def _convert_function_call(node: Tree) -> Expr:
    names = [_name_of(c) for c in _trees(node) if c.data == "identifier"]
    args_tree = next((c for c in _trees(node) if c.data == "arguments"), None)
    args: tuple[Expr, ...] = ()
    expand = False
    if args_tree is not None:
        args = tuple(_convert_expr(c) for c in _trees(args_tree))
        expand = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in args_tree.children)
    return Call("::".join(names), args, expand, node.meta.line)


def _convert_index_key(index: Tree) -> Expr:
    """The key of a ``braces_index`` or legacy ``short_index`` (``.0``)."""
    if index.data == "short_index":
        token = next(c for c in index.children if isinstance(c, Token) and c.type == "INT_LITERAL")
        return Literal(int(str(token)), token.line or 1)
    return _convert_expr(_trees(index)[0])


def _get_attr_name(get_attr: Tree) -> str:
    return _name_of(_trees(get_attr)[0])


def _convert_get_attr(node: Tree) -> Expr:
    obj_tree, get_attr = _trees(node)
    return GetAttr(_convert_expr(obj_tree), _get_attr_name(get_attr), node.meta.line)


def _convert_index(node: Tree) -> Expr:
    obj_tree, index = _trees(node)
    return Index(_convert_expr(obj_tree), _convert_index_key(index), node.meta.line)


def _convert_full_splat(node: Tree) -> Expr:
    obj_tree, splat = _trees(node)
    each: list[Union[str, Expr]] = []
    for step in _trees(splat):
        each.append(_get_attr_name(step) if step.data == "get_attr" else _convert_index_key(step))
    return Splat(_convert_expr(obj_tree), tuple(each), True, node.meta.line)


def _convert_attr_splat(node: Tree) -> Expr:
    """``x.*.a.b``: only ``.name``/``.0`` steps belong to the splat; ``[i]`` ends it."""
    obj_tree, splat = _trees(node)
    line = node.meta.line
    each: list[Union[str, Expr]] = []
    steps = _trees(splat)
    position = 0
    while position < len(steps) and steps[position].data in ("get_attr", "short_index"):
        step = steps[position]
        each.append(_get_attr_name(step) if step.data == "get_attr" else _convert_index_key(step))
        position += 1
    result: Expr = Splat(_convert_expr(obj_tree), tuple(each), False, line)
    for step in steps[position:]:
        if step.data == "get_attr":
            result = GetAttr(result, _get_attr_name(step), line)
        else:
            result = Index(result, _convert_index_key(step), line)
    return result


def _convert_conditional(node: Tree) -> Expr:
    cond, then, else_ = _trees(node)
    return Conditional(_convert_expr(cond), _convert_expr(then), _convert_expr(else_), node.meta.line)


def _convert_binary_op(node: Tree) -> Expr:
    left_tree, term = _trees(node)[:2]
    operator_tree, right_tree = _trees(term)
    token = operator_tree.children[0]
    assert isinstance(token, Token)
    op = _OPERATOR_TEXT.get(token.type, str(token).strip())
    return BinaryOp(op, _convert_expr(left_tree), _convert_expr(right_tree), node.meta.line)


def _convert_unary_op(node: Tree) -> Expr:
    op = str(next(c for c in node.children if isinstance(c, Token)))
    return UnaryOp(op, _convert_expr(_trees(node)[0]), node.meta.line)


def _for_intro(node: Tree) -> tuple[str | None, str, Expr]:
    """``for k, v in coll :`` → (key_var, value_var, collection)."""
    intro = next(c for c in _trees(node) if c.data == "for_intro")
    parts = _trees(intro)
    names = [_name_of(c) for c in parts if c.data == "identifier"]
    collection = _convert_expr(parts[-1])
    if len(names) == 2:
        return names[0], names[1], collection
    return None, names[0], collection


def _for_cond(node: Tree) -> Expr | None:
    cond = next((c for c in _trees(node) if c.data == "for_cond"), None)
    return _convert_expr(_trees(cond)[0]) if cond is not None else None


def _convert_for_tuple(node: Tree) -> Expr:
    key_var, value_var, collection = _for_intro(node)
    value_tree = [c for c in _trees(node) if c.data not in ("for_intro", "for_cond")][0]
    return ForExpr(key_var, value_var, collection, None, _convert_expr(value_tree), _for_cond(node), False, node.meta.line)


def _convert_for_object(node: Tree) -> Expr:
    key_var, value_var, collection = _for_intro(node)
    key_tree, value_tree = [c for c in _trees(node) if c.data not in ("for_intro", "for_cond")][:2]
    grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
    return ForExpr(
        key_var,
        value_var,
        collection,
        _convert_expr(key_tree),
        _convert_expr(value_tree),
        _for_cond(node),
        grouping,
        node.meta.line,
    )


_CONVERTERS = {
    "int_lit": _convert_int,
    "float_lit": _convert_float,
    "literal_value": _convert_literal_value,
    "identifier": _convert_identifier,
    "string": _convert_string,
    "template_string": _convert_template_string,
    "heredoc_template": lambda node: _convert_heredoc(node, flush=False),
    "heredoc_template_trim": lambda node: _convert_heredoc(node, flush=True),
    "tuple": _convert_tuple,
    "object": _convert_object,
    "function_call": _convert_function_call,
    "get_attr_expr_term": _convert_get_attr,
    "index_expr_term": _convert_index,
    "full_splat_expr_term": _convert_full_splat,
    "attr_splat_expr_term": _convert_attr_splat,
    "conditional": _convert_conditional,
    "binary_op": _convert_binary_op,
    "unary_op": _convert_unary_op,
    "for_tuple_expr": _convert_for_tuple,
    "for_object_expr": _convert_for_object,
}
