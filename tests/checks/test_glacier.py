"""PASS, FAIL and UNKNOWN cases for the Glacier vault policy check."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import Case, Regional, assert_case, findings_for

REGION = "us-east-1"
ONE_REGION = (REGION,)
VAULT = {"VaultName": "archive", "VaultARN": f"arn:aws:glacier:{REGION}:111122223333:vaults/archive"}
PUBLIC = {"Sid": "open", "Effect": "Allow", "Principal": "*", "Action": "glacier:*", "Resource": VAULT["VaultARN"]}
ACCOUNT = dict(PUBLIC, Principal={"AWS": "arn:aws:iam::444455556666:root"})


def glacier(policy: Any) -> dict[str, Any]:
    value = None if policy is None else {"Policy": json.dumps({"Statement": [policy]})}
    return {"glacier.vaults": Regional({REGION: [VAULT]}),
            "glacier.vault_policy": Regional({REGION: {"archive": value}})}


CASES = [
    Case("pass-no-policy", "glacier.vault_policy_not_public", glacier(None), message="no vault access policy"),
    Case("pass-named-account", "glacier.vault_policy_not_public", glacier(ACCOUNT)),
    Case("fail-public", "glacier.vault_policy_not_public", glacier(PUBLIC),
         message="lets anyone (any AWS account or anonymous) glacier:DeleteArchive"),
]
for case in CASES:
    case.regions = ONE_REGION


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_policy_the_endpoint_cannot_serve_is_unknown() -> None:
    # moto does not implement GetVaultAccessPolicy: the collector records a per-vault gap.
    data = {"glacier.vaults": Regional({REGION: [VAULT]}), "glacier.vault_policy": Regional({REGION: {}})}
    gap = Gap("glacier.vault_policy", "glacier", "GetVaultAccessPolicy", REGION, "NotImplemented",
              "the endpoint does not implement this operation", "glacier:GetVaultAccessPolicy", "archive")
    findings = findings_for(Case("unknown-x", "glacier.vault_policy_not_public", data, gaps=[gap],
                                 regions=ONE_REGION))
    assert [(f.resource_id, f.status) for f in findings] == [("archive", Status.UNKNOWN)]
    assert "does not implement" in findings[0].message
