"""Timelines: every event of one actor in order, following the credentials it obtained.

An actor is a principal ARN (a role ARN also selects its sessions), an access key, a source IP or a
resource ARN. When the actor calls AssumeRole (or GetSessionToken, GetFederationToken...), the
response names the new credentials' access key; the events signed with that key are part of the
story, and so on for role chains. Starting from an access key, the event that issued it comes
first. Reads the DuckDB view ``events``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from cloudwarden.core.errors import InputError, UsageError
from cloudwarden.engines.trail.rules import quote
from cloudwarden.engines.trail.store import Store, connect

MAX_HOPS = 6  # role chains deeper than this are cut (AWS itself limits chaining sessions)
ISSUED_KEY = "json_extract_string(response_elements, '$.credentials.accessKeyId')"
ASSUMED_ROLE = "json_extract_string(request_parameters, '$.roleArn')"


@dataclass(frozen=True)
class TimelineEvent:
    time: datetime | None
    event_id: str | None
    event_name: str | None
    event_source: str | None
    principal: str | None
    access_key: str | None
    source_ip: str | None
    error_code: str | None
    issued_key: str | None
    via: str  # "actor", "session" (signed with followed credentials) or "issued" (issued them)

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time.isoformat() + "Z" if self.time else None,
            "event_id": self.event_id, "event_name": self.event_name, "event_source": self.event_source,
            "principal": self.principal, "access_key": self.access_key, "source_ip": self.source_ip,
            "error_code": self.error_code, "issued_key": self.issued_key, "via": self.via,
        }


def actor_condition(principal: str | None = None, access_key: str | None = None, ip: str | None = None,
                    resource: str | None = None) -> str:
    """SQL selecting the actor's own events; exactly one selector must be given."""
    given = [(name, value) for name, value in
             (("principal", principal), ("access_key", access_key), ("ip", ip), ("resource", resource)) if value]
    if len(given) != 1:
        raise UsageError("give exactly one of --principal, --access-key, --ip, --resource",
                         hint="for example: cloudwarden trail timeline STORE --access-key ASIA...")
    name, value = given[0]
    literal = quote(value)  # type: ignore[arg-type]
    if name == "principal":
        return f"(user_arn = {literal} OR issuer_arn = {literal} OR coalesce({ASSUMED_ROLE} = {literal}, false))"
    if name == "access_key":
        return f"coalesce(user_access_key_id = {literal}, false)"
    if name == "ip":
        return f"coalesce(source_ip = {literal}, false)"
    return f"coalesce(contains(resources, {literal}) OR contains(request_parameters, {literal}), false)"


def _followed_keys(connection: duckdb.DuckDBPyConnection, seed: str) -> set[str]:
    keys: set[str] = set()
    for _ in range(MAX_HOPS):
        signed = f" OR user_access_key_id IN ({', '.join(quote(k) for k in sorted(keys))})" if keys else ""
        rows = connection.execute(
            f"SELECT DISTINCT {ISSUED_KEY} FROM events WHERE ({seed}{signed}) AND {ISSUED_KEY} IS NOT NULL"
        ).fetchall()
        found = {row[0] for row in rows} - keys
        if not found:
            break
        keys |= found
    return keys


def build_timeline(connection: duckdb.DuckDBPyConnection, seed: str, seed_key: str | None = None,
                   limit: int | None = None) -> list[TimelineEvent]:
    """The ordered events of the actor selected by ``seed`` and of every session it opened."""
    keys = _followed_keys(connection, seed)
    listed = ", ".join(quote(k) for k in sorted(keys | ({seed_key} if seed_key else set())))
    followed = f"user_access_key_id IN ({listed})" if listed else "false"
    issued = f"{ISSUED_KEY} IN ({listed})" if listed else "false"
    limit_sql = f" LIMIT {int(limit)}" if limit else ""
    rows = connection.execute(
        f"SELECT event_time, event_id, event_name, event_source, coalesce(user_arn, user_invoked_by),"
        f" user_access_key_id, source_ip, error_code, {ISSUED_KEY},"
        f" CASE WHEN coalesce({seed}, false) THEN 'actor' WHEN coalesce({followed}, false) THEN 'session'"
        f" ELSE 'issued' END"
        f" FROM events WHERE coalesce({seed}, false) OR coalesce({followed}, false) OR coalesce({issued}, false)"
        f" ORDER BY event_time NULLS LAST, event_id{limit_sql}"
    ).fetchall()
    return [TimelineEvent(*row) for row in rows]


def resolve_principal(connection: duckdb.DuckDBPyConnection, name_or_arn: str) -> str:
    """The ARN of the one IAM user or role named ``name_or_arn`` in the store (an ARN is returned as is).

    Like ``iam can``: a name is the last part of a user's or role's ARN (paths allowed); a role is
    found through its sessions' issuer too. Several accounts with that name: an error listing them."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    literal = quote(name_or_arn)
    rows = connection.execute(
        "SELECT DISTINCT arn FROM (SELECT user_arn AS arn FROM events WHERE user_type = 'IAMUser'"
        " UNION ALL SELECT issuer_arn FROM events WHERE issuer_type = 'Role' OR issuer_type = 'IAMUser')"
        f" WHERE arn IS NOT NULL AND regexp_extract(arn, '[^/]+$') = {literal}"
        " AND regexp_matches(arn, ':(user|role)/') ORDER BY arn").fetchall()
    arns = [row[0] for row in rows]
    if len(arns) == 1:
        return str(arns[0])
    if not arns:
        raise InputError(f"no IAM user or role named {name_or_arn!r} in the store",
                         hint="give the principal's ARN, or check the name (case matters)")
    raise InputError(f"{len(arns)} principals are named {name_or_arn!r}: {', '.join(arns[:5])}",
                     hint="give the ARN of the one you mean")


def timeline(store_dir: Path, principal: str | None = None, access_key: str | None = None,
             ip: str | None = None, resource: str | None = None, since: datetime | None = None,
             until: datetime | None = None, limit: int | None = None) -> list[TimelineEvent]:
    """The story of one actor in a store, in time order."""
    actor_condition(principal, access_key, ip, resource)  # exactly one selector
    store = Store.open(store_dir)
    connection = connect()
    try:
        store.attach(connection, since, until)
        if principal:
            principal = resolve_principal(connection, principal)
        seed = actor_condition(principal, access_key, ip, resource)
        return build_timeline(connection, seed, access_key, limit)
    finally:
        connection.close()
