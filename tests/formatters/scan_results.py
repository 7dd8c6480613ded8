"""A factory of realistic ``ScanResult`` objects for formatter tests, and fixtures on it.

Test modules import the fixtures they use from here (``from scan_results import
realistic_result``): a ``tests/formatters/conftest.py`` would shadow the
top-level ``conftest`` module that other tests import by name.

Resources are built already resolved (country, exposures, category, data
class, as ``sovlint.resolve`` leaves them); findings come from the shipped
policies evaluated on them by the real policy engine, then suppressions are
applied the way ``engine.scan`` does. So formatter tests see the messages,
severities and fingerprints a real scan gives, without depending on the
input-format normalisers.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Iterable, Sequence

import pytest

from sovlint.config import Config
from sovlint.datafiles import policies_dir
from sovlint.engine import FILE_RESOURCE_TYPE, ScanResult, evaluate_all
from sovlint.model import Finding, Replica, Resource, ScanError, SourceSpan, Suppression
from sovlint.policy.load import Policy, load_policies
from sovlint.suppress import SuppressionPolicy, apply_suppressions

AWS_EXPOSURES = ("US-CLOUD-Act", "US-FISA-702")


def shipped_policies() -> list[Policy]:
    """The built-in rules of the ``france`` profile."""
    from sovlint.config import Config
    from sovlint.engine import select_policies

    return select_policies(Config(profile="france", plugins=False))


def resource(address: str, resource_type: str, path: str, line: int, *, provider: str | None,
             region: str | None, country: str | None, category: str = "storage",
             data_class: str = "strategic", exposures: Sequence[str] = (),
             exposures_known: bool | None = None, **extra: Any) -> Resource:
    """A resolved resource; ``end_line`` defaults to ``line + 5``, ``countries`` to ``(country,)``."""
    end_line = extra.pop("end_line", line + 5)
    extra["replicas"] = tuple(dataclasses.replace(r, countries=(r.country,) if r.country else ())
                              for r in extra.get("replicas", ()))
    return Resource(
        address=address, resource_type=resource_type,
        source=SourceSpan(path, line, end_line), input_format=extra.pop("input_format", "terraform"),
        provider=provider, region=region, canonical_region=region if country else None,
        country=country, countries=extra.pop("countries", (country,) if country else ()),
        category=category, data_class=data_class,
        exposures=tuple(exposures),
        exposures_known=provider is not None if exposures_known is None else exposures_known,
        **extra,
    )


def parse_failure(path: str, line: int, message: str) -> Resource:
    """The stand-in resource the engine creates for a file that cannot be parsed (SOV900)."""
    return Resource(address=path, resource_type=FILE_RESOURCE_TYPE,
                    source=SourceSpan(path, line, line), input_format="sovlint",
                    attributes={"parse_error": message, "category": "other"})


def build_result(resources: Iterable[Resource], *, baseline: Iterable[str] = (),
                 errors: Iterable[ScanError] = (), policies: Sequence[Policy] | None = None,
                 files: Iterable[str] | None = None) -> ScanResult:
    """Evaluate the policies on ``resources`` and assemble a ``ScanResult`` as ``engine.scan`` does."""
    resources = list(resources)
    rules = shipped_policies() if policies is None else list(policies)
    findings, rule_errors = evaluate_all(rules, resources, Config())
    by_address = {(r.source.path, r.address): r for r in resources}
    findings = apply_suppressions(findings, by_address, SuppressionPolicy(), frozenset(baseline))
    findings.sort(key=lambda f: (f.source.path, f.source.line or 0, f.rule, f.address or "",
                                 f.discriminator))
    listed = sorted((r for r in resources if r.resource_type != FILE_RESOURCE_TYPE),
                    key=lambda r: (r.source.path, r.source.line or 0, r.address))
    all_files = sorted(set(files) if files is not None else {r.source.path for r in resources})
    return ScanResult(profile="france", files=all_files, resources=listed, findings=findings,
                      errors=[*errors, *rule_errors], policies=rules)


def realistic_resources() -> list[Resource]:
    """A small estate: AWS in the US and in Paris, OVHcloud, Azure with an unset location,
    a Kubernetes workload, a replica abroad, an inline suppression, a parse error."""
    return [
        resource("aws_s3_bucket.reports", "aws_s3_bucket", "infra/storage.tf", 12,
                 provider="aws", region="us-east-1", country="US", exposures=AWS_EXPOSURES,
                 tags={"data_classification": "strategic"}),
        resource("aws_s3_bucket.archive", "aws_s3_bucket", "infra/storage.tf", 30,
                 provider="aws", region="eu-west-3", country="FR", exposures=AWS_EXPOSURES,
                 replicas=(Replica(via="replication", region="us-west-2", country="US",
                                   declared_at=SourceSpan("infra/storage.tf", 41)),)),
        resource("aws_db_instance.patients", "aws_db_instance", "infra/db.tf", 3,
                 provider="aws", region="eu-west-3", country="FR", category="database",
                 data_class="health", exposures=AWS_EXPOSURES, hds=True,
                 attributes={"single_site": True, "single_site_reason": "multi_az = false"},
                 suppressions=(Suppression(("SOV002",), "hosting contract with EU sovereign clause",
                                           None),)),
        resource("aws_vpc.main", "aws_vpc", "infra/network.tf", 1, provider="aws",
                 region="eu-west-3", country="FR", category="other", data_class="strategic",
                 exposures=AWS_EXPOSURES),
        resource("ovh_cloud_project_database.analytics", "ovh_cloud_project_database",
                 "infra/ovh.tf", 5, provider="ovh", region="GRA", country="FR",
                 category="database", hds=True, secnumcloud=False),
        resource("scaleway_rdb_instance.records", "scaleway_rdb_instance", "infra/scaleway.tf", 1,
                 provider="scaleway", region="fr-par", country="FR", category="database",
                 data_class="health", hds=False),
        resource("module.files.azurerm_storage_account.docs", "azurerm_storage_account",
                 "infra/modules/files/main.tf", 8, provider="azurerm", region=None, country=None,
                 exposures=AWS_EXPOSURES[:1] + ("US-FISA-702",),
                 unresolved=("var.location",), module="module.files"),
        resource("Deployment/billing/api", "Deployment", "k8s/billing.yaml", 1,
                 provider=None, region=None, country=None, category="compute",
                 input_format="kubernetes", exposures_known=False),
        resource("google_storage_bucket.public_site", "google_storage_bucket", "infra/gcp.tf", 2,
                 provider="google", region="us-central1", country="US", data_class="public",
                 exposures=AWS_EXPOSURES),
        parse_failure("k8s/broken.yaml", 4, "mapping values are not allowed here"),
    ]


@pytest.fixture
def realistic_result() -> ScanResult:
    """A result with findings of several rules and severities, one suppressed, one parse error."""
    return build_result(
        realistic_resources(),
        errors=[ScanError("charts/web", "not rendered: helm not found")],
    )


@pytest.fixture
def empty_result() -> ScanResult:
    """Nothing found: no files, resources, findings or errors (the rules still loaded)."""
    return build_result([], files=[])


ODD_PATHS = (
    "infra/odd dir/100% main.tf",
    "infra/données/région:é,x.tf",
    "infra/a<b>&'\"q.tf",
)


@pytest.fixture
def odd_result() -> ScanResult:
    """Findings in files whose names hold spaces, ``%``, ``:``, ``,``, non-ASCII and markup,
    with messages holding newlines and control characters."""
    resources = [
        resource(f"aws_s3_bucket.b{i}", "aws_s3_bucket", path, 10 + i, provider="aws",
                 region="us-east-1", country="US", exposures=AWS_EXPOSURES)
        for i, path in enumerate(ODD_PATHS)
    ]
    result = build_result(resources)
    odd = [dataclasses.replace(f, message=f.message + "\nsecond line: 50%, a,b\r\x01\x1b[31m<&>")
           for f in result.findings]
    return dataclasses.replace(result, findings=odd)


def suppressed_twice(result: ScanResult) -> ScanResult:
    """``result`` with its first unsuppressed finding suppressed by the baseline, the second
    by an inline ignore."""
    findings = list(result.findings)
    free = [i for i, f in enumerate(findings) if not f.suppressed]
    findings[free[0]] = dataclasses.replace(findings[free[0]], suppressed=True,
                                            suppression_reason="in baseline")
    findings[free[1]] = dataclasses.replace(findings[free[1]], suppressed=True,
                                            suppression_reason="approved exception, ticket SEC-42")
    return dataclasses.replace(result, findings=findings)


def large_result(count: int) -> ScanResult:
    """``count`` findings over ``count // 2`` resources in 200 files (timing tests)."""
    resources = [
        resource(f"aws_s3_bucket.b{i}", "aws_s3_bucket", f"envs/e{i % 200}/main.tf", 1 + 7 * (i // 200),
                 provider="aws", region="us-east-1", country="US", exposures=AWS_EXPOSURES)
        for i in range(count // 2)
    ]
    return build_result(resources)
