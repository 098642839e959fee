"""`cloudwarden report --redact`: account ids, ARNs, access-key ids and IPs masked in every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.assess import assess
from cloudwarden.cli import main
from cloudwarden.core.redact import IdentifierRedactor
from cloudwarden.report import reporters, write_findings
from tests.checks.cases import ACCOUNT, Regional, snapshot_with

ADDRESS, KEY_ID, ROLE = "203.0.113.7", "AKIAIOSFODNN7EXAMPLE", "arn:aws:iam::444455556666:role/Deployer"


def test_redactor_is_consistent_and_keeps_what_names_no_one() -> None:
    redact = IdentifierRedactor()
    text = redact(f"{ROLE} {ROLE} {ADDRESS} 198.51.100.1 {ADDRESS} {KEY_ID} {ACCOUNT} 0.0.0.0/0 "
                  "arn:aws:iam::aws:policy/ReadOnlyAccess 2001:db8::1 at 12:30:00")
    assert text.split() == [
        "arn:aws:iam::account-1:role/resource-1", "arn:aws:iam::account-1:role/resource-1", "ip-1", "ip-2", "ip-1",
        "key-1", "account-2", "0.0.0.0/0", "arn:aws:iam::aws:policy/resource-2", "ip-3", "at", "12:30:00"]
    # The same redactor over a second text keeps the placeholders of the first.
    assert redact(f"{ACCOUNT} {ADDRESS}") == "account-2 ip-1"


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    snapshot = snapshot_with({
        "iam.account_summary": {"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1},
        "ec2.security_groups": Regional({"us-east-1": [{
            "GroupId": "sg-0123", "GroupName": f"ops {ADDRESS} {KEY_ID} {ROLE}", "VpcId": "vpc-1",
            "OwnerId": ACCOUNT, "Description": ROLE,
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                               "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
            "IpPermissionsEgress": []}]}),
    })
    return write_findings(assess(snapshot), tmp_path_factory.mktemp("findings"))


@pytest.mark.parametrize("name", sorted(reporters()))
def test_every_format_is_redacted(findings: Path, tmp_path: Path, name: str) -> None:
    plain = (findings.parent / "plain")
    assert main(["report", str(findings), "--format", name, "--out", str(plain)]) == 0
    assert main(["report", str(findings), "--format", name, "--out", str(tmp_path), "--redact"]) == 0
    [target] = [p for p in tmp_path.iterdir() if p.is_file()]
    original, text = (plain / target.name).read_text(), target.read_text()
    assert ACCOUNT in original  # the plain report names the account, so the redacted one has work to do
    for secret in (ACCOUNT, "444455556666", ADDRESS, KEY_ID, "Deployer"):
        assert secret not in text, f"{name}: {secret} left in {target.name}"
    assert "account-1" in text
    if name in ("json", "sarif", "asff", "ocsf"):
        json.loads(text)  # still a document of its format


def test_redact_without_out_never_overwrites_the_findings_folder(findings: Path) -> None:
    assert main(["report", str(findings), "--format", "all", "--redact"]) == 2
