"""ARM templates -> resources, evaluated names and locations, SKUs and findings."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from sovlint.config import Config
from sovlint.normalise.arm import Evaluator, Unknown, parse_expression
from manifest_scan import FIXTURES, by_address, findings, normalise

TEMPLATE = FIXTURES / "arm" / "azuredeploy.json"
RG = "resourceGroup().location is chosen at deploy time (set azure.resource_group_location)"
COPY = "Microsoft.Storage/storageAccounts/[concat('st', copyIndex())]"


def test_resources_with_parameter_file() -> None:
    result = normalise("arm", TEMPLATE)
    assert result.failures == []
    got = [(r.address, r.resource_type, r.source.line, r.region, r.unresolved, r.instances)
           for r in result.resources]
    assert got == [
        # the name from a variable built with the parameter file's prefix
        ("Microsoft.Storage/storageAccounts/reportsstore", "Microsoft.Storage/storageAccounts",
         10, None, (RG,), ()),
        ("Microsoft.Sql/servers/Reports-sql", "Microsoft.Sql/servers", 18, "francecentral", (), ()),
        # a child resource: joined type and name, the parent's location
        ("Microsoft.Sql/servers/databases/Reports-sql/db", "Microsoft.Sql/servers/databases", 20,
         "francecentral", (), ()),
        # one copy loop, one resource per location with its instance indexes
        (COPY, "Microsoft.Storage/storageAccounts", 22, "francecentral", (), ("0", "2")),
        (COPY, "Microsoft.Storage/storageAccounts", 22, "westeurope", (), ("1",)),
    ]
    store = by_address(result)["Microsoft.Storage/storageAccounts/reportsstore"]
    # Standard_RAGRS: a copy in the paired region of wherever the account is
    assert [(r.via, r.relative) for r in store.replicas] == [("geo-redundant storage pair",
                                                              "paired-region")]
    assert [(s.rules, s.reason) for s in store.suppressions] == [(("SOV002",), "x")]
    assert store.tags == {"data-classification": "health"}


def test_resource_group_location_from_config_and_findings() -> None:
    result = normalise("arm", TEMPLATE, azure_resource_group_location="francecentral")
    store = by_address(result)["Microsoft.Storage/storageAccounts/reportsstore"]
    assert (store.region, store.unresolved) == ("francecentral", ())
    got = findings(result, azure_resource_group_location="francecentral")
    assert {f for f in got if f[0] != "SOV002"} == {
        ("SOV001", COPY),  # the westeurope instances
        ("SOV009", COPY),  # Standard_LRS
        ("SOV009", "Microsoft.Sql/servers/databases/Reports-sql/db"),  # not zone redundant
    }


def test_geo_redundant_pair_outside_france(tmp_path: Path) -> None:
    template = tmp_path / "t.json"
    template.write_text('{"resources": [{"type": "Microsoft.Storage/storageAccounts", "name": "a",'
                        ' "location": "West Europe", "sku": {"name": "Standard_GZRS"}}]}')
    result = normalise("arm", template)
    assert ("SOV003", "Microsoft.Storage/storageAccounts/a") in findings(result)


@pytest.mark.parametrize("expression, expected", [
    ("concat('a', 'b', string(1))", "ab1"),
    ("format('{0}-{1}', 'x', toUpper('y'))", "x-Y"),
    ("toLower(parameters('Name'))", "store"),
    ("if(equals(parameters('env'), 'prod'), 'francecentral', 'westeurope')", "francecentral"),
    ("variables('loc')", "francesouth"),
    ("split('a,b', ',')[1]", "b"),
    ("createArray('x', 'y')[0]", "x"),
])
def test_expressions(expression: str, expected: object) -> None:
    template = {"parameters": {"name": {"defaultValue": "Store"}, "env": {"defaultValue": "prod"}},
                "variables": {"loc": "[concat('france', 'south')]"}}
    evaluator = Evaluator(template, {}, Config())
    assert evaluator.evaluate(parse_expression(expression)) == expected


@pytest.mark.parametrize("expression, reason", [
    ("uniqueString(resourceGroup().id)", "uniquestring() is known at deploy time"),
    ("resourceGroup().location", RG),
    ("parameters('missing')", "parameter missing is not declared"),
    ("reference('x').location", "reference() is known at deploy time"),
])
def test_unknowns(expression: str, reason: str) -> None:
    value = Evaluator({}, {}, Config()).evaluate(parse_expression(expression))
    assert value == Unknown(reason)


def test_lenient_json_comments_trailing_commas_and_tabs(tmp_path: Path) -> None:
    template = tmp_path / "t.json"
    template.write_text('{\n\t// sovlint:ignore SOV001 -- temporary\n\t"resources": [\n\t\t{\n'
                        '\t\t\t"type": "Microsoft.Storage/storageAccounts", /* a comment */\n'
                        '\t\t\t"name": "a", "location": "westeurope",\n\t\t},\n\t],\n}\n')
    result = normalise("arm", template)
    (store,) = result.resources
    assert store.source.line == 4
    assert [(s.rules, s.reason) for s in store.suppressions] == []  # not above this resource


def test_bad_json_is_one_failure(tmp_path: Path) -> None:
    template = tmp_path / "t.json"
    template.write_text('{\n  "resources": [\n    {"type": "x" "name": "y"}\n  ]\n}\n')
    assert normalise("arm", template).failures == [("t.json", 3, "invalid JSON: expected ',' or '}'")]
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 1001 + "]" * 1001)
    assert normalise("arm", deep).failures == [("deep.json", 1, "invalid JSON: nesting deeper than 1000 levels")]


def test_bicep_without_bicep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    source = tmp_path / "main.bicep"
    source.write_text("param location string\n")
    result = normalise("bicep", source)
    assert result.errors == []
    ((path, line, message),) = result.failures  # a SOV900, like a chart without helm
    assert (path, line) == ("main.bicep", 1)
    assert message.startswith("not rendered: bicep not found; install the Bicep CLI (https://")


def _doubling_template(levels: int) -> dict[str, object]:
    """The issue's probe: each variable the previous one twice (2^levels copies)."""
    variables = {"v0": "[string('" + "x" * 80 + "')]"}
    for i in range(1, levels + 1):
        variables[f"v{i}"] = f"[concat(variables('v{i - 1}'), variables('v{i - 1}'))]"
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "variables": variables,
        "resources": [
            {"type": "Microsoft.Storage/storageAccounts", "name": f"[variables('v{levels}')]",
             "location": f"[substring(variables('v{levels}'), 0, 0)]"},
            {"type": "Microsoft.Storage/storageAccounts", "name": "[string(int(json('Infinity')))]",
             "location": "westeurope"},
            {"type": "Microsoft.Storage/storageAccounts", "name": "kept", "location": "francecentral"},
        ],
    }


def test_expression_results_are_budgeted_before_they_are_built(tmp_path: Path) -> None:
    import json
    import tracemalloc

    path = tmp_path / "azuredeploy.json"
    path.write_text(json.dumps(_doubling_template(26)), encoding="utf-8")
    tracemalloc.start()
    try:
        result = normalise("arm", path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 1024 * 1024, f"{peak:,} bytes"  # 5.3 GB unbounded
    assert result.failures == []
    found = {r.address: r for r in result.resources}
    assert len(found) == 3  # every resource kept, the budget or a bad function notwithstanding
    doubled = found["Microsoft.Storage/storageAccounts/[variables('v26')]"]  # the name as written
    assert doubled.region is None and "value too large: concat()" in doubled.unresolved[0]
    assert found["Microsoft.Storage/storageAccounts/[string(int(json('Infinity')))]"].region == "westeurope"
    assert found["Microsoft.Storage/storageAccounts/kept"].region == "francecentral"


def test_a_long_evaluated_name_is_cut_in_the_address(tmp_path: Path) -> None:
    import json

    path = tmp_path / "azuredeploy.json"
    path.write_text(json.dumps(_doubling_template(12)), encoding="utf-8")  # 327,680 characters
    result = normalise("arm", path)
    long_name = [r.address for r in result.resources if r.address.endswith("\u2026")]
    assert len(long_name) == 1 and len(long_name[0]) < 1100


# --------------------------------------------------------------------------- references between resources
def _template(tmp_path: Path, resources: Sequence[Mapping[str, object]] | Mapping[str, object],
              **extra: object) -> Path:
    """A template file; ``resources`` keyed by symbolic name for languageVersion 2.0."""
    path = tmp_path / "azuredeploy.json"
    path.write_text(json.dumps({"resources": resources, **extra}, indent=1))
    return path


ACCOUNT: dict[str, object] = {"type": "Microsoft.Storage/storageAccounts", "name": "archive", "location": "eastus",
           "sku": {"name": "Standard_ZRS"}}
SERVER: dict[str, object] = {"type": "Microsoft.Sql/servers", "name": "sql", "location": "francecentral"}


def _audited(endpoint: str) -> dict[str, object]:
    return {"type": "Microsoft.Sql/servers/auditingSettings", "name": "sql/default",
            "properties": {"state": "Enabled", "storageEndpoint": endpoint}}


@pytest.mark.parametrize("endpoint", [
    "[reference(resourceId('Microsoft.Storage/storageAccounts', 'archive'), '2023-01-01').primaryEndpoints.blob]",
    "[variables('archive')]",  # a variable holding resourceId()
    "/subscriptions/0000/resourceGroups/cases/providers/Microsoft.Storage/storageAccounts/archive",
    "Microsoft.Storage/storageAccounts/archive",  # as dependsOn writes it
    "https://archive.blob.core.windows.net/",
    "archive",  # the name of one resource of the template
])
def test_a_reference_to_a_resource_of_the_template_is_where_it_is(tmp_path: Path, endpoint: str) -> None:
    template = _template(tmp_path, [ACCOUNT, SERVER, _audited(endpoint)],
                         variables={"archive": "[resourceId('Microsoft.Storage/storageAccounts', 'archive')]"})
    resources = by_address(normalise("arm", template))
    # the audit logs of the server are a copy of its data, in the account's region
    server = resources["Microsoft.Sql/servers/sql"]
    assert [(r.via, r.region, r.unresolved) for r in server.replicas] == [
        ("SQL auditing logs (storage account)", "eastus", None)]
    # the auditing settings, declared at the top with the server's name, are where the server is
    assert resources["Microsoft.Sql/servers/auditingSettings/sql/default"].region == "francecentral"


@pytest.mark.parametrize("endpoint", [
    "[resourceId('other-group', 'Microsoft.Storage/storageAccounts', 'archive')]",  # another group
    "/subscriptions/0000/resourceGroups/cases/providers/Microsoft.Storage/storageAccounts/elsewhere",
    "https://elsewhere.blob.core.windows.net/",
])
def test_a_resource_the_template_does_not_declare_is_unknown_and_named(tmp_path: Path, endpoint: str) -> None:
    resources = by_address(normalise("arm", _template(tmp_path, [ACCOUNT, SERVER, _audited(endpoint)])))
    (replica,) = resources["Microsoft.Sql/servers/sql"].replicas
    assert replica.region is None
    assert replica.unresolved is not None and "this template does not declare" in replica.unresolved


def test_a_disabled_audit_makes_no_copy(tmp_path: Path) -> None:
    disabled = _audited("archive")
    disabled["properties"] = {"state": "Disabled", "storageEndpoint": "archive"}
    resources = by_address(normalise("arm", _template(tmp_path, [ACCOUNT, SERVER, disabled])))
    assert resources["Microsoft.Sql/servers/sql"].replicas == ()


def test_a_copy_declared_twice_is_reported_once(tmp_path: Path) -> None:
    source: dict[str, object] = {**ACCOUNT, "name": "cases", "location": "francecentral"}
    policy: dict[str, object] = {"type": "Microsoft.Storage/storageAccounts/objectReplicationPolicies",
              "properties": {"sourceAccount": "cases", "destinationAccount": "archive"}}
    template = _template(tmp_path, [source, ACCOUNT, {**policy, "name": "archive/default"},
                                    {**policy, "name": "cases/default"}])
    resources = by_address(normalise("arm", template))
    assert [(r.via, r.region) for r in resources["Microsoft.Storage/storageAccounts/cases"].replicas] == [
        ("blob object replication", "eastus")]
    assert resources["Microsoft.Storage/storageAccounts/archive"].replicas == ()
    # the policies are where their source account is
    assert {r.region for r in normalise("arm", template).resources
            if "objectReplicationPolicies" in r.resource_type} == {"francecentral"}


def test_an_extension_resource_names_its_target_in_scope(tmp_path: Path) -> None:
    workspace: dict[str, object] = {"type": "Microsoft.OperationalInsights/workspaces", "name": "logs", "location": "westeurope"}
    setting: dict[str, object] = {"type": "Microsoft.Insights/diagnosticSettings", "name": "diag",
               "scope": "[format('Microsoft.Sql/servers/{0}', 'sql')]",
               "properties": {"workspaceId": "[resourceId('Microsoft.OperationalInsights/workspaces', 'logs')]"}}
    resources = by_address(normalise("arm", _template(tmp_path, [SERVER, workspace, setting])))
    assert resources["Microsoft.Insights/diagnosticSettings/diag"].region == "westeurope"
    assert [(r.via, r.region) for r in resources["Microsoft.Sql/servers/sql"].replicas] == [
        ("diagnostic logs (Log Analytics workspace)", "westeurope")]


def test_resources_that_locate_each_other_are_unknown_not_a_loop(tmp_path: Path) -> None:
    def setting(name: str, other: str) -> dict[str, object]:
        return {"type": "Microsoft.Insights/diagnosticSettings", "name": name,
                "properties": {"workspaceId": f"[resourceId('Microsoft.Insights/diagnosticSettings', '{other}')]"}}

    resources = by_address(normalise("arm", _template(tmp_path, [setting("a", "b"), setting("b", "a")])))
    assert all(r.region is None for r in resources.values())
    assert any("depends on its own location" in u for r in resources.values() for u in r.unresolved)


def test_a_location_set_is_read_in_the_scope_of_the_type(tmp_path: Path) -> None:
    bot: dict[str, object] = {"type": "Microsoft.BotService/botServices", "name": "bot", "location": "global"}
    (resource,) = normalise("arm", _template(tmp_path, [bot])).resources
    assert (resource.region, resource.location_scope) == ("global", "bot-service")


def test_a_symbolic_name_refers_to_its_resource(tmp_path: Path) -> None:
    """languageVersion 2.0 (what Bicep compiles to): resources keyed by symbolic name."""
    template = _template(tmp_path, {"archiveAccount": ACCOUNT, "sqlServer": SERVER,
                                    "audit": _audited("[reference('archiveAccount').primaryEndpoints.blob]")},
                         languageVersion="2.0")
    resources = by_address(normalise("arm", template))
    assert [(r.via, r.region) for r in resources["Microsoft.Sql/servers/sql"].replicas] == [
        ("SQL auditing logs (storage account)", "eastus")]
