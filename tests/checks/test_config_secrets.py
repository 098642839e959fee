"""PASS and FAIL cases for secrets left in user data, launch templates and stack outputs.

The data is what the collector stores: markers from collect/secrets.py, never the values.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from cloudwarden.collect.secrets import redact
from tests.checks.cases import Case, Regional, assert_case

REGION = "us-east-1"
LEAKY = "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"
CLEAN = "#!/bin/bash\nyum install -y nginx\n"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def instances(user_data: str, template: str = CLEAN) -> dict[str, Any]:
    return {
        "ec2.instances": Regional({REGION: [{"InstanceId": "i-1", "State": {"Name": "running"}}]}),
        "ec2.instance_user_data": Regional({REGION: {"i-1": redact({"UserData": {"Value": _b64(user_data)}})["UserData"]}}),
        "ec2.launch_template_versions": Regional({REGION: redact([
            {"LaunchTemplateId": "lt-1", "VersionNumber": 1, "LaunchTemplateData": {"UserData": _b64(template)}}])}),
    }


def stacks(value: str) -> dict[str, Any]:
    return {"cloudformation.stacks": Regional({REGION: redact([
        {"StackName": "app", "StackId": "arn:aws:cloudformation:us-east-1:1:stack/app/x",
         "Parameters": [{"ParameterKey": "DbPassword", "ParameterValue": "****"}],
         "Outputs": [{"OutputKey": "Token", "OutputValue": value}]}])})}


CASES = [
    Case("pass-clean-user-data", "ec2.user_data_no_secrets", instances(CLEAN), resource="i-1", regions=(REGION,)),
    Case("fail-access-key-in-user-data", "ec2.user_data_no_secrets", instances(LEAKY), resource="i-1",
         message="AWS Access Key (AKIA…PLE) in UserData", regions=(REGION,)),
    Case("fail-access-key-in-template", "ec2.user_data_no_secrets", instances(CLEAN, LEAKY), resource="lt-1 v1",
         message="LaunchTemplateData.UserData line 2", regions=(REGION,)),
    Case("pass-url-output", "cloudformation.outputs_no_secrets", stacks("https://app.example.com"), regions=(REGION,)),
    Case("fail-token-output", "cloudformation.outputs_no_secrets",
         stacks("ghp_1234567890abcdefghijklmnopqrstuvwxyz12"), message="GitHub Token", regions=(REGION,)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_no_value_is_in_the_finding() -> None:
    from tests.checks.cases import findings_for

    findings = findings_for(CASES[1])
    assert findings and all("AKIAIOSFODNN7EXAMPLE" not in f.message for f in findings)
