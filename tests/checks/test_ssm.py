"""PASS, FAIL and UNKNOWN cases for the SSM document sharing checks (GetServiceSetting's answer is
built on the AWS response shape: moto lacks the operation)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checks.cases import ACCOUNT, Case, Regional, assert_case

PUBLIC, BLOCKED = "ssm.documents_not_public", "ssm.document_public_sharing_blocked"
DOC = {"Name": "deploy-app", "Owner": ACCOUNT, "DocumentType": "Command", "DocumentVersion": "1"}


def documents(account_ids: list[str] | None) -> dict[str, Any]:
    shared = {"AccountIds": account_ids, "AccountSharingInfoList": [
        {"AccountId": a, "SharedDocumentVersion": "$DEFAULT"} for a in account_ids or []]}
    return {"ssm.documents": Regional({"us-east-1": [DOC], "eu-west-1": []}),
            "ssm.document_permissions": Regional({"us-east-1": {"deploy-app": shared}, "eu-west-1": {}})}


def setting(value: str) -> dict[str, Any]:
    # GetServiceSetting's ServiceSetting (AWS API reference)
    body = {"SettingId": "/ssm/documents/console/public-sharing-permission", "SettingValue": value,
            "LastModifiedDate": "2026-01-01T00:00:00Z", "Status": "Customized",
            "ARN": f"arn:aws:ssm:us-east-1:{ACCOUNT}:servicesetting/ssm/documents/console/public-sharing-permission"}
    return {"ssm.public_sharing_setting": Regional({"us-east-1": body, "eu-west-1": body})}


CASES = [
    Case("pass-not-shared", PUBLIC, documents([]), message="not shared"),
    Case("pass-shared-with-account", PUBLIC, documents(["222233334444"]), message="1 named account"),
    Case("fail-shared-with-all", PUBLIC, documents(["all"]), message="everyone"),
    Case("unknown-permission-unread", PUBLIC, {"ssm.documents": documents([])["ssm.documents"]}),
    Case("pass-sharing-blocked", BLOCKED, setting("Disable"), message="is Disable"),
    Case("fail-sharing-allowed", BLOCKED, setting("Enable"), message="can still be shared"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
