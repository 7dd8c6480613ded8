"""Benchmark of ``sovlint azure`` and ``sovlint gcp`` at scale, and the code/estate comparison.

1. Scale: a synthetic Azure tenant (``--subscriptions`` subscriptions) and a
   synthetic Google Cloud organisation (``--projects`` projects, one search
   at organisation scope), ``--resources`` resources each (default 50,000),
   served by a local HTTP server in another process, in the documented
   response shapes (``tests/live_servers.py``, the servers of the tests), and
   reviewed with the real SDK clients (azure-mgmt-resourcegraph; google-cloud-asset over REST).
   Prints, for each: API calls (requests the server answered, and those the
   review counted), wall time of the review (requests, decoding,
   normalisation) and of the rules, peak memory, then resources and findings
   per resource type.
2. The estate of ``tests/fixtures/live/`` as Terraform code and as a live
   snapshot, side by side: each resource's findings (rule, countries) in both
   (``tests/live/test_code_and_estate.py`` asserts they are equal).

Usage: python bench/live_estates.py [--resources 50000] [--subscriptions 300] [--projects 2000]
"""

from __future__ import annotations

import argparse
import collections
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pytest_httpserver import HTTPServer  # noqa: E402

import live_servers  # noqa: E402
from sovlint.config import Config  # noqa: E402
from sovlint.engine import review_resources, scan, select_policies  # noqa: E402
from sovlint.model import Finding, Resource  # noqa: E402

CLASSES = ("strategic", "sensitive", "health", "personal", "internal", "public")
AZURE_LOCATIONS = ("francecentral", "francecentral", "westeurope", "northeurope", "germanywestcentral",
                   "eastus", "swedencentral")
GCP_LOCATIONS = ("europe-west9", "europe-west9", "europe-west1", "us-central1", "eu", "us")


# --------------------------------------------------------------------------- synthetic estates
def azure_estate(count: int, subscriptions: int, rng: random.Random) -> dict[str, Any]:
    """``count`` Resource Graph rows of common types over ``subscriptions`` subscriptions."""
    subs = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(subscriptions)]
    rows: list[dict[str, Any]] = []
    for i in range(count):
        sub = subs[i % subscriptions]
        location = rng.choice(AZURE_LOCATIONS)
        tags = {"data_classification": rng.choice(CLASSES)} if rng.random() < 0.8 else None
        kind = i % 8
        base = f"/subscriptions/{sub}/resourceGroups/rg-{i % 40}/providers"
        if kind in (0, 1):
            rows.append(_row(f"{base}/Microsoft.Storage/storageAccounts/st{i}", location, sub, tags,
                             sku={"name": rng.choice(["Standard_LRS", "Standard_GRS",
                                                      "Standard_ZRS", "Standard_RAGZRS"])}))
        elif kind == 2:
            rows.append(_row(f"{base}/Microsoft.Sql/servers/sql{i}/databases/db{i}", location, sub, tags,
                             properties={"zoneRedundant": rng.random() < 0.5,
                                         "requestedBackupStorageRedundancy":
                                             rng.choice(["Geo", "Local", "Zone"])}))
        elif kind == 3:
            second = rng.choice(AZURE_LOCATIONS)
            rows.append(_row(f"{base}/Microsoft.DocumentDB/databaseAccounts/cosmos{i}", location, sub,
                             tags, properties={"locations": [
                                 {"locationName": location, "failoverPriority": 0},
                                 {"locationName": second, "failoverPriority": 1}]}))
        elif kind == 4:
            rows.append(_row(f"{base}/Microsoft.Compute/virtualMachines/vm{i}", location, sub, tags))
        elif kind == 5:
            rows.append(_row(f"{base}/Microsoft.Compute/disks/disk{i}", location, sub, tags,
                             sku={"name": "Premium_LRS"}))
        elif kind == 6:
            rows.append(_row(f"{base}/Microsoft.DBforPostgreSQL/flexibleServers/pg{i}", location, sub,
                             tags, properties={"backup": {"geoRedundantBackup":
                                                          rng.choice(["Enabled", "Disabled"])},
                                               "highAvailability": {"mode": rng.choice(
                                                   ["Disabled", "ZoneRedundant"])}}))
        else:
            rows.append(_row(f"{base}/Microsoft.Network/virtualNetworks/vnet{i}", location, sub, tags))
    return {"subscriptions": [{"subscriptionId": s, "name": s} for s in subs], "resources": rows}


def _row(rid: str, location: str, sub: str, tags: Any, sku: Any = None,
         properties: Any = None) -> dict[str, Any]:
    segments = rid.split("/providers/", 1)[1].split("/")
    return {"id": rid, "name": segments[-1], "type": "/".join([segments[0], *segments[1::2]]).lower(),
            "location": location, "subscriptionId": sub, "resourceGroup": rid.split("/")[4],
            "sku": sku, "properties": properties or {"provisioningState": "Succeeded"},
            "tags": tags, "kind": "", "managedBy": "", "zones": None}


def gcp_estate(count: int, projects: int, rng: random.Random) -> dict[str, Any]:
    """``count`` Cloud Asset results of common types over ``projects`` projects, one org scope."""
    results: list[dict[str, Any]] = []
    for i in range(count):
        project = f"p-{i % projects}"
        number = f"projects/{100000 + i % projects}"
        location = rng.choice(GCP_LOCATIONS)
        labels = {"data_classification": rng.choice(CLASSES)} if rng.random() < 0.8 else {}
        kind = i % 6
        if kind in (0, 1):
            results.append(_result(f"//storage.googleapis.com/projects/_/buckets/b{i}",
                                   "storage.googleapis.com/Bucket", number, location, labels,
                                   {"name": f"b{i}", "location": location.upper()}))
        elif kind == 2:
            bq = location if location in ("eu", "us") else rng.choice(["eu", "us", "europe-west9"])
            results.append(_result(f"//bigquery.googleapis.com/projects/{project}/datasets/d{i}",
                                   "bigquery.googleapis.com/Dataset", number, bq, labels,
                                   {"location": bq.upper()}))
        elif kind == 3:
            policy = {"messageStoragePolicy": {"allowedPersistenceRegions": ["europe-west9"]}} \
                if rng.random() < 0.5 else {}
            results.append(_result(f"//pubsub.googleapis.com/projects/{project}/topics/t{i}",
                                   "pubsub.googleapis.com/Topic", number, "global", labels,
                                   {"name": f"projects/{project}/topics/t{i}", **policy}))
        elif kind == 4:
            region = rng.choice(["europe-west9", "europe-west1", "us-central1"])
            results.append(_result(f"//cloudsql.googleapis.com/projects/{project}/instances/sql{i}",
                                   "sqladmin.googleapis.com/Instance", number, region, labels,
                                   {"region": region, "settings": {
                                       "availabilityType": rng.choice(["ZONAL", "REGIONAL"]),
                                       "backupConfiguration": {"enabled": True,
                                                               "location": "eu"}}}))
        else:
            zone = rng.choice(["europe-west9-a", "europe-west1-b", "us-central1-c"])
            results.append(_result(f"//compute.googleapis.com/projects/{project}/zones/{zone}/disks/d{i}",
                                   "compute.googleapis.com/Disk", number, zone, labels,
                                   {"zone": f"https://www.googleapis.com/compute/v1/projects/"
                                            f"{project}/zones/{zone}"}))
    return {"scopes": {"organizations/1234": results}}


def _result(name: str, asset_type: str, project: str, location: str, labels: dict[str, str],
            resource_data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, "assetType": asset_type, "project": project,
                             "location": location,
                             "versionedResources": [{"version": "v1", "resource": resource_data}]}
    if labels:
        found["labels"] = labels
    return found


# --------------------------------------------------------------------------- measures
def _rules(review: Any) -> tuple[Any, float]:
    config = Config(cache=False, plugins=False)
    started = time.perf_counter()
    result = review_resources(review.resources, review.errors, config, select_policies(config),
                              review.sources)
    return result, time.perf_counter() - started


def per_type(resources: Iterable[Resource], findings: Iterable[Finding]) -> list[tuple[str, int, int]]:
    """(resource type, resources, findings) sorted by type."""
    counts = collections.Counter(r.resource_type for r in resources)
    found = collections.Counter(f.resource_type for f in findings if not f.suppressed)
    return [(kind, counts[kind], found[kind]) for kind in sorted(counts)]


def _print_scale(cloud: str, scope: str, review: Any, answered: int, seconds: float) -> None:
    result, rules = _rules(review)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n## sovlint {cloud}: {len(review.resources)} resources, {scope}")
    print(f"API calls: {answered} answered by the server, {review.api_calls} counted by the review")
    print(f"review (requests + decoding + normalisation): {seconds:.1f} s; rules: {rules:.1f} s; "
          f"peak RSS so far: {peak:.0f} MiB")
    print(f"findings: {len([f for f in result.findings if not f.suppressed])}, "
          f"errors: {len(result.errors)}")
    print("| resource type | resources | findings |\n|---|---:|---:|")
    for kind, resources, findings in per_type(result.resources, result.findings):
        print(f"| {kind} | {resources} | {findings} |")


def _serve(cloud: str, resources: int, spread: int, ready: Any, stop: Any) -> None:
    """A child process: build the estate, serve it, send the URL, answer until told to stop."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    rng = random.Random(21)
    server = HTTPServer()
    server.start()
    if cloud == "azure":
        answering: Any = live_servers.ResourceGraphServer(server, azure_estate(resources, spread, rng))
    else:
        answering = live_servers.CloudAssetServer(server, gcp_estate(resources, spread, rng))
    ready.send(answering.url)
    stop.recv()
    ready.send(len(answering.faults.requests))
    server.stop()


def _measured(cloud: str, resources: int, spread: int, review: Any) -> tuple[Any, int, float]:
    """Run ``review(url)`` against a server in another process (its CPU is not the review's)."""
    import multiprocessing

    ready, child_ready = multiprocessing.Pipe()
    stop, child_stop = multiprocessing.Pipe()
    child = multiprocessing.Process(target=_serve, args=(cloud, resources, spread, child_ready,
                                                         child_stop))
    child.start()
    try:
        url = ready.recv()
        started = time.perf_counter()
        result = review(url)
        seconds = time.perf_counter() - started
        stop.send(True)
        answered = int(ready.recv())
    finally:
        child.join(timeout=30)
    return result, answered, seconds


def scale(resources: int, subscriptions: int, projects: int) -> None:
    """Review a synthetic tenant and organisation of ``resources`` resources each."""
    from sovlint.azure.collect import AzureOptions, review_azure
    from sovlint.gcp.collect import GcpOptions, review_gcp

    review, answered, seconds = _measured("azure", resources, subscriptions, lambda url: review_azure(
        AzureOptions(endpoint=url), credential=live_servers.StaticToken()))
    _print_scale("azure", f"{subscriptions} subscriptions (tenant scope)", review, answered, seconds)
    review, answered, seconds = _measured("gcp", resources, projects, lambda url: review_gcp(
        GcpOptions(organization="1234", endpoint=url), credentials=live_servers.google_token()))
    _print_scale("gcp", f"{projects} projects (organisation scope)", review, answered, seconds)


def side_by_side() -> None:
    """The fixtures' estates as code and as live snapshots: findings per resource in both."""
    from sovlint.azure.collect import AzureOptions, review_azure
    from sovlint.gcp.collect import GcpOptions, review_gcp

    sys.path.insert(0, str(ROOT / "tests" / "live"))
    from test_code_and_estate import by_resource

    server = HTTPServer()
    server.start()
    try:
        graph = live_servers.ResourceGraphServer(server, live_servers.load_estate("azure"))
        azure = review_azure(AzureOptions(endpoint=graph.url), credential=live_servers.StaticToken())
        server.clear()
        assets = live_servers.CloudAssetServer(server, live_servers.load_estate("gcp"))
        gcp = review_gcp(GcpOptions(projects=("health-prod", "analytics-prod"), endpoint=assets.url),
                         credentials=live_servers.google_token())
    finally:
        server.stop()
    for cloud, review in (("azure", azure), ("gcp", gcp)):
        code = scan([live_servers.LIVE_FIXTURES / cloud / "terraform"], Config(cache=False, plugins=False))
        live, _ = _rules(review)
        left, right = by_resource(code.findings), by_resource(live.findings)
        print(f"\n## {cloud}: tests/fixtures/live/{cloud}/terraform (code) and estate.json (live)")
        print("| resource | code | live | same |\n|---|---|---|---|")
        for name in sorted(set(left) | set(right)):
            def cell(rows: list[tuple[str, str, bool]]) -> str:
                return "<br>".join(f"{rule}{' (suppressed)' if hidden else ''} {where}"
                                   for rule, where, hidden in rows) or "none"
            print(f"| {name} | {cell(left.get(name, []))} | {cell(right.get(name, []))} | "
                  f"{'yes' if left.get(name) == right.get(name) else 'NO'} |")


def main() -> None:
    """Parse the arguments, run both parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--subscriptions", type=int, default=300)
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    if not args.skip_scale:
        scale(args.resources, args.subscriptions, args.projects)
    side_by_side()


if __name__ == "__main__":
    main()
