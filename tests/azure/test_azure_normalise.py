"""Resource Graph rows -> Resource: ids, types, and the ARM equivalents of the azurerm semantics."""

from __future__ import annotations

from typing import Any

from sovlint.azure.normalise import normalise_rows, parent_id, resource_type

SUB = "11111111-1111-4111-8111-111111111111"
SQL = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Sql/servers"


def _row(rid: str, kind: str, location: str, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "type": kind.lower(), "location": location, "subscriptionId": SUB, **extra}


def test_type_casing_and_parent() -> None:
    row = _row(f"{SQL}/s1/databases/d1", "Microsoft.Sql/servers/databases", "francecentral")
    assert resource_type(row) == "Microsoft.Sql/servers/databases"
    assert resource_type({"id": "/weird", "type": "microsoft.foo/bars"}) == "microsoft.foo/bars"
    assert parent_id(f"{SQL}/s1/databases/d1") == f"{SQL}/s1"
    assert parent_id(f"{SQL}/s1") is None


def test_geo_replica_is_a_copy_of_its_source() -> None:
    """A database created as a geo-secondary declares a copy of its source database's data."""
    source = _row(f"{SQL}/primary/databases/app", "Microsoft.Sql/servers/databases", "francecentral",
                  properties={"zoneRedundant": True, "requestedBackupStorageRedundancy": "Local"})
    replica = _row(f"{SQL}/secondary/databases/app", "Microsoft.Sql/servers/databases",
                   "northeurope", properties={"createMode": "Secondary",
                                              "sourceDatabaseId": source["id"],
                                              "requestedBackupStorageRedundancy": "Local"})
    found = {r.address: r for r in normalise_rows([source, replica])}
    copies = found[source["id"]].replicas
    assert [(c.via, c.region) for c in copies] == [("Azure SQL geo-replica", "northeurope")]
    assert found[replica["id"]].replicas == ()


def test_geo_replica_of_a_database_outside_the_answer_is_not_attached() -> None:
    replica = _row(f"{SQL}/secondary/databases/app", "Microsoft.Sql/servers/databases",
                   "northeurope", properties={"createMode": "Secondary",
                                              "sourceDatabaseId": f"{SQL}/gone/databases/app",
                                              "requestedBackupStorageRedundancy": "Local"})
    (resource,) = normalise_rows([replica])
    assert resource.replicas == () and resource.region == "northeurope"


def test_failover_group_partner_outside_the_answer_is_unresolved() -> None:
    server = _row(f"{SQL}/primary", "Microsoft.Sql/servers", "francecentral")
    group = _row(f"{SQL}/primary/failoverGroups/fog", "Microsoft.Sql/servers/failoverGroups",
                 "francecentral", properties={"partnerServers": [
                     {"id": "/subscriptions/other/resourceGroups/rg/providers/Microsoft.Sql/servers/far",
                      "location": "North Europe"}]})
    found = {r.address: r for r in normalise_rows([server, group])}
    (copy,) = found[server["id"]].replicas  # attached to the primary server, never guessed
    assert copy.region is None and "neither a resource of this configuration" in str(copy.unresolved)


def test_backup_vaults_and_flexible_servers() -> None:
    base = f"/subscriptions/{SUB}/resourceGroups/rg/providers"
    rows = [
        _row(f"{base}/Microsoft.DataProtection/backupVaults/lrs", "Microsoft.DataProtection/backupVaults",
             "francecentral", properties={"storageSettings": [{"datastoreType": "VaultStore",
                                                               "type": "LocallyRedundant"}]}),
        _row(f"{base}/Microsoft.RecoveryServices/vaults/old", "Microsoft.RecoveryServices/vaults",
             "francecentral", properties={}),  # no redundancy settings: GRS, the default
        _row(f"{base}/Microsoft.DBforMySQL/flexibleServers/my", "Microsoft.DBforMySQL/flexibleServers",
             "francecentral", properties={"backup": {"geoRedundantBackup": "Enabled"},
                                          "highAvailability": {"mode": "ZoneRedundant"}}),
    ]
    found = {r.address.rsplit("/", 1)[-1]: r for r in normalise_rows(rows)}
    assert found["lrs"].attributes["single_site"] is True and found["lrs"].replicas == ()
    assert [c.relative for c in found["old"].replicas] == ["paired-region"]
    assert [c.relative for c in found["my"].replicas] == ["paired-region"]
    assert found["my"].attributes["single_site"] is False


def test_row_without_location_is_unresolved() -> None:
    (resource,) = normalise_rows([_row(f"{SQL}/s1", "Microsoft.Sql/servers", "")])
    assert resource.region is None and resource.unresolved
