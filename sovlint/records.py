"""The base of the frozen records that caches keep and worker processes send.

``dataclass(slots=True)`` pickles an instance through ``__getstate__`` /
``__setstate__`` functions that look the fields up again for every object,
which made reading a cached syntax tree or catalog slower than building it.
A :class:`Record` pickles as a call of its class with its field values.
"""

from __future__ import annotations

from typing import Any


class Record:
    """Base of ``@dataclass(frozen=True, slots=True)`` classes whose fields are all
    constructor arguments (their ``__slots__``, in order): pickled as ``(class, values)``."""

    __slots__: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return type(self), tuple(getattr(self, name) for name in self.__slots__)
