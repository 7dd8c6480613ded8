"""Budgets of the evaluations of scanned code: sizes known and checked before a value is built.

Terraform expressions and ARM template expressions are evaluated from
untrusted files: a few bytes of source can ask for gigabytes (a string
replaced into itself, a value concatenated to itself twenty times). Every
function that builds a string or a collection measures the result first and
calls :func:`reserve_string` / :func:`reserve_items`; past a limit they raise
:class:`ValueTooLarge` before anything is built, and the evaluator turns it
into an unknown value whose reason names the budget (SPEC §9).

Two kinds of limits: one value (``MAX_STRING_LENGTH`` characters,
``MAX_COLLECTION_LENGTH`` items), and everything the evaluations of one
unit build in all (an :class:`Allowance` of ``ALLOCATION_BUDGET``, opened by
the caller for a whole root module or template with :func:`allowance`).
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass
from typing import Iterator

#: Characters one string value may hold.
MAX_STRING_LENGTH = 10 * 1024 * 1024
#: Items one list or map value may hold.
MAX_COLLECTION_LENGTH = 100_000
#: Characters of strings (and items of collections, each counted as ``ITEM_WEIGHT``
#: characters) that the evaluations of one root module or template may build in all.
ALLOCATION_BUDGET = 32 * 1024 * 1024
ITEM_WEIGHT = 16


class ValueTooLarge(Exception):
    """A value that would exceed a budget, raised *before* it is built.

    The evaluator turns it into an unknown value whose reason (starting with
    ``value too large``) says which budget and what would have been built.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Allowance:
    """What the evaluations of one root module may still build (see ``ALLOCATION_BUDGET``)."""

    left: int = ALLOCATION_BUDGET


_ALLOWANCE: contextvars.ContextVar[Allowance | None] = contextvars.ContextVar("sovlint_allowance",
                                                                             default=None)


def open_allowance(total: int = ALLOCATION_BUDGET) -> contextvars.Token[Allowance | None] | None:
    """Start an :class:`Allowance` unless one is in force: the token to close it with, or ``None``."""
    if _ALLOWANCE.get() is not None:
        return None
    return _ALLOWANCE.set(Allowance(total))


def close_allowance(token: contextvars.Token[Allowance | None]) -> None:
    """End the allowance :func:`open_allowance` started."""
    _ALLOWANCE.reset(token)


@contextlib.contextmanager
def allowance(total: int = ALLOCATION_BUDGET) -> Iterator[None]:
    """Make every evaluation inside the ``with`` block draw on one :class:`Allowance`
    (an enclosing one, if any, stays in force)."""
    token = open_allowance(total)
    try:
        yield
    finally:
        if token is not None:
            close_allowance(token)


def _draw(units: int, what: str) -> None:
    active = _ALLOWANCE.get()
    if active is None:
        return
    active.left -= units
    if active.left < 0:
        raise ValueTooLarge(f"value too large: {what} would pass the evaluation budget (the expressions "
                            f"of one module or template build at most {ALLOCATION_BUDGET:,} characters in all)")


def limit_string(length: int, what: str) -> None:
    """Raise :class:`ValueTooLarge` if a string of ``length`` characters would pass
    ``MAX_STRING_LENGTH`` (a check while a result is being measured; nothing is drawn)."""
    if length > MAX_STRING_LENGTH:
        raise ValueTooLarge(f"value too large: {what} would build a string of more than "
                            f"{MAX_STRING_LENGTH:,} characters (the limit)")


def limit_items(count: int, what: str) -> None:
    """Raise :class:`ValueTooLarge` if a collection of ``count`` items would pass
    ``MAX_COLLECTION_LENGTH``."""
    if count > MAX_COLLECTION_LENGTH:
        raise ValueTooLarge(f"value too large: {what} would build a collection of more than "
                            f"{MAX_COLLECTION_LENGTH:,} items (the limit)")


def reserve_string(length: int, what: str) -> None:
    """Account for a string of ``length`` characters about to be built by ``what``.

    Raises :class:`ValueTooLarge` (nothing is built) past ``MAX_STRING_LENGTH``
    or past the allowance of the evaluation.
    """
    limit_string(length, what)
    _draw(length, what)


def reserve_items(count: int, what: str) -> None:
    """Account for a list or map of ``count`` items about to be built by ``what``."""
    limit_items(count, what)
    _draw(count * ITEM_WEIGHT, what)


def reserve_nodes(count: int, what: str) -> None:
    """Account for ``count`` decoded values (nested in lists and maps) that ``what`` builds;
    their number per document is bounded by the file loaders' own limits."""
    _draw(count * ITEM_WEIGHT, what)
