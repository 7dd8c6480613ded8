"""Terraform values as Python values, and their conversions.

A Terraform value is one of: ``str``; ``int``/``float`` (a number; integral
results are kept as ``int``); ``bool``; ``None`` (null); ``list`` (lists,
tuples and sets); ``dict`` (maps and objects); or :class:`Unknown`.

Sets are lists without duplicates; :func:`set_order` sorts them as Terraform
iterates them when the elements are all strings or all numbers, and keeps
first-occurrence order otherwise.

:class:`OpenMapping` lets a caller provide a root value (``var``, ``local``,
``module.x``...) whose missing attributes are *not known* rather than errors,
and whose items may be computed on demand (:class:`LazyMapping`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable, Iterator

from sovlint.budgets import (  # noqa: F401 - the budgets, as the evaluator and functions see them
    ALLOCATION_BUDGET,
    ITEM_WEIGHT,
    MAX_COLLECTION_LENGTH,
    MAX_STRING_LENGTH,
    ValueTooLarge,
    allowance,
    close_allowance,
    limit_items,
    limit_string,
    open_allowance,
    reserve_items,
    reserve_nodes,
    reserve_string,
)

@dataclass(frozen=True, slots=True)
class Unknown:
    """A value sovlint cannot know; ``expr`` is the source of the expression that gave it."""

    reason: str
    expr: str = ""
    within: str | None = None  # a value known to be a zone (or zones) of this region


class EvaluationError(Exception):
    """An error Terraform itself would report (wrong type, index out of range...)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class OpenMapping(Mapping):
    """A mapping whose missing keys are unknown (not errors).

    ``name`` is how the mapping is referred to (``var``, ``local``,
    ``module.net``) and appears in the reasons of the unknowns it gives.
    """

    def __init__(self, name: str, items: Mapping[str, object] | None = None):
        self.name = name
        self._items = dict(items or {})

    def __getitem__(self, key: str) -> object:
        return self._items[key]

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def missing(self, key: str) -> Unknown:
        """The value of an attribute this mapping does not have."""
        return Unknown(f"{self.name}.{key} is not known")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self._items!r})"


class PartialMapping(OpenMapping):
    """An :class:`OpenMapping` over fixed items (e.g. variables with defaults)."""


class LazyMapping(OpenMapping):
    """An :class:`OpenMapping` whose items are computed on first access.

    ``compute(key)`` gives the value of ``key`` (typically evaluating a
    ``locals`` expression, which may itself read this mapping). A key read
    again while it is being computed is a cycle and gives
    ``Unknown("cycle: local.a -> local.b -> local.a")``. Values are cached.
    """

    def __init__(self, name: str, keys: list[str] | tuple[str, ...], compute: Callable[[str], object]):
        super().__init__(name)
        self._keys = tuple(keys)
        self._key_set = frozenset(self._keys)
        self._compute = compute
        self._cache: dict[str, object] = {}
        self._in_progress: list[str] = []

    def __getitem__(self, key: str) -> object:
        if key in self._cache:
            return self._cache[key]
        if key not in self._key_set:
            raise KeyError(key)
        if key in self._in_progress:
            chain = self._in_progress[self._in_progress.index(key) :] + [key]
            return Unknown("cycle: " + " -> ".join(f"{self.name}.{k}" for k in chain))
        self._in_progress.append(key)
        try:
            value = self._compute(key)
        finally:
            self._in_progress.pop()
        self._cache[key] = value
        return value

    def __contains__(self, key: object) -> bool:  # without computing the value
        return key in self._key_set

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def type_name(value: object) -> str:
    """Terraform's name for the type of ``value`` (for error messages)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "tuple"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, Unknown):
        return "unknown"
    return type(value).__name__


def is_number(value: object) -> bool:
    """Whether ``value`` is a Terraform number."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def normalize_number(value: int | float) -> int | float:
    """A number with integral floats (of safe magnitude) turned into ``int``."""
    if isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            return value
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
    return value


_NUMBER_TEXT = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\Z")


def parse_number(text: str) -> int | float:
    """A number from its text, as Terraform converts strings to numbers."""
    if not _NUMBER_TEXT.match(text):
        raise EvaluationError(f'cannot convert "{text}" to number: a number is required')
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return normalize_number(float(text))


def format_number(value: int | float) -> str:
    """A number as Terraform writes it in strings (``10``, ``1.5``, ``1e+21``)."""
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        exponent_value = int(exponent)
        if -7 < exponent_value < 21:
            return format(value, "f").rstrip("0").rstrip(".")
        return f"{mantissa}e{'+' if exponent_value > 0 else '-'}{abs(exponent_value):02d}"
    return text


def to_number(value: object) -> int | float:
    """Convert to a number as Terraform does (numbers and numeric strings)."""
    if is_number(value):
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        return parse_number(value)
    if value is None:
        raise EvaluationError("a number is required, got null")
    raise EvaluationError(f"a number is required, got {type_name(value)}")


def to_string(value: object) -> str:
    """Convert a primitive to a string as Terraform does (``true`` → ``"true"``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return format_number(value)  # type: ignore[arg-type]
    if value is None:
        raise EvaluationError("a string is required, got null")
    raise EvaluationError(f"a string is required, got {type_name(value)}")


def to_bool(value: object) -> bool:
    """Convert to a bool as Terraform does (bools and the strings ``"true"``/``"false"``)."""
    if isinstance(value, bool):
        return value
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    if value is None:
        raise EvaluationError("a bool is required, got null")
    raise EvaluationError(f"a bool is required, got {type_name(value)}")


def first_unknown(value: object, budget: int = 100_000) -> Unknown | None:
    """The first :class:`Unknown` inside ``value`` (searching nested lists and dicts), if any."""
    stack = [value]
    while stack and budget > 0:
        budget -= 1
        current = stack.pop()
        if isinstance(current, Unknown):
            return current
        if isinstance(current, list):
            stack.extend(reversed(current))
        elif isinstance(current, OpenMapping):
            return Unknown(f"the whole of {current.name} is not known")
        elif isinstance(current, dict):
            stack.extend(reversed(list(current.values())))
    if stack:
        return Unknown("value too large")
    return None


def values_equal(left: object, right: object) -> bool:
    """Terraform ``==``: no conversion between types; numbers compare by value."""
    if is_number(left) and is_number(right):
        return left == right
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(values_equal(a, b) for a, b in zip(left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(values_equal(left[k], right[k]) for k in left)
    if type(left) is not type(right):
        return False
    return left == right


def value_key(value: object) -> object:
    """A hashable key equal for two values exactly when :func:`values_equal` holds and
    their types have the same name (so that sets and ``distinct`` take linear time)."""
    try:
        return _key(value)
    except RecursionError:
        raise EvaluationError("value nested too deeply to compare") from None


def _key(value: object) -> object:
    if isinstance(value, bool):
        return ("bool", value)
    if is_number(value):
        return ("number", value)  # 1 and 1.0: equal keys, as Terraform's numbers are
    if isinstance(value, str):
        return ("string", value)
    if value is None:
        return ("null",)
    if isinstance(value, list):
        return ("tuple", tuple(_key(item) for item in value))
    if isinstance(value, Mapping) and not isinstance(value, OpenMapping):
        return ("object", tuple(sorted((str(k), _key(v)) for k, v in value.items())))
    return ("other", id(value))


def set_order(items: list[object]) -> list[object]:
    """Distinct elements in the order Terraform iterates a set (see module docstring)."""
    seen: set[object] = set()
    distinct: list[object] = []
    for item in items:
        key = value_key(item)
        if key not in seen:
            seen.add(key)
            distinct.append(item)
    if distinct and all(isinstance(i, str) or i is None for i in distinct):
        return sorted(i for i in distinct if i is not None) + [None] * (None in distinct)  # type: ignore[type-var]
    if distinct and all(is_number(i) for i in distinct):
        return sorted(distinct)  # type: ignore[type-var]
    return distinct


def check_size(value: object) -> object:
    """``value``, or an :class:`Unknown` when it is too large to keep."""
    if isinstance(value, str) and len(value) > MAX_STRING_LENGTH:
        return Unknown("value too large")
    if isinstance(value, (list, dict)) and len(value) > MAX_COLLECTION_LENGTH:
        return Unknown("value too large")
    return value
