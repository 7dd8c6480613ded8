"""Building ``Template`` nodes from a flat sequence of template pieces.

Every backend (and the ``.tf.json`` reader) cuts a template into literal text,
interpolations and directives; this module applies the ``~`` strip markers,
pairs ``%{if}``/``%{else}``/``%{endif}`` and ``%{for}``/``%{endfor}``, and
returns either a ``Literal`` (no interpolation at all) or a ``Template``.

It also holds the pieces of template syntax that do not depend on a parser:
unescaping quoted-string text, trimming ``<<-`` heredocs, and scanning a raw
template (heredoc body, JSON string) for ``${...}``/``%{...}`` sequences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence, Union

from sovlint.hcl.syntax import (
    Expr,
    HclSyntaxError,
    Literal,
    Template,
    TemplateFor,
    TemplateIf,
)


@dataclass(frozen=True, slots=True)
class LiteralPiece:
    """Plain text of a template (escapes already resolved)."""

    text: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class InterpolationPiece:
    """``${ expr }``; the strip flags are the ``~`` markers inside the braces."""

    expr: Expr
    strip_before: bool = False
    strip_after: bool = False
    line: int = 0


@dataclass(frozen=True, slots=True)
class DirectivePiece:
    """``%{ if c }``, ``%{ else }``, ``%{ endif }``, ``%{ for k, v in c }`` or ``%{ endfor }``."""

    kind: str  # "if" | "else" | "endif" | "for" | "endfor"
    expr: Expr | None = None
    key_var: str | None = None
    value_var: str | None = None
    strip_before: bool = False
    strip_after: bool = False
    line: int = 0


TemplatePiece = Union[LiteralPiece, InterpolationPiece, DirectivePiece]


def apply_strip_markers(pieces: Sequence[TemplatePiece]) -> list[TemplatePiece]:
    """Remove the whitespace that ``~`` markers ask to strip from neighbouring literals."""
    result = list(pieces)
    for i, piece in enumerate(result):
        if isinstance(piece, LiteralPiece):
            continue
        if piece.strip_before and i > 0 and isinstance(result[i - 1], LiteralPiece):
            prev = result[i - 1]
            assert isinstance(prev, LiteralPiece)
            result[i - 1] = LiteralPiece(prev.text.rstrip(), prev.line)
        if piece.strip_after and i + 1 < len(result) and isinstance(result[i + 1], LiteralPiece):
            nxt = result[i + 1]
            assert isinstance(nxt, LiteralPiece)
            result[i + 1] = LiteralPiece(nxt.text.lstrip(), nxt.line)
    return result


def assemble_template(pieces: Sequence[TemplatePiece], line: int) -> Literal | Template:
    """Turn flat pieces into a ``Literal`` (no interpolation) or a ``Template``."""
    stripped = apply_strip_markers(pieces)
    parts, pos, closer = _assemble_parts(stripped, 0, line, ())
    if closer is not None:
        raise HclSyntaxError(f"unexpected %{{{closer.kind}}} in template", closer.line or line)
    if all(isinstance(p, str) for p in parts):
        return Literal("".join(parts), line)  # type: ignore[arg-type]
    return Template(tuple(parts), line)


def _assemble_parts(
    pieces: Sequence[TemplatePiece], pos: int, line: int, closers: tuple[str, ...]
) -> tuple[list[Union[str, Expr]], int, DirectivePiece | None]:
    """Collect parts from ``pieces[pos:]`` until a directive in ``closers`` (returned) or the end."""
    parts: list[Union[str, Expr]] = []
    while pos < len(pieces):
        piece = pieces[pos]
        pos += 1
        if isinstance(piece, LiteralPiece):
            if piece.text:
                if parts and isinstance(parts[-1], str):
                    parts[-1] = parts[-1] + piece.text
                else:
                    parts.append(piece.text)
        elif isinstance(piece, InterpolationPiece):
            parts.append(piece.expr)
        elif piece.kind in closers:
            return parts, pos, piece
        elif piece.kind == "if":
            then_parts, pos, end = _assemble_parts(pieces, pos, piece.line, ("else", "endif"))
            else_template: Template | None = None
            if end is not None and end.kind == "else":
                else_parts, pos, end = _assemble_parts(pieces, pos, end.line, ("endif",))
                else_template = Template(tuple(else_parts), end.line if end else piece.line)
            if end is None:
                raise HclSyntaxError("%{if} without %{endif} in template", piece.line or line)
            assert piece.expr is not None
            parts.append(
                TemplateIf(piece.expr, Template(tuple(then_parts), piece.line), else_template, piece.line)
            )
        elif piece.kind == "for":
            body_parts, pos, end = _assemble_parts(pieces, pos, piece.line, ("endfor",))
            if end is None:
                raise HclSyntaxError("%{for} without %{endfor} in template", piece.line or line)
            assert piece.expr is not None and piece.value_var is not None
            parts.append(
                TemplateFor(
                    piece.key_var, piece.value_var, piece.expr, Template(tuple(body_parts), piece.line), piece.line
                )
            )
        else:
            raise HclSyntaxError(f"unexpected %{{{piece.kind}}} in template", piece.line or line)
    return parts, pos, None


_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def unescape_quoted(raw: str, line: int) -> str:
    """Resolve the backslash escapes of a quoted HCL string (``\\n``, ``\\"``, ``\\uXXXX``...)."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= n:
            raise HclSyntaxError("unterminated escape sequence in string", line)
        nxt = raw[i + 1]
        if nxt in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[nxt])
            i += 2
        elif nxt in "uU":
            width = 4 if nxt == "u" else 8
            digits = raw[i + 2 : i + 2 + width]
            if len(digits) != width or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise HclSyntaxError(f"invalid \\{nxt} escape in string", line)
            code = int(digits, 16)
            if code > 0x10FFFF:
                raise HclSyntaxError("invalid unicode escape in string", line)
            out.append(chr(code))
            i += 2 + width
        else:
            raise HclSyntaxError(f"invalid escape sequence \\{nxt} in string", line)
    return "".join(out)


def find_closing_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing a ``${``/``%{`` whose body starts at ``start``; -1 if none.

    Skips quoted strings (with their own nested interpolations) and nested braces.
    """
    depth = 0
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i = _skip_quoted(text, i + 1)
            if i < 0:
                return -1
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def _skip_quoted(text: str, i: int) -> int:
    """Index just past the closing quote of a string whose body starts at ``i``; -1 if none."""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
        elif ch == '"':
            return i + 1
        elif ch in "$%" and text.startswith("{", i + 1):
            end = find_closing_brace(text, i + 2)
            if end < 0:
                return -1
            i = end + 1
        elif ch in "$%" and text.startswith(ch + "{", i + 1):
            i += 3
        else:
            i += 1
    return -1


ExpressionParser = Callable[[str, int], Expr]


def scan_raw_template(text: str, line: int, parse_expr: ExpressionParser) -> list[TemplatePiece]:
    """Cut a raw template (heredoc body or JSON string, no backslash escapes) into pieces.

    ``parse_expr(source, line)`` parses one expression that starts on ``line``.
    ``$${`` and ``%%{`` are the escapes for literal ``${`` and ``%{``.
    """
    pieces: list[TemplatePiece] = []
    literal: list[str] = []
    literal_line = line
    i = 0
    n = len(text)
    current_line = line
    while i < n:
        ch = text[i]
        if ch in "$%" and text.startswith(ch + "{", i + 1):
            literal.append(ch + "{")
            i += 3
            continue
        if ch in "$%" and text.startswith("{", i + 1):
            end = find_closing_brace(text, i + 2)
            if end < 0:
                raise HclSyntaxError("unclosed template sequence", current_line)
            if literal:
                pieces.append(LiteralPiece("".join(literal), literal_line))
                literal = []
            inner = text[i + 2 : end]
            pieces.append(_scan_sequence(ch, inner, current_line, parse_expr))
            current_line += text.count("\n", i, end + 1)
            literal_line = current_line
            i = end + 1
            continue
        if not literal:
            literal_line = current_line
        literal.append(ch)
        if ch == "\n":
            current_line += 1
        i += 1
    if literal:
        pieces.append(LiteralPiece("".join(literal), literal_line))
    return pieces


def _scan_sequence(kind: str, inner: str, line: int, parse_expr: ExpressionParser) -> TemplatePiece:
    """One ``${...}`` (kind ``$``) or ``%{...}`` (kind ``%``) body."""
    strip_before = inner.startswith("~")
    strip_after = inner.endswith("~") and len(inner) > (1 if strip_before else 0)
    body = inner[1 if strip_before else 0 : len(inner) - 1 if strip_after else len(inner)]
    # Expression lines: ``body`` starts on ``line`` (the sequence opener's line).
    if kind == "$":
        return InterpolationPiece(parse_expr(body, line), strip_before, strip_after, line)
    stripped = body.strip()
    words = stripped.split(None, 1)
    keyword = words[0] if words else ""
    if keyword in ("else", "endif", "endfor") and len(words) == 1:
        return DirectivePiece(keyword, strip_before=strip_before, strip_after=strip_after, line=line)
    if keyword == "if" and len(words) == 2:
        offset = body.index("if") + 2
        return DirectivePiece(
            "if",
            parse_expr(body[offset:], line + body.count("\n", 0, offset)),
            strip_before=strip_before,
            strip_after=strip_after,
            line=line,
        )
    if keyword == "for" and len(words) == 2:
        in_keyword = _IN_KEYWORD.search(body)
        names = [name.strip() for name in body[: in_keyword.start()].strip()[3:].split(",")] if in_keyword else []
        if in_keyword is None or len(names) not in (1, 2) or not all(_is_identifier(n) for n in names):
            raise HclSyntaxError("invalid %{for} directive", line)
        offset = in_keyword.end()
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        return DirectivePiece(
            "for",
            parse_expr(body[offset:], line + body.count("\n", 0, offset)),
            key_var,
            value_var,
            strip_before,
            strip_after,
            line,
        )
    from sovlint.quoting import excerpt

    raise HclSyntaxError(f"invalid template directive %{{{excerpt(stripped)}}}", line)


_IN_KEYWORD = re.compile(r"\sin\s")


def _is_identifier(name: str) -> bool:
    """Whether ``name`` is an HCL identifier."""
    if not name or not (name[0].isalpha() or name[0] == "_"):
        return False
    return all(c.isalnum() or c in "_-" for c in name)


def trim_flush_heredoc(pieces: Sequence[TemplatePiece]) -> list[TemplatePiece]:
    """Remove the common indentation of a ``<<-`` heredoc from its literal pieces.

    As Terraform does: the indentation of each line is the run of spaces/tabs
    at its start (a line starting with an interpolation has none); lines made
    only of whitespace are not counted and are left as they are.
    """
    # First pass: the indentation of every line start.
    indents: list[int] = []
    at_line_start = True
    for index, piece in enumerate(pieces):
        if not isinstance(piece, LiteralPiece):
            if at_line_start:
                indents.append(0)
            at_line_start = False
            continue
        segments = piece.text.split("\n")
        for seg_index, segment in enumerate(segments):
            starts_line = at_line_start if seg_index == 0 else True
            is_last = seg_index == len(segments) - 1
            if starts_line:
                whitespace = len(segment) - len(segment.lstrip(" \t"))
                if whitespace < len(segment):
                    indents.append(whitespace)
                elif is_last and index + 1 < len(pieces):
                    indents.append(whitespace)  # whitespace then an interpolation
            at_line_start = False
        at_line_start = piece.text.endswith("\n") or (at_line_start and not piece.text)
    if not indents:
        return list(pieces)
    trim = min(indents)
    if trim == 0:
        return list(pieces)
    result: list[TemplatePiece] = []
    at_line_start = True
    for index, piece in enumerate(pieces):
        if not isinstance(piece, LiteralPiece):
            result.append(piece)
            at_line_start = False
            continue
        segments = piece.text.split("\n")
        new_segments = []
        for seg_index, segment in enumerate(segments):
            starts_line = at_line_start if seg_index == 0 else True
            is_last = seg_index == len(segments) - 1
            followed_by_sequence = is_last and index + 1 < len(pieces)
            if starts_line and (segment.strip(" \t") or followed_by_sequence):
                segment = segment[trim:]
            new_segments.append(segment)
        result.append(LiteralPiece("\n".join(new_segments), piece.line))
        at_line_start = piece.text.endswith("\n")
    return result
