"""The organization around a collected account: its id, member accounts, and the SCP and RCP levels
that govern the account, from the ``organizations.*`` datasets when they were readable.

SCPs (on the account's principals) and RCPs (on the account's resources) apply to member accounts
only, never to the management account, and only when their policy type is enabled on the root.
Whatever could not be read leaves ``scps`` / ``rcps`` None with a note saying why, so that analysis
runs as if no such policy applied and says so. Both only ever take access away: a level that could
not be read can make an answer too wide, never too narrow.

RCPs govern requests to the services AWS lists as supporting them (``RCP_SERVICES``); for any other
service's action they do not apply (an RCP's ``"Action": "*"`` covers the supported services only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.engines.iam.policy import CompiledPolicy
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot

SCP_TYPE = "SERVICE_CONTROL_POLICY"
RCP_TYPE = "RESOURCE_CONTROL_POLICY"
# The services whose resources RCPs govern (AWS Organizations user guide, "List of AWS services that
# support RCPs"): S3, STS, KMS, SQS and Secrets Manager at launch; ECR, OpenSearch Serverless,
# Cognito user pools, CloudWatch Logs and DynamoDB since.
RCP_SERVICES = frozenset({"s3", "sts", "kms", "sqs", "secretsmanager", "ecr", "aoss", "cognito-idp", "logs",
                          "dynamodb"})
Compile = Callable[[Any, str, str], "CompiledPolicy | None"]


@dataclass
class Organization:
    org_id: str = ""
    management_account: str = ""
    members: frozenset[str] = field(default_factory=frozenset)
    scps: tuple[tuple[CompiledPolicy, ...], ...] | None = None
    note: str = ""  # why scps is None, or which levels were read
    rcps: tuple[tuple[CompiledPolicy, ...], ...] | None = None
    rcp_note: str = ""  # why rcps is None, or which levels were read

    def rcps_for(self, action: str, resource_account: str, account_id: str) -> tuple[tuple[CompiledPolicy, ...], ...] | None:
        """The RCP levels that govern a request for ``action`` on a resource of ``resource_account``:
        only the collected account's own resources, and only the services RCPs support."""
        if self.rcps is None or resource_account != account_id:
            return None
        return self.rcps if action.split(":", 1)[0].lower() in RCP_SERVICES else None


def load_organization(snapshot: Snapshot, compile_: Compile) -> Organization:
    org = Organization()
    try:
        raw = snapshot.get("organizations.organization", GLOBAL)
    except DataUnavailable as missing:
        org.note = f"SCPs not readable: {missing.reason}"
        return org
    if not raw:
        org.note = "the account is not in an organization: no SCPs apply"
        return org
    org.org_id = raw.get("Id", "")
    org.management_account = raw.get("MasterAccountId", "")
    org.members = frozenset(_member_ids(snapshot))
    if org.management_account == snapshot.account_id:
        org.note = "management account of the organization: SCPs do not apply to it"
        org.rcp_note = "management account of the organization: RCPs do not apply to its resources"
        return org
    try:
        org.scps, org.note = _levels(snapshot, compile_, SCP)
    except DataUnavailable as missing:
        org.note = f"SCPs not readable: {missing.reason}"
    try:
        org.rcps, org.rcp_note = _levels(snapshot, compile_, RCP)
    except DataUnavailable as missing:
        org.rcp_note = f"RCPs not readable: {missing.reason}"
    return org


@dataclass(frozen=True)
class _Kind:
    label: str
    policy_type: str
    kind: str  # the policy kind the compiler checks the document against
    attached: str  # dataset: the policies attached to each target of the account's chain
    content: str  # dataset: each policy's document


SCP = _Kind("SCP", SCP_TYPE, "scp", "organizations.scps_for_target", "organizations.scp_content")
RCP = _Kind("RCP", RCP_TYPE, "rcp", "organizations.rcps_for_target", "organizations.rcp_content")


def _member_ids(snapshot: Snapshot) -> list[str]:
    if not snapshot.has("organizations.accounts", GLOBAL):
        return []
    return [a.get("Id", "") for a in snapshot.get("organizations.accounts", GLOBAL) or []]


def _levels(snapshot: Snapshot, compile_: Compile, of: _Kind) -> tuple[Any, str]:
    roots = snapshot.get("organizations.roots", GLOBAL) or []
    enabled = any(
        t.get("Type") == of.policy_type and t.get("Status") == "ENABLED"
        for root in roots
        for t in root.get("PolicyTypes") or []
    )
    chain = snapshot.get("organizations.account_chain", GLOBAL)
    if not chain:
        return None, f"the account is not in an organization: no {of.label}s apply"
    snapshot.get(of.attached, GLOBAL)  # DataUnavailable, with its reason, when it was not read
    levels = []
    for target in chain:
        attached = snapshot.item(of.attached, GLOBAL, target["Id"]) or []
        level = []
        for summary in attached:
            text = snapshot.item(of.content, GLOBAL, summary["Id"])
            policy = compile_(text, of.kind, f"{of.label} {summary.get('Name', summary['Id'])} on {target['Id']}")
            if policy is None:
                raise DataUnavailable(of.content, GLOBAL, f"{of.label} {summary['Id']} does not compile")
            level.append(policy)
        levels.append(tuple(level))
    # Attached policies are taken to be in force even when the root does not list the policy type as
    # enabled (moto leaves PolicyTypes empty; AWS removes attachments when the type is disabled).
    if not enabled and not any(levels):
        return None, f"{of.label}s are not enabled on the organization's root"
    path = " > ".join(t["Id"] for t in chain)
    return tuple(levels), f"{of.label}s from {len(levels)} levels ({path})"
