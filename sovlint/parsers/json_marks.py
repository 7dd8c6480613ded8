"""JSON documents as plain data with the line of every value.

The same line-marked shapes as ``yaml_marks`` (``LineDict``/``LineList``) so
that normalisers read YAML and JSON inputs alike. The reader is an explicit
state machine (no recursion limit to hit), bounds nesting at ``MAX_DEPTH``,
accepts any JSON whitespace (tab-indented templates included) and gives the
line of the first problem. A duplicate key keeps its last value, as
``json.loads`` does. ``lenient`` also accepts what Azure Resource Manager
accepts in templates: ``//`` and ``/* */`` comments and trailing commas.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sovlint.parsers.yaml_marks import MAX_DEPTH, LineDict, LineList


class JsonError(Exception):
    """A JSON file that cannot be read; carries the 1-based line. ``limit`` is true when the
    file passes this module's nesting limit (it may be valid JSON)."""

    def __init__(self, message: str, line: int | None = None, limit: bool = False):
        super().__init__(message)
        self.message = message
        self.line = line
        self.limit = limit


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_WHITESPACE_AND_COMMENTS = re.compile(r"(?:[ \t\n\r]+|//[^\n]*|/\*.*?\*/)*", re.S)
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_LITERALS = (("true", True), ("false", False), ("null", None))

# parser states
_VALUE, _VALUE_OR_END, _KEY, _KEY_OR_END, _AFTER = range(5)


class _Reader:
    def __init__(self, text: str, lenient: bool = False) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lenient = lenient
        self.blank = _WHITESPACE_AND_COMMENTS if lenient else _WHITESPACE

    def fail(self, message: str) -> JsonError:
        return JsonError(f"invalid JSON: {message}", self.line)

    def skip(self) -> None:
        match = self.blank.match(self.text, self.pos)
        assert match is not None
        self.line += match.group().count("\n")
        self.pos = match.end()

    def string(self) -> str:
        try:
            value, end = json.decoder.scanstring(self.text, self.pos + 1)  # type: ignore[attr-defined]
        except json.JSONDecodeError as exc:
            raise self.fail(exc.msg) from None
        self.line += self.text.count("\n", self.pos, end)
        self.pos = end
        return value

    def scalar(self) -> Any:
        ch = self.text[self.pos]
        if ch == '"':
            return self.string()
        for word, value in _LITERALS:
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return value
        match = _NUMBER.match(self.text, self.pos)
        if match and match.group():
            self.pos = match.end()
            if match.group(1) or match.group(2):
                return float(match.group())
            return int(match.group())
        raise self.fail(f"unexpected character {ch!r}")

    def document(self) -> Any:
        stack: list[Any] = []  # open containers
        keys: list[Any] = []  # pending key of each open container (None for lists)
        state = _VALUE
        while True:
            self.skip()
            if self.pos >= len(self.text):
                raise self.fail("unexpected end of document" if stack or state != _VALUE
                                else "empty document")
            ch = self.text[self.pos]
            done: Any = _NOTHING
            if state in (_KEY, _KEY_OR_END):
                if ch == "}" and state == _KEY_OR_END:
                    self.pos += 1
                    done = stack.pop()
                    keys.pop()
                    done.end_line = self.line
                elif ch != '"':
                    raise self.fail("expected a property name")
                else:
                    key_line = self.line
                    key = self.string()
                    self.skip()
                    if not self.text.startswith(":", self.pos):
                        raise self.fail("expected ':' after a property name")
                    self.pos += 1
                    keys[-1] = key
                    stack[-1].key_lines[key] = key_line
                    state = _VALUE
                    continue
            elif state in (_VALUE, _VALUE_OR_END):
                if ch == "]" and state == _VALUE_OR_END:
                    self.pos += 1
                    done = stack.pop()
                    keys.pop()
                    done.end_line = self.line
                elif ch in "{[":
                    if len(stack) >= MAX_DEPTH:
                        raise JsonError(f"invalid JSON: nesting deeper than {MAX_DEPTH} levels", self.line, limit=True)
                    new: Any = LineDict() if ch == "{" else LineList()
                    new.line = self.line
                    self.pos += 1
                    stack.append(new)
                    keys.append(None)
                    state = _KEY_OR_END if ch == "{" else _VALUE_OR_END
                    continue
                else:
                    line = self.line
                    done = self.scalar()
                    if stack and isinstance(stack[-1], LineList):
                        stack[-1].item_lines.append(line)
                        stack[-1].append(done)
                        state = _AFTER
                        continue
            else:  # _AFTER: a value was stored in the open container
                closer = "}" if isinstance(stack[-1], LineDict) else "]"
                if ch == ",":
                    self.pos += 1
                    if self.lenient:  # a trailing comma may close the container
                        state = _KEY_OR_END if closer == "}" else _VALUE_OR_END
                    else:
                        state = _KEY if closer == "}" else _VALUE
                    continue
                if ch != closer:
                    raise self.fail(f"expected ',' or '{closer}'")
                self.pos += 1
                done = stack.pop()
                keys.pop()
                done.end_line = self.line
            # a complete value: store it in its parent, or it is the document
            if not stack:
                self.skip()
                if self.pos != len(self.text):
                    raise self.fail("unexpected content after the document")
                return done
            parent = stack[-1]
            if isinstance(parent, LineDict):
                parent[keys[-1]] = done
                keys[-1] = None
            else:
                parent.item_lines.append(getattr(done, "line", self.line))
                parent.append(done)
            state = _AFTER


_NOTHING = object()


def load_json(text: str, lenient: bool = False) -> Any:
    """Parse JSON text into line-marked plain data; raise ``JsonError`` with a line.

    ``lenient``: accept comments and trailing commas (Azure Resource Manager's dialect).
    """
    return _Reader(text, lenient).document()
