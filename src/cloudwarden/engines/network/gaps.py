"""Which missing data a reachability verdict depends on: a gap that could hide a path is never a PASS.

`verdict_gap(model, resource_type, resource_id)` returns the reason the verdict "not reachable" for
that resource cannot be trusted ("" when it can): a security group of the resource admits a prefix
list whose entries were not collected, or (RDS) the subnets of its DB subnet group are missing.
"""

from __future__ import annotations

from cloudwarden.engines.network.model import NetworkModel


def _groups_of(model: NetworkModel, resource_type: str, resource_id: str) -> list[str]:
    if resource_type == "rds_instance":
        db = model.db_instances.get(resource_id)
        return list(db.group_ids) if db else []
    groups: list[str] = []
    for interface in model.interfaces.values():
        if interface.instance_id == resource_id or interface.id == resource_id:
            groups.extend(interface.group_ids)
    return groups


def _prefix_list_gap(model: NetworkModel, group_ids: list[str]) -> str:
    unresolved = model.unresolved_prefix_lists
    if not unresolved:
        return ""
    for group_id in group_ids:
        group = model.security_groups.get(group_id)
        for rule in group.ingress if group else []:
            for list_id in rule.prefix_lists:
                reason = unresolved.get(list_id) or unresolved.get("*")
                if reason:
                    return f"security group {group_id} admits prefix list {list_id}, whose entries are unknown: {reason}"
    return ""


# What each kind of verdict rests on besides the required datasets.
_RESTS_ON = {
    "load_balancer": ("elbv2.load_balancers", "elbv2.listeners", "elbv2.target_groups", "elbv2.target_health",
                      "elb.load_balancers"),
    "data_tier": ("ec2.instances", "rds.db_instances"),
}


def verdict_gap(model: NetworkModel, resource_type: str, resource_id: str) -> str:
    """Why "not reachable" cannot be concluded for this resource from the model; "" if it can.

    resource_type: "ec2_instance", "rds_instance", "load_balancer" (no forward to an admin port),
    "data_tier" (no lateral path into a data host)."""
    for dataset in _RESTS_ON.get(resource_type, ()):
        if dataset in model.gapped:
            return f"{dataset} was not read: {model.gapped[dataset]}"
    found = _prefix_list_gap(model, _groups_of(model, resource_type, resource_id))
    if found:
        return found
    if resource_type == "rds_instance":
        db = model.db_instances.get(resource_id)
        # a database that is not publicly accessible has no public address, whatever its subnets
        if db is not None and db.publicly_accessible:
            if not db.subnet_ids:
                return "the subnets of its DB subnet group are not in the snapshot"
            missing = [s for s in db.subnet_ids if s not in model.subnets]
            if missing:
                return f"subnet(s) {', '.join(missing)} of its DB subnet group are not in the snapshot"
    return ""
