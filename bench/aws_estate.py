"""Benchmark of ``sovlint aws`` on a moto server: wall time, API calls, peak memory, speed-up.

Builds, in a moto server started on a free loopback port, an estate of 500
buckets, 100 DB instances and 50 DynamoDB tables across 4 regions, and an
AWS Organization of 20 accounts (moto's Organizations; each member has one
table). Then reviews it, each review in a fresh child process (so that peak
memory is the review's own, from ``resource.getrusage``):

- the management account with ``--max-workers 8`` and ``--max-workers 1``;
- the same two with a simulated network round trip (``--latency-ms``, a sleep
  in a botocore ``before-call`` hook), since moto on localhost answers in a
  fraction of a millisecond and is CPU-bound, while real AWS calls are
  latency-bound;
- the whole organisation with ``--max-workers 8``.

Usage: python bench/aws_estate.py [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ("eu-west-3", "eu-central-1", "us-east-1", "eu-west-1")
CLASSES = ("strategic", "sensitive", "internal", "public", "health")

REVIEW = r"""
import json, resource, sys, time
from sovlint.aws.collect import ReviewOptions, review_aws
from sovlint.config import Config
from sovlint.engine import review_resources, select_policies
import boto3

endpoint, workers, latency, org = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1"

def factory(**kwargs):
    session = boto3.Session(**kwargs)
    if latency:
        session.events.register("before-call", lambda **_: time.sleep(latency / 1000))
    return session

# on a branch without the shipped category map or AWS catalog, the test fixtures stand in
from pathlib import Path
from sovlint import resolve
from sovlint.datafiles import policies_dir
fixtures = Path(sys.argv[5]) / "tests" / "aws" / "fixtures"
if not (policies_dir() / "categories.yaml").is_file():
    import yaml
    table = yaml.safe_load((fixtures / "categories.yaml").read_text())
    resolve.category_map = lambda: table
extra = () if (policies_dir() / "catalog" / "aws.yaml").is_file() else (str(fixtures / "aws-catalog.yaml"),)
config = Config(catalog=extra)
policies = select_policies(config)
start = time.perf_counter()
review = review_aws(ReviewOptions(endpoint_url=endpoint, regions=%r, max_workers=workers,
                                  org=org, role_name="OrganizationAccountAccessRole" if org else None),
                    session_factory=factory)
collected = time.perf_counter() - start
result = review_resources(review.resources, review.errors, config, policies, review.sources)
findings = len(result.findings)
total = time.perf_counter() - start
print(json.dumps({"collect_s": round(collected, 2), "total_s": round(total, 2),
                  "api_calls": review.api_calls, "resources": len(review.resources),
                  "errors": len(review.errors), "findings": findings,
                  "accounts": len(review.scopes),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
""" % (REGIONS,)


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    """A moto server (next to this Python, else on PATH) and its URL, once it answers."""
    command = Path(sys.executable).parent / "moto_server"
    port = free_port()
    process = subprocess.Popen([str(command) if command.exists() else "moto_server", "-H",
                                "127.0.0.1", "-p", str(port)],
                               env={**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("moto_server did not start")


def build(endpoint: str, accounts: int) -> list[str]:
    """The estate; returns the member account ids."""
    import boto3

    def client(service: str, region: str, **creds: str) -> object:
        return boto3.client(service, region_name=region, endpoint_url=endpoint,
                            aws_access_key_id=creds.get("key", "testing"),
                            aws_secret_access_key=creds.get("secret", "testing"),
                            aws_session_token=creds.get("token"))

    for index in range(500):
        region = REGIONS[index % len(REGIONS)]
        s3 = client("s3", region)
        name = f"bench-bucket-{index:03d}"
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)  # type: ignore[attr-defined]
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={  # type: ignore[attr-defined]
                "LocationConstraint": region})
        if index % 2 == 0:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [  # type: ignore[attr-defined]
                {"Key": "data_classification", "Value": CLASSES[index % len(CLASSES)]}]})
    for index in range(100):
        client("rds", REGIONS[index % len(REGIONS)]).create_db_instance(  # type: ignore[attr-defined]
            DBInstanceIdentifier=f"bench-db-{index:03d}", Engine="postgres",
            DBInstanceClass="db.t3.micro", AllocatedStorage=20, MultiAZ=index % 3 == 0,
            MasterUsername="admin1", MasterUserPassword="password123",
            Tags=[{"Key": "data_classification", "Value": CLASSES[index % len(CLASSES)]}])
    for index in range(50):
        client("dynamodb", REGIONS[index % len(REGIONS)]).create_table(  # type: ignore[attr-defined]
            TableName=f"bench-table-{index:03d}", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    organizations = client("organizations", "us-east-1")
    organizations.create_organization(FeatureSet="ALL")  # type: ignore[attr-defined]
    members = []
    sts = client("sts", "us-east-1")
    for index in range(accounts - 1):  # the management account is the 20th
        status = organizations.create_account(  # type: ignore[attr-defined]
            AccountName=f"member{index}", Email=f"member{index}@example.com")["CreateAccountStatus"]
        members.append(status["AccountId"])
        creds = sts.assume_role(  # type: ignore[attr-defined]
            RoleArn=f"arn:aws:iam::{status['AccountId']}:role/OrganizationAccountAccessRole",
            RoleSessionName="bench")["Credentials"]
        client("dynamodb", "eu-west-3", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
               token=creds["SessionToken"]).create_table(  # type: ignore[attr-defined]
            TableName="member-table", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    return members


def review(endpoint: str, workers: int, latency_ms: float, org: bool) -> dict[str, object]:
    """One review in a child process; its figures."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": "/nonexistent/aws-config",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials"}
    done = subprocess.run([sys.executable, "-c", REVIEW, endpoint, str(workers), str(latency_ms),
                           "1" if org else "0", str(ROOT)], env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"review failed: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Build, review, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=20.0,
                        help="simulated round trip per call for the latency runs (default 20)")
    parser.add_argument("--accounts", type=int, default=20)
    args = parser.parse_args()
    process, endpoint = start_moto()
    try:
        started = time.perf_counter()
        build(endpoint, args.accounts)
        print(f"estate built in {time.perf_counter() - started:.1f}s: 500 buckets, 100 DB "
              f"instances, 50 tables in {len(REGIONS)} regions; organisation of "
              f"{args.accounts} accounts")
        runs = [("account, moto as is", 0.0, False), (f"account, +{args.latency_ms:g} ms/call",
                                                      args.latency_ms, False)]
        for label, latency, org in runs:
            figures = {workers: review(endpoint, workers, latency, org) for workers in (8, 1)}
            for workers, result in figures.items():
                print(f"{label:<26} --max-workers {workers}: {json.dumps(result)}")
            speedup = float(figures[1]["collect_s"]) / float(figures[8]["collect_s"])  # type: ignore[arg-type]
            print(f"{label:<26} speed-up of 8 workers over 1: {speedup:.1f}x")
        result = review(endpoint, 8, 0.0, True)
        print(f"{'organisation (--org)':<26} --max-workers 8: {json.dumps(result)}")
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
