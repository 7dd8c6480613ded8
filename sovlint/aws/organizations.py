"""``--org``: the member accounts of an AWS Organization, and the role assumed into each."""

from __future__ import annotations

from dataclasses import dataclass

import botocore.session

from sovlint.aws.api import AccountApi, SessionFactory

ROLE_SESSION_NAME = "sovlint-review"


@dataclass(frozen=True)
class MemberAccount:
    """One account of the organisation."""

    id: str
    name: str


def list_accounts(api: AccountApi) -> list[MemberAccount]:
    """The organisation's active accounts (``organizations:ListAccounts``, every page)."""
    accounts: list[MemberAccount] = []
    for page in api.pages("organizations", None, "ListAccounts"):
        for item in page.get("Accounts") or ():
            status = item.get("State") or item.get("Status") or "ACTIVE"
            if str(status).upper() == "ACTIVE":
                accounts.append(MemberAccount(str(item["Id"]), str(item.get("Name") or "")))
    return sorted(accounts, key=lambda a: a.id)


def assume_member(api: AccountApi, factory: SessionFactory, account: str,
                  role_name: str) -> AccountApi:
    """An ``AccountApi`` for a member account, through ``sts:AssumeRole`` into ``role_name``."""
    role_arn = f"arn:{api.partition}:iam::{account}:role/{role_name}"
    answer = api.call("sts", None, "AssumeRole", RoleArn=role_arn,
                      RoleSessionName=ROLE_SESSION_NAME)
    credentials = answer["Credentials"]
    # share the caller's loader: service models are then parsed once, not once per account
    core = botocore.session.Session()
    core.register_component("data_loader", api.session._session.get_component("data_loader"))
    session = factory(botocore_session=core, aws_access_key_id=credentials["AccessKeyId"],
                      aws_secret_access_key=credentials["SecretAccessKey"],
                      aws_session_token=credentials["SessionToken"],
                      region_name=api.home_region)
    return api.for_session(session, account)
