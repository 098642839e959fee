"""Secret-bearing values are replaced by markers before they reach a snapshot."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile

import boto3
from moto import mock_aws

from cloudwarden.collect import collect_snapshot
from cloudwarden.collect.secrets import find_secrets, key_fingerprint, redact
from cloudwarden.collect.services import all_calls
from cloudwarden.inventory.redacted import is_marker, secrets_in
from tests.helpers import scoped_env

CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
USER_DATA = f"#!/bin/bash\nexport AWS_ACCESS_KEY_ID={KEY_ID}\necho start\n"


def test_user_data_is_decoded_scanned_and_replaced() -> None:
    data = {"LaunchTemplateData": {"UserData": base64.b64encode(USER_DATA.encode()).decode()}}
    redact(data)
    value = data["LaunchTemplateData"]["UserData"]
    assert is_marker(value)
    assert KEY_ID not in json.dumps(data)
    found = secrets_in(data)
    assert found == [{"type": "AWS Access Key", "excerpt": "AKIA…PLE", "line": 2,
                      "path": "LaunchTemplateData.UserData", "key_id_sha256": key_fingerprint(KEY_ID)}]
    assert found[0]["key_id_sha256"] == hashlib.sha256(KEY_ID.encode()).hexdigest()[:16]


def test_environment_parameters_outputs_and_ssm_values() -> None:
    data = {
        "Environment": {"Variables": {"DB_PASSWORD": "Tr0ub4dor&3horse", "STAGE": "prod"}},
        "Parameters": [{"ParameterKey": "AdminPassword", "ParameterValue": "****"},
                       {"ParameterKey": "ApiToken", "ParameterValue": "ghp_1234567890abcdefghijklmnopqrstuvwxyz12"}],
        "Outputs": [{"OutputKey": "Url", "OutputValue": "https://example.com"}],
        "containerDefinitions": [{"environment": [{"name": "SECRET_KEY", "value": "not-in-clear-9271"}]}],
        "Parameter": {"Name": "/app/key", "Type": "SecureString", "Value": "AQICAHh..."},
    }
    redact(data)
    text = json.dumps(data)
    for clear in ("Tr0ub4dor&3horse", "prod", "ghp_1234567890", "https://example.com", "not-in-clear-9271", "AQICAHh"):
        assert clear not in text
    assert data["Parameters"][0]["ParameterValue"] == "****"  # NoEcho: already masked by AWS
    types = {(s["path"], s["type"]) for s in secrets_in(data)}
    assert ("Environment.Variables.DB_PASSWORD", "Secret Keyword") in types
    assert ("Parameters[1].ParameterValue", "GitHub Token") in types
    assert ("containerDefinitions[0].environment[0].value", "Secret Keyword") in types
    token = [s for s in secrets_in(data) if s["type"] == "GitHub Token"][0]
    assert token["excerpt"] == "ghp_…z12"
    assert not any(path.startswith("Outputs") for path, _ in types)  # a URL is not a secret


def test_no_secret_no_false_alarm() -> None:
    assert find_secrets("#!/bin/bash\nyum install -y httpd\nsystemctl start httpd\n") == []


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(e, c):\n    return 1\n")
    return buffer.getvalue()


def test_a_collected_snapshot_holds_no_secret_in_clear() -> None:
    with scoped_env(CREDS), mock_aws():
        ec2 = boto3.client("ec2")
        ec2.create_launch_template(LaunchTemplateName="app", LaunchTemplateData={
            "ImageId": "ami-12c6146b", "UserData": base64.b64encode(USER_DATA.encode()).decode()})
        role = boto3.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        boto3.client("lambda").create_function(
            FunctionName="fn", Runtime="python3.12", Role=role, Handler="handler.handler",
            Code={"ZipFile": _zip()}, Environment={"Variables": {"DB_PASSWORD": "Tr0ub4dor&3horse"}})
        calls = [c for c in all_calls() if c.dataset.startswith(("ec2.launch_template", "lambda.functions"))]
        snapshot = collect_snapshot(regions=["us-east-1"], calls=calls)
    text = json.dumps(snapshot.to_dict())
    assert KEY_ID not in text and "Tr0ub4dor&3horse" not in text
    versions = snapshot.get("ec2.launch_template_versions", "us-east-1")
    functions = snapshot.get("lambda.functions", "us-east-1")
    assert {s["type"] for s in secrets_in(versions)} == {"AWS Access Key"}
    assert [(s["type"], s["excerpt"]) for s in secrets_in(functions)] == [("Secret Keyword", "Tr0u…rse")]


def test_scans_from_several_threads_at_once_do_not_race() -> None:
    """The collector redacts from worker threads; detect-secrets' settings are process-wide, and
    without taking turns its cache_bust raised "dictionary changed size during iteration"."""
    import threading

    errors: list[str] = []
    found: list[int] = []

    def scan() -> None:
        try:
            for _ in range(200):
                found.append(len(find_secrets("PASSWORD=plain-value-001-x9\naws_secret=AKIAIOSFODNN7EXAMPLE")))
        except RuntimeError as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:1]
    assert len(found) == 800 and len(set(found)) == 1 and found[0] >= 1
