"""A large, varied assessment for scale tests and the HTML bench: every registered check, many
resources over several regions and accounts, every status, with a few gaps."""

from __future__ import annotations

import random

from cloudwarden.assess import Assessment
from cloudwarden.checks.registry import load_all_checks
from cloudwarden.core.enums import Status
from cloudwarden.core.findings import Finding
from cloudwarden.inventory.snapshot import Gap

REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "global")
ACCOUNTS = ("111122223333", "444455556666", "777788889999")


def synthetic_assessment(total: int, seed: int = 11) -> Assessment:
    rng = random.Random(seed)
    metas = [c.meta for _, c in sorted(load_all_checks().items())]
    findings = []
    for n in range(total):
        meta = metas[n % len(metas)]
        status = rng.choices([Status.FAIL, Status.PASS, Status.UNKNOWN, Status.ERROR], [40, 50, 9, 1])[0]
        region, account = rng.choice(REGIONS), rng.choice(ACCOUNTS)
        resource = f"{meta.resource_type.split('::')[-1].lower()}-{n:06d}"
        message = {Status.FAIL: f"{resource} fails: observed setting {rng.randint(0, 999)} differs from the baseline",
                   Status.PASS: f"{resource} is compliant",
                   Status.UNKNOWN: f"not evaluated: dataset {meta.datasets[0] if meta.datasets else 'x'} was not "
                                   f"collected in {region}",
                   Status.ERROR: "the check raised KeyError: 'Name'"}[status]
        findings.append(Finding(
            check_id=meta.id, title=meta.title, area=meta.area, severity=meta.severity, status=status,
            account_id=account, region=region, resource_type=meta.resource_type, resource_id=resource,
            resource_arn=f"arn:aws:{meta.id.split('.')[0]}:{region}:{account}:{resource}", message=message,
            remediation=meta.remediation, compliance=meta.compliance))
    gaps = [Gap(dataset="ec2.instances", service="ec2", operation="DescribeInstances", region=r,
                error_code="UnauthorizedOperation", message="not authorized", permission="ec2:DescribeInstances")
            for r in REGIONS[:3]]
    return Assessment(account_id=ACCOUNTS[0], collected_at="2026-12-01T09:00:00+00:00", regions=list(REGIONS[:-1]),
                      findings=findings, checks_run=[m.id for m in metas], gaps=len(gaps),
                      check_meta={m.id: m for m in metas}, collection_gaps=gaps)
