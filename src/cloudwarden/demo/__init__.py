"""`cloudwarden demo`: an embedded moto server, a deliberately vulnerable account, a normal scan.

The scan goes through the same path as `cloudwarden scan --endpoint-url` (real boto3 over HTTP),
then every planted weakness is checked to be FAIL and every compliant twin PASS.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from cloudwarden.assess import Assessment, assess
from cloudwarden.collect import collect_snapshot
from cloudwarden.core.enums import Status
from cloudwarden.core.errors import CollectionError
from cloudwarden.core.findings import Finding
from cloudwarden.demo.plan import DEMO_REGIONS, Expectation, Plan
from cloudwarden.demo.server import embedded_moto, use_demo_credentials
from cloudwarden.inventory.snapshot import Snapshot

ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Verdict:
    expectation: Expectation
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return bool(self.findings) and all(f.status is self.expectation.status for f in self.findings)

    def describe(self) -> str:
        exp = self.expectation
        got = ", ".join(sorted({f.status.value for f in self.findings})) or "no finding"
        where = f" [{exp.region}]" if exp.region else ""
        return f"{exp.check_id}{where} {exp.token or '(account)'}: expected {exp.status.value}, got {got} — {exp.what}"


@dataclass
class DemoRun:
    plan: Plan
    snapshot: Snapshot
    assessment: Assessment
    verdicts: list[Verdict]

    @property
    def weaknesses(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.expectation.status is Status.FAIL]

    @property
    def counterparts(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.expectation.status is Status.PASS]


def run(progress: ProgressFn | None = None, log: Callable[[str], None] | None = None) -> DemoRun:
    say = log or (lambda text: sys.stderr.write(text + "\n"))
    use_demo_credentials()
    with embedded_moto() as endpoint:
        say(f"demo: moto server on {endpoint}; provisioning a deliberately vulnerable account "
            f"in {', '.join(DEMO_REGIONS)} …")
        from cloudwarden.demo.provision import provision

        try:
            plan = provision(endpoint)
        except ClientError as error:
            raise CollectionError(f"provisioning the demo account failed: {error}",
                                  hint="this is a bug in the demo or in moto: please report it") from None
        say(f"demo: planted {sum(e.status is Status.FAIL for e in plan.expectations)} weaknesses and "
            f"{sum(e.status is Status.PASS for e in plan.expectations)} compliant twins; scanning …")
        snapshot = collect_snapshot(regions=list(DEMO_REGIONS), endpoint_url=endpoint, progress=progress)
    assessment = assess(snapshot)
    return DemoRun(plan, snapshot, assessment, verify(plan.expectations, assessment.findings))


def verify(expectations: list[Expectation], findings: list[Finding]) -> list[Verdict]:
    by_check: dict[str, list[Finding]] = {}
    for finding in findings:
        by_check.setdefault(finding.check_id, []).append(finding)
    verdicts = []
    for exp in expectations:
        matching = [f for f in by_check.get(exp.check_id, [])
                    if (exp.region is None or f.region == exp.region)
                    and (not exp.token or exp.token in f.resource_id or exp.token in f.resource_arn
                         or exp.token in f.message)]
        verdicts.append(Verdict(exp, matching))
    return verdicts
