"""Running one manifest normaliser in tests: normalise a file, resolve it, evaluate the rules.

The tests use their own small catalog (``tests/fixtures/catalog``), which
replaces the shipped providers of the same id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sovlint.config import Config
from sovlint.catalog import cached_catalog
from sovlint.engine import evaluate_all, select_policies
from sovlint.units import UnitResult, WorkUnit
from sovlint.model import Finding, Resource
from sovlint.normalise.formats import NORMALISERS
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TEST_CATALOG = str(FIXTURES / "catalog" / "test-providers.yaml")
COMMON_CATEGORIES = {
    "kubernetes": {"PersistentVolumeClaim": "storage", "PersistentVolume": "storage",
                   "Deployment": "compute", "StatefulSet": "compute", "DaemonSet": "compute",
                   "Pod": "compute", "Job": "compute", "CronJob": "compute", "Bucket": "storage",
                   "SQLInstance": "database", "StorageClass": "other", "Service": "other",
                   "ConfigMap": "other"},
    "cloudformation": {"AWS::S3::Bucket": "storage", "AWS::RDS::DBInstance": "database",
                       "AWS::DynamoDB::Table": "database", "AWS::DynamoDB::GlobalTable": "database",
                       "AWS::Backup::BackupPlan": "backup"},
    "arm": {"microsoft.storage/storageaccounts": "storage", "microsoft.sql/servers": "database",
            "microsoft.sql/servers/databases": "database"},
    "terraform": {"aws_s3_bucket": "storage", "aws_dynamodb_table": "database",
                  "aws_db_instance": "database"},
}



def config(**settings: Any) -> Config:
    """A config with the test catalog."""
    return Config(catalog=(TEST_CATALOG,), **settings)


def normalise(kind: str, path: Path, display: str | None = None, **settings: Any) -> UnitResult:
    """Run the normaliser of ``kind`` on one file."""
    unit = WorkUnit(kind, str(path), (display or path.name,))
    return NORMALISERS[kind](unit, config(**settings))


def by_address(result: UnitResult) -> dict[str, Resource]:
    """The resources of a unit by address (the first one for repeated addresses)."""
    found: dict[str, Resource] = {}
    for resource in result.resources:
        found.setdefault(resource.address, resource)
    return found


def findings(result: UnitResult, **settings: Any) -> set[tuple[str, str]]:
    """``(rule, address)`` of every finding the built-in rules give on a unit's resources."""
    from sovlint.resolve import DataClassSettings, resolve_resource

    cfg = config(**settings)
    catalog = cached_catalog(cfg.catalog)
    resolved = [resolve_resource(r, catalog, DataClassSettings()) for r in result.resources]
    found, errors = evaluate_all(select_policies(cfg), resolved, cfg)
    assert not errors
    return {(f.rule, f.address or "") for f in found}


def resolved(result: UnitResult, **settings: Any) -> dict[str, Resource]:
    """The unit's resources after the catalog resolved them, by address."""
    from sovlint.resolve import DataClassSettings, resolve_resource

    cfg = config(**settings)
    catalog = cached_catalog(cfg.catalog)
    return {r.address: resolve_resource(r, catalog, DataClassSettings()) for r in result.resources}


def finding_list(result: UnitResult, **settings: Any) -> list[Finding]:
    """Every finding, for tests that look at messages."""
    from sovlint.resolve import DataClassSettings, resolve_resource

    cfg = config(**settings)
    catalog = cached_catalog(cfg.catalog)
    items = [resolve_resource(r, catalog, DataClassSettings()) for r in result.resources]
    return evaluate_all(select_policies(cfg), items, cfg)[0]
