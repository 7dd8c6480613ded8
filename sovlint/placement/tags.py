"""Tags and labels, as each provider writes them, read by one function for every input format.

Providers spell tags differently: a map (``tags``, ``labels``), namespaced
keys (OCI ``defined_tags``), ``key=value`` strings (Scaleway, IBM), repeated
blocks or lists of objects with a key and a value (Outscale, NumSpot,
CloudFormation). Each provider's file in ``policies/locations/`` says which,
with its documentation as source (``tags:``); the data class is read from
what this module returns.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from sovlint.placement.interpret import MISSING, Arguments, Unresolved
from sovlint.placement.semantics import TagSpec

_SCALARS = (str, int, float, bool)


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, _SCALARS) else None


def read_tags(specs: Sequence[TagSpec], args: Arguments) -> dict[str, str]:
    """Every tag the specs find (the first one found wins for a key); unknown values are left out."""
    found: dict[str, str] = {}
    for spec in specs:
        if spec.form == "pairs":
            items = args.items(spec.argument)
            if isinstance(items, Unresolved):
                continue
            for item in items:
                key, value = _text(item.value(spec.key)), _text(item.value(spec.value))
                if key is not None and value is not None:
                    found.setdefault(key, value)
            continue
        value = args.value(spec.argument)
        if value is MISSING or isinstance(value, Unresolved):
            continue
        if spec.form in ("map", "namespaced-map") and isinstance(value, Mapping):
            for key, item in value.items():
                text = _text(item)
                if isinstance(key, str) and text is not None:
                    found.setdefault(key.rsplit(".", 1)[-1] if spec.form == "namespaced-map" else key,
                                     text)
        elif spec.form == "strings" and isinstance(value, (list, tuple)):
            for item in value:
                if not isinstance(item, str):
                    continue
                for separator in spec.separators:
                    if separator in item:
                        key, _, text = item.partition(separator)
                        found.setdefault(key.strip(), text.strip())
                        break
    return found
