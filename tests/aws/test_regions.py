"""Region choice from ``DescribeRegions(AllRegions=True)``."""

from __future__ import annotations

from sovlint.aws.regions import choose_regions

DESCRIBED = [
    {"RegionName": "eu-west-3", "OptInStatus": "opt-in-not-required"},
    {"RegionName": "eu-south-1", "OptInStatus": "not-opted-in"},
    {"RegionName": "me-central-1", "OptInStatus": "opted-in"},
    {"RegionName": "us-east-1", "OptInStatus": "opt-in-not-required"},
]


def test_default_is_every_enabled_region() -> None:
    assert choose_regions(DESCRIBED, (), "1") == (["eu-west-3", "me-central-1", "us-east-1"], [])


def test_a_disabled_opt_in_region_is_skipped_and_reported() -> None:
    regions, problems = choose_regions(DESCRIBED, ("eu-south-1", "eu-west-3", "eu-west-3"), "1")
    assert regions == ["eu-west-3"]
    assert problems == ["region eu-south-1 is an opt-in region not enabled in account 1 "
                        "(not-opted-in): skipped"]
