"""Terraform's built-in functions over sovlint values.

``FUNCTIONS`` maps a function name to a :class:`TerraformFunction`. Each
implementation receives evaluated arguments; unless the function is marked
``accepts_unknown``, the evaluator answers :class:`Unknown` itself when an
argument holds one. Errors Terraform would report raise
:class:`EvaluationError`. ``try`` and ``can`` need unevaluated arguments and
live in the evaluator. Functions that read files or the clock give
:class:`Unknown`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Callable

from sovlint.terraform.values import (
    MAX_COLLECTION_LENGTH,
    MAX_STRING_LENGTH,
    EvaluationError,
    Unknown,
    ValueTooLarge,
    first_unknown,
    format_number,
    is_number,
    limit_items,
    limit_string,
    normalize_number,
    reserve_items,
    reserve_nodes,
    reserve_string,
    set_order,
    to_bool,
    to_number,
    to_string,
    type_name,
    value_key,
    values_equal,
)


@dataclass(frozen=True, slots=True)
class TerraformFunction:
    """A built-in function: its implementation and how it treats unknown arguments."""

    implementation: Callable[..., object]
    accepts_unknown: bool = False
    min_args: int = 0
    max_args: int | None = None  # None: variadic


# --- argument helpers ---------------------------------------------------------


def _list_arg(value: object, function: str) -> list:
    if isinstance(value, list):
        return value
    raise EvaluationError(f"{function}: a list is required, got {type_name(value)}")


def _map_arg(value: object, function: str) -> Mapping:
    if isinstance(value, Mapping):
        return value
    raise EvaluationError(f"{function}: a map is required, got {type_name(value)}")


def _string_arg(value: object, function: str) -> str:
    if value is None:
        raise EvaluationError(f"{function}: argument must not be null")
    try:
        return to_string(value)
    except EvaluationError as exc:
        raise EvaluationError(f"{function}: {exc.message}") from None


def _number_arg(value: object, function: str) -> int | float:
    try:
        return to_number(value)
    except EvaluationError as exc:
        raise EvaluationError(f"{function}: {exc.message}") from None


def _int_arg(value: object, function: str) -> int:
    number = _number_arg(value, function)
    if isinstance(number, float):
        if not number.is_integer():
            raise EvaluationError(f"{function}: a whole number is required")
        number = int(number)
    return number


def _unify_primitives(values: list[object]) -> list[object]:
    """Convert a mix of strings with numbers/bools to strings, as Terraform's type unification does."""
    known = [v for v in values if v is not None]
    kinds = {type_name(v) for v in known}
    if "string" in kinds and kinds <= {"string", "number", "bool"}:
        return [to_string(v) if v is not None else None for v in values]
    return values


# --- strings -------------------------------------------------------------------


def _copied(text: str, function: str) -> str:
    """``text``, after accounting for the new string of about its size ``function`` builds."""
    reserve_string(len(text), f"{function}()")
    return text


def _fn_lower(s: object) -> str:
    return _copied(_string_arg(s, "lower"), "lower").lower()


def _fn_upper(s: object) -> str:
    return _copied(_string_arg(s, "upper"), "upper").upper()


def _fn_title(s: object) -> str:
    text = _copied(_string_arg(s, "title"), "title")
    out = []
    previous_is_separator = True
    for ch in text:
        out.append(ch.upper() if previous_is_separator and ch.isalpha() else ch)
        previous_is_separator = not (ch.isalnum() or ch == "_" or ch == "'")
    return "".join(out)


def _fn_trimspace(s: object) -> str:
    return _copied(_string_arg(s, "trimspace"), "trimspace").strip()


def _fn_trim(s: object, cutset: object) -> str:
    return _copied(_string_arg(s, "trim"), "trim").strip(_string_arg(cutset, "trim"))


def _fn_trimprefix(s: object, prefix: object) -> str:
    text, p = _string_arg(s, "trimprefix"), _string_arg(prefix, "trimprefix")
    return text[len(p) :] if p and text.startswith(p) else text


def _fn_trimsuffix(s: object, suffix: object) -> str:
    text, p = _string_arg(s, "trimsuffix"), _string_arg(suffix, "trimsuffix")
    return text[: -len(p)] if p and text.endswith(p) else text


def _fn_replace(s: object, substring: object, replacement: object) -> str:
    text = _string_arg(s, "replace")
    sub = _string_arg(substring, "replace")
    rep = _string_arg(replacement, "replace")
    if len(sub) > 1 and sub.startswith("/") and sub.endswith("/"):
        from sovlint.terraform.regex import replace_all

        return replace_all(sub[1:-1], text, rep)
    # Go's strings.Replace: an empty substring matches before every character and at the end
    count = text.count(sub) if sub else len(text) + 1
    reserve_string(len(text) + count * (len(rep) - len(sub)), "replace()")
    return text.replace(sub, rep)


def _fn_regex(pattern: object, s: object) -> object:
    from sovlint.terraform.regex import find

    return find(_string_arg(pattern, "regex"), _string_arg(s, "regex"))


def _fn_regexall(pattern: object, s: object) -> list:
    from sovlint.terraform.regex import find_all

    return find_all(_string_arg(pattern, "regexall"), _string_arg(s, "regexall"))


def _fn_split(separator: object, s: object) -> list:
    sep, text = _string_arg(separator, "split"), _string_arg(s, "split")
    reserve_items((text.count(sep) if sep else len(text)) + 1, "split()")
    if sep == "":
        return list(text)
    return text.split(sep)


def _fn_join(separator: object, *lists: object) -> str:
    sep = _string_arg(separator, "join")
    if not lists:
        raise EvaluationError("join: at least one list is required")
    items: list[str] = []
    for value in lists:
        for item in _list_arg(value, "join"):
            if item is None:
                raise EvaluationError("join: element must not be null")
            items.append(_string_arg(item, "join"))
    reserve_string(sum(len(item) for item in items) + len(sep) * max(len(items) - 1, 0), "join()")
    return sep.join(items)


def _fn_substr(s: object, offset: object, length: object) -> str:
    text = _string_arg(s, "substr")
    start, count = _int_arg(offset, "substr"), _int_arg(length, "substr")
    if start < 0:
        start = len(text) + start
        if start < 0:
            raise EvaluationError("substr: offset out of range")
    if start > len(text):
        return ""
    if count == -1:
        return text[start:]
    if count < 0:
        raise EvaluationError("substr: length must be -1 or non-negative")
    return text[start : start + count]


def _fn_startswith(s: object, prefix: object) -> bool:
    return _string_arg(s, "startswith").startswith(_string_arg(prefix, "startswith"))


def _fn_endswith(s: object, suffix: object) -> bool:
    return _string_arg(s, "endswith").endswith(_string_arg(suffix, "endswith"))


def _fn_strcontains(s: object, substring: object) -> bool:
    return _string_arg(substring, "strcontains") in _string_arg(s, "strcontains")


def _fn_strrev(s: object) -> str:
    return _copied(_string_arg(s, "strrev"), "strrev")[::-1]


def _fn_chomp(s: object) -> str:
    return _string_arg(s, "chomp").rstrip("\r\n")


def _fn_indent(spaces: object, s: object) -> str:
    width = _int_arg(spaces, "indent")
    text = _string_arg(s, "indent")
    reserve_string(len(text) + text.count("\n") * max(width, 0), "indent()")
    prefix = " " * width
    return text.replace("\n", "\n" + prefix)


# --- format ----------------------------------------------------------------------

_VERB = re.compile(r"%(?P<flags>[-+# 0]*)(?:\[(?P<index>\d+)\])?(?P<width>\d+)?(?:\.(?P<precision>\d+))?(?P<verb>[a-zA-Z%])")


def _json_text(value: object) -> str:
    return _jsonencode_value(value)


def _format_one(spec: re.Match, value: object) -> str:
    flags, verb = spec.group("flags") or "", spec.group("verb")
    width, precision = spec.group("width"), spec.group("precision")
    if width and int(width) > 10_000 or precision and int(precision) > 10_000:
        raise EvaluationError("format: width or precision too large")
    if verb == "v" and "#" in flags:
        text = _json_text(value)
        flags = flags.replace("#", "")
    elif verb == "v":
        if value is None:
            text = "null"
        elif isinstance(value, (list, dict)):
            text = _json_text(value)
        else:
            text = to_string(value)
    elif verb == "s":
        if value is None:
            raise EvaluationError("format: unsupported value for \"%s\" at 0: null value cannot be formatted")
        text = to_string(value) if not isinstance(value, (list, dict)) else _fail_format(verb, value)
        if precision is not None:
            text = text[: int(precision)]
    elif verb == "q":
        raw = to_string(value) if value is not None else _fail_format(verb, value)
        limit_string(_quoted_length(raw), "format()")
        text = json.dumps(raw, ensure_ascii=False)
    elif verb == "t":
        text = "true" if to_bool(value) else "false"
    elif verb in "dboxX":
        number = to_number(value) if value is not None else _fail_format(verb, value)
        if isinstance(number, float):
            if not number.is_integer():
                raise EvaluationError(f"format: unsupported value for \"%{verb}\": number must be a whole number")
            number = int(number)
        python_flags = flags.replace("#", "") if verb == "d" else flags
        text = ("%" + python_flags + (width or "") + {"d": "d", "b": "d", "o": "o", "x": "x", "X": "X"}[verb]) % number
        if verb == "b":
            text = format(number, "b")
            return text.rjust(int(width)) if width else text
        return text
    elif verb in "eEfFgG":
        number = to_number(value) if value is not None else _fail_format(verb, value)
        pattern = "%" + flags + (width or "") + ("." + precision if precision is not None else "") + verb
        return pattern % number
    else:
        raise EvaluationError(f"format: unsupported format verb %{verb}")
    if width:
        return text.ljust(int(width)) if "-" in flags else text.rjust(int(width))
    return text


_ESCAPED_SHORT = re.compile('[\b\t\n\f\r"\\\\]')
_ESCAPED_LONG = re.compile("[\x00-\x07\x0b\x0e-\x1f]")


def _quoted_length(text: str) -> int:
    """The length of ``text`` as a JSON string, without building it."""
    return len(text) + 2 + len(_ESCAPED_SHORT.findall(text)) + 5 * len(_ESCAPED_LONG.findall(text))


def _fail_format(verb: str, value: object) -> str:
    raise EvaluationError(f"format: unsupported value for \"%{verb}\": {type_name(value)} cannot be formatted")


def _fn_format(fmt: object, *args: object) -> str:
    template = _string_arg(fmt, "format")
    out: list[str] = []
    size = 0
    position = 0
    next_arg = 0
    explicit_index = False
    while True:
        percent = template.find("%", position)
        if percent < 0:
            out.append(template[position:])
            break
        out.append(template[position:percent])
        match = _VERB.match(template, percent)
        if match is None:
            raise EvaluationError("format: invalid format verb")
        if match.group("verb") == "%":
            out.append("%")
            position = match.end()
            continue
        explicit_index = explicit_index or bool(match.group("index"))
        index = int(match.group("index")) - 1 if match.group("index") else next_arg
        if index >= len(args):
            raise EvaluationError(f"format: not enough arguments for \"{match.group(0)}\"")
        piece = _format_one(match, args[index])
        out.append(piece)
        size += len(piece) + percent - position
        limit_string(size, "format()")  # measured piece by piece: the result is built once, below
        next_arg = index + 1
        position = match.end()
    if next_arg < len(args) and not explicit_index:
        raise EvaluationError(f"format: too many arguments; only {next_arg} used by format string")
    reserve_string(sum(len(p) for p in out), "format()")
    return "".join(out)


def _fn_formatlist(fmt: object, *args: object) -> list:
    lengths = {len(a) for a in args if isinstance(a, list)}
    if len(lengths) > 1:
        raise EvaluationError("formatlist: all list arguments must have the same length")
    if not lengths:
        return [_fn_format(fmt, *args)]
    count = lengths.pop()
    reserve_items(count, "formatlist()")
    return [_fn_format(fmt, *[a[i] if isinstance(a, list) else a for a in args]) for i in range(count)]


# --- collections -----------------------------------------------------------------------


def _fn_length(value: object) -> object:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, Mapping)):
        return len(value)
    if value is None:
        raise EvaluationError("length: argument must not be null")
    raise EvaluationError(f"length: argument must be a string, a collection type, or a structural type, got {type_name(value)}")


def _fn_coalesce(*args: object) -> object:
    for value in _unify_primitives(list(args)):
        if isinstance(value, Unknown):
            return value
        if value is not None and value != "":
            return value
    raise EvaluationError("coalesce: no non-null, non-empty-string arguments")


def _fn_coalescelist(*args: object) -> object:
    for value in args:
        if isinstance(value, Unknown):
            return value
        if _list_arg(value, "coalescelist"):
            return value
    raise EvaluationError("coalescelist: no non-null arguments")


def _fn_concat(*lists: object) -> list:
    for value in lists:
        if isinstance(value, Unknown):
            return value  # type: ignore[return-value]
    parts = [_list_arg(value, "concat") for value in lists]
    reserve_items(sum(len(part) for part in parts), "concat()")
    return [item for part in parts for item in part]


def _fn_merge(*maps: object) -> object:
    tables: list[Mapping] = []
    for value in maps:
        if value is None:
            continue
        if isinstance(value, Unknown):
            return value
        tables.append(_map_arg(value, "merge"))
    reserve_items(sum(len(table) for table in tables), "merge()")
    result: dict = {}
    for table in tables:
        result.update(table)
    return result


def _fn_lookup(mapping: object, key: object, *default: object) -> object:
    if isinstance(mapping, Unknown):
        return mapping
    if isinstance(key, Unknown):
        return key
    if len(default) > 1:
        raise EvaluationError("lookup: too many arguments")
    table = _map_arg(mapping, "lookup")
    name = _string_arg(key, "lookup")
    if name in table:
        return table[name]
    if default:
        return default[0]
    raise EvaluationError(f'lookup: the given key "{name}" is not present in the map')


def _fn_element(values: object, index: object) -> object:
    if isinstance(values, Unknown):
        return values
    if isinstance(index, Unknown):
        return index
    items = _list_arg(values, "element")
    position = _int_arg(index, "element")
    if not items:
        raise EvaluationError("element: cannot use element function with an empty list")
    if position < 0:
        raise EvaluationError("element: cannot use element function with a negative index")
    return items[position % len(items)]


def _fn_contains(values: object, value: object) -> bool:
    return any(values_equal(item, value) for item in _list_or_set(values, "contains"))


def _list_or_set(value: object, function: str) -> list:
    if isinstance(value, Mapping):
        raise EvaluationError(f"{function}: a list or set is required, got map")
    return _list_arg(value, function)


def _fn_keys(mapping: object) -> object:
    if isinstance(mapping, Unknown):
        return mapping
    return sorted(_map_arg(mapping, "keys").keys())


def _fn_values(mapping: object) -> list:
    table = _map_arg(mapping, "values")
    return [table[k] for k in sorted(table.keys())]


def _fn_one(values: object) -> object:
    if isinstance(values, Unknown):
        return values
    items = _list_arg(values, "one")
    if len(items) > 1:
        raise EvaluationError("one: must be a list, set, or tuple value with either zero or one elements")
    return items[0] if items else None


def _fn_flatten(values: object) -> list:
    result: list = []
    stack = [iter(_list_arg(values, "flatten"))]
    while stack:
        try:
            item = next(stack[-1])
        except StopIteration:
            stack.pop()
            continue
        if isinstance(item, list):
            stack.append(iter(item))
        else:
            result.append(item)
            limit_items(len(result), "flatten()")
    reserve_items(len(result), "flatten()")
    return result


def _fn_distinct(values: object) -> list:
    result: list = []
    seen: set[object] = set()
    for item in _unify_primitives(_list_arg(values, "distinct")):
        key = value_key(item)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


def _fn_compact(values: object) -> list:
    return [_string_arg(v, "compact") for v in _list_arg(values, "compact") if v is not None and v != ""]


def _fn_zipmap(keys: object, values: object) -> dict:
    key_list, value_list = _list_arg(keys, "zipmap"), _list_arg(values, "zipmap")
    if len(key_list) != len(value_list):
        raise EvaluationError("zipmap: number of keys and values must match")
    return {_string_arg(k, "zipmap"): v for k, v in zip(key_list, value_list)}


def _fn_slice(values: object, start: object, end: object) -> list:
    items = _list_arg(values, "slice")
    first, last = _int_arg(start, "slice"), _int_arg(end, "slice")
    if first < 0 or last > len(items) or first > last:
        raise EvaluationError("slice: index out of range")
    return items[first:last]


def _fn_index(values: object, value: object) -> int:
    for position, item in enumerate(_list_arg(values, "index")):
        if values_equal(item, value):
            return position
    raise EvaluationError("index: item not found")


def _fn_reverse(values: object) -> list:
    return list(reversed(_list_arg(values, "reverse")))


def _fn_sort(values: object) -> list:
    items = _list_arg(values, "sort")
    if any(v is None for v in items):
        raise EvaluationError("sort: given list element must not be null")
    return sorted(_string_arg(v, "sort") for v in items)


def _fn_range(*args: object) -> list:
    numbers = [_number_arg(a, "range") for a in args]
    start: int | float
    limit: int | float
    step: int | float
    if len(numbers) == 1:
        start, limit, step = 0, numbers[0], 1
    elif len(numbers) == 2:
        start, limit = numbers
        step = 1 if limit >= start else -1
    elif len(numbers) == 3:
        start, limit, step = numbers
    else:
        raise EvaluationError("range: must have one, two, or three arguments")
    if step == 0:
        raise EvaluationError("range: step must not be zero")
    if (step > 0 and start > limit) or (step < 0 and start < limit):
        raise EvaluationError("range: step must be positive when start is less than limit" if step < 0 else "range: step must be negative when start is greater than limit")
    result: list = []
    value = start
    while (value < limit) if step > 0 else (value > limit):
        if len(result) >= 1024:
            raise EvaluationError("range: more than 1024 values were generated; either decrease the difference between start and limit or use a larger step value")
        result.append(normalize_number(value))
        value = value + step
    return result


def _fn_chunklist(values: object, size: object) -> list:
    items, count = _list_arg(values, "chunklist"), _int_arg(size, "chunklist")
    if count < 0:
        raise EvaluationError("chunklist: the size argument must be positive")
    if count == 0:
        return [items]
    return [items[i : i + count] for i in range(0, len(items), count)]


def _fn_setproduct(*sets: object) -> list:
    if len(sets) < 2:
        raise EvaluationError("setproduct: at least two arguments are required")
    lists = [_list_arg(s, "setproduct") for s in sets]
    total = math.prod(len(items) for items in lists)
    reserve_items(total, "setproduct()")
    result: list = [[]]
    for items in lists:
        result = [prefix + [item] for prefix in result for item in items]
    return result


def _fn_alltrue(values: object) -> bool:
    return all(to_bool(v) for v in _list_arg(values, "alltrue"))


def _fn_anytrue(values: object) -> bool:
    return any(to_bool(v) for v in _list_arg(values, "anytrue") if v is not None)


def _fn_sum(values: object) -> object:
    items = _list_arg(values, "sum")
    if not items:
        raise EvaluationError("sum: cannot sum an empty list")
    total: int | float = 0
    for item in items:
        total = total + _number_arg(item, "sum")
    return normalize_number(total)


def _fn_min(*values: object) -> object:
    if not values:
        raise EvaluationError("min: must pass at least one number")
    return min(_number_arg(v, "min") for v in values)


def _fn_max(*values: object) -> object:
    if not values:
        raise EvaluationError("max: must pass at least one number")
    return max(_number_arg(v, "max") for v in values)


def _fn_abs(value: object) -> object:
    return abs(_number_arg(value, "abs"))


def _fn_ceil(value: object) -> object:
    number = _number_arg(value, "ceil")
    return number if isinstance(number, int) or math.isinf(number) else math.ceil(number)


def _fn_floor(value: object) -> object:
    number = _number_arg(value, "floor")
    return number if isinstance(number, int) or math.isinf(number) else math.floor(number)


def _fn_signum(value: object) -> int:
    number = _number_arg(value, "signum")
    return (number > 0) - (number < 0)


def _fn_pow(base: object, exponent: object) -> object:
    try:
        return normalize_number(float(_number_arg(base, "pow")) ** float(_number_arg(exponent, "pow")))
    except (OverflowError, ZeroDivisionError):
        raise EvaluationError("pow: result out of range") from None


def _fn_log(value: object, base: object) -> object:
    try:
        return normalize_number(math.log(_number_arg(value, "log"), _number_arg(base, "log")))
    except (ValueError, ZeroDivisionError):
        raise EvaluationError("log: invalid arguments") from None


def _fn_parseint(value: object, base: object) -> int:
    try:
        return int(_string_arg(value, "parseint"), _int_arg(base, "parseint"))
    except ValueError:
        raise EvaluationError("parseint: cannot parse the given string as an integer") from None


# --- conversions -------------------------------------------------------------------------


def _fn_tostring(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, (list, Mapping)):
        raise EvaluationError(f"tostring: cannot convert {type_name(value)} to string")
    return to_string(value)


def _fn_tonumber(value: object) -> object:
    return None if value is None else to_number(value)


def _fn_tobool(value: object) -> object:
    return None if value is None else to_bool(value)


def _fn_tolist(value: object) -> object:
    if value is None:
        return None
    return _unify_primitives(list(_list_or_set(value, "tolist")))


def _fn_toset(value: object) -> object:
    if value is None:
        return None
    return set_order(_unify_primitives(list(_list_or_set(value, "toset"))))


def _fn_tomap(value: object) -> object:
    if value is None:
        return None
    table = _map_arg(value, "tomap")
    keys = list(table.keys())
    collections = [isinstance(v, (list, Mapping)) for v in table.values() if v is not None]
    if any(collections) and not all(collections):
        raise EvaluationError("tomap: all map elements must have the same type")
    return dict(zip(keys, _unify_primitives([table[k] for k in keys])))


# --- encodings and hashes --------------------------------------------------------------------


def _jsonencode_value(value: object) -> str:
    """Compact JSON as Terraform's ``jsonencode`` writes it (sorted keys, HTML-safe escapes)."""
    parts: list[str] = []
    stack: list[object] = [value]
    size = 0  # measured as it is written, before each string is escaped: the result is joined once
    while stack:
        current = stack.pop()
        if isinstance(current, _JsonToken):
            parts.append(current.text)
        elif current is None:
            parts.append("null")
        elif current is True or current is False:
            parts.append("true" if current else "false")
        elif is_number(current):
            if isinstance(current, float) and (math.isinf(current) or math.isnan(current)):
                raise EvaluationError("jsonencode: cannot encode an infinite number")
            if isinstance(current, float) and current.is_integer():
                current = int(current)  # JSON numbers are written in full, without exponent
            parts.append(format_number(current))  # type: ignore[arg-type]
        elif isinstance(current, str):
            size += len(current) + 2
            limit_string(size, "jsonencode()")
            parts.append(_json_string(current))
        elif isinstance(current, list):
            items: list[object] = [_JsonToken("[")]
            for position, item in enumerate(current):
                if position:
                    items.append(_JsonToken(","))
                items.append(item)
            items.append(_JsonToken("]"))
            stack.extend(reversed(items))
        elif isinstance(current, Mapping):
            items = [_JsonToken("{")]
            for position, key in enumerate(sorted(current.keys())):
                if position:
                    items.append(_JsonToken(","))
                items.append(_JsonToken(_json_string(key) + ":"))
                items.append(current[key])
            items.append(_JsonToken("}"))
            stack.extend(reversed(items))
        else:
            raise EvaluationError(f"jsonencode: cannot encode {type_name(current)}")
    reserve_string(sum(len(p) for p in parts), "jsonencode()")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class _JsonToken:
    """Punctuation already written as JSON text."""

    text: str


def _json_string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        encoded = encoded.replace(raw, escaped)
    return encoded


def _fn_jsonencode(value: object) -> str:
    return _jsonencode_value(value)


def _json_to_value(value: object) -> object:
    if isinstance(value, float):
        return normalize_number(value)
    if isinstance(value, list):
        return [_json_to_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_to_value(v) for k, v in value.items()}
    return value


def _fn_jsondecode(text: object) -> object:
    from sovlint.parsers.json_marks import JsonError, load_json

    source = _string_arg(text, "jsondecode")
    reserve_string(len(source), "jsondecode()")  # what the decoded value may take, about
    try:  # the file loader's reader: the same depth and node limits
        return _decoded_value(load_json(source), "jsondecode")
    except JsonError as exc:
        if exc.limit:
            raise ValueTooLarge(f"value too large: jsondecode(): {exc.message}") from None
        raise EvaluationError(f"jsondecode: {exc.message}") from None


def _fn_yamldecode(text: object) -> object:
    from sovlint.parsers.yaml_marks import YamlError, load_documents

    source = _string_arg(text, "yamldecode")
    try:  # the file loader's reader: the same depth, node and alias limits
        documents = list(load_documents(source))
    except YamlError as exc:
        if exc.limit:
            raise ValueTooLarge(f"value too large: yamldecode(): {exc.message}") from None
        raise EvaluationError(f"yamldecode: {exc.message}") from None
    if len(documents) > 1:
        raise EvaluationError("yamldecode: the string holds more than one YAML document")
    return _decoded_value(documents[0] if documents else None, "yamldecode")


def _decoded_value(value: object, function: str) -> object:
    """Decoded JSON/YAML data as a Terraform value (plain lists and dicts, numbers normalised),
    counted against the evaluation's allowance before it is built."""
    from sovlint.parsers.yaml_marks import Tagged

    nodes = 0
    stack: list[object] = [value]
    while stack:
        current = stack.pop()
        nodes += 1
        if isinstance(current, Tagged):
            raise EvaluationError(f"{function}: unsupported YAML tag {current.tag}")
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    reserve_nodes(nodes, f"{function}()")
    try:
        return _plain(value)
    except RecursionError:
        raise EvaluationError(f"{function}: value nested too deeply") from None


def _plain(value: object) -> object:
    if isinstance(value, float):
        return normalize_number(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k if isinstance(k, str) else _key_text(k): _plain(v) for k, v in value.items()}
    return value


def _key_text(key: object) -> str:
    if key is None:
        return "null"
    return to_string(key)


def _fn_base64encode(text: object) -> str:
    data = _string_arg(text, "base64encode").encode()
    reserve_string(4 * ((len(data) + 2) // 3), "base64encode()")
    return base64.b64encode(data).decode()


def _fn_base64decode(text: object) -> str:
    try:
        return base64.b64decode(_string_arg(text, "base64decode"), validate=True).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"base64decode: {exc}") from None


def _digest(algorithm: str) -> Callable[[object], str]:
    def digest(text: object) -> str:
        return hashlib.new(algorithm, _string_arg(text, algorithm).encode()).hexdigest()

    return digest


def _fn_base64sha256(text: object) -> str:
    return base64.b64encode(hashlib.sha256(_string_arg(text, "base64sha256").encode()).digest()).decode()


def _fn_identity(value: object) -> object:
    return value


def _not_evaluated(name: str) -> TerraformFunction:
    """A function sovlint does not evaluate (files, time, randomness)."""

    def implementation(*args: object) -> Unknown:
        return Unknown(f"function {name}() is not evaluated")

    return TerraformFunction(implementation, accepts_unknown=True)


FUNCTIONS: dict[str, TerraformFunction] = {
    "lower": TerraformFunction(_fn_lower, min_args=1, max_args=1),
    "upper": TerraformFunction(_fn_upper, min_args=1, max_args=1),
    "title": TerraformFunction(_fn_title, min_args=1, max_args=1),
    "trimspace": TerraformFunction(_fn_trimspace, min_args=1, max_args=1),
    "trim": TerraformFunction(_fn_trim, min_args=2, max_args=2),
    "trimprefix": TerraformFunction(_fn_trimprefix, min_args=2, max_args=2),
    "trimsuffix": TerraformFunction(_fn_trimsuffix, min_args=2, max_args=2),
    "replace": TerraformFunction(_fn_replace, min_args=3, max_args=3),
    "regex": TerraformFunction(_fn_regex, min_args=2, max_args=2),
    "regexall": TerraformFunction(_fn_regexall, min_args=2, max_args=2),
    "split": TerraformFunction(_fn_split, min_args=2, max_args=2),
    "join": TerraformFunction(_fn_join, min_args=1),
    "substr": TerraformFunction(_fn_substr, min_args=3, max_args=3),
    "startswith": TerraformFunction(_fn_startswith, min_args=2, max_args=2),
    "endswith": TerraformFunction(_fn_endswith, min_args=2, max_args=2),
    "strcontains": TerraformFunction(_fn_strcontains, min_args=2, max_args=2),
    "strrev": TerraformFunction(_fn_strrev, min_args=1, max_args=1),
    "chomp": TerraformFunction(_fn_chomp, min_args=1, max_args=1),
    "indent": TerraformFunction(_fn_indent, min_args=2, max_args=2),
    "format": TerraformFunction(_fn_format, min_args=1),
    "formatlist": TerraformFunction(_fn_formatlist, min_args=1),
    "length": TerraformFunction(_fn_length, accepts_unknown=True, min_args=1, max_args=1),
    "coalesce": TerraformFunction(_fn_coalesce, accepts_unknown=True),
    "coalescelist": TerraformFunction(_fn_coalescelist, accepts_unknown=True),
    "concat": TerraformFunction(_fn_concat, accepts_unknown=True),
    "merge": TerraformFunction(_fn_merge, accepts_unknown=True),
    "lookup": TerraformFunction(_fn_lookup, accepts_unknown=True, min_args=2, max_args=3),
    "element": TerraformFunction(_fn_element, accepts_unknown=True, min_args=2, max_args=2),
    "contains": TerraformFunction(_fn_contains, min_args=2, max_args=2),
    "keys": TerraformFunction(_fn_keys, accepts_unknown=True, min_args=1, max_args=1),
    "values": TerraformFunction(_fn_values, min_args=1, max_args=1),
    "one": TerraformFunction(_fn_one, accepts_unknown=True, min_args=1, max_args=1),
    "flatten": TerraformFunction(_fn_flatten, min_args=1, max_args=1),
    "distinct": TerraformFunction(_fn_distinct, min_args=1, max_args=1),
    "compact": TerraformFunction(_fn_compact, min_args=1, max_args=1),
    "zipmap": TerraformFunction(_fn_zipmap, min_args=2, max_args=2),
    "slice": TerraformFunction(_fn_slice, min_args=3, max_args=3),
    "index": TerraformFunction(_fn_index, min_args=2, max_args=2),
    "reverse": TerraformFunction(_fn_reverse, min_args=1, max_args=1),
    "sort": TerraformFunction(_fn_sort, min_args=1, max_args=1),
    "range": TerraformFunction(_fn_range, min_args=1, max_args=3),
    "chunklist": TerraformFunction(_fn_chunklist, min_args=2, max_args=2),
    "setproduct": TerraformFunction(_fn_setproduct),
    "alltrue": TerraformFunction(_fn_alltrue, min_args=1, max_args=1),
    "anytrue": TerraformFunction(_fn_anytrue, min_args=1, max_args=1),
    "sum": TerraformFunction(_fn_sum, min_args=1, max_args=1),
    "min": TerraformFunction(_fn_min),
    "max": TerraformFunction(_fn_max),
    "abs": TerraformFunction(_fn_abs, min_args=1, max_args=1),
    "ceil": TerraformFunction(_fn_ceil, min_args=1, max_args=1),
    "floor": TerraformFunction(_fn_floor, min_args=1, max_args=1),
    "signum": TerraformFunction(_fn_signum, min_args=1, max_args=1),
    "pow": TerraformFunction(_fn_pow, min_args=2, max_args=2),
    "log": TerraformFunction(_fn_log, min_args=2, max_args=2),
    "parseint": TerraformFunction(_fn_parseint, min_args=2, max_args=2),
    "tostring": TerraformFunction(_fn_tostring, min_args=1, max_args=1),
    "tonumber": TerraformFunction(_fn_tonumber, min_args=1, max_args=1),
    "tobool": TerraformFunction(_fn_tobool, min_args=1, max_args=1),
    "tolist": TerraformFunction(_fn_tolist, min_args=1, max_args=1),
    "toset": TerraformFunction(_fn_toset, min_args=1, max_args=1),
    "tomap": TerraformFunction(_fn_tomap, min_args=1, max_args=1),
    "jsonencode": TerraformFunction(_fn_jsonencode, min_args=1, max_args=1),
    "jsondecode": TerraformFunction(_fn_jsondecode, min_args=1, max_args=1),
    "yamldecode": TerraformFunction(_fn_yamldecode, min_args=1, max_args=1),
    "base64encode": TerraformFunction(_fn_base64encode, min_args=1, max_args=1),
    "base64decode": TerraformFunction(_fn_base64decode, min_args=1, max_args=1),
    "base64sha256": TerraformFunction(_fn_base64sha256, min_args=1, max_args=1),
    "md5": TerraformFunction(_digest("md5"), min_args=1, max_args=1),
    "sha1": TerraformFunction(_digest("sha1"), min_args=1, max_args=1),
    "sha256": TerraformFunction(_digest("sha256"), min_args=1, max_args=1),
    "sha512": TerraformFunction(_digest("sha512"), min_args=1, max_args=1),
    "nonsensitive": TerraformFunction(_fn_identity, accepts_unknown=True, min_args=1, max_args=1),
    "sensitive": TerraformFunction(_fn_identity, accepts_unknown=True, min_args=1, max_args=1),
    **{
        name: _not_evaluated(name)
        for name in (
            "file",
            "fileexists",
            "fileset",
            "filebase64",
            "filebase64sha256",
            "filemd5",
            "filesha1",
            "filesha256",
            "filesha512",
            "templatefile",
            "timestamp",
            "plantimestamp",
            "uuid",
            "bcrypt",
            "abspath",
            "pathexpand",
        )
    },
}
