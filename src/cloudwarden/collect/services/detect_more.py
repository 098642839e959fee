"""Detective-control reads for the organization-wide and investigation checks: Config aggregators,
Amazon Inspector's account status, Amazon Detective's behaviour graphs.

All regional. Detective has no moto backend: against moto its read is a gap, so the check says UNKNOWN.
"""

from __future__ import annotations

from cloudwarden.collect.spec import Call

SPECS = [
    Call("config.aggregators", "config", "describe_configuration_aggregators", "ConfigurationAggregators",
         paginate=True),
    # Without accountIds the call answers for the caller's own account.
    Call("inspector2.account_status", "inspector2", "batch_get_account_status", "accounts"),
    # One behaviour graph per region at most; the operation has no paginator.
    Call("detective.graphs", "detective", "list_graphs", "GraphList"),
]
