"""The finding: one check's verdict on one resource, and its documented JSON form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.core.enums import Area, Severity, Status

# Bump on any change a consumer of findings.json would notice; docs/findings.md describes it.
FINDINGS_SCHEMA_VERSION = "1.1"


@dataclass(frozen=True)
class Remediation:
    summary: str
    cli: str = ""
    doc_url: str = ""
    # Infrastructure as code: a CloudFormation template fragment (Resources) and a Terraform
    # (HCL) snippet that declare the compliant state; or, where no declarative form exists
    # (root MFA, deleting what is unused, rotating a key), `manual` says why and what to do.
    cloudformation: str = ""
    terraform: str = ""
    manual: str = ""

    def to_dict(self, *, iac: bool = True) -> dict[str, str]:
        data = {"summary": self.summary, "cli": self.cli, "doc_url": self.doc_url}
        if iac:
            data.update({k: v for k, v in (("cloudformation", self.cloudformation),
                                           ("terraform", self.terraform), ("manual", self.manual)) if v})
        return data


@dataclass(frozen=True)
class Finding:
    check_id: str
    title: str
    area: Area
    severity: Severity
    status: Status
    account_id: str
    region: str
    resource_type: str
    resource_id: str
    resource_arn: str
    message: str
    remediation: Remediation | None = None
    compliance: dict[str, list[str]] = field(default_factory=dict)
    # MUTED results only: the rule that muted it, its reason, owner, expiry and the original status.
    suppression: dict[str, Any] | None = None
    # Why the check matters (from the catalogue) and the judged resource's own tags.
    rationale: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "check_id": self.check_id,
            "title": self.title,
            "area": self.area.value,
            "area_code": self.area.code,
            "severity": self.severity.value,
            "status": self.status.value,
            "account_id": self.account_id,
            "region": self.region,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "resource_arn": self.resource_arn,
            "message": self.message,
            "remediation": self.remediation.to_dict(iac=False) if self.remediation else None,
            "compliance": {k: list(v) for k, v in self.compliance.items()},
            "rationale": self.rationale,
            "tags": dict(self.tags),
        }
        if self.suppression is not None:
            data["suppression"] = dict(self.suppression)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        rem = data.get("remediation")
        return cls(
            check_id=data["check_id"],
            title=data["title"],
            area=Area.parse(data["area"]),
            severity=Severity(data["severity"]),
            status=Status(data["status"]),
            account_id=data.get("account_id", ""),
            region=data.get("region", ""),
            resource_type=data.get("resource_type", ""),
            resource_id=data.get("resource_id", ""),
            resource_arn=data.get("resource_arn", ""),
            message=data.get("message", ""),
            remediation=Remediation(**rem) if rem else None,
            compliance={k: list(v) for k, v in (data.get("compliance") or {}).items()},
            suppression=data.get("suppression"),
            rationale=data.get("rationale", ""),
            tags={str(k): str(v) for k, v in (data.get("tags") or {}).items()},
        )


# Placeholders a remediation command names the judged resource by, per resource type, each with
# the shape an identifier must have to fill it (so that, say, an IP address never fills ALLOCATION).
_RESOURCE_PLACEHOLDERS: dict[str, tuple[tuple[str, str], ...]] = {
    "AWS::S3::Bucket": (("BUCKET", r"[a-z0-9][a-z0-9.\-]{1,62}"),),
    "AWS::CloudTrail::Trail": (("TRAIL", r"\S+"),),
    "AWS::DynamoDB::Table": (("TABLE", r"[\w.\-]+"),),
    "AWS::EC2::Instance": (("INSTANCE", r"i-[0-9a-f]+"),),
    "AWS::EC2::SecurityGroup": (("SG_ID", r"sg-[0-9a-f]+"), ("GROUP", r"sg-[0-9a-f]+"),
                                ("DEFAULT_GROUP", r"sg-[0-9a-f]+")),
    "AWS::EC2::Snapshot": (("SNAPSHOT", r"snap-[0-9a-f]+"),),
    "AWS::EC2::Subnet": (("SUBNET", r"subnet-[0-9a-f]+"),),
    "AWS::EC2::VPC": (("VPC", r"vpc-[0-9a-f]+"),),
    "AWS::EC2::Volume": (("VOLUME", r"vol-[0-9a-f]+"),),
    "AWS::EC2::EIP": (("ALLOCATION", r"eipalloc-[0-9a-f]+"),),
    "AWS::EC2::Image": (("AMI", r"ami-[0-9a-f]+"),),
    "AWS::EC2::LaunchTemplate": (("LT_ID", r"lt-[0-9a-f]+"), ("TEMPLATE", r"lt-[0-9a-f]+")),
    "AWS::EC2::NetworkAcl": (("NACL", r"acl-[0-9a-f]+"),),
    "AWS::Glacier::Vault": (("VAULT", r"[\w.\-]+"),),
    "AWS::IAM::Role": (("ROLE", r"[\w+=,.@\-]+"),),
    "AWS::IAM::User": (("USER", r"[\w+=,.@\-]+"),),
    "AWS::IAM::ServerCertificate": (("NAME", r"[\w+=,.@\-]+"),),
    "AWS::IAM::ManagedPolicy": (("ARN", r"arn:\S+"),),
    "AWS::IAM::Policy": (("ARN", r"arn:\S+"),),
    "AWS::KMS::Key": (("KEY_ID", r"(mrk-)?[0-9a-f\-]{32,36}"),),
    "AWS::Lambda::Function": (("FUNCTION", r"\S+"),),
    "AWS::Logs::LogGroup": (("GROUP", r"[\w#/.\-]+"),),
    "AWS::Logs::ResourcePolicy": (("NAME", r"\S+"),),
    "AWS::CloudWatch::Alarm": (("NAME", r"\S+"),),
    "AWS::Backup::BackupVault": (("NAME", r"[\w.\-]+"),),
    "AWS::RDS::DBInstance": (("DB", r"[A-Za-z][\w\-]*"),),
    "AWS::RDS::DBSnapshot": (("SNAPSHOT", r"[\w:\-]+"),),
    "AWS::CloudFormation::Stack": (("STACK", r"[A-Za-z][\w\-]*"),),
}


def _placeholder(name: str) -> re.Pattern[str]:
    # <NAME> or a bare NAME standing alone (not part of EBS_MALWARE_PROTECTION or --filter-name).
    return re.compile(rf"<{name}>|(?<![\w<-]){name}(?![\w>-])")


def fill_remediation_cli(cli: str, *, resource_type: str, resource_id: str, resource_arn: str = "",
                         region: str = "", account_id: str = "") -> str:
    """The remediation command with the finding's own identifiers in place of its placeholders.

    Only placeholders that certainly mean this resource (by type, and by the shape of the id) and
    its account and region are filled; any other stays for the reader to fill.
    """
    if not cli:
        return cli
    values: list[tuple[str, str]] = list(_iam_names(resource_type, resource_id).items())
    for name, shape in _RESOURCE_PLACEHOLDERS.get(resource_type, ()):
        value = resource_arn if name.endswith("ARN") else resource_id
        if value and re.fullmatch(shape, value):
            values.append((name, value))
    if region and region != "global":
        values.append(("REGION", region))
    if account_id:
        values += [("ACCOUNT_ID", account_id), ("ACCOUNT", account_id)]
    for name, value in values:
        cli = _placeholder(name).sub(lambda _match, v=value: _shell_word(v), cli)  # type: ignore[misc]
    return cli


def _iam_names(resource_type: str, resource_id: str) -> dict[str, str]:
    """IAM ids read `user/NAME`, `role/NAME` or, for an inline policy, `role/NAME/POLICY`."""
    if not resource_type.startswith("AWS::IAM::"):
        return {}
    parts = resource_id.split("/")
    kinds = {"user": "USER", "role": "ROLE", "group": "GROUP"}
    if len(parts) == 2 and parts[0] in kinds:
        return {kinds[parts[0]]: parts[1]}
    if len(parts) == 3 and parts[0] in kinds and resource_type == "AWS::IAM::Policy":
        return {kinds[parts[0]]: parts[1], "NAME": parts[2]}
    return {}


def _shell_word(value: str) -> str:
    return value if re.fullmatch(r"[\w@%+=:,./\-]+", value) else "'" + value.replace("'", "'\"'\"'") + "'"
