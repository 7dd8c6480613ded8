"""The live review: accounts x services x regions, concurrently, into ``Resource`` objects.

One thread pool (``max_workers``) runs every task of every account: opening
the account (assuming the role for ``--org`` members, reading its enabled
regions), listing S3 buckets, each bucket, and each regional service. Tasks
hand back follow-up tasks instead of waiting on each other, so a small pool
cannot deadlock. Clients are shared by threads (they are thread-safe);
sessions are created on the main thread or under ``AccountApi``'s lock.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
from dataclasses import dataclass
from functools import partial
from typing import Any, Iterable

import boto3

from sovlint.aws import normalise
from sovlint.aws.api import (AccountApi, AwsSetupError, SessionFactory, client_config,
                             describe_failure, open_account)
from sovlint.aws.organizations import assume_member, list_accounts
from sovlint.aws.regions import choose_regions
from sovlint.aws.services import GLOBAL, REGIONAL_COLLECTORS, SERVICES, Harvest, Task, collect_s3
from sovlint.live.progress import ProgressBar
from sovlint.live.review import LiveReview
from sovlint.model import ScanError


@dataclass(frozen=True)
class ReviewOptions:
    """What ``sovlint aws`` was asked to review."""

    profile: str | None = None
    regions: tuple[str, ...] = ()  # empty: every enabled region
    endpoint_url: str | None = None
    services: tuple[str, ...] = SERVICES
    max_workers: int = 8
    org: bool = False
    role_name: str | None = None


class CallCounter:
    """Counts the requests sessions send (a botocore ``before-call`` hook)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def __call__(self, **_: Any) -> None:
        with self._lock:
            self.count += 1

    def factory(self, make: SessionFactory) -> SessionFactory:
        """``make``, with this counter registered on every session it creates."""

        def counted(**kwargs: Any) -> boto3.Session:
            session = make(**kwargs)
            session.events.register("before-call", self)
            return session

        return counted


def review_aws(options: ReviewOptions, session_factory: SessionFactory = boto3.Session,
               progress: ProgressBar | None = None) -> LiveReview:
    """Review the caller's account (or its organisation); ``AwsSetupError`` if it cannot start."""
    counter = CallCounter()
    factory = counter.factory(session_factory)
    api, identity = open_account(factory, options.profile, options.endpoint_url,
                                 client_config(options.max_workers))
    accounts = [identity.account]
    if options.org:
        if not options.role_name:
            raise AwsSetupError("--org needs --role-name, the role to assume in member accounts")
        try:
            accounts = [a.id for a in list_accounts(api)]
        except Exception as exc:
            raise AwsSetupError(f"cannot list the organisation's accounts: "
                                f"{describe_failure(exc)}") from None
        if identity.account not in accounts:
            accounts.insert(0, identity.account)
    tasks = [Task(account, "account", GLOBAL,
                  partial(_open_account, api, factory, account, options))
             for account in accounts]
    harvests, sources = _run(tasks, options.max_workers, progress or ProgressBar(enabled=False))
    return LiveReview(
        resources=tuple(r for h in harvests for r in h.resources),
        errors=tuple(e for h in harvests for e in h.errors),
        sources=tuple(sorted(sources)),
        scopes=tuple(accounts),
        api_calls=counter.count,
    )


def _open_account(caller: AccountApi, factory: SessionFactory, account: str,
                  options: ReviewOptions) -> Harvest:
    """Assume the member role if needed, read the enabled regions, schedule the services."""
    harvest = Harvest()
    where = normalise.source_path(account, GLOBAL)
    api = caller
    if account != caller.account:
        try:
            api = assume_member(caller, factory, account, str(options.role_name))
        except Exception as exc:
            harvest.errors.append(ScanError(where, f"account {account} skipped: cannot assume "
                                                   f"role {options.role_name}: "
                                                   f"{describe_failure(exc)}"))
            return harvest
    try:
        answer = api.call("ec2", None, "DescribeRegions", AllRegions=True)
        described = answer.get("Regions") or []
    except Exception as exc:
        harvest.errors.append(ScanError(where, f"account {account} skipped: ec2:DescribeRegions: "
                                               f"{describe_failure(exc)}"))
        return harvest
    regions, problems = choose_regions(described, options.regions, account)
    harvest.errors.extend(ScanError(where, problem) for problem in problems)
    if "s3" in options.services:
        harvest.followups.append(Task(account, "s3", GLOBAL,
                                      partial(collect_s3, api, frozenset(regions))))
    for region in regions:
        for service in options.services:
            collector = REGIONAL_COLLECTORS.get(service)
            if collector is not None:
                harvest.followups.append(Task(account, service, region,
                                              partial(collector, api, region)))
    return harvest


def _safe(task: Task) -> Harvest:
    try:
        return task.run()
    except Exception as exc:  # a task never stops the review (STYLE habit 6)
        harvest = Harvest()
        harvest.errors.append(ScanError(normalise.source_path(task.account, task.region),
                                        f"{task.service}: {describe_failure(exc)}"))
        return harvest


def _run(tasks: Iterable[Task], max_workers: int,
         progress: ProgressBar) -> tuple[list[Harvest], set[str]]:
    """Run tasks and their follow-ups on one bounded pool (sequentially when ``max_workers`` is 1)."""
    harvests: list[Harvest] = []
    sources: set[str] = set()
    with cf.ThreadPoolExecutor(max_workers=max(1, max_workers),
                               thread_name_prefix="sovlint-aws") as pool:
        pending: dict[cf.Future[Harvest], Task] = {}

        def submit(batch: list[Task]) -> None:
            progress.grow(len(batch))
            for task in batch:
                if task.region != GLOBAL:
                    sources.add(normalise.source_path(task.account, task.region))
                pending[pool.submit(_safe, task)] = task

        submit(list(tasks))
        try:
            while pending:
                done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    task = pending.pop(future)
                    harvest = future.result()
                    harvests.append(harvest)
                    submit(harvest.followups)
                    progress.advance(f"{task.account} {task.service} {task.region}")
        except BaseException:
            for future in pending:
                future.cancel()
            raise
        finally:
            progress.close()
    return harvests, sources
