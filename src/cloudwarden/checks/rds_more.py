"""More RDS and Aurora checks: default ports, Aurora MySQL backtracking, server CA certificate expiry,
TLS on proxies and in parameter groups, supported engine versions, AWS Backup plan coverage."""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks._backup_coverage import BACKUP_DATASETS, BACKUP_DOC, PROTECTED, plan_verdicts
from cloudwarden.checks.context import CheckContext, Skipped, parse_time
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.kinds import KINDS, Kind, Outcome, add_kind, flag
from cloudwarden.checks.rds import AURORA_DOC, RDS_DOC, all_instances, instances_and_clusters, judge_databases
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.views.rds import (
    CLUSTER_ENGINE_VERSIONS,
    CLUSTER_PARAMETERS,
    ENGINE_VERSIONS,
    PARAMETERS,
    SUBSCRIPTIONS,
    Database,
    EventSubscription,
    RdsView,
)

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


def _backtracking(cluster: Database) -> Outcome:
    if cluster.engine not in ("aurora", "aurora-mysql"):
        return None
    if cluster.engine_mode not in ("provisioned", "parallelquery"):
        return None  # Aurora Serverless v1 and multi-master clusters cannot backtrack
    window = cluster.backtrack_window
    return flag(window > 0, f"backtracking on, window {window} s", "backtracking is off (BacktrackWindow 0)")


@check("rds.aurora_backtracking", resource_type=CLUSTER.resource_type, datasets=[CLUSTER.dataset],
       fix="Enable backtracking with a target window (it can only be set when the cluster is created or restored).",
       cli="aws rds restore-db-cluster-to-point-in-time --source-db-cluster-identifier <CLUSTER> "
           "--db-cluster-identifier <NEW> --use-latest-restorable-time --backtrack-window 86400",
       doc=AURORA_DOC + "AuroraMySQL.Managing.Backtrack.html")
def aurora_backtracking(ctx: CheckContext) -> Iterator[Result]:
    yield from judge_databases(ctx, ctx.view(RdsView).clusters, _backtracking)


CA_WARNING_DAYS = 30  # as Security Hub warns about certificates (ACM.1)


@check("rds.ca_certificate_valid", resource_type=INSTANCE.resource_type, datasets=[INSTANCE.dataset],
       fix="Rotate the instance to a current CA (rds-ca-rsa2048-g1 or newer) and update client trust stores.",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --ca-certificate-identifier rds-ca-rsa2048-g1 "
           "--apply-immediately",
       doc=RDS_DOC + "UsingWithRDS.SSL-certificate-rotation.html")
def ca_certificate_valid(ctx: CheckContext) -> Iterator[Result]:
    def judge(instance: Database) -> Outcome:
        valid_till = parse_time(instance.certificate_valid_till)
        days = None if valid_till is None else (valid_till - ctx.now).days
        if days is None:
            ctx.skipped.append(Skipped(instance.id, instance.region, "describe_db_instances returned no "
                                       "CertificateDetails.ValidTill for the CA "
                                       f"{instance.ca_identifier or '?'}"))
            return None
        ca = instance.certificate_ca or instance.ca_identifier or "?"
        return days > CA_WARNING_DAYS, (f"server certificate from {ca} valid for {days} more days" if days >= 0
                                        else f"server certificate from {ca} expired {-days} days ago")

    yield from all_instances(ctx, judge)


# The source types and event categories Security Hub RDS.19-RDS.22 expect a subscription for.
CRITICAL_EVENTS = {"db-instance": ("maintenance", "configuration change", "failure"),
                   "db-cluster": ("maintenance", "failure"),
                   "db-parameter-group": ("maintenance", "configuration change"),
                   "db-security-group": ("configuration change", "failure")}


def uncovered_events(subscriptions: tuple[EventSubscription, ...]) -> list[str]:
    """'source type: category' pairs no enabled, all-sources subscription covers."""
    covered: set[tuple[str, str]] = set()
    for sub in subscriptions:
        if not sub.enabled or sub.limited:
            continue  # disabled, or limited to named sources
        for kind, wanted in CRITICAL_EVENTS.items():
            if sub.source_type in ("", kind):  # no source type: every source type
                covered.update((kind, c) for c in wanted if not sub.categories or c in sub.categories)
    return [f"{kind}: {c}" for kind, wanted in CRITICAL_EVENTS.items() for c in wanted if (kind, c) not in covered]


@check("rds.event_subscriptions_critical", resource_type="AWS::::Account", datasets=[SUBSCRIPTIONS],
       fix="Subscribe an SNS topic to maintenance, configuration-change and failure events of DB instances, "
           "clusters, parameter groups and security groups.",
       cli="aws rds create-event-subscription --subscription-name critical-db-instance --sns-topic-arn <TOPIC_ARN> "
           "--source-type db-instance --event-categories maintenance 'configuration change' failure",
       doc=RDS_DOC + "USER_Events.Subscribing.html")
def event_subscriptions_critical(ctx: CheckContext) -> Iterator[Result]:
    for region, subscriptions in ctx.regions_of(ctx.view(RdsView).event_subscriptions):
        missing = uncovered_events(subscriptions)
        yield verdict(not missing, f"rds/{region}",
                      "enabled subscriptions cover every critical RDS event" if not missing
                      else "no enabled subscription for " + "; ".join(missing), region, ctx.arn("rds", "account", region))


# -- TLS in transit: proxies and parameter groups; supported engine versions --

PROXY = add_kind("rds.proxy", Kind("rds.db_proxies", "DBProxyName", "DBProxyArn", "AWS::RDS::DBProxy"))


@check("rds.proxy_tls_required", resource_type=PROXY.resource_type, datasets=[PROXY.dataset],
       fix="Require TLS on the proxy (clients must then connect with TLS).",
       cli="aws rds modify-db-proxy --db-proxy-name <PROXY> --require-tls",
       doc=RDS_DOC + "rds-proxy.howitworks.html#rds-proxy-security.tls")
def proxy_tls_required(ctx: CheckContext) -> Iterator[Result]:
    for region, proxy in ctx.over(ctx.view(RdsView).proxies):
        yield verdict(proxy.require_tls, proxy.name, f"requires TLS ({proxy.engine_family})" if proxy.require_tls
                      else f"accepts plaintext connections ({proxy.engine_family}, RequireTLS off)", region, proxy.arn,
                      PROXY.resource_type)


# The parameter that forces TLS per engine family, and the values that mean "on".
TLS_PARAMETER = (("aurora-postgresql", "rds.force_ssl"), ("postgres", "rds.force_ssl"), ("sqlserver", "rds.force_ssl"),
                 ("aurora-mysql", "require_secure_transport"), ("aurora", "require_secure_transport"),
                 ("mysql", "require_secure_transport"), ("mariadb", "require_secure_transport"))
TLS_ON = ("1", "on", "true")
# Engines whose TLS is set elsewhere (Oracle and Db2: the SSL option of an option group).
TLS_BY_OPTION_GROUP = ("oracle", "db2", "custom-oracle")


def tls_parameter(engine: str) -> str:
    return next((name for prefix, name in TLS_PARAMETER if engine.startswith(prefix)), "")


def _tls_verdict(ctx: CheckContext, database: Database) -> Outcome:
    engine, name, region, groups = database.engine, database.id, database.region, database.parameter_groups
    parameter = tls_parameter(engine)
    if not parameter:
        if engine.startswith(TLS_BY_OPTION_GROUP):
            ctx.skipped.append(Skipped(name, region, f"{engine} enforces TLS through an option group's SSL option, "
                                       "which is not collected"))
        return None
    if not groups:
        return False, f"{engine}: no parameter group is associated, so {parameter} is not set"
    values = []
    for group in groups:
        found = ctx.view(RdsView).parameter(database, group, parameter)
        if not found.listed:  # every supported engine version lists it; an emulator may list nothing
            ctx.skipped.append(Skipped(name, region, f"describe_db_parameters lists no {parameter} for parameter "
                                       f"group {group}"))
            return None
        if found.value is None:
            ctx.skipped.append(Skipped(name, region, f"parameter group {group} reports no value for {parameter} "
                                       "(the engine default applies and is not stated)"))
            return None
        values.append((group, found.value))
    off = [f"{parameter}={value} in {group}" for group, value in values if value.lower() not in TLS_ON]
    return flag(not off, "TLS forced: " + ", ".join(f"{parameter}={v} in {g}" for g, v in values),
                f"{engine} accepts plaintext clients: {'; '.join(off)}")


@check("rds.transport_encryption_enforced", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset, PARAMETERS, CLUSTER_PARAMETERS],
       fix="Set rds.force_ssl=1 (PostgreSQL, SQL Server) or require_secure_transport=ON (MySQL, MariaDB) in the "
           "DB (or DB cluster) parameter group and reboot if the parameter is static.",
       cli="aws rds modify-db-parameter-group --db-parameter-group-name <GROUP> --parameters "
           "ParameterName=rds.force_ssl,ParameterValue=1,ApplyMethod=pending-reboot",
       doc=RDS_DOC + "UsingWithRDS.SSL.html")
def transport_encryption_enforced(ctx: CheckContext) -> Iterator[Result]:
    yield from instances_and_clusters(ctx, lambda db: _tls_verdict(ctx, db))  # a member: its cluster's group governs


def _version_verdict(ctx: CheckContext, database: Database) -> Outcome:
    engine, version = database.engine, database.engine_version
    status = ctx.view(RdsView).version_status(database)
    if status is None:
        return False, f"{engine} {version} is no longer offered by RDS (not listed, not even as deprecated)"
    return flag(status == "available", f"{engine} {version} is a supported version ({status})",
                f"{engine} {version} is {status}: it no longer receives security patches")


@check("rds.engine_version_supported", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset, ENGINE_VERSIONS, CLUSTER_ENGINE_VERSIONS],
       fix="Upgrade to a supported engine version (a minor upgrade within the major version, or a major upgrade).",
       cli="aws rds modify-db-instance --db-instance-identifier <DB> --engine-version <VERSION> "
           "--allow-major-version-upgrade --apply-immediately",
       doc=RDS_DOC + "USER_UpgradeDBInstance.Upgrading.html")
def engine_version_supported(ctx: CheckContext) -> Iterator[Result]:
    yield from instances_and_clusters(ctx, lambda db: _version_verdict(ctx, db))  # a member runs its cluster's


@check("rds.in_backup_plan", resource_type=INSTANCE.resource_type,
       datasets=[INSTANCE.dataset, CLUSTER.dataset, *BACKUP_DATASETS], optional=[PROTECTED],
       fix="Assign the DB instance or cluster to an AWS Backup plan (by ARN, or by a tag the plan's resource "
           "assignment selects).",
       cli="aws backup create-backup-selection --backup-plan-id <PLAN_ID> --backup-selection "
           "'{\"SelectionName\":\"rds\",\"IamRoleArn\":\"<ROLE_ARN>\",\"Resources\":[\"arn:aws:rds:*:*:db:*\","
           "\"arn:aws:rds:*:*:cluster:*\"]}'",
       doc=BACKUP_DOC)
def in_backup_plan(ctx: CheckContext) -> Iterator[Result]:
    view = ctx.view(RdsView)
    instances = ((region, db) for region, db in ctx.over(view.instances) if db.standalone)  # members: via the cluster
    for resources, kind in ((instances, INSTANCE), (ctx.over(view.clusters), CLUSTER)):
        yield from plan_verdicts(ctx, kind.resource_type, resources, lambda db: db.id, lambda db: db.arn,
                                 lambda db: db.tags)
