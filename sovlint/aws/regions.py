"""Which regions of an account the review looks at."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

ENABLED_STATUSES = frozenset({"opt-in-not-required", "opted-in"})


def choose_regions(described: Iterable[Mapping[str, Any]], requested: Sequence[str],
                   account: str) -> tuple[list[str], list[str]]:
    """(regions to review, problems) from ``DescribeRegions(AllRegions=True)``.

    With no ``requested`` region, every enabled region. A requested region that
    is an opt-in region not enabled in the account, or that the account does
    not know, is skipped and named in the problems.
    """
    status = {str(r["RegionName"]): str(r.get("OptInStatus") or "opt-in-not-required")
              for r in described}
    if not requested:
        return sorted(name for name, s in status.items() if s in ENABLED_STATUSES), []
    chosen: list[str] = []
    problems: list[str] = []
    for name in dict.fromkeys(requested):
        if name not in status:
            problems.append(f"region {name} is not a region of account {account}: skipped")
        elif status[name] not in ENABLED_STATUSES:
            problems.append(f"region {name} is an opt-in region not enabled in account "
                            f"{account} ({status[name]}): skipped")
        else:
            chosen.append(name)
    return chosen, problems
