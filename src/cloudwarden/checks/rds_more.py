"""More RDS and Aurora checks: default ports, Aurora MySQL backtracking, server CA certificate expiry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.checks.context import CheckContext, Skipped, parse_time
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.kinds import KINDS, Outcome, flag, judge_each
from cloudwarden.checks.rds import AURORA_DOC, RDS_DOC, instances_and_clusters
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.views.rds import Database

INSTANCE = KINDS["rds.instance"]
CLUSTER = KINDS["rds.cluster"]

# The port each engine family listens on unless told otherwise (RDS documentation per engine).
DEFAULT_PORTS = (("aurora-postgresql", 5432), ("postgres", 5432), ("aurora-mysql", 3306), ("aurora", 3306),
                 ("mysql", 3306), ("mariadb", 3306), ("oracle", 1521), ("sqlserver", 1433), ("db2", 50000),
                 ("docdb", 27017), ("neptune", 8182))


def default_port(engine: str) -> int | None:
    for prefix, port in DEFAULT_PORTS:
        if engine.startswith(prefix):
            return port
    return None


def _port(database: Database) -> int | None:
    return database.port or None


def _non_default_port(database: Database) -> Outcome:
    engine = database.engine
    standard, port = default_port(engine), _port(database)
    if standard is None or port is None:
        return None  # an engine without a known default, or no endpoint yet
    return flag(port != standard, f"{engine} listens on port {port}, not its default {standard}",
                f"{engine} listens on its default port {port}")


@check("rds.non_default_port", resource_type=INSTANCE.resource_type, datasets=[INSTANCE.dataset, CLUSTER.dataset],
       fix="Move the database to a non-default port and update the clients and security groups.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --db-port-number <PORT> --apply-immediately",
       doc=RDS_DOC + "USER_ModifyInstance.Settings.html")
def non_default_port(ctx: CheckContext) -> Iterator[Result]:
    yield from instances_and_clusters(ctx, _non_default_port)


def _backtracking(cluster: dict[str, Any]) -> Outcome:
    if str(cluster.get("Engine")) not in ("aurora", "aurora-mysql"):
        return None
    if str(cluster.get("EngineMode") or "provisioned") not in ("provisioned", "parallelquery"):
        return None  # Aurora Serverless v1 and multi-master clusters cannot backtrack
    window = int(cluster.get("BacktrackWindow") or 0)
    return flag(window > 0, f"backtracking on, window {window} s", "backtracking is off (BacktrackWindow 0)")


@check("rds.aurora_backtracking", resource_type=CLUSTER.resource_type, datasets=[CLUSTER.dataset],
       fix="Enable backtracking with a target window (it can only be set when the cluster is created or restored).",
       cli="aws rds restore-db-cluster-to-point-in-time --source-db-cluster-identifier <CLUSTER> "
           "--db-cluster-identifier <NEW> --use-latest-restorable-time --backtrack-window 86400",
       doc=AURORA_DOC + "AuroraMySQL.Managing.Backtrack.html")
def aurora_backtracking(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_each(ctx, CLUSTER, _backtracking)


CA_WARNING_DAYS = 30  # as Security Hub warns about certificates (ACM.1)


@check("rds.ca_certificate_valid", resource_type=INSTANCE.resource_type, datasets=[INSTANCE.dataset],
       fix="Rotate the instance to a current CA (rds-ca-rsa2048-g1 or newer) and update client trust stores.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --ca-certificate-identifier rds-ca-rsa2048-g1 "
           "--apply-immediately",
       doc=RDS_DOC + "UsingWithRDS.SSL-certificate-rotation.html")
def ca_certificate_valid(ctx: CheckContext) -> Iterator[Result]:
    for region, instance in ctx.each(INSTANCE.dataset):
        name = INSTANCE.ident(instance)
        details = instance.get("CertificateDetails") or {}
        valid_till = parse_time(str(details.get("ValidTill") or ""))
        days = None if valid_till is None else (valid_till - ctx.now).days
        if days is None:
            ctx.skipped.append(Skipped(name, region, "describe_db_instances returned no CertificateDetails.ValidTill "
                                       f"for the CA {instance.get('CACertificateIdentifier') or '?'}"))
            continue
        ca = details.get("CAIdentifier") or instance.get("CACertificateIdentifier") or "?"
        ok = days > CA_WARNING_DAYS
        message = (f"server certificate from {ca} valid for {days} more days" if days >= 0
                   else f"server certificate from {ca} expired {-days} days ago")
        yield verdict(ok, name, message, region, INSTANCE.arn(instance), INSTANCE.resource_type)


SUBSCRIPTIONS = "rds.event_subscriptions"
# The source types and event categories Security Hub RDS.19-RDS.22 expect a subscription for.
CRITICAL_EVENTS = {"db-instance": ("maintenance", "configuration change", "failure"),
                   "db-cluster": ("maintenance", "failure"),
                   "db-parameter-group": ("maintenance", "configuration change"),
                   "db-security-group": ("configuration change", "failure")}


def uncovered_events(subscriptions: list[dict[str, Any]]) -> list[str]:
    """'source type: category' pairs no enabled, all-sources subscription covers."""
    covered: set[tuple[str, str]] = set()
    for sub in subscriptions or []:
        if not sub.get("Enabled") or sub.get("SourceIdsList"):
            continue  # disabled, or limited to named sources
        source = str(sub.get("SourceType") or "")
        categories = [str(c) for c in sub.get("EventCategoriesList") or []]
        for kind, wanted in CRITICAL_EVENTS.items():
            if source in ("", kind):  # no source type: every source type
                covered.update((kind, c) for c in wanted if not categories or c in categories)
    return [f"{kind}: {c}" for kind, wanted in CRITICAL_EVENTS.items() for c in wanted if (kind, c) not in covered]


@check("rds.event_subscriptions_critical", resource_type="AWS::::Account", datasets=[SUBSCRIPTIONS],
       fix="Subscribe an SNS topic to maintenance, configuration-change and failure events of DB instances, "
           "clusters, parameter groups and security groups.",
       cli="aws rds create-event-subscription --subscription-name critical-db-instance --sns-topic-arn <TOPIC_ARN> "
           "--source-type db-instance --event-categories maintenance 'configuration change' failure",
       doc=RDS_DOC + "USER_Events.Subscribing.html")
def event_subscriptions_critical(ctx: CheckContext) -> Iterator[Result]:
    for region, subscriptions in ctx.regional(SUBSCRIPTIONS):
        missing = uncovered_events(subscriptions)
        yield verdict(not missing, f"rds/{region}",
                      "enabled subscriptions cover every critical RDS event" if not missing
                      else "no enabled subscription for " + "; ".join(missing), region, ctx.arn("rds", "account", region))
