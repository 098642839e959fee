"""Provisions the deliberately vulnerable demo account, and says what the scan must find.

Every weakness is planted with the check that must FAIL on it; wherever a compliant twin makes
sense one is planted too, and its check must PASS: the demo doubles as a false-positive test.
"""

from __future__ import annotations

from cloudwarden.demo import plant_controls, plant_data, plant_edge, plant_iam, plant_infra, plant_recovery
from cloudwarden.demo.plan import Plan


def provision(endpoint: str) -> Plan:
    plan = Plan(endpoint)
    for step in (plant_iam.iam, plant_data.s3, plant_infra.network, plant_infra.compute, plant_edge.edge,
                 plant_data.detective, plant_data.data, plant_iam.response,
                 plant_recovery.recovery, plant_controls.controls):
        step(plan)
    return plan
