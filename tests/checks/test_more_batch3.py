"""PASS, FAIL and UNKNOWN cases for the snapshot/AMI sharing guards, the EBS default key and DAX encryption.

The EC2 "get" operations are missing from moto: these cases are built on the EC2 API reference's
response shapes (GetSnapshotBlockPublicAccessState.State, GetImageBlockPublicAccessState, GetEbsDefaultKmsKeyId).
"""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.core.enums import Status
from tests.checks.cases import Case, Regional, assert_case, findings_for
from tests.checks.test_ec2 import here
from tests.checks.test_kms import meta

CMK_ARN = "arn:aws:kms:us-east-1:111122223333:key/k1"
AWS_KEY = meta("k2", KeyManager="AWS")


def dax(**fields: Any) -> dict[str, Any]:
    base = {"ClusterName": "cache", "ClusterArn": "arn:aws:dax:us-east-1:111122223333:cache/cache",
            "SSEDescription": {"Status": "ENABLED"}, "ClusterEndpointEncryptionType": "TLS"}
    return {"dax.clusters": [{**base, **fields}]}


CASES = [
    Case("pass-snapshot-bpa-all", "ebs.snapshot_block_public_access",
         {"ec2.snapshot_block_public_access": Regional({"us-east-1": "block-all-sharing",
                                                        "eu-west-1": "block-all-sharing"})}),
    Case("fail-snapshot-bpa-new-only", "ebs.snapshot_block_public_access",
         {"ec2.snapshot_block_public_access": Regional({"us-east-1": "block-all-sharing",
                                                        "eu-west-1": "block-new-sharing"})},
         resource="ec2/eu-west-1", message="existing public snapshots stay public"),
    here("fail-snapshot-bpa-off", "ebs.snapshot_block_public_access",
         {"ec2.snapshot_block_public_access": "unblocked"}, message="unblocked"),
    here("pass-ami-bpa", "ec2.ami_block_public_access", {"ec2.image_block_public_access": "block-new-sharing"}),
    here("fail-ami-bpa-off", "ec2.ami_block_public_access", {"ec2.image_block_public_access": "unblocked"},
         message="unblocked"),
    here("pass-default-key-cmk", "ebs.default_key_is_cmk",
         {"ec2.ebs_default_kms_key_id": CMK_ARN, "kms.keys": {"k1": meta()}}, message="managed by CUSTOMER"),
    here("fail-default-key-aws-alias", "ebs.default_key_is_cmk",
         {"ec2.ebs_default_kms_key_id": "alias/aws/ebs", "kms.keys": {}}, message="alias/aws/ebs"),
    here("fail-default-key-aws-managed", "ebs.default_key_is_cmk",
         {"ec2.ebs_default_kms_key_id": AWS_KEY["Arn"], "kms.keys": {"k2": AWS_KEY}}, message="managed by AWS"),
    here("unknown-default-key-unlisted", "ebs.default_key_is_cmk",
         {"ec2.ebs_default_kms_key_id": CMK_ARN, "kms.keys": {}}),
    here("pass-dax-sse", "dynamodb.dax_encrypted_at_rest", dax()),
    here("fail-dax-sse", "dynamodb.dax_encrypted_at_rest", dax(SSEDescription={"Status": "DISABLED"}),
         message="DISABLED"),
    here("pass-dax-tls", "dynamodb.dax_encrypted_in_transit", dax()),
    here("fail-dax-tls", "dynamodb.dax_encrypted_in_transit", dax(ClusterEndpointEncryptionType="NONE"),
         message="cleartext"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_dax_without_sse_description_is_unencrypted() -> None:
    data = dax()
    del data["dax.clusters"][0]["SSEDescription"]
    findings = findings_for(here("fail-x", "dynamodb.dax_encrypted_at_rest", data))
    assert [f.status for f in findings] == [Status.FAIL]
