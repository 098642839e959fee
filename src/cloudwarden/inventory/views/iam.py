"""IAM as typed views: principals (users, groups, roles) with their attached, inline, group and
boundary policies, roles with their trust, customer managed policies, credential-report rows.

Everything but the credential report comes from GetAccountAuthorizationDetails (one required
dataset); policy documents stay documents (the IAM evaluator reads them), names and links are typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Global

DETAILS = "iam.authorization_details"
REPORT = "iam.credential_report"
SUMMARY = "iam.account_summary"
PASSWORD_POLICY = "iam.password_policy"
VIRTUAL_MFA = "iam.virtual_mfa_devices"
SERVER_CERTIFICATES = "iam.server_certificates"
ACCESS_KEYS = "iam.access_keys"
SAML_PROVIDERS, OIDC_PROVIDERS = "iam.saml_providers", "iam.oidc_providers"
ROOT = "<root_account>"
AWS_MANAGED = ":iam::aws:policy/"


@dataclass(frozen=True)
class Attached:
    """A managed policy attached to a principal."""

    name: str
    arn: str

    @property
    def aws_managed(self) -> bool:
        return AWS_MANAGED in self.arn


@dataclass(frozen=True)
class InlinePolicy:
    name: str
    document: Any


@dataclass(frozen=True)
class Principal:
    """A user, group or role with its own policies (``groups``: a user's group names)."""

    kind: str  # "user", "group" or "role"
    name: str
    arn: str
    attached: tuple[Attached, ...]
    inline: tuple[InlinePolicy, ...]
    groups: tuple[str, ...] = ()
    boundary_arn: str = ""
    trust: Any = None  # a role's trust policy document
    tags: tuple[tuple[str, str], ...] = ()
    instance_profile_arns: tuple[str, ...] = ()  # a role's instance profiles
    path: str = ""
    created: str = ""  # CreateDate as collected
    last_use_reported: bool = False  # a role's RoleLastUsed is in the details (absent: its use is unknown)
    last_used: str = ""  # a role's RoleLastUsed.LastUsedDate ("" when never used)

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class PolicyVersion:
    id: str
    default: bool
    document: Any


@dataclass(frozen=True)
class ManagedPolicy:
    name: str
    arn: str
    attachment_count: int
    document: Any  # the default version's document, None when it is not in the details
    versions: tuple[PolicyVersion, ...] = ()

    @property
    def aws_managed(self) -> bool:
        return AWS_MANAGED in self.arn

    @property
    def other_versions(self) -> list[Any]:
        """The documents of the versions that are not the default (one SetDefaultPolicyVersion away)."""
        return [v.document for v in self.versions if not v.default]


_KINDS = (("user", "UserDetailList", "UserPolicyList", "UserName"),
          ("group", "GroupDetailList", "GroupPolicyList", "GroupName"),
          ("role", "RoleDetailList", "RolePolicyList", "RoleName"))


def _principal(kind: str, raw: dict[str, Any], policy_key: str, name_key: str) -> Principal:
    attached = tuple(Attached(str(p.get("PolicyName", "")), str(p["PolicyArn"]))
                     for p in raw.get("AttachedManagedPolicies") or [])
    inline = tuple(InlinePolicy(str(p.get("PolicyName", "")), p.get("PolicyDocument"))
                   for p in raw.get(policy_key) or [])
    boundary = raw.get("PermissionsBoundary") or {}
    return Principal(kind, str(raw[name_key]), str(raw.get("Arn", "")), attached, inline,
                     tuple(str(g) for g in raw.get("GroupList") or []),
                     str(boundary.get("PermissionsBoundaryArn") or ""), raw.get("AssumeRolePolicyDocument"),
                     tuple((str(t.get("Key", "")), str(t.get("Value", ""))) for t in raw.get("Tags") or []),
                     tuple(str(p.get("Arn", "")) for p in raw.get("InstanceProfileList") or []),
                     str(raw.get("Path", "")), str(raw.get("CreateDate") or ""), "RoleLastUsed" in raw,
                     str((raw.get("RoleLastUsed") or {}).get("LastUsedDate") or ""))


def _versions(policy: dict[str, Any]) -> tuple[PolicyVersion, ...]:
    return tuple(PolicyVersion(str(v.get("VersionId", "")), bool(v.get("IsDefaultVersion")), v.get("Document"))
                 for v in policy.get("PolicyVersionList") or [])


def _managed_policy(raw: dict[str, Any]) -> ManagedPolicy:
    versions = _versions(raw)
    return ManagedPolicy(str(raw.get("PolicyName") or str(raw.get("Arn", "")).rsplit("/", 1)[-1]),
                         str(raw.get("Arn", "")), int(raw.get("AttachmentCount", 0)),
                         next((v.document for v in versions if v.default), None), versions)


@dataclass(frozen=True)
class AuthorizationDetails:
    users: tuple[Principal, ...]
    groups: tuple[Principal, ...]
    roles: tuple[Principal, ...]
    policies: tuple[ManagedPolicy, ...]

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> AuthorizationDetails:
        raw = raw or {}
        lists = [tuple(_principal(kind, p, policy_key, name_key) for p in raw.get(list_key) or [])
                 for kind, list_key, policy_key, name_key in _KINDS]
        policies = tuple(_managed_policy(p) for p in raw.get("Policies") or [])
        return cls(lists[0], lists[1], lists[2], policies)

    @property
    def customer_policies(self) -> tuple[ManagedPolicy, ...]:
        return tuple(p for p in self.policies if not p.aws_managed)

    def inline_policies(self) -> list[tuple[Principal, InlinePolicy]]:
        """(principal, inline policy) for every inline policy of users, then groups, then roles."""
        return [(p, inline) for p in self.users + self.groups + self.roles for inline in p.inline]


def _yes(value: Any) -> bool:
    return str(value).lower() == "true"


@dataclass(frozen=True)
class AccessKey:
    number: int  # 1 or 2
    active: bool
    last_used: str | None
    last_rotated: str | None


@dataclass(frozen=True)
class CredentialRow:
    """One row of the credential report (times as the report writes them: ISO text, "N/A"...)."""

    user: str
    arn: str
    created: str | None
    password_enabled: bool
    password_last_used: str | None
    mfa_active: bool
    keys: tuple[AccessKey, ...]

    @property
    def root(self) -> bool:
        return self.user == ROOT

    @property
    def active_keys(self) -> list[int]:
        return [key.number for key in self.keys if key.active]

    def key(self, number: int) -> AccessKey:
        return self.keys[number - 1]

    @classmethod
    def of(cls, raw: dict[str, Any]) -> CredentialRow:
        keys = tuple(AccessKey(n, _yes(raw.get(f"access_key_{n}_active")), raw.get(f"access_key_{n}_last_used_date"),
                               raw.get(f"access_key_{n}_last_rotated")) for n in (1, 2))
        return cls(str(raw.get("user", "")), str(raw.get("arn", "")), raw.get("user_creation_time"),
                   _yes(raw.get("password_enabled")), raw.get("password_last_used"), _yes(raw.get("mfa_active")), keys)


@dataclass(frozen=True)
class AccountSummary:
    """GetAccountSummary's root facts."""

    root_access_keys: int  # AccountAccessKeysPresent
    root_mfa: bool  # AccountMFAEnabled == 1

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> AccountSummary:
        raw = raw or {}
        return cls(int(raw.get("AccountAccessKeysPresent", 0)), int(raw.get("AccountMFAEnabled", 0)) == 1)


PASSWORD_CLASSES = ("RequireUppercaseCharacters", "RequireLowercaseCharacters", "RequireNumbers", "RequireSymbols")


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int
    reuse_prevention: int
    max_age: int  # 0: passwords never expire
    missing_classes: tuple[str, ...]  # character classes (PASSWORD_CLASSES) it does not require

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> PasswordPolicy | None:
        """None: the account has no password policy (AWS defaults apply)."""
        if raw is None:
            return None
        return cls(int(raw.get("MinimumPasswordLength", 0)), int(raw.get("PasswordReusePrevention", 0)),
                   int(raw.get("MaxPasswordAge") or 0), tuple(c for c in PASSWORD_CLASSES if not raw.get(c)))


@dataclass(frozen=True)
class VirtualMfaDevice:
    serial: str
    user_arn: str

    @property
    def root(self) -> bool:
        return self.serial.endswith(":mfa/root-account-mfa-device") or self.user_arn.endswith(":root")


@dataclass(frozen=True)
class ServerCertificate:
    name: str
    arn: str
    expiration: Any  # as collected (ctx.days_since reads it)


class IamView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.details: Global[AuthorizationDetails] = Global(snapshot, DETAILS, AuthorizationDetails.of)
        self.credential_report: Global[tuple[CredentialRow, ...]] = Global(
            snapshot, REPORT, lambda rows: tuple(CredentialRow.of(row) for row in rows or []))
        self.account_summary: Global[AccountSummary] = Global(snapshot, SUMMARY, AccountSummary.of)
        self.password_policy: Global[PasswordPolicy | None] = Global(snapshot, PASSWORD_POLICY, PasswordPolicy.of)
        self.virtual_mfa_devices: Global[tuple[VirtualMfaDevice, ...]] = Global(
            snapshot, VIRTUAL_MFA, lambda devices: tuple(
                VirtualMfaDevice(str(d.get("SerialNumber", "")), str((d.get("User") or {}).get("Arn", "")))
                for d in devices or []))
        self.saml_providers: Global[tuple[str, ...]] = Global(
            snapshot, SAML_PROVIDERS, lambda raw: tuple(str(p.get("Arn", "")) for p in raw or []))
        self.oidc_providers: Global[tuple[str, ...]] = Global(
            snapshot, OIDC_PROVIDERS, lambda raw: tuple(str(p.get("Arn", "")) for p in raw or []))
        # key fingerprint (sha256 of the key id, which stays out of the snapshot) -> (user, status)
        self.access_key_owners: Global[dict[str, tuple[str, str]]] = Global(snapshot, ACCESS_KEYS, lambda by_user: {
            str(k.get("key_id_sha256")): (str(user), str(k.get("Status"))) for user, keys in (by_user or {}).items()
            for k in keys or []})
        self.server_certificates: Global[tuple[ServerCertificate, ...]] = Global(
            snapshot, SERVER_CERTIFICATES, lambda certs: tuple(
                ServerCertificate(str(c["ServerCertificateName"]), str(c.get("Arn", "")), c.get("Expiration"))
                for c in certs or []))


__all__ = ["AccessKey", "AccountSummary", "Attached", "AuthorizationDetails", "CredentialRow", "IamView",
           "InlinePolicy", "ManagedPolicy", "PasswordPolicy", "PolicyVersion", "Principal", "ServerCertificate",
           "VirtualMfaDevice"]
