"""Terraform's regular expressions: Go's ``regexp`` (RE2 syntax), run by RE2 in linear time.

``regex()``, ``regexall()`` and ``replace()`` with a ``/pattern/`` take
patterns from the scanned code: a backtracking engine would let
``^(a+)+$`` hang the scan. Terraform compiles them with Go's ``regexp``
package, whose syntax and leftmost-first semantics are RE2's; RE2
(``google-re2``) runs them here. What Go does on top of the engine is done
the same way: which empty matches ``FindAll`` keeps, how ``ReplaceAllString``
steps over them, how ``$1``/``${name}`` expand. A pattern Go rejects (a
syntax error, a back-reference, a look-around, ``\\C``) is an evaluation
error, as in Terraform.

Matching runs on the UTF-8 bytes of the text, as Go's does; the size of a
replacement is known before it is built (:func:`replace_all`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Iterator

from sovlint.terraform.values import (MAX_COLLECTION_LENGTH, EvaluationError, ValueTooLarge, limit_items,
                                      limit_string, reserve_items, reserve_string)

#: Longest pattern compiled (Terraform has no such limit; RE2's memory budget would refuse far less).
MAX_PATTERN = 100_000

#: ``\C`` (any byte) is an RE2 extension Go's parser refuses.
_ANY_BYTE = re.compile(r"(?<!\\)(?:\\\\)*\\C")


@dataclass(frozen=True)
class GoRegexp:
    """A compiled pattern: the RE2 program and its capture groups (index -> name, ``""`` unnamed)."""

    program: Any
    group_names: tuple[str, ...]  # one per capture group, in order

    def matches(self, data: bytes) -> Iterator[Any]:
        """Go's ``FindAll``: successive non-overlapping matches; an empty match that abuts
        the previous match is skipped."""
        position, previous_end, end = 0, -1, len(data)
        while position <= end:
            match = self.program.search(data, position)
            if match is None:
                return
            start, stop = match.span()
            accept = True
            if stop == position:  # an empty match here
                accept = start != previous_end
                position += _rune_width(data, position) or 1
            else:
                position = stop
            previous_end = stop
            if accept:
                yield match


def _rune_width(data: bytes, position: int) -> int:
    """Bytes of the UTF-8 character at ``position`` (0 at the end)."""
    if position >= len(data):
        return 0
    lead = data[position]
    return 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> GoRegexp | str:
    """The compiled pattern, or the error message (both cached)."""
    from sovlint.policy.regex import RegexError, compile_re2

    if len(pattern) > MAX_PATTERN:
        return f"pattern longer than {MAX_PATTERN} characters"
    if _ANY_BYTE.search(pattern):
        return "invalid escape sequence: \\C"
    try:
        program = compile_re2(pattern.encode("utf-8"))
    except UnicodeEncodeError:
        return "invalid UTF-8 in pattern"
    except RegexError as exc:
        return str(exc)
    names = [""] * program.groups
    for name, index in program.groupindex.items():
        names[index - 1] = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
    return GoRegexp(program, tuple(names))


def compile_pattern(pattern: str, function: str) -> GoRegexp:
    """Compile a Terraform pattern; an :class:`EvaluationError` (as Terraform gives) when invalid."""
    compiled = _compile(pattern)
    if isinstance(compiled, str):
        from sovlint.quoting import excerpt

        raise EvaluationError(f"{function}: invalid regular expression pattern {excerpt(pattern)!r}: "
                              f"{excerpt(compiled, 120)}")
    return compiled


def _encode(text: str, function: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise EvaluationError(f"{function}: the string is not valid UTF-8") from None


def _group_text(match: Any, index: int) -> str | None:
    """A group's text; ``None`` (null, as in Terraform) for a group that took no part."""
    value = match.group(index)
    return value.decode("utf-8", "replace") if value is not None else None


def match_value(compiled: GoRegexp, match: Any, function: str) -> object:
    """What ``regex()`` gives for one match: the match, a list of groups, or an object of
    named groups (a pattern mixing both is an error, as in Terraform)."""
    names = compiled.group_names
    if not names:
        return _group_text(match, 0) or ""
    named = [n for n in names if n]
    if named and len(named) != len(names):
        raise EvaluationError(f"{function}: invalid regular expression pattern: "
                              "cannot mix both named and unnamed capture groups")
    if named:
        return {name: _group_text(match, index + 1) for index, name in enumerate(names)}
    return [_group_text(match, index + 1) for index in range(len(names))]


def find(pattern: str, text: str) -> object:
    """``regex(pattern, text)``."""
    compiled = compile_pattern(pattern, "regex")
    names = compiled.group_names
    if names and any(names) and not all(names):
        match_value(compiled, None, "regex")  # the mixing error comes before any match
    match = compiled.program.search(_encode(text, "regex"), 0)
    if match is None:
        raise EvaluationError("regex: pattern did not match any part of the given string")
    return match_value(compiled, match, "regex")


def find_all(pattern: str, text: str) -> list[object]:
    """``regexall(pattern, text)``."""
    compiled = compile_pattern(pattern, "regexall")
    names = compiled.group_names
    if names and any(names) and not all(names):
        match_value(compiled, None, "regexall")
    found: list[object] = []
    for match in compiled.matches(_encode(text, "regexall")):
        limit_items(len(found) + 1, "regexall()")
        found.append(match_value(compiled, match, "regexall"))
    reserve_items(len(found), "regexall()")
    return found


# --- replace -----------------------------------------------------------------------------------


def _template(template: bytes, names: tuple[str, ...]) -> tuple[bytes | int, ...]:
    """Go's ``Regexp.Expand`` template as literal pieces and group indexes (0 = the match)."""
    parts: list[bytes | int] = []
    literal = bytearray()
    rest = template
    while rest:
        before, dollar, after = rest.partition(b"$")
        literal += before
        if not dollar:
            break
        rest = after
        if rest[:1] == b"$":
            literal += b"$"
            rest = rest[1:]
            continue
        reference = _extract(rest)
        if reference is None:  # malformed: the $ is text
            literal += b"$"
            continue
        name, rest = reference
        index = _group_index(name, names)
        if literal:
            parts.append(bytes(literal))
            literal = bytearray()
        if index is not None:
            parts.append(index)
    if literal:
        parts.append(bytes(literal))
    return tuple(parts)


def _extract(text: bytes) -> tuple[str, bytes] | None:
    """Go's ``extract``: the name after a ``$`` (``name`` or ``{name}``) and what follows it."""
    brace = text[:1] == b"{"
    body = text[1:] if brace else text
    decoded = body.decode("utf-8", "replace")
    length = 0
    for character in decoded:
        if not (character.isalpha() or character.isdecimal() or character == "_"):
            break
        length += 1
    if length == 0:
        return None
    name = decoded[:length]
    consumed = len(name.encode("utf-8"))
    if brace:
        if body[consumed:consumed + 1] != b"}":
            return None
        consumed += 1
    return name, body[consumed:]


def _group_index(name: str, names: tuple[str, ...]) -> int | None:
    if name.isascii() and name.isdigit() and not (name[0] == "0" and len(name) > 1) and len(name) < 9:
        number = int(name)
        return number if number <= len(names) else None
    if name.isascii() and name.isdigit():
        return None  # leading zero or too long: a name, which no group has
    for index, group_name in enumerate(names, start=1):
        if group_name and group_name == name:
            return index
    return None


def replace_all(pattern: str, text: str, replacement: str) -> str:
    """``replace(text, "/pattern/", replacement)``: Go's ``ReplaceAllString``.

    The size of the result is counted piece by piece before anything is
    joined; past ``MAX_STRING_LENGTH`` it is never built.
    """
    compiled = compile_pattern(pattern, "replace")
    data = _encode(text, "replace")
    parts = _template(_encode(replacement, "replace"), compiled.group_names)
    pieces: list[bytes] = []
    size = 0
    last_end = search = replacements = 0
    end = len(data)
    while search <= end:
        match = compiled.program.search(data, search)
        if match is None:
            break
        start, stop = match.span()
        replacements += 1
        if replacements > MAX_COLLECTION_LENGTH:  # each match costs work: their number is bounded
            raise ValueTooLarge(f"value too large: replace() would make more than "
                                f"{MAX_COLLECTION_LENGTH:,} replacements (the limit)")
        pieces.append(data[last_end:start])
        size += start - last_end
        if stop > last_end or start == 0:
            for part in parts:
                piece = part if isinstance(part, bytes) else (match.group(part) or b"")
                size += len(piece)
                limit_string(size, "replace()")  # measured before anything is joined
                pieces.append(piece)
        last_end = stop
        width = _rune_width(data, search)
        if search + width > stop:
            search += width
        elif search + 1 > stop:
            search += 1
        else:
            search = stop
    pieces.append(data[last_end:])
    size += end - last_end
    reserve_string(size, "replace()")
    return b"".join(pieces).decode("utf-8", "replace")
