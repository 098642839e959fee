"""Who is asking, and whether a Principal / NotPrincipal element names them.

A request principal is parsed once (kind, account, role of a session). A Principal element compiles
into sets; matching returns *how* it named the principal, because the evaluation rules differ:
naming the exact principal, the role of a session, or only its account (a delegation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import Enum
from typing import Any

from cloudwarden.core.arn import Arn, parse_arn
from cloudwarden.engines.iam.errors import PolicyError


class Kind(str, Enum):
    USER = "user"
    ROLE = "role"
    SESSION = "assumed-role"
    FEDERATED_USER = "federated-user"
    ROOT = "root"
    SERVICE = "service"
    IDENTITY_PROVIDER = "identity-provider"
    CANONICAL_USER = "canonical-user"
    ANONYMOUS = "anonymous"


# How a Principal element named the requester, weakest first.
ACCOUNT, ROLE, EXACT = 1, 2, 3
HOW_NAMES = {ACCOUNT: "account", ROLE: "role", EXACT: "principal"}

IAM_KINDS = frozenset({Kind.USER, Kind.ROLE, Kind.SESSION, Kind.FEDERATED_USER, Kind.ROOT})
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_HOSTNAME = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_CANONICAL = re.compile(r"^[0-9a-f]{64}$")
_IDP_TYPES = ("saml-provider/", "oidc-provider/")


@dataclass(frozen=True)
class RequestPrincipal:
    text: str
    kind: Kind
    account: str = ""
    role_arn: str = ""  # the role behind a session (aws:PrincipalArn), or the role itself
    role_name: str = ""
    service_linked: bool = False
    role_path_known: bool = True  # False when a session's role ARN was rebuilt without its path

    @property
    def is_iam(self) -> bool:
        """An identity of some account: identity policies, boundaries and SCPs apply to it."""
        return self.kind in IAM_KINDS


def parse_principal(text: Any, context: Mapping[str, Any] | None = None, path: str = "$") -> RequestPrincipal:
    if not isinstance(text, str) or not text:
        raise PolicyError("principal must be a non-empty string", path)
    if text == "anonymous":
        return RequestPrincipal(text, Kind.ANONYMOUS)
    if not text.startswith("arn:"):
        if _CANONICAL.match(text):
            return RequestPrincipal(text, Kind.CANONICAL_USER)
        if _HOSTNAME.match(text):
            return RequestPrincipal(text, Kind.SERVICE)
        raise PolicyError(f"unrecognised principal {text!r}", path, hint=_PRINCIPAL_HINT)
    arn = parse_arn(text)
    if arn is None or not _ACCOUNT_ID.match(arn.account):
        raise PolicyError(f"unrecognised principal ARN {text!r}", path, hint=_PRINCIPAL_HINT)
    service, account, resource = arn.service, arn.account, arn.resource
    if service == "iam" and resource == "root":
        return RequestPrincipal(text, Kind.ROOT, account)
    if service == "iam" and resource.startswith("user/"):
        return RequestPrincipal(text, Kind.USER, account)
    if service == "iam" and resource.startswith("role/"):
        name = resource.rsplit("/", 1)[1]
        linked = resource.startswith("role/aws-service-role/")
        return RequestPrincipal(text, Kind.ROLE, account, text, name, linked)
    if service == "iam" and resource.startswith(_IDP_TYPES):
        return RequestPrincipal(text, Kind.IDENTITY_PROVIDER, account)
    if service == "sts" and resource.startswith("assumed-role/") and resource.count("/") >= 2:
        return _session(text, arn, context or {})
    if service == "sts" and resource.startswith("federated-user/"):
        return RequestPrincipal(text, Kind.FEDERATED_USER, account)
    raise PolicyError(f"unrecognised principal ARN {text!r}", path, hint=_PRINCIPAL_HINT)


_PRINCIPAL_HINT = (
    "use a user, role, assumed-role session, root or federated-user ARN, a service principal "
    'such as ec2.amazonaws.com, or "anonymous"'
)


def _session(text: str, arn: Arn, context: Mapping[str, Any]) -> RequestPrincipal:
    role_name = arn.resource.split("/")[1]
    role_arn = f"arn:{arn.partition}:iam::{arn.account}:role/{role_name}"
    given = context.get("aws:principalarn")
    # the session ARN has no role path; aws:PrincipalArn (when the caller supplies it) has
    path_known = (
        isinstance(given, str) and f"::{arn.account}:role/" in given and given.rsplit("/", 1)[-1] == role_name
    )
    if path_known:
        role_arn = str(given)
    linked = ":role/aws-service-role/" in role_arn
    return RequestPrincipal(text, Kind.SESSION, arn.account, role_arn, role_name, linked, path_known)


_NONE: frozenset[str] = frozenset()


def _with(entries: AbstractSet[Any], entry: Any) -> set[Any]:
    grown = entries if isinstance(entries, set) else set(entries)
    grown.add(entry)
    return grown


class PrincipalMatcher:
    """A compiled Principal or NotPrincipal element."""

    __slots__ = ("accounts", "canonical", "exact", "role_arns", "role_names", "services", "wildcard")

    def __init__(self) -> None:
        # one shared empty set until an entry is added (most elements fill one or two of them)
        self.wildcard = False
        self.exact: AbstractSet[str] = _NONE
        self.accounts: AbstractSet[str] = _NONE
        self.role_arns: AbstractSet[str] = _NONE
        self.role_names: AbstractSet[tuple[str, str]] = frozenset()
        self.services: AbstractSet[str] = _NONE
        self.canonical: AbstractSet[str] = _NONE

    def how(self, principal: RequestPrincipal) -> int:
        """EXACT, ROLE or ACCOUNT when the element names the principal that way, else 0."""
        if self.wildcard:
            return EXACT
        kind = principal.kind
        if kind in (Kind.SERVICE, Kind.IDENTITY_PROVIDER):
            return EXACT if principal.text in self.services else 0
        if kind is Kind.CANONICAL_USER:
            return EXACT if principal.text in self.canonical else 0
        if kind is Kind.ANONYMOUS:
            return 0
        if principal.text in self.exact:
            return EXACT
        if principal.role_arn and self._names_role(principal):
            return ROLE
        return ACCOUNT if principal.account in self.accounts else 0

    def _names_role(self, principal: RequestPrincipal) -> bool:
        if principal.role_arn in self.role_arns:
            return True
        return not principal.role_path_known and (principal.account, principal.role_name) in self.role_names

    def spares(self, principal: RequestPrincipal) -> bool:
        """NotPrincipal: the principal is exempt only when every link of its chain is listed
        (account, then role, then session), as the IAM guide describes."""
        if self.wildcard:
            return True
        kind = principal.kind
        if kind in (Kind.SERVICE, Kind.IDENTITY_PROVIDER, Kind.CANONICAL_USER, Kind.ANONYMOUS):
            return self.how(principal) == EXACT
        if principal.account not in self.accounts:
            return False
        if kind is Kind.ROOT:
            return True
        if kind in (Kind.SESSION, Kind.ROLE) and not self._names_role(principal):
            return False
        return kind is Kind.ROLE or principal.text in self.exact


def compile_principal(element: Any, path: str) -> PrincipalMatcher:
    if element == "*":
        return _EVERYONE  # matchers are read, never changed, once compiled: one serves every "*"
    matcher = PrincipalMatcher()
    if not isinstance(element, dict) or not element:
        raise PolicyError('Principal must be "*" or an object such as {"AWS": [...]}', path)
    for key, raw in element.items():
        entries = raw if isinstance(raw, list) else [raw]
        for index, entry in enumerate(entries):
            where = f"{path}.{key}[{index}]" if isinstance(raw, list) else f"{path}.{key}"
            if not isinstance(entry, str):
                raise PolicyError("principal entries must be strings", where)
            _add_entry(matcher, key, entry, where)
    return matcher


_EVERYONE = PrincipalMatcher()
_EVERYONE.wildcard = True


def _add_entry(matcher: PrincipalMatcher, key: str, entry: str, path: str) -> None:
    if key == "AWS":
        _add_aws(matcher, entry)
    elif key in ("Service", "Federated"):
        matcher.services = _with(matcher.services, entry)
    elif key == "CanonicalUser":
        matcher.canonical = _with(matcher.canonical, entry)
    else:
        raise PolicyError(f"unknown principal type {key!r} (AWS, Service, Federated, CanonicalUser)", path)


def _add_aws(matcher: PrincipalMatcher, entry: str) -> None:
    if entry == "*":
        matcher.wildcard = True
        return
    if _ACCOUNT_ID.match(entry):
        matcher.accounts = _with(matcher.accounts, entry)
        return
    arn = parse_arn(entry)
    if arn is not None and arn.service == "iam" and arn.resource == "root":
        matcher.accounts = _with(matcher.accounts, arn.account)
    elif arn is not None and arn.service == "iam" and arn.resource.startswith("role/"):
        matcher.role_arns = _with(matcher.role_arns, entry)
        matcher.role_names = _with(matcher.role_names, (arn.account, arn.resource.rsplit("/", 1)[1]))
    else:
        matcher.exact = _with(matcher.exact, entry)  # users, sessions, federated users; partial wildcards match nothing
