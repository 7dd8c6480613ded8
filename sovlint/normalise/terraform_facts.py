"""Per-type settings of Terraform resources that rules read (redundancy, geo-replication).

Each entry reads evaluated arguments through ``value_of(name)`` and returns
facts for ``Resource.attributes``: ``single_site`` (+ ``single_site_reason``)
for SOV009, ``geo_redundant`` for storage whose replication pairs regions.
Unknown values give no fact (rules then stay silent rather than guess).
"""

from __future__ import annotations

from typing import Any, Callable

from sovlint.terraform.values import Unknown

ValueOf = Callable[[str], Any]


def _known(value: Any) -> bool:
    return value is not None and not isinstance(value, Unknown)


def _rds(value_of: ValueOf) -> dict[str, Any]:
    multi_az = value_of("multi_az")
    if isinstance(multi_az, Unknown):
        return {}
    if not multi_az:
        return {"single_site": True, "single_site_reason": "multi_az is not enabled"}
    return {"single_site": False}


def _elasticache(value_of: ValueOf) -> dict[str, Any]:
    enabled = value_of("multi_az_enabled")
    if isinstance(enabled, Unknown):
        return {}
    if not enabled:
        return {"single_site": True, "single_site_reason": "multi_az_enabled is not set"}
    return {"single_site": False}


def _azure_storage(value_of: ValueOf) -> dict[str, Any]:
    kind = value_of("account_replication_type")
    if not isinstance(kind, str):
        return {}
    kind = kind.upper()
    facts: dict[str, Any] = {"replication_type": kind}
    if kind == "LRS":
        facts.update(single_site=True, single_site_reason="account_replication_type = LRS")
    else:
        facts["single_site"] = False
    if kind in ("GRS", "RAGRS", "GZRS", "RAGZRS"):
        facts["geo_redundant"] = True
    return facts


def _azure_zone_redundant(argument: str, label: str) -> Callable[[ValueOf], dict[str, Any]]:
    def read(value_of: ValueOf) -> dict[str, Any]:
        value = value_of(argument)
        if isinstance(value, Unknown):
            return {}
        if not value:
            return {"single_site": True, "single_site_reason": f"{label}"}
        return {"single_site": False}

    return read


def _azure_ha(value_of: ValueOf) -> dict[str, Any]:
    value = value_of("high_availability")
    if isinstance(value, Unknown):
        return {}
    if not value:
        return {"single_site": True, "single_site_reason": "no high_availability block"}
    return {"single_site": False}


def _cloud_sql(value_of: ValueOf) -> dict[str, Any]:
    settings = value_of("settings")
    if isinstance(settings, list) and settings:
        settings = settings[0]
    if not isinstance(settings, dict):
        return {}
    availability = settings.get("availability_type", "ZONAL")
    if isinstance(availability, Unknown):
        return {}
    if availability == "ZONAL":
        return {"single_site": True, "single_site_reason": "availability_type = ZONAL"}
    return {"single_site": False}


def _scaleway_rdb(value_of: ValueOf) -> dict[str, Any]:
    value = value_of("is_ha_cluster")
    if isinstance(value, Unknown):
        return {}
    if not value:
        return {"single_site": True, "single_site_reason": "is_ha_cluster is not enabled"}
    return {"single_site": False}


def _ovh_database(value_of: ValueOf) -> dict[str, Any]:
    nodes = value_of("nodes")
    if not isinstance(nodes, list):
        return {}
    if len(nodes) == 1:
        return {"single_site": True, "single_site_reason": "a single node"}
    return {"single_site": False}


_FACTS: dict[str, Callable[[ValueOf], dict[str, Any]]] = {
    "aws_db_instance": _rds,
    "aws_elasticache_replication_group": _elasticache,
    "azurerm_storage_account": _azure_storage,
    "azurerm_mssql_database": _azure_zone_redundant("zone_redundant", "zone_redundant is not set"),
    "azurerm_postgresql_flexible_server": _azure_ha,
    "azurerm_mysql_flexible_server": _azure_ha,
    "google_sql_database_instance": _cloud_sql,
    "scaleway_rdb_instance": _scaleway_rdb,
    "ovh_cloud_project_database": _ovh_database,
}


def resource_facts(resource_type: str, value_of: ValueOf) -> dict[str, Any]:
    """The facts rules read for one resource (empty for types without such settings)."""
    read = _FACTS.get(resource_type)
    return read(value_of) if read is not None else {}
