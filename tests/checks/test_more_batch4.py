"""PASS and FAIL cases for rds.event_subscriptions_critical."""

from __future__ import annotations

import pytest

from tests.checks.cases import Case, assert_case
from tests.checks.test_ec2 import here


def sub(source: str, *categories: str, enabled: bool = True, ids: tuple[str, ...] = ()) -> dict[str, object]:
    return {"CustSubscriptionId": source or "all", "SourceType": source, "Enabled": enabled,
            "EventCategoriesList": list(categories), "SourceIdsList": list(ids)}


FULL = [sub("db-instance", "maintenance", "configuration change", "failure"), sub("db-cluster"),
        sub("db-parameter-group", "maintenance", "configuration change"), sub("db-security-group")]

CASES: list[Case] = [
    here("pass-all-covered", "rds.event_subscriptions_critical", {"rds.event_subscriptions": FULL}),
    here("pass-one-catch-all", "rds.event_subscriptions_critical", {"rds.event_subscriptions": [sub("")]}),
    here("fail-none", "rds.event_subscriptions_critical", {"rds.event_subscriptions": []},
         message="db-instance: failure"),
    here("fail-disabled", "rds.event_subscriptions_critical",
         {"rds.event_subscriptions": [sub("", enabled=False)]}),
    here("fail-named-sources-only", "rds.event_subscriptions_critical",
         {"rds.event_subscriptions": [*FULL[1:], sub("db-instance", ids=("db1",))]},
         message="db-instance: maintenance"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
