"""The collector against moto in-process: what lands in the snapshot, and what becomes a gap."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from cloudwarden.collect import collect_snapshot
from cloudwarden.collect.aws import AwsClients, classify
from cloudwarden.collect.spec import Call


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def test_lists_per_item_calls_and_absent_configuration(aws: None) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="with-policy")
    s3.create_bucket(Bucket="elsewhere", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_policy(Bucket="with-policy", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::with-policy/*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    from cloudwarden.collect.services import s3 as s3_specs

    snap = collect_snapshot(regions=["us-east-1"], calls=s3_specs.SPECS)
    assert {b["Name"] for b in snap.get("s3.buckets")} == {"with-policy", "elsewhere"}
    assert snap.item("s3.bucket_location", "global", "elsewhere") == "eu-west-1"
    assert "SecureTransport" in snap.item("s3.bucket_policy", "global", "with-policy")
    # NoSuchBucketPolicy means "no policy", a value, not a gap.
    assert snap.item("s3.bucket_policy", "global", "elsewhere") is None
    assert not [g for g in snap.gaps if g.dataset == "s3.bucket_policy"]


def test_regional_data_is_kept_per_region(aws: None) -> None:
    boto3.client("ec2", region_name="eu-west-1").create_vpc(CidrBlock="10.9.0.0/16")
    calls = [Call("ec2.vpcs", "ec2", "describe_vpcs", "Vpcs", paginate=True)]
    snap = collect_snapshot(regions=["us-east-1", "eu-west-1"], calls=calls)
    cidrs = {r: {v["CidrBlock"] for v in snap.get("ec2.vpcs", r)} for r in snap.regions}
    assert "10.9.0.0/16" in cidrs["eu-west-1"] and "10.9.0.0/16" not in cidrs["us-east-1"]


def test_unimplemented_operation_is_a_gap_after_one_request(aws: None) -> None:
    calls = [Call("ec2.instance_metadata_defaults", "ec2", "get_instance_metadata_defaults", "AccountLevel")]
    clients = AwsClients()
    snap = collect_snapshot(regions=["us-east-1"], calls=calls, clients=clients)
    gaps = [g for g in snap.gaps if g.dataset == "ec2.instance_metadata_defaults"]
    assert [g.error_code for g in gaps] == ["NotImplemented"]
    # sts:GetCallerIdentity, ec2:DescribeRegions, then the one call: no retry storm.
    assert snap.stats["api_requests"] <= 3


def test_failed_parent_makes_children_gaps_not_crashes(aws: None) -> None:
    calls = [
        Call("x.parent", "ec2", "get_instance_metadata_defaults", "AccountLevel"),
        Call("x.child", "ec2", "describe_vpcs", "Vpcs", per="x.parent",
             per_params=lambda item: {}, per_key=lambda item: "k"),
    ]
    snap = collect_snapshot(regions=["us-east-1"], calls=calls)
    child = [g for g in snap.gaps if g.dataset == "x.child"]
    assert child and child[0].error_code == "ParentUnavailable"


def test_region_not_enabled_becomes_gaps_for_that_region(aws: None) -> None:
    calls = [Call("ec2.vpcs", "ec2", "describe_vpcs", "Vpcs", paginate=True)]
    snap = collect_snapshot(regions=["us-east-1", "zz-nowhere-7"], calls=calls)
    assert snap.has("ec2.vpcs", "us-east-1")
    nowhere = [g for g in snap.gaps if g.region == "zz-nowhere-7"]
    assert nowhere and nowhere[0].error_code == "RegionNotEnabled"


@pytest.mark.parametrize("code,expected", [
    ("AccessDenied", "AccessDenied"), ("ThrottlingException", "ThrottlingException"),
    ("OptInRequired", "OptInRequired"),
])
def test_client_errors_keep_their_code(code: str, expected: str) -> None:
    error = ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
                        "Op")
    assert classify(error).code == expected


def test_html_500_page_is_not_implemented() -> None:
    error = ClientError({"Error": {"Code": "500", "Message": "<!doctype html><title>500 Internal Server Error"},
                         "ResponseMetadata": {"HTTPStatusCode": 500}}, "Op")
    assert classify(error).code == "NotImplemented"


def _buggy_transform(value: object) -> object:
    return value["no such key"]  # type: ignore[index] - a parsing bug: the value is a list


def test_python_bug_in_a_spec_raises_under_strict(aws: None) -> None:
    """tests/conftest.py sets CLOUDWARDEN_STRICT=1: a spec's KeyError/TypeError fails the test run."""
    calls = [Call("ec2.vpcs", "ec2", "describe_vpcs", "Vpcs", paginate=True, transform=_buggy_transform)]
    with pytest.raises(TypeError):
        collect_snapshot(regions=["us-east-1"], calls=calls)


def test_python_bug_in_a_spec_is_logged_loudly_and_kept_as_a_gap(
        aws: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("CLOUDWARDEN_STRICT")
    calls = [Call("ec2.vpcs", "ec2", "describe_vpcs", "Vpcs", paginate=True, transform=_buggy_transform),
             Call("ec2.subnets", "ec2", "describe_subnets", "Subnets", paginate=True)]
    with caplog.at_level("ERROR", logger="cloudwarden.collect.runner"):
        snap = collect_snapshot(regions=["us-east-1"], calls=calls)
    assert [g.error_code for g in snap.gaps if g.dataset == "ec2.vpcs"] == ["UnexpectedTypeError"]
    assert snap.has("ec2.subnets", "us-east-1")  # the scan went on
    errors = [r for r in caplog.records if r.levelname == "ERROR" and "ec2.vpcs" in r.getMessage()]
    assert errors and errors[0].exc_info is not None  # with the traceback


def test_aws_errors_stay_gaps_under_strict(aws: None) -> None:
    calls = [Call("ec2.vpc", "ec2", "describe_vpcs", "Vpcs", params={"VpcIds": ["vpc-00000000"]})]
    snap = collect_snapshot(regions=["us-east-1"], calls=calls)
    assert [g.error_code for g in snap.gaps if g.dataset == "ec2.vpc"] == ["InvalidVpcID.NotFound"]
