"""Detective-control reads for the organization-wide and investigation checks: Config aggregators,
Amazon Inspector's account status, Amazon Detective's behaviour graphs.

All regional. Detective has no moto backend: against moto its read is a gap, so the check says UNKNOWN.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.spec import Call


def fetch_inspector_status(client: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The caller's own account status. AWS answers for the caller when accountIds is left out; moto
    needs it named, so it is always passed."""
    response = client.batch_get_account_status(accountIds=[params["__account_id"]])
    return list(response.get("accounts") or [])


SPECS = [
    Call("config.aggregators", "config", "describe_configuration_aggregators", "ConfigurationAggregators",
         paginate=True),
    Call("inspector2.account_status", "inspector2", "batch_get_account_status", fetch=fetch_inspector_status),
    # One behaviour graph per region at most; the operation has no paginator.
    Call("detective.graphs", "detective", "list_graphs", "GraphList"),
]

AI_OPT_OUT = "AISERVICES_OPT_OUT_POLICY"
NOT_IN_ORG = ("AWSOrganizationsNotInUseException",)
SPECS += [
    # AI services opt-out policies and where each is attached (root, OU or account).
    Call("organizations.ai_opt_out_policies", "organizations", "list_policies", "Policies", scope="global",
         paginate=True, params={"Filter": AI_OPT_OUT}, absent_codes=NOT_IN_ORG),
    Call("organizations.ai_opt_out_targets", "organizations", "list_targets_for_policy", "Targets",
         scope="global", paginate=True, per="organizations.ai_opt_out_policies",
         per_params=lambda p: {"PolicyId": p["Id"]}, per_key=lambda p: p["Id"], absent_codes=NOT_IN_ORG),
]


def _has_mfa(row: Any, _region: str) -> bool:
    return row.get("user") != "<root_account>" and str(row.get("mfa_active", "")).lower() == "true"


SPECS += [
    # Each MFA-using user's devices: a serial that is not a virtual device's is hardware or FIDO.
    Call("iam.mfa_devices", "iam", "list_mfa_devices", "MFADevices", scope="global", paginate=True,
         per="iam.credential_report", per_params=lambda row: {"UserName": row["user"]},
         per_key=lambda row: row["user"], per_filter=_has_mfa, absent_codes=("NoSuchEntity",)),
]

SPECS += [
    # The GuardDuty administrator of each detector (None/empty: not a member), and the delegated
    # administrator(s) the management account registered; a member account cannot read the latter.
    Call("guardduty.administrator", "guardduty", "get_administrator_account", "Administrator",
         per="guardduty.detector_ids", per_params=lambda detector_id: {"DetectorId": detector_id},
         per_key=lambda detector_id: detector_id),
    Call("guardduty.org_admin_accounts", "guardduty", "list_organization_admin_accounts", "AdminAccounts",
         paginate=True),
]
