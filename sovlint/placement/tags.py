"""Tags and labels, as each provider writes them, read by one function for every input format.

Providers spell tags differently: a map (``tags``, ``labels``), namespaced
keys (OCI ``defined_tags``), ``key=value`` strings (Scaleway, IBM), repeated
blocks or lists of objects with a key and a value (Outscale, NumSpot,
CloudFormation). Each provider's file in ``policies/locations/`` says which,
with its documentation as source (``tags:``); the data class is read from
what this module returns.

Every reader calls :func:`read_tags` (or :func:`own_tags`) over an
:class:`~sovlint.placement.interpret.Arguments` view of its own syntax: HCL
blocks, plan JSON values, CloudFormation properties, ARM bodies, Kubernetes
objects; :func:`tags_in` reads nested data (CloudFormation and ARM resources,
cloud API answers: an Azure resource with the ``arm`` specs, a Google Cloud
API resource with the Terraform ones in camelCase).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from sovlint.placement.interpret import MISSING, Arguments, Unresolved
from sovlint.placement.semantics import ProviderTags, TagSpec
from sovlint.placement.trees import TreeArguments, Translate, identity

_SCALARS = (str, int, float, bool)

#: Tags of a provider whose syntax the data does not say: a map, or ``key=value`` strings.
GENERIC_TAGS = tuple(TagSpec(argument=name, form=form) for name in ("tags", "labels")
                     for form in ("map", "strings"))


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
        elif spec.form == "strings" and isinstance(value, (str, list, tuple)):
            for entry in [value] if isinstance(value, str) else value:
                if not isinstance(entry, str):
                    continue
                for separator in spec.separators:
                    if separator in entry:
                        key, _, text = entry.partition(separator)
                        found.setdefault(key.strip(), text.strip())
                        break
    return found


def tag_syntax(provider: str | None) -> ProviderTags | None:
    """How a catalog provider's resources carry tags (``policies/locations/``), if the data says."""
    from sovlint.placement.semantics import location_semantics

    return location_semantics().tags.get(provider or "")


def own_tags(provider: str | None, args: Arguments, input_format: str = "terraform") -> dict[str, str]:
    """A resource's own tags as its provider writes them in a format (``cloudformation``,
    ``arm``, else Terraform's names); a map or ``key=value`` strings under ``tags``/``labels``
    for a provider the data does not know."""
    syntax = tag_syntax(provider)
    return read_tags(syntax.for_format(input_format) if syntax is not None else GENERIC_TAGS, args)


def tags_in(provider: str | None, data: Mapping[str, Any], input_format: str = "terraform", *,
            translate: Translate = identity, evaluate: Callable[[Any], Any] | None = None,
            unknown: Callable[[Any], str | None] | None = None,
            case_insensitive: bool = False) -> dict[str, str]:
    """A resource's own tags in nested data: a CloudFormation or ARM resource (``evaluate``
    resolves its expressions), a cloud API answer (``camel_case`` for Google Cloud's JSON).
    Only the top-level entries the specs read are evaluated."""
    syntax = tag_syntax(provider)
    specs = syntax.for_format(input_format) if syntax is not None else GENERIC_TAGS
    heads = {(translate(spec.argument) or "").split(".", 1)[0].lower() for spec in specs}
    fields = {key: value for key, value in data.items()
              if isinstance(key, str) and key.lower() in heads}
    args = TreeArguments(fields, translate, evaluate=evaluate or (lambda node: node),
                         unknown=unknown or (lambda value: None), case_insensitive=case_insensitive)
    return read_tags(specs, args)
