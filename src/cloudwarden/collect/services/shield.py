"""Shield Advanced: the subscription and the protected resources; CloudFront distributions (global)."""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.spec import Call


def fetch_distributions(client: Any, _params: dict[str, Any]) -> list[Any]:
    """Every distribution summary: the paginator nests them under DistributionList.Items."""
    items: list[Any] = []
    for page in client.get_paginator("list_distributions").paginate():
        items.extend((page.get("DistributionList") or {}).get("Items") or [])
    return items


SPECS = [
    Call("shield.subscription_state", "shield", "get_subscription_state", "SubscriptionState", scope="global"),
    Call("shield.protections", "shield", "list_protections", "Protections", scope="global", paginate=True,
         absent_codes=("ResourceNotFoundException",)),
    Call("cloudfront.distributions", "cloudfront", "list_distributions", scope="global",
         fetch=fetch_distributions),
]
