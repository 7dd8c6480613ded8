"""Mappings whose values are evaluated when first read (variables, locals, resources)."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Mapping


class LazyMapping(Mapping[str, Any]):
    """A read-only mapping computing each value on first access, then memoising it.

    ``open_`` mappings (another resource's attributes) answer for any key: a
    key they do not declare is computed too (typically an Unknown, as for
    attributes only known after apply).
    """

    def __init__(self, getter: Callable[[str], Any], keys: Iterable[str], label: str,
                 open_: bool = False):
        self._getter = getter
        self._keys = list(dict.fromkeys(keys))
        self._cache: dict[str, Any] = {}
        self.label = label
        self.open = open_

    def __getitem__(self, key: str) -> Any:
        if key in self._cache:
            return self._cache[key]
        if not self.open and key not in self._keys:
            raise KeyError(key)
        value = self._getter(key)
        self._cache[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        return self.open or key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._keys))

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"<{self.label}>"
