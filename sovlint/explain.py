"""``sovlint explain RULE``: the rule's own documentation, from its policy file and fixtures."""

from __future__ import annotations

import textwrap
from pathlib import Path

from sovlint.policy.load import Policy


def _examples(policy: Policy) -> dict[str, str]:
    """A failing and a passing example: from the policy file, else from its fixtures."""
    examples = dict(policy.examples)
    if "fail" in examples and "pass" in examples:
        return examples
    from sovlint.policy.testing import fixture_examples

    found = fixture_examples(policy.id, Path(policy.source_file).parent.parent / "fixtures")
    for kind in ("fail", "pass"):
        if kind not in examples and kind in found:
            examples[kind] = found[kind]
    return examples


def _way_out(policy: Policy) -> list[str]:
    """The sovereign offers per service kind that satisfy the rule (policies/alternatives.yaml)."""
    from sovlint.catalog import cached_catalog
    from sovlint.remediation import describe_constraints, constraints_for, rule_way_out

    kinds = rule_way_out(policy.id, None, cached_catalog(()))
    if not kinds:
        return []
    wanted = describe_constraints(constraints_for(policy.id, None, None))
    parts = [f"Sovereign alternatives by service kind ({wanted}; health data: HDS-certified"
             " offers only; under the secnumcloud profile: SecNumCloud-qualified offers only):"]
    for kind, alternatives in kinds:
        if alternatives:
            parts.append(f"  {kind.title}:")
            parts += [f"    - {a.provider_name} {a.offer}: {', '.join(a.resource_types)}"
                      f" in {', '.join(a.regions)}" for a in alternatives]
        else:
            parts.append(f"  {kind.title}: none" + (f" ({kind.gap})" if kind.gap else " that satisfies this rule in the data"))
    parts.append("")
    return parts


def explain_text(policy: Policy) -> str:
    """Rationale, legal basis, references, remediation and examples of a rule."""
    wrap = lambda text: textwrap.fill(" ".join(text.split()), width=78)  # noqa: E731
    parts = [f"{policy.id} {policy.name} ({policy.severity.label})", policy.title, ""]
    if policy.description:
        parts += [wrap(policy.description), ""]
    if policy.legal_basis:
        parts.append("Legal basis:")
        parts += [f"  - {item}" for item in policy.legal_basis]
        parts.append("")
    if policy.references:
        parts.append("References:")
        parts += [f"  - {item}" for item in policy.references]
        parts.append("")
    if policy.remediation:
        parts += ["How to fix:", textwrap.indent(wrap(policy.remediation), "  "), ""]
    parts += _way_out(policy)
    examples = _examples(policy)
    for kind, label in (("fail", "Fails"), ("pass", "Passes")):
        if kind in examples:
            parts += [f"{label}:", textwrap.indent(examples[kind].rstrip(), "    "), ""]
    parts.append(f"Defined in {policy.source_file}")
    return "\n".join(parts)
