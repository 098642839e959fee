"""An AWS Organizations estate: its member accounts (with their OU paths) and a session in each.

Discovery walks the organization's tree from the root (ListRoots, ListOrganizationalUnitsForParent,
ListAccountsForParent), so every account carries the path of the OU that holds it. Each member
account is then reached through sts:AssumeRole (with the external id when one is given); the
credentials refresh themselves before they expire, so a long scan is not cut off after an hour.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.exceptions as bex
import botocore.session
from botocore.credentials import RefreshableCredentials

from cloudwarden.collect.aws import AwsClients, classify, validate_endpoint_url
from cloudwarden.core.arn import partition_for_region
from cloudwarden.core.errors import CollectionError, UsageError

DEFAULT_ROLE = "OrganizationAccountAccessRole"
_SESSION_SECONDS = 3600


@dataclass(frozen=True)
class OrgAccount:
    id: str
    name: str
    email: str
    status: str  # ACTIVE, SUSPENDED, PENDING_CLOSURE
    ou_path: str  # "Root", "Root/Workloads/Prod"
    ou_ids: tuple[str, ...] = ()  # the root, then each OU down to the one holding the account


@dataclass
class Organization:
    id: str
    management_account_id: str
    caller_account_id: str
    accounts: list[OrgAccount] = field(default_factory=list)


class AccountUnreachable(Exception):
    """The member account could not be entered (role missing, trust refused, ...): one line.

    `code` is AWS's error code (AccessDenied, RegionDisabledException, ...) or WrongAccount.
    """

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class RateLimiter:
    """A token bucket shared by every client of the run: at most `rate` requests a second overall."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._lock = threading.Lock()
        self._next = time.monotonic()

    def wait(self, **_: Any) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + 1.0 / self.rate
        if slot > now:
            time.sleep(slot - now)


class SessionClients(AwsClients):
    """AwsClients on a given boto3 session (an assumed role), optionally behind a global rate limit."""

    def __init__(self, session: boto3.session.Session, endpoint_url: str | None = None,
                 max_pool: int = 32, limiter: RateLimiter | None = None) -> None:
        super().__init__(endpoint_url=endpoint_url, max_pool=max_pool)
        self.session = session
        self._limiter = limiter

    def client(self, service: str, region: str) -> Any:
        with self._lock:
            fresh = (service, region) not in self._clients
        client = super().client(service, region)
        if fresh and self._limiter is not None:
            client.meta.events.register("before-send", self._limiter.wait)
        return client


def discover(session: boto3.session.Session, endpoint_url: str | None = None,
             ous: Iterable[str] | None = None) -> Organization:
    """The organization and its accounts; with `ous` (ids, names or paths), only the accounts under them."""
    region = session.region_name or "us-east-1"
    org = session.client("organizations", region_name=region, endpoint_url=validate_endpoint_url(endpoint_url))
    caller = session.client("sts", region_name=region, endpoint_url=endpoint_url).get_caller_identity()["Account"]
    try:
        described = org.describe_organization()["Organization"]
        roots = _all(org, "list_roots", "Roots")
        accounts: list[OrgAccount] = []
        known_ous: dict[str, str] = {}  # OU id -> path
        for root in roots:
            _walk(org, root["Id"], "Root", (root["Id"],), accounts, known_ous)
    except bex.ClientError as error:
        failure = classify(error)
        hint = ("run from the management account or a delegated administrator for Organizations"
                if failure.code in ("AWSOrganizationsNotInUseException", "AccessDeniedException", "AccessDenied")
                else "check the credentials and --endpoint-url")
        raise CollectionError(f"cannot list the organization's accounts: {failure.code} {failure.message}".strip(),
                              hint=hint) from None
    if ous:
        wanted = _resolve_ous(list(ous), known_ous, roots)
        accounts = [a for a in accounts if wanted.intersection(a.ou_ids)]
    return Organization(id=described["Id"], management_account_id=described.get("MasterAccountId", ""),
                        caller_account_id=caller, accounts=sorted(accounts, key=lambda a: a.id))


def _walk(org: Any, parent: str, path: str, chain: tuple[str, ...], accounts: list[OrgAccount],
          known_ous: dict[str, str]) -> None:
    for account in _all(org, "list_accounts_for_parent", "Accounts", ParentId=parent):
        accounts.append(OrgAccount(id=account["Id"], name=account.get("Name", ""), email=account.get("Email", ""),
                                   status=account.get("Status", "ACTIVE"), ou_path=path, ou_ids=chain))
    for unit in _all(org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent):
        child = f"{path}/{unit.get('Name', unit['Id'])}"
        known_ous[unit["Id"]] = child
        _walk(org, unit["Id"], child, (*chain, unit["Id"]), accounts, known_ous)


def _all(client: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(key, []))
    return items


def _resolve_ous(given: list[str], known: dict[str, str], roots: list[dict[str, Any]]) -> set[str]:
    root_ids = {r["Id"] for r in roots}
    wanted: set[str] = set()
    for text in given:
        hits = {i for i, p in known.items() if text in (i, p, p.removeprefix("Root/"), p.rsplit("/", 1)[-1])}
        if text in root_ids or text == "Root":
            hits |= root_ids if text == "Root" else {text}
        if not hits:
            raise UsageError(f"--ous: no organizational unit {text!r}",
                             hint="give OU ids (ou-...), names or paths such as Root/Workloads/Prod")
        wanted |= hits
    return wanted


def select(accounts: list[OrgAccount], only: Iterable[str] | None,
           exclude: Iterable[str] | None) -> tuple[list[OrgAccount], list[tuple[OrgAccount, str]]]:
    """(accounts to scan, [(account, why skipped)]); --accounts and --exclude take ids or names."""
    only_set, exclude_set = set(only or ()), set(exclude or ())
    known = {a.id for a in accounts} | {a.name for a in accounts}
    missing = sorted(only_set - known)
    if missing:
        raise UsageError(f"--accounts: not in the organization (or outside --ous): {', '.join(missing)}",
                         hint="give 12-digit account ids or account names from `aws organizations list-accounts`")
    chosen: list[OrgAccount] = []
    skipped: list[tuple[OrgAccount, str]] = []
    for account in accounts:
        if only_set and not {account.id, account.name} & only_set:
            continue
        if {account.id, account.name} & exclude_set:
            skipped.append((account, "excluded (--exclude)"))
        elif account.status != "ACTIVE":
            skipped.append((account, f"account status {account.status}"))
        else:
            chosen.append(account)
    return chosen, skipped


def assume_session(base: boto3.session.Session, account_id: str, role_name: str, external_id: str | None = None,
                   endpoint_url: str | None = None, session_name: str | None = None) -> boto3.session.Session:
    """A boto3 session in `account_id` through the role; refreshes its credentials before they expire.

    Raises AccountUnreachable with the reason when AssumeRole is refused.
    """
    region = base.region_name or "us-east-1"
    arn = f"arn:{partition_for_region(region)}:iam::{account_id}:role/{role_name}"
    sts = base.client("sts", region_name=region, endpoint_url=endpoint_url)
    name = session_name or f"cloudwarden-{uuid.uuid4().hex[:12]}"

    def fetch() -> dict[str, str]:
        params: dict[str, Any] = {"RoleArn": arn, "RoleSessionName": name, "DurationSeconds": _SESSION_SECONDS}
        if external_id:
            params["ExternalId"] = external_id
        try:
            creds = sts.assume_role(**params)["Credentials"]
        except (bex.ClientError, bex.BotoCoreError) as error:
            failure = classify(error)
            why = ("the role is missing, or its trust policy does not admit this caller or external id"
                   if failure.code in ("AccessDenied", "AccessDeniedException") else "")
            raise AccountUnreachable(f"cannot assume {arn}: {failure.code} {failure.message}".strip()
                                     + (f" ({why})" if why else ""), failure.code) from None
        expiry = creds["Expiration"]
        return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"],
                "expiry_time": (expiry if isinstance(expiry, datetime) else datetime.now(UTC)).isoformat()}

    credentials = RefreshableCredentials.create_from_metadata(fetch(), fetch, "assume-role")
    core = botocore.session.Session()
    core._credentials = credentials  # botocore has no public setter for ready-made credentials
    core.set_config_variable("region", region)
    return boto3.session.Session(botocore_session=core, region_name=region)
