"""Suppression rules: matching, expiry, stale rules, Prowler's mutelist, and malformed files."""

from __future__ import annotations

from datetime import date

import pytest

from cloudwarden.checks.registry import catalog
from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.errors import InputError
from cloudwarden.core.findings import Finding
from cloudwarden.suppress import apply_rules, parse_rules
from cloudwarden.suppress.loader import prowler_aliases

TODAY = date(2026, 12, 1)


def finding(check_id: str, resource_id: str, status: Status = Status.FAIL, region: str = "us-east-1",
            arn: str = "", account: str = "111122223333") -> Finding:
    return Finding(check_id=check_id, title="t", area=Area.INF, severity=Severity.HIGH, status=status,
                   account_id=account, region=region, resource_type="AWS::EC2::SecurityGroup",
                   resource_id=resource_id, resource_arn=arn, message="open")


FINDINGS = [
    finding("ec2.sg_no_ssh_from_internet", "sg-1", arn="arn:aws:ec2:us-east-1:111122223333:security-group/sg-1"),
    finding("ec2.sg_no_ssh_from_internet", "sg-2", region="eu-west-1"),
    finding("s3.bucket_no_public_read", "public-site"),
    finding("s3.bucket_no_public_read", "private-data", status=Status.PASS),
    finding("iam.root_mfa_enabled", "111122223333", status=Status.UNKNOWN),
]
TAGS = {"sg-1": {"env": "sandbox", "team": "web"}, "public-site": {"env": "prod"}}


def statuses(outcome_findings: list[Finding]) -> dict[tuple[str, str], str]:
    return {(f.check_id, f.resource_id): f.status.value for f in outcome_findings}


def test_pass_rules_mute_failures_by_check_glob_resource_region_and_tag() -> None:
    rules = parse_rules("""
suppressions:
  - id: sandbox-ssh
    check: "ec2.sg_*"
    tags: {env: sand*}
    reason: sandbox VPC, no instances
    owner: platform@example.com
    expires: 2026-12-31
  - id: website
    resource: "arn:aws:s3:::public-*"
    checks: [s3.bucket_no_public_read]
    reason: static website
    owner: web-team
  - id: site-by-id
    resource: public-*
    region: us-east-1
    reason: same bucket by id
    owner: web-team
""")
    outcome = apply_rules(FINDINGS, rules, TAGS, TODAY)
    result = statuses(outcome.findings)
    assert result[("ec2.sg_no_ssh_from_internet", "sg-1")] == "MUTED"
    assert result[("ec2.sg_no_ssh_from_internet", "sg-2")] == "FAIL"  # untagged: not matched
    assert result[("s3.bucket_no_public_read", "public-site")] == "MUTED"
    assert result[("s3.bucket_no_public_read", "private-data")] == "PASS"
    assert result[("iam.root_mfa_enabled", "111122223333")] == "UNKNOWN"  # gaps are never muted
    muted = next(f for f in outcome.findings if f.resource_id == "sg-1")
    assert muted.suppression == {"rule": "sandbox-ssh", "reason": "sandbox VPC, no instances",
                                 "owner": "platform@example.com", "expires": "2026-12-31",
                                 "original_status": "FAIL"}
    section = outcome.to_dict()
    assert section["muted"] == 2
    # The ARN rule cannot match a finding without an ARN; the id rule mutes it, and the ARN rule is stale.
    assert [r["id"] for r in section["stale"]] == ["website"]
    assert {r["id"]: r["muted"] for r in section["rules"]} == {"sandbox-ssh": 1, "website": 0, "site-by-id": 1}


def test_pass_expired_rule_stops_applying_and_unused_rule_is_stale() -> None:
    rules = parse_rules("""
suppressions:
  - id: old-exception
    check: ec2.sg_no_ssh_from_internet
    reason: migration
    owner: ops
    expires: 2026-11-30
  - id: nothing-matches
    resource: sg-does-not-exist
    reason: removed long ago
    owner: ops
""")
    outcome = apply_rules(FINDINGS, rules, TAGS, TODAY)
    assert all(f.status is not Status.MUTED for f in outcome.findings)
    section = outcome.to_dict()
    assert [r["id"] for r in section["expired"]] == ["old-exception"]
    assert section["expired"][0]["expires"] == "2026-11-30"
    assert [r["id"] for r in section["stale"]] == ["nothing-matches"]
    # The expiry day itself still applies.
    assert apply_rules(FINDINGS, rules, TAGS, date(2026, 11, 30)).to_dict()["muted"] == 2


def test_pass_account_matcher() -> None:
    rules = parse_rules("suppressions:\n  - account: '9999*'\n    reason: r\n    owner: o\n")
    assert apply_rules(FINDINGS, rules, TAGS, TODAY).to_dict()["muted"] == 0
    rules = parse_rules("suppressions:\n  - account: '1111*'\n    reason: r\n    owner: o\n")
    assert apply_rules(FINDINGS, rules, TAGS, TODAY).to_dict()["muted"] == 3


PROWLER = """
Mutelist:
  Accounts:
    "111122223333":
      Checks:
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22":
          Regions: ["*"]
          Resources: ["sg-.*"]
          Description: "bastion groups, reviewed quarterly"
          Exceptions:
            Accounts: []
            Regions: ["eu-west-1"]
            Resources: []
            Tags: []
    "*":
      Checks:
        "s3_*":
          Regions: ["us-east-1"]
          Resources: ["*"]
          Tags: ["env=prod|env=stage"]
"""


def test_pass_prowler_mutelist_maps_prowler_check_ids_through_the_catalogue() -> None:
    aliases = prowler_aliases(catalog())
    assert "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22" in aliases["ec2.sg_no_ssh_from_internet"]
    rules = parse_rules(PROWLER, prowler_ids=aliases)
    outcome = apply_rules(FINDINGS, rules, TAGS, TODAY)
    result = statuses(outcome.findings)
    assert result[("ec2.sg_no_ssh_from_internet", "sg-1")] == "MUTED"
    assert result[("ec2.sg_no_ssh_from_internet", "sg-2")] == "FAIL"  # excepted region
    assert result[("s3.bucket_no_public_read", "public-site")] == "MUTED"  # env=prod via the alternation
    muted = next(f for f in outcome.findings if f.resource_id == "sg-1")
    assert muted.suppression is not None and muted.suppression["reason"] == "bastion groups, reviewed quarterly"


@pytest.mark.parametrize(("text", "line", "words"), [
    ("suppressions:\n  - check: a\n    reason: r\n", 2, "owner"),
    ("suppressions:\n  - check: a\n    owner: o\n", 2, "reason"),
    ("suppressions:\n  - check: a\n    reason: r\n    owner: o\n    expires: next week\n", 5, "not a date"),
    ("suppressions:\n  - check: a\n    reason: r\n    owner: o\n    reson: typo\n", 5, "unknown key 'reson'"),
    ("suppressions:\n  - reason: r\n    owner: o\n", 2, "matches nothing"),
    ("suppressions:\n  - check: [a\n    reason: r\n", 3, "not valid YAML"),
    ("suppressions:\n  - check: a\n    reason: r\n    owner: o\n  - check: b\n\treason: r\n", 6, "not valid YAML"),
    ("suppressions:\n  - id: x\n    check: a\n    reason: r\n    owner: o\n  - id: x\n    check: b\n    reason: r\n"
     "    owner: o\n", 6, "used twice"),
    ("Mutelist:\n  Accounts:\n    '*':\n      Checks:\n        s3_x:\n          Resources: ['(']\n"
     "          Regions: ['*']\n", 6, "regular expression"),
    ("Mutelist:\n  Accounts:\n    '*':\n      Checks:\n        s3_x:\n          Regions: ['*']\n", 6,
     "needs `Regions:` and `Resources:`"),
    ("rules:\n  - check: a\n", 1, "unknown top-level key"),
])
def test_fail_malformed_file_names_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_rules(text, "s.yaml")
    assert f"s.yaml, line {line}:" in raised.value.message, raised.value.message
    assert words in raised.value.message
    assert raised.value.hint
