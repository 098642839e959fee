"""The organization helpers that need no AWS: the shared request rate limit and account selection."""

from __future__ import annotations

import threading
import time

import pytest

from cloudwarden.collect.organization import OrgAccount, RateLimiter, select
from cloudwarden.core.errors import UsageError


def test_rate_limiter_paces_requests_across_threads() -> None:
    limiter = RateLimiter(50.0)  # 50 a second: 40 requests need at least 0.78 s
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: [limiter.wait() for _ in range(10)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started >= 39 / 50 - 0.01


def test_select_skips_excluded_and_inactive_accounts_and_refuses_unknown_ones() -> None:
    accounts = [OrgAccount("111111111111", "prod", "p@x", "ACTIVE", "Root/Prod"),
                OrgAccount("222222222222", "old", "o@x", "SUSPENDED", "Root"),
                OrgAccount("333333333333", "dev", "d@x", "ACTIVE", "Root/Dev")]
    chosen, skipped = select(accounts, None, ["dev"])
    assert [a.id for a in chosen] == ["111111111111"]
    assert [(a.id, why) for a, why in skipped] == [("222222222222", "account status SUSPENDED"),
                                                   ("333333333333", "excluded (--exclude)")]
    chosen, skipped = select(accounts, ["333333333333"], None)
    assert [a.id for a in chosen] == ["333333333333"] and skipped == []
    with pytest.raises(UsageError, match="999999999999"):
        select(accounts, ["999999999999"], None)
