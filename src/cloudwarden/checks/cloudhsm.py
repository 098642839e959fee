"""CloudHSM v2 clusters: HSMs in two or more AZs, backups retained and recent, a closed security group.

Reads `cloudhsm.clusters`, `cloudhsm.backups` (collect/services/connectivity.py) and ec2.security_groups.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.net import OPEN_TO_ALL
from cloudwarden.core.settings import DEFAULT_THRESHOLDS
from cloudwarden.inventory.views.ec2 import Ec2View

CLUSTERS, BACKUPS, GROUPS = "cloudhsm.clusters", "cloudhsm.backups", "ec2.security_groups"
RESOURCE = "AWS::CloudHSM::Cluster"
DOC = "https://docs.aws.amazon.com/cloudhsm/latest/userguide/"
RECENT_BACKUP_DAYS = DEFAULT_THRESHOLDS.cloudhsm_recent_backup_days  # in force: ctx.thresholds


def _clusters(ctx: CheckContext) -> Iterator[tuple[str, dict[str, Any]]]:
    for region, cluster in ctx.each(CLUSTERS):
        if cluster.get("State") not in ("DELETED", "DELETE_IN_PROGRESS"):
            yield region, cluster


def _result(ok: bool, cluster: dict[str, Any], message: str, region: str) -> Result:
    return verdict(ok, str(cluster["ClusterId"]), message, region, resource_type=RESOURCE)


@check("cloudhsm.cluster_multi_az", resource_type=RESOURCE, datasets=[CLUSTERS],
       fix="Add an HSM in a second Availability Zone so that keys stay available when one zone fails.",
       cli="aws cloudhsmv2 create-hsm --cluster-id <CLUSTER_ID> --availability-zone <SECOND_AZ>",
       doc=DOC + "best-practices.html")
def cluster_multi_az(ctx: CheckContext) -> Iterator[Result]:
    for region, cluster in _clusters(ctx):
        zones = sorted({str(h.get("AvailabilityZone")) for h in cluster.get("Hsms") or []})
        yield _result(len(zones) >= 2, cluster, f"HSMs in {len(zones)} AZ(s): {', '.join(zones) or 'none'}", region)


@check("cloudhsm.backup_retention", resource_type=RESOURCE, datasets=[CLUSTERS, BACKUPS],
       fix="Set a backup retention policy on the cluster and keep a running HSM so daily backups are taken.",
       cli="aws cloudhsmv2 modify-cluster --cluster-id <CLUSTER_ID> --backup-retention-policy Type=DAYS,Value=90",
       doc=DOC + "manage-backups.html")
def backup_retention(ctx: CheckContext) -> Iterator[Result]:
    recent = ctx.thresholds.cloudhsm_recent_backup_days
    for region, cluster in _clusters(ctx):
        with ctx.resource(str(cluster["ClusterId"]), region):
            backups = [b for b in ctx.get(BACKUPS, region) or []
                       if b.get("ClusterId") == cluster["ClusterId"] and b.get("BackupState") == "READY"]
            ages = [d for d in (ctx.days_since(b.get("CreateTimestamp")) for b in backups) if d is not None]
            policy = cluster.get("BackupRetentionPolicy") or {}
            problems = [] if policy.get("Value") else ["no backup retention policy"]
            if not ages or min(ages) > recent:
                problems.append(f"no READY backup in the last {recent} days")
            yield _result(not problems, cluster, "; ".join(problems) if problems else
                          f"retention {policy.get('Value')} {str(policy.get('Type', '')).lower()}, last backup "
                          f"{min(ages)} day(s) ago", region)


@check("cloudhsm.cluster_sg_restricted", resource_type=RESOURCE, datasets=[CLUSTERS, GROUPS],
       fix="Admit only the client instances' security group (or private CIDRs) on ports 2223-2225 of the cluster's "
           "security group.",
       cli="aws ec2 revoke-security-group-ingress --group-id <CLUSTER_SG> --ip-permissions file://open-rules.json",
       doc=DOC + "configure-sg.html")
def cluster_sg_restricted(ctx: CheckContext) -> Iterator[Result]:
    for region, cluster in _clusters(ctx):
        with ctx.resource(str(cluster["ClusterId"]), region):
            groups = {g.id: g for g in ctx.view(Ec2View).security_groups(region)}
            group = groups.get(str(cluster.get("SecurityGroup")))
            if group is None:
                yield _result(False, cluster, f"security group {cluster.get('SecurityGroup')} not found", region)
                continue
            open_rules = [f"{p.protocol} {p.low}-{p.high} from {cidr}"
                          for p in group.ingress for cidr in p.cidrs if cidr in OPEN_TO_ALL]
            yield _result(not open_rules, cluster, "open to the internet: " + ", ".join(open_rules) if open_rules
                          else f"{group.id} admits no internet range", region)
