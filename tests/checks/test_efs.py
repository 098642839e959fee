"""PASS and FAIL cases for the EFS encryption check."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checks.cases import Case, Regional, assert_case

REGION = "us-east-1"


def efs(encrypted: bool) -> dict[str, Any]:
    fs = {"FileSystemId": "fs-1", "FileSystemArn": f"arn:aws:elasticfilesystem:{REGION}:1:file-system/fs-1",
          "Encrypted": encrypted}
    if encrypted:
        fs["KmsKeyId"] = "arn:aws:kms:us-east-1:1:key/k1"
    return {"efs.file_systems": Regional({REGION: [fs]})}


CASES = [
    Case("pass-encrypted", "efs.encrypted_at_rest", efs(True), message="key/k1", regions=(REGION,)),
    Case("fail-unencrypted", "efs.encrypted_at_rest", efs(False), message="not encrypted", regions=(REGION,)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
