"""A scan's results kept in memory, then on disk: every output format reads back what it would
have read from the scan; the same record twice is listed once; the order does not depend on
arrival. Each store test runs with the records kept in memory, in the file from the first one,
and moved to the file midway."""

from __future__ import annotations

import dataclasses
import random

import pytest

from sovlint.engine import ScanResult
from sovlint.formatters import FORMATTERS, formatter
from sovlint.model import Finding, Replica, Resource, ScanError, SourceSpan
from sovlint import results
from sovlint.results import ResultStore, decode_finding, decode_resource, encode_record, stored_resource

from formatters.scan_results import realistic_result  # noqa: F401  (fixture)


@pytest.fixture(params=["memory", "file", "moved midway"], autouse=True)
def kept(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Where the stores of a test keep their records."""
    limit = {"memory": 10**9, "file": 0, "moved midway": 3}[request.param]
    monkeypatch.setattr(results, "MEMORY_RECORDS", limit)
    return str(request.param)


def _stored(result: ScanResult, shuffle: bool = False, twice: bool = False) -> ScanResult:
    store = ResultStore()
    resources = list(result.resources) * (2 if twice else 1)
    findings = list(result.findings) * (2 if twice else 1)
    if shuffle:
        random.Random(4).shuffle(resources)
        random.Random(5).shuffle(findings)
    for resource in resources:
        store.add_resource(resource)
    for finding in findings:
        store.add_finding(finding)
    for error in result.errors:
        store.add_error(error)
    return ScanResult(profile=result.profile, files=result.files, resources=store.resources,
                      findings=store.findings, errors=store.errors(), policies=result.policies)


@pytest.mark.parametrize("fmt", sorted(FORMATTERS))
def test_every_format_renders_the_same_from_the_store(realistic_result: ScanResult,  # noqa: F811
                                                      fmt: str) -> None:
    options = {"color": False, "quiet": False, "command": "scan", "show_remediation": True}
    render = formatter(fmt)
    stored = _stored(realistic_result, shuffle=True, twice=True)
    assert render(stored, dict(options)) == render(realistic_result, dict(options))


def test_records_round_trip(realistic_result: ScanResult) -> None:  # noqa: F811
    for finding in realistic_result.findings:
        assert decode_finding(encode_record(finding)) == finding
    for resource in realistic_result.resources:
        back = decode_resource(encode_record(resource))
        # tags, attributes and suppressions are what rules read, not what reports show
        assert back == dataclasses.replace(resource, tags={}, inherited_tags={}, attributes={},
                                           suppressions=())


def test_same_line_records_are_ordered_by_content_not_arrival() -> None:
    def bucket(region: str) -> Resource:
        return Resource(address="module.a.aws_s3_bucket.b", resource_type="aws_s3_bucket",
                        source=SourceSpan("m/main.tf", 3, 9), input_format="terraform",
                        provider="aws", region=region,
                        replicas=(Replica("replication", "us-west-2", declared_at=SourceSpan("m/main.tf", 5)),))

    orders = []
    for regions in (["eu-west-3", "us-east-1", "eu-west-3"], ["us-east-1", "eu-west-3"]):
        store = ResultStore()
        for region in regions:
            store.add_resource(bucket(region))
        orders.append([r.region for r in store.resources])
    assert orders[0] == orders[1] == ["eu-west-3", "us-east-1"]
    assert len(store.resources) == 2 and store.resources[-1].region == "us-east-1"


def test_errors_kept_once_in_order() -> None:
    store = ResultStore()
    for error in [ScanError("b", "x"), ScanError("a", "y", 3), ScanError("b", "x")]:
        store.add_error(error)
    assert store.errors() == [ScanError("a", "y", 3), ScanError("b", "x")]


def test_findings_with_alternatives_round_trip(realistic_result: ScanResult) -> None:  # noqa: F811
    from sovlint.catalog import cached_catalog
    from sovlint.remediation import attach_remediation

    findings = attach_remediation(list(realistic_result.findings), realistic_result.resources,
                                  cached_catalog(()), "france")
    with_ways_out = [f for f in findings if f.alternatives]
    assert with_ways_out
    for finding in with_ways_out:
        assert decode_finding(encode_record(finding)) == finding
    assert isinstance(findings[0], Finding)


def test_records_come_back_alike_from_memory_and_file(realistic_result: ScanResult,  # noqa: F811
                                                      kept: str) -> None:
    stored = _stored(realistic_result, shuffle=True)
    assert sorted(map(repr, stored.resources)) == sorted(repr(stored_resource(r))
                                                         for r in realistic_result.resources)
    assert sorted(map(repr, stored.findings)) == sorted(map(repr, realistic_result.findings))
    assert all(r == decode_resource(encode_record(r)) for r in stored.resources)
    assert all(f == decode_finding(encode_record(f)) for f in stored.findings)


def test_a_stored_resource_drops_what_the_store_does_not_keep(kept: str) -> None:
    from sovlint.model import Suppression

    resource = Resource(address="aws_s3_bucket.b", resource_type="aws_s3_bucket",
                        source=SourceSpan("main.tf", 3, 9), input_format="terraform", provider="aws",
                        region="eu-west-3", tags={"data_class": "health"}, inherited_tags={"team": "x"},
                        attributes={"bucket": "b"}, suppressions=(Suppression(("SOV001",), "moved", None),))
    bare = dataclasses.replace(resource, tags={}, inherited_tags={}, attributes={}, suppressions=())
    assert stored_resource(resource) == bare == decode_resource(encode_record(resource))
    store = ResultStore()
    store.add_resource(resource)
    assert list(store.resources) == [bare]


def test_records_at_known_and_other_paths_come_in_path_order() -> None:
    """A record at a reported file keeps its place there; one at another path (a module
    outside the scanned folders) comes where its path sorts among them."""
    from sovlint.engine import ReportedFiles

    known = ReportedFiles(["m/b/main.tf", "m/b0.tf", "m/c.tf", "z.tf"])
    store = ResultStore(known)
    paths = ["z.tf", "m/b-x/main.tf", "m/c.tf", "a.tf", "m/b0.tf", "zz.tf", "m/b/main.tf", "m/c.tf"]
    for line, path in enumerate(paths):
        store.add_resource(Resource(address=f"r.{line}", resource_type="t", input_format="terraform",
                                    source=SourceSpan(path, line + 1, line + 1)))
    assert [r.source.path for r in store.resources] == sorted(paths)


def test_reported_files_read_as_the_sorted_paths() -> None:
    from sovlint.engine import ReportedFiles
    from sovlint.units import FolderFiles, folder_files

    group = folder_files(["x/a/main.tf", "x/a/b.tf"], "x/a")
    assert isinstance(group, FolderFiles) and group == ("x/a/main.tf", "x/a/b.tf")
    assert hash(group) == hash(("x/a/main.tf", "x/a/b.tf")) and repr(group) == repr(tuple(group))
    assert folder_files(["x/main.tf", "y/main.tf"]) == ("x/main.tf", "y/main.tf")
    reported = ReportedFiles(["x/a-b.tf", "top.tf", "/root.tf", "x//odd.tf"], [group, ("x/a/b.tf",)])
    expected = sorted({"x/a-b.tf", "top.tf", "/root.tf", "x//odd.tf", "x/a/main.tf", "x/a/b.tf"})
    assert list(reported) == expected and reported[1:3] == expected[1:3] and len(reported) == 6
    assert all(path in reported and reported.index(path) == i for i, path in enumerate(expected))
    assert "x/a" not in reported and "x/odd.tf" not in reported and None not in reported
