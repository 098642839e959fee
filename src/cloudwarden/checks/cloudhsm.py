"""CloudHSM v2 clusters: HSMs in two or more AZs, backups retained and recent, a closed security group.

Reads `cloudhsm.clusters`, `cloudhsm.backups` (collect/services/connectivity.py) and ec2.security_groups.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.net import OPEN_TO_ALL
from cloudwarden.core.settings import DEFAULT_THRESHOLDS
from cloudwarden.inventory.views.cloudhsm import BACKUPS, CLUSTERS, CloudHsmView, HsmCluster
from cloudwarden.inventory.views.ec2 import Ec2View

GROUPS = "ec2.security_groups"
RESOURCE = "AWS::CloudHSM::Cluster"
DOC = "https://docs.aws.amazon.com/cloudhsm/latest/userguide/"
RECENT_BACKUP_DAYS = DEFAULT_THRESHOLDS.cloudhsm_recent_backup_days  # in force: ctx.thresholds


def _clusters(ctx: CheckContext) -> Iterator[tuple[str, HsmCluster]]:
    for region, cluster in ctx.over(ctx.view(CloudHsmView).clusters):
        if not cluster.gone:
            yield region, cluster


def _result(ok: bool, cluster: HsmCluster, message: str, region: str) -> Result:
    return verdict(ok, cluster.id, message, region, resource_type=RESOURCE)


@check("cloudhsm.cluster_multi_az", resource_type=RESOURCE, datasets=[CLUSTERS],
       fix="Add an HSM in a second Availability Zone so that keys stay available when one zone fails.",
       cli="aws cloudhsmv2 create-hsm --cluster-id <CLUSTER_ID> --availability-zone <SECOND_AZ>",
       doc=DOC + "best-practices.html")
def cluster_multi_az(ctx: CheckContext) -> Iterator[Result]:
    for region, cluster in _clusters(ctx):
        zones = sorted(set(cluster.zones))
        yield _result(len(zones) >= 2, cluster, f"HSMs in {len(zones)} AZ(s): {', '.join(zones) or 'none'}", region)


@check("cloudhsm.backup_retention", resource_type=RESOURCE, datasets=[CLUSTERS, BACKUPS],
       fix="Set a backup retention policy on the cluster and keep a running HSM so daily backups are taken.",
       cli="aws cloudhsmv2 modify-cluster --cluster-id <CLUSTER_ID> --backup-retention-policy Type=DAYS,Value=90",
       doc=DOC + "manage-backups.html")
def backup_retention(ctx: CheckContext) -> Iterator[Result]:
    recent = ctx.thresholds.cloudhsm_recent_backup_days
    for region, cluster in _clusters(ctx):
        with ctx.resource(cluster.id, region):
            backups = [b for b in ctx.view(CloudHsmView).backups(region) if b.cluster_id == cluster.id and b.ready]
            ages = [d for d in (ctx.days_since(b.created) for b in backups) if d is not None]
            problems = [] if cluster.retention_value else ["no backup retention policy"]
            if not ages or min(ages) > recent:
                problems.append(f"no READY backup in the last {recent} days")
            yield _result(not problems, cluster, "; ".join(problems) if problems else
                          f"retention {cluster.retention_value} {cluster.retention_type.lower()}, last backup "
                          f"{min(ages)} day(s) ago", region)


@check("cloudhsm.cluster_sg_restricted", resource_type=RESOURCE, datasets=[CLUSTERS, GROUPS],
       fix="Admit only the client instances' security group (or private CIDRs) on ports 2223-2225 of the cluster's "
           "security group.",
       cli="aws ec2 revoke-security-group-ingress --group-id <CLUSTER_SG> --ip-permissions file://open-rules.json",
       doc=DOC + "configure-sg.html")
def cluster_sg_restricted(ctx: CheckContext) -> Iterator[Result]:
    for region, cluster in _clusters(ctx):
        with ctx.resource(cluster.id, region):
            groups = {g.id: g for g in ctx.view(Ec2View).security_groups(region)}
            group = groups.get(cluster.security_group)
            if group is None:
                yield _result(False, cluster, f"security group {cluster.security_group} not found", region)
                continue
            open_rules = [f"{p.protocol} {p.low}-{p.high} from {cidr}"
                          for p in group.ingress for cidr in p.cidrs if cidr in OPEN_TO_ALL]
            yield _result(not open_rules, cluster, "open to the internet: " + ", ".join(open_rules) if open_rules
                          else f"{group.id} admits no internet range", region)
