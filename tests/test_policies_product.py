"""Policies as a product: config, custom rules, plugins, regex safety, suppressions, baselines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from filetree import ROOT, write_tree

BUCKET_US = """
resource "aws_s3_bucket" "reports" {
  region = "us-east-1"
  bucket = "reports"
}
"""


def test_config_found_upwards_and_unknown_key_named(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {".sovlint.yaml": "disable: [SOV001, SOV002]\n", "infra/main.tf": BUCKET_US})
    code, out, err = run_cli("scan", "infra", "--format", "json")
    assert code == 0, err
    write_tree(tmp_path, {".sovlint.yaml": "profile: france\ncolour: blue\n"})
    code, out, err = run_cli("scan", "infra")
    assert code == 2
    assert "colour" in err and ".sovlint.yaml:2" in err


def test_pyproject_tool_section(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {"pyproject.toml": '[tool.sovlint]\nfail_on = "critical"\n', "main.tf": BUCKET_US})
    assert run_cli("scan", ".")[0] == 0
    assert run_cli("scan", ".", "--fail-on", "high")[0] == 1  # flags win


def test_custom_policy_and_no_builtin(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": BUCKET_US, "rules/org.yaml": textwrap.dedent("""
        id: ORG001
        name: no-virginia
        severity: critical
        title: Nothing in us-east-1
        assert:
          location.region: {not_in: [us-east-1]}
        message: "{address} is in {location.region}"
    """)})
    _, doc = scan_json(".", "--policy", "rules", "--no-builtin-policies", cwd=tmp_path)
    assert [(f["rule"], f["severity"], f["message"]) for f in doc["findings"]] == [
        ("ORG001", "critical", "aws_s3_bucket.reports is in us-east-1")]


def test_user_catalog_adds_a_private_cloud(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {
        ".sovlint.yaml": "catalog: [./private.yaml]\n",
        "private.yaml": textwrap.dedent("""
            id: privatecloud
            name: Our private OpenStack
            country: FR
            exposures: []
            terraform: {type_prefixes: [privatecloud_], resource_region_attributes: [region]}
            certifications: {hds: {status: certified, eea_only: true}}
            regions:
              - {code: dc-lyon, country: FR, city: Lyon, source: internal-inventory}
        """),
        "main.tf": 'resource "privatecloud_volume" "v" {\n  region = "dc-lyon"\n}\n',
    })
    _, doc = scan_json(".", cwd=tmp_path)
    (resource,) = doc["resources"]
    assert (resource["provider"], resource["country"], resource["exposures"]) == ("privatecloud", "FR", [])


def test_python_rule_from_an_entry_point(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_tree(site, {
        "sovlint_plugin_demo.py": textwrap.dedent('''
            class NoBucketsNamedTmp:
                id = "DEMO001"
                name = "no-tmp-buckets"
                severity = "low"
                title = "Buckets are not called tmp"

                def check(self, resource):
                    if resource.address.endswith(".tmp"):
                        yield f"{resource.address} is called tmp"

            RULE = NoBucketsNamedTmp()
        '''),
        "sovlint_plugin_demo-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: sovlint-plugin-demo\nVersion: 0.1\n",
        "sovlint_plugin_demo-0.1.dist-info/entry_points.txt": "[sovlint.rules]\ndemo = sovlint_plugin_demo:RULE\n",
        "sovlint_plugin_demo-0.1.dist-info/RECORD": "",
    })
    write_tree(tmp_path / "infra", {"main.tf": 'resource "aws_s3_bucket" "tmp" {\n  region = "eu-west-3"\n}\n'})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    proc = subprocess.run([sys.executable, "-m", "sovlint", "scan", "infra", "--format", "json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    doc = json.loads(proc.stdout)
    assert ("DEMO001", "aws_s3_bucket.tmp is called tmp") in {(f["rule"], f["message"]) for f in doc["findings"]}
    proc = subprocess.run([sys.executable, "-m", "sovlint", "rules"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert "DEMO001" in proc.stdout and "entry point demo" in proc.stdout


def test_catastrophic_regex_does_not_hang(tmp_path: Path, run_cli: Any) -> None:
    name = "a" * 30000 + "!"
    write_tree(tmp_path, {"main.tf": f'resource "aws_s3_bucket" "{name}" {{\n  region = "eu-west-3"\n}}\n',
                          "r.yaml": textwrap.dedent("""
        id: ORG002
        name: redos
        severity: low
        title: t
        assert:
          address: {matches: "^(a+)+$"}
        message: m
    """)})
    code, out, err = run_cli("scan", ".", "--policy", "r.yaml", "--no-builtin-policies")  # bounded by run_cli's timeout
    assert code == 1 and "ORG002" in out


def test_policy_file_cannot_execute_code_or_use_unknown_operators(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {"main.tf": BUCKET_US,
                          "evil.yaml": "!!python/object/apply:os.system ['touch pwned']\n",
                          "op.yaml": "id: ORG003\nname: x\nseverity: low\ntitle: t\nmessage: m\n"
                                     "assert:\n  region: {looks_like: x}\n"})
    code, _, err = run_cli("scan", ".", "--policy", "evil.yaml")
    assert code == 2 and not (tmp_path / "pwned").exists()
    code, _, err = run_cli("scan", ".", "--policy", "op.yaml")
    assert code == 2 and "op.yaml:7" in err


def test_policy_validate_and_test_commands(run_cli: Any) -> None:
    code, out, _ = run_cli("policy", "validate", str(ROOT / "policies" / "rules"))
    assert code == 0 and "rules valid" in out
    code, out, _ = run_cli("policy", "test", str(ROOT / "policies" / "fixtures" / "SOV001"))
    assert code == 0 and out.strip().endswith("0 failed")


def test_policy_test_fails_on_a_wrong_expectation(tmp_path: Path, run_cli: Any) -> None:
    write_tree(tmp_path, {"fx/main.tf": "# sovlint-ok: SOV001\n" + BUCKET_US.lstrip()})
    code, out, _ = run_cli("policy", "test", "fx")
    assert code == 1 and "FAIL" in out and "SOV001 fired" in out


def test_require_reason_and_no_inline_suppressions(tmp_path: Path, scan_json: Any) -> None:
    write_tree(tmp_path, {"main.tf": "# sovlint:ignore SOV001,SOV002\n" + BUCKET_US.lstrip()})
    _, doc = scan_json(".", cwd=tmp_path)
    assert all(f["suppressed"] for f in doc["findings"])
    _, doc = scan_json(".", "--require-suppression-reason", cwd=tmp_path)
    assert not any(f["suppressed"] for f in doc["findings"])
    assert all("gives no reason" in f["message"] for f in doc["findings"])
    write_tree(tmp_path, {"main.tf": "# sovlint:ignore SOV001,SOV002 -- accepted\n" + BUCKET_US.lstrip()})
    _, doc = scan_json(".", "--no-inline-suppressions", cwd=tmp_path)
    assert not any(f["suppressed"] for f in doc["findings"])


def test_baseline_survives_line_moves_and_unrelated_renames(tmp_path: Path, run_cli: Any, scan_json: Any) -> None:
    other = 'resource "aws_s3_bucket" "other" {\n  region = "us-west-2"\n}\n'
    write_tree(tmp_path, {"main.tf": BUCKET_US + other})
    assert run_cli("scan", ".", "--write-baseline", "baseline.json")[0] == 0
    assert run_cli("scan", ".", "--baseline", "baseline.json")[0] == 0
    # move the bucket down the file, rename the other one
    renamed = other.replace('"other"', '"renamed"')
    write_tree(tmp_path, {"main.tf": "\n\n\n" + renamed + "\n" + BUCKET_US})
    code, doc = scan_json(".", "--baseline", "baseline.json", cwd=tmp_path)
    by = {(f["rule"], f["address"]): f["suppressed"] for f in doc["findings"]}
    assert by[("SOV001", "aws_s3_bucket.reports")] is True
    assert by[("SOV001", "aws_s3_bucket.renamed")] is False  # a new finding fails the run
    assert code == 1


def test_plugins_are_looked_up_again_when_a_package_is_installed_or_removed(
        tmp_path: Path, monkeypatch: Any) -> None:
    """The entry points found are remembered while no folder of ``sys.path`` changes: a
    package installed into one (or removed from it) is seen by the next run."""
    from sovlint.policy.plugins import installed_entry_points

    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setenv("SOVLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "path", [str(site), *sys.path])
    assert installed_entry_points() == []
    assert installed_entry_points() == []  # from the cache
    write_tree(site, {
        "sovlint_plugin_demo-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: sovlint-plugin-demo\nVersion: 0.1\n",
        "sovlint_plugin_demo-0.1.dist-info/entry_points.txt": "[sovlint.rules]\ndemo = sovlint_plugin_demo:RULE\n",
    })
    os.utime(site, ns=(10**18, 10**18))  # the installation's time (a clock tick may hold both)
    assert installed_entry_points() == [("demo", "sovlint_plugin_demo:RULE")]
    for name in ("METADATA", "entry_points.txt"):
        (site / "sovlint_plugin_demo-0.1.dist-info" / name).unlink()
    (site / "sovlint_plugin_demo-0.1.dist-info").rmdir()
    os.utime(site, ns=(2 * 10**18, 2 * 10**18))
    assert installed_entry_points() == []
