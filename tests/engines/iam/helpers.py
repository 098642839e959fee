"""Shared builders for the iam engine tests: policies from bare statements, one-call decisions."""

from __future__ import annotations

from typing import Any

from cloudwarden.engines.iam import PolicySet, compile_policy, evaluate, make_request

V = "2012-10-17"
A, B = "111111111111", "222222222222"
ALICE = f"arn:aws:iam::{A}:user/alice"
BOB_B = f"arn:aws:iam::{B}:user/bob"
ROLE = f"arn:aws:iam::{A}:role/app"
SESSION = f"arn:aws:sts::{A}:assumed-role/app/s1"
BUCKET = "arn:aws:s3:::bucket"
OBJECT = "arn:aws:s3:::bucket/key.txt"


def doc(*statements: dict[str, Any], version: str | None = V) -> dict[str, Any]:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return document


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def policies(
    identity: list[dict[str, Any]] | None = None,
    resource: dict[str, Any] | None = None,
    boundary: dict[str, Any] | None = None,
    session: dict[str, Any] | None = None,
    scps: list[Any] | None = None,
    rcps: list[Any] | None = None,
) -> PolicySet:
    def levels(raw: list[Any] | None, kind: str) -> Any:
        if raw is None:
            return None
        return tuple(
            tuple(
                compile_policy(d, kind, f"{kind}{n}") for d in (level if isinstance(level, list) else [level])
            )
            for n, level in enumerate(raw)
        )

    return PolicySet(
        identity=tuple(compile_policy(d, "identity", f"identity[{i}]") for i, d in enumerate(identity or [])),
        resource=compile_policy(resource, "resource", "resource") if resource is not None else None,
        boundary=compile_policy(boundary, "boundary", "boundary") if boundary is not None else None,
        session=compile_policy(session, "session", "session") if session is not None else None,
        scps=levels(scps, "scp"),
        rcps=levels(rcps, "rcp"),
    )


def decide(
    principal: str = ALICE,
    action: str = "s3:GetObject",
    arn: str = OBJECT,
    account: str | None = A,
    context: dict[str, Any] | None = None,
    **policy_kwargs: Any,
) -> str:
    request = make_request(principal, action, arn, account, context)
    return evaluate(request, policies(**policy_kwargs)).decision


def condition_decision(condition: dict[str, Any], context: dict[str, Any], version: str | None = V) -> str:
    """Allow when an identity statement with this Condition matches, ImplicitDeny otherwise."""
    identity = [doc(allow(Condition=condition), version=version)]
    return decide(context=context, identity=identity)
