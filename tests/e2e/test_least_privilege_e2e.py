"""A scan as a user holding exactly `cloudwarden permissions`' policy, with moto enforcing IAM.

moto authenticates and authorises requests once INITIAL_NO_AUTH_ACTION_COUNT requests have been
served (the variable is read when its server starts). The server starts with a count large
enough to plant the demo account and the scanning user, then `/moto-api/reset-auth` (moto's own
switch, the one its `set_initial_no_auth_action_count` decorator uses in server mode) turns
enforcement on for every request after that.

moto derives the action it checks from the request itself: `<signing name>:<operation>` for
every service but S3, which has its own table. Where that is not the real IAM action (CloudWatch
signs as `monitoring`; S3 Control's account-level public access block), moto denies a policy that
AWS would allow; those denials are moto's gaps, told apart below by computing moto's action.

Which name moto checks for S3 changes between its releases: 5.2.5 reads a table
(``s3:ListAllMyBuckets``, ``s3:ListBucket`` for a bucket's encryption), 5.2.6 checks
``s3:<Operation>`` (``s3:ListBuckets``), and a denied listing hides every bucket behind it. So each
user also holds a second statement granting, for the S3 operations cloudwarden calls, both names moto
may check where they differ from AWS's. The first statement, the printed policy, is the one judged:
with every name moto could check granted, any S3 denial left is the printed policy's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore.session
import pytest

from cloudwarden.cli import main
from cloudwarden.collect.aws import DENIED_CODES
from cloudwarden.demo.plan import Plan
from cloudwarden.demo.server import DEMO_CREDENTIALS, moto_server_process
from tests.helpers import scoped_env

SCANNER = "cloudwarden-scanner"


@pytest.fixture(scope="module")
def enforcing_moto() -> Iterator[str]:
    with scoped_env({"INITIAL_NO_AUTH_ACTION_COUNT": "1000000"}), moto_server_process() as url:
        yield url


def _policy() -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["permissions"]) == 0
    return out.getvalue()


# The control: a user whose policy lacks these must meet AccessDenied for them.
WITHHELD = ("s3:GetBucketVersioning", "iam:GetAccountSummary")


def _user(iam: object, name: str, policy: str) -> dict[str, str]:
    iam.create_user(UserName=name)  # type: ignore[attr-defined]
    iam.put_user_policy(UserName=name, PolicyName="cloudwarden-scan", PolicyDocument=policy)  # type: ignore[attr-defined]
    key = iam.create_access_key(UserName=name)["AccessKey"]  # type: ignore[attr-defined]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
            "AWS_DEFAULT_REGION": "us-east-1"}


def _moto_aliases(withheld: tuple[str, ...] = ()) -> dict[str, object]:
    """A statement granting moto's own names for each collected S3 operation where they are not AWS's."""
    from cloudwarden.collect.permissions import collected_operations, iam_action

    names = set()
    for service, operation in collected_operations():
        aws = iam_action(service, operation)
        if service != "s3" or aws is None or aws in withheld:
            continue
        names |= {moto for moto in (f"s3:{operation}", _moto_action_of(service, operation))
                  if moto != aws and moto not in withheld}
    return {"Sid": "MotoChecksOtherNames", "Effect": "Allow", "Action": sorted(names), "Resource": "*"}


@pytest.fixture(scope="module")
def users(enforcing_moto: str) -> dict[str, dict[str, str]]:
    from cloudwarden.demo.provision import provision

    policy = json.loads(_policy())
    short = json.loads(_policy())
    short["Statement"][0]["Action"] = [a for a in short["Statement"][0]["Action"] if a not in WITHHELD]
    policy["Statement"].append(_moto_aliases())
    short["Statement"].append(_moto_aliases(WITHHELD))
    with scoped_env(DEMO_CREDENTIALS):
        plan: Plan = provision(enforcing_moto)
        assert plan.expectations
        iam = boto3.client("iam", endpoint_url=enforcing_moto, region_name="us-east-1")
        keys = {"exact": _user(iam, SCANNER, json.dumps(policy)),
                "short": _user(iam, "cloudwarden-short", json.dumps(short))}
    request = urllib.request.Request(f"{enforcing_moto}/moto-api/reset-auth", data=b"0", method="POST",
                                     headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request, timeout=10).close()
    return keys


@pytest.fixture(scope="module")
def scanner_keys(users: dict[str, dict[str, str]]) -> dict[str, str]:
    return users["exact"]


def _scan(url: str, keys: dict[str, str], out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(keys)
    return subprocess.run([sys.executable, "-m", "cloudwarden", "scan", "--endpoint-url", url,
                           "--regions", "us-east-1", "--out", str(out), "--quiet", *extra],
                          capture_output=True, text=True, env=env, timeout=600)


# moto answers a bare HTTP 403 (no AWS error body) to CloudFront's REST-XML requests signed for the
# global endpoint, whatever the policy grants; the action granted is the Service Authorization
# Reference's own (cloudfront:ListDistributions), so this is moto's limit, not the policy's.
MOTO_REFUSES_ANYWAY = {"cloudfront:ListDistributions"}


def _moto_action(gap: dict[str, str]) -> str:
    """The action moto checked for a request: S3 from its own table, the rest `<signing name>:<op>`."""
    service, operation = gap["operation"].split(":", 1)
    return _moto_action_of(service, operation)


def _moto_action_of(service: str, operation: str) -> str:
    model = botocore.session.get_session().get_service_model(service)
    if service != "s3":
        return f"{model.signing_name}:{operation}"
    from moto.s3.responses import ACTION_MAP

    uri = model.operation_model(operation).http["requestUri"]
    query = uri.split("?", 1)[1].split("&")[0] if "?" in uri else ""
    table = ACTION_MAP["BUCKET"]["GET"] if "{Bucket}" in uri else {"DEFAULT": operation}
    return "s3:" + table.get(query, table["DEFAULT"])


def _protocol(gap: dict[str, str]) -> str:
    service = gap["operation"].split(":", 1)[0]
    return str(botocore.session.get_session().get_service_model(service).protocol)


def test_enforcement_is_on(enforcing_moto: str, scanner_keys: dict[str, str]) -> None:
    # A key that was never issued is refused: moto is checking requests, so the scan below is too.
    client = boto3.client("sts", endpoint_url=enforcing_moto, region_name="us-east-1",
                          aws_access_key_id="AKIANOTISSUED0000000", aws_secret_access_key="x")
    with pytest.raises(client.exceptions.ClientError):
        client.get_caller_identity()
    iam = boto3.client("iam", endpoint_url=enforcing_moto, region_name="us-east-1",
                       aws_access_key_id=scanner_keys["AWS_ACCESS_KEY_ID"],
                       aws_secret_access_key=scanner_keys["AWS_SECRET_ACCESS_KEY"])
    with pytest.raises(iam.exceptions.ClientError, match="AccessDenied"):
        iam.create_user(UserName="not-allowed")  # a write the policy does not grant


def test_scan_with_exactly_the_printed_policy_has_no_access_denied_gap(
        enforcing_moto: str, scanner_keys: dict[str, str], tmp_path: Path) -> None:
    result = _scan(enforcing_moto, scanner_keys, tmp_path / "report")
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    document = json.loads((tmp_path / "report" / "findings.json").read_text())
    gaps = document["gaps"]
    denied = [g for g in gaps if g["error_code"] in DENIED_CODES]
    assert denied or gaps, "no gap at all: was enforcement on?"
    # A denial is ours unless moto checked another action than the one the Service Authorization
    # Reference names for that operation (the one our policy grants).
    ours = [g for g in denied if g["operation"] not in MOTO_REFUSES_ANYWAY
            and (g["operation"].startswith("s3:") or _moto_action(g) == g["permission"])]
    assert not ours, [(g["operation"], g["error_code"], g["message"]) for g in ours]
    moto_checked = sorted({f"{g['operation']} -> moto checks {_moto_action(g)}, AWS {g['permission']}"
                           for g in denied})
    # moto cannot recompute the signature of REST-JSON requests: authentication, not our policy.
    unsigned = [g for g in gaps if g["error_code"] == "SignatureDoesNotMatch"]
    assert {_protocol(g) for g in unsigned} <= {"rest-json"}, unsigned
    print("moto's own gaps:", *moto_checked, sorted({g["operation"] for g in unsigned}), sep="\n  ")
    findings = document["findings"]
    assert any(f["status"] == "FAIL" for f in findings)
    # What the first user met: every S3 and EFS check UNKNOWN with "grant s3:ListBuckets".
    hints = [f["message"] for f in findings if "grant s3:ListBuckets" in f["message"] or "grant efs:" in f["message"]]
    assert not hints, hints[:3]
    buckets = [f for f in findings if f["check_id"] in ("s3.bucket_versioning_enabled", "s3.bucket_ssl_required")]
    assert buckets and all(f["status"] in ("PASS", "FAIL") for f in buckets), buckets


def test_a_policy_missing_an_action_meets_access_denied(
        enforcing_moto: str, users: dict[str, dict[str, str]], tmp_path: Path) -> None:
    result = _scan(enforcing_moto, users["short"], tmp_path / "report")
    assert result.returncode in (0, 1), result.stderr
    gaps = json.loads((tmp_path / "report" / "findings.json").read_text())["gaps"]
    denied = {g["permission"] for g in gaps if g["error_code"] in DENIED_CODES}
    assert set(WITHHELD) <= denied, denied
    assert "grant iam:GetAccountSummary" in result.stderr or "iam:GetAccountSummary" in result.stderr
