"""The demo plan: what was planted, and the verdict the scan must give on each.

Every weakness is planted with the check that must FAIL on it; wherever a compliant twin makes
sense one is planted too, and its check must PASS: the demo doubles as a false-positive test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3

from cloudwarden.core.enums import Status

PRIMARY, SECONDARY = "us-east-1", "eu-west-1"
DEMO_REGIONS = [PRIMARY, SECONDARY]
FOREIGN_ACCOUNT = "999988887777"


@dataclass(frozen=True)
class Expectation:
    check_id: str
    token: str  # found in the finding's resource id, ARN or message; "" = every finding of the check
    status: Status
    region: str | None = None
    what: str = ""


@dataclass
class Plan:
    endpoint: str
    expectations: list[Expectation] = field(default_factory=list)
    # Ids of resources one planting step makes and a later one uses (VPC, subnet, groups).
    shared: dict[str, str] = field(default_factory=dict)

    def client(self, service: str, region: str = PRIMARY) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=self.endpoint)

    def weak(self, check_id: str, token: str, what: str, region: str | None = None) -> None:
        self.expectations.append(Expectation(check_id, token, Status.FAIL, region, what))

    def good(self, check_id: str, token: str, what: str, region: str | None = None) -> None:
        self.expectations.append(Expectation(check_id, token, Status.PASS, region, what))


def policy_json(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
