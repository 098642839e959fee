"""Response actions proposed for an incident of `cloudwarden trail hunt` (its JSON form).

For each principal the incident names: an IAM user is quarantined (deny-all inline policy) and each
of the incident's access keys it owns is deactivated; a role behind an assumed-role session has its
sessions issued before now revoked. The root user and AWS service principals get no automated
action (said as a note, not skipped silently). Detections of trail tampering name no trail in the
incident, so `enable-trail-logging` is noted as a manual step with the rule that fired.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloudwarden.core.errors import InputError


@dataclass(frozen=True)
class Proposal:
    action: str
    target: str
    why: str

    def to_dict(self) -> dict[str, str]:
        return {"action": self.action, "target": self.target, "why": self.why}


def load_incident(path: Path, incident_id: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read hunt result {path}: {exc.strerror}",
                         hint="write one with `cloudwarden trail hunt STORE --format json > hunt.json`") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"hunt result {path} is not JSON: {exc.msg} (line {exc.lineno})") from None
    incidents = data.get("incidents") if isinstance(data, dict) else None
    if not isinstance(incidents, list):
        raise InputError(f"{path} has no incidents list", hint="use the output of `cloudwarden trail hunt --format json`")
    for incident in incidents:
        if isinstance(incident, dict) and incident.get("incident_id") == incident_id:
            return incident
    known = ", ".join(str(i.get("incident_id")) for i in incidents if isinstance(i, dict)) or "none"
    raise InputError(f"no incident {incident_id} in {path}", hint=f"incidents there: {known}")


def propose(incident: dict[str, Any]) -> tuple[list[Proposal], list[str]]:
    """(actions, notes) for one incident."""
    proposals: list[Proposal] = []
    notes: list[str] = []
    keys = [str(k) for k in incident.get("access_keys") or []]
    users: list[str] = []
    for arn in [str(p) for p in incident.get("principals") or []]:
        resource = arn.split(":", 5)[-1] if arn.startswith("arn:") else ""
        if ":iam::" in arn and resource.startswith("user/"):
            user = resource.rsplit("/", 1)[-1]
            users.append(user)
            proposals.append(Proposal("quarantine-user", user, f"principal {arn} in {incident.get('incident_id')}"))
        elif ":sts::" in arn and resource.startswith("assumed-role/"):
            role = resource.split("/")[1]
            proposal = Proposal("revoke-role-sessions", role, f"session {arn} in {incident.get('incident_id')}")
            if proposal.target not in {p.target for p in proposals if p.action == proposal.action}:
                proposals.append(proposal)
        elif resource == "root":
            notes.append(f"{arn}: the root user gets no automated action; rotate its password and MFA by hand")
        else:
            notes.append(f"{arn}: no automated action for this kind of principal")
    for key in keys:
        if len(users) == 1:
            proposals.append(Proposal("deactivate-access-key", f"{users[0]}:{key}", "access key used in the incident"))
        else:
            notes.append(f"access key {key}: owner not known from the incident ({len(users)} users named); "
                         "deactivate it with `respond deactivate-access-key USER:KEY`")
    for detection in incident.get("detections") or []:
        text = json.dumps(detection).lower()
        if "stoplogging" in text or "deletetrail" in text or "updatetrail" in text:
            notes.append(f"rule {detection.get('rule_id')}: trail tampering; the incident does not "
                         "name the trail: `respond enable-trail-logging TRAIL`")
    return proposals, notes
