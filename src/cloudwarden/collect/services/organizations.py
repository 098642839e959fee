"""Organizations structure for the account-strategy view: OUs and where each account sits, account
tags, SCP and RCP attachments, delegated administrators, trusted service access, and IAM's centralised root
access features.

Readable only from the management account or a delegated administrator: a member account's
AccessDenied is a gap (the view says what it could not see); an account outside any organization
reads as absent. Every operation is a List or Describe.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.spec import Call

NOT_IN_ORG = ("AWSOrganizationsNotInUseException",)
_MAX_DEPTH = 6  # the root plus at most five levels of OUs


def _pages(client: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(key) or [])
    return items


def fetch_tree(client: Any, _params: dict[str, Any]) -> dict[str, Any]:
    """Every OU with its parent and path, and the parent of every account, walked from the roots."""
    units: list[dict[str, Any]] = []
    account_parents: dict[str, str] = {}
    roots = _pages(client, "list_roots", "Roots")
    frontier = [(root["Id"], root.get("Name", "Root"), 0) for root in roots]
    while frontier:
        parent_id, parent_path, depth = frontier.pop()
        for account in _pages(client, "list_accounts_for_parent", "Accounts", ParentId=parent_id):
            account_parents[account["Id"]] = parent_id
        if depth >= _MAX_DEPTH:
            continue
        for unit in _pages(client, "list_organizational_units_for_parent", "OrganizationalUnits",
                           ParentId=parent_id):
            path = f"{parent_path}/{unit.get('Name', unit['Id'])}"
            units.append({"Id": unit["Id"], "Name": unit.get("Name", ""), "Arn": unit.get("Arn", ""),
                          "ParentId": parent_id, "Path": path, "Depth": depth + 1})
            frontier.append((unit["Id"], path, depth + 1))
    return {"organizational_units": sorted(units, key=lambda u: u["Path"]), "account_parents": account_parents}


def _account_id(account: Any) -> str:
    return str(account["Id"])


SPECS = [
    Call("organizations.tree", "organizations", "list_organizational_units_for_parent", scope="global",
         fetch=fetch_tree, extra_operations=("list_roots", "list_accounts_for_parent"), absent_codes=NOT_IN_ORG),
    Call("organizations.account_tags", "organizations", "list_tags_for_resource", "Tags", scope="global",
         paginate=True, per="organizations.accounts", per_params=lambda a: {"ResourceId": _account_id(a)},
         per_key=_account_id, absent_codes=NOT_IN_ORG),
    Call("organizations.policy_targets", "organizations", "list_targets_for_policy", "Targets", scope="global",
         paginate=True, per="organizations.scps", per_params=lambda p: {"PolicyId": p["Id"]},
         per_key=lambda p: p["Id"], absent_codes=NOT_IN_ORG),
    Call("organizations.rcp_targets", "organizations", "list_targets_for_policy", "Targets", scope="global",
         paginate=True, per="organizations.rcps", per_params=lambda p: {"PolicyId": p["Id"]},
         per_key=lambda p: p["Id"], absent_codes=NOT_IN_ORG),
    Call("organizations.delegated_administrators", "organizations", "list_delegated_administrators",
         "DelegatedAdministrators", scope="global", paginate=True, absent_codes=NOT_IN_ORG),
    Call("organizations.delegated_services", "organizations", "list_delegated_services_for_account",
         "DelegatedServices", scope="global", paginate=True, per="organizations.delegated_administrators",
         per_params=lambda a: {"AccountId": _account_id(a)}, per_key=_account_id, absent_codes=NOT_IN_ORG),
    Call("organizations.service_access", "organizations", "list_aws_service_access_for_organization",
         "EnabledServicePrincipals", scope="global", paginate=True, absent_codes=NOT_IN_ORG),
    # Centralised root access: RootCredentialsManagement / RootSessions, from the management account.
    Call("iam.organizations_features", "iam", "list_organizations_features", "EnabledFeatures", scope="global",
         # Not in an organization, or IAM's trusted access is off: root access is not centralised. A
         # member account's AccountNotManagementOrDelegatedAdministrator stays a gap: it cannot see.
         absent_codes=("OrganizationNotFoundException", "ServiceAccessNotEnabledException",
                       "OrganizationNotInAllFeaturesModeException")),
]
