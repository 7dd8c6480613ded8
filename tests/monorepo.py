"""A small monorepo as platform teams write them, in a git repository: environments that call
shared modules (which call others), a root that calls nothing, a kustomize base with an
overlay, and plain manifests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from filetree import write_tree

FILES = {
    "modules/storage/main.tf": """\
variable "name" {}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}

module "database" {
  source = "../database"
  name   = "${var.name}-db"
}
""",
    "modules/database/main.tf": """\
variable "name" {}

resource "aws_db_instance" "this" {
  identifier = var.name
  engine     = "postgres"
  multi_az   = false
}
""",
    "modules/queue/main.tf": """\
resource "aws_sqs_queue" "this" {
  name = "events"
}
""",
    "envs/prod/main.tf": """\
provider "aws" {
  region = "us-east-1"
}

module "storage" {
  source = "../../modules/storage"
  name   = "prod-reports"
}

module "queue" {
  source = "../../modules/queue"
}
""",
    "envs/staging/main.tf": """\
provider "aws" {
  region = "eu-west-3"
}

# module "storage" { source = "../../modules/storage" } is not called here
module "queue" {
  source = "../../modules/queue"
}
""",
    "apps/billing/main.tf": """\
provider "aws" {
  region = "eu-central-1"
}

module "storage" { source = "../../modules/storage"
  name = "billing" }
""",
    "apps/billing/terraform.tfvars": "",
    "standalone/main.tf": """\
provider "aws" {
  region = "eu-west-1"
}

resource "aws_dynamodb_table" "sessions" {
  name     = "sessions"
  hash_key = "id"
}
""",
    "k8s/base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
    "k8s/base/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.25
""",
    "k8s/prod/kustomization.yaml": "resources:\n  - ../base\nnamePrefix: prod-\n",
    "k8s/apps/worker.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  template:
    spec:
      containers:
        - name: worker
          image: busybox:1.36
""",
    "k8s/apps/cache.yaml": """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: cache
spec:
  resources:
    requests:
      storage: 1Gi
""",
}


def git(repository: Path, *args: str) -> str:
    """Run git in ``repository`` (as a fixed author, without the user's configuration)."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.org",
           "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=repository, env=env, check=True,
                          capture_output=True, text=True).stdout


def make_monorepo(base: Path) -> Path:
    """The monorepo, committed on ``main``, a branch ``feature`` checked out."""
    write_tree(base, FILES)
    git(base, "init", "-q", "-b", "main")
    git(base, "add", "-A")
    git(base, "commit", "-q", "-m", "infrastructure")
    git(base, "checkout", "-q", "-b", "feature")
    return base


def commit(repository: Path, message: str = "change") -> None:
    """Commit everything in the working tree."""
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", message)
