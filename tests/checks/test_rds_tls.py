"""PASS, FAIL and UNKNOWN cases for RDS Proxy TLS, TLS-forcing parameters and supported engine versions."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import Gap
from tests.checks.cases import Case, Regional, assert_case, findings_for
from tests.checks.test_rds import REGION, cluster, instance, rds

ONE_REGION = (REGION,)


def proxy(require_tls: bool) -> dict[str, Any]:
    return {"rds.db_proxies": Regional({REGION: [{
        "DBProxyName": "app-proxy", "DBProxyArn": f"arn:aws:rds:{REGION}:111122223333:db-proxy:prx-1",
        "EngineFamily": "POSTGRESQL", "RequireTLS": require_tls}]})}


def param(name: str, value: str | None) -> dict[str, Any]:
    record: dict[str, Any] = {"ParameterName": name, "ApplyType": "dynamic", "Source": "user"}
    if value is not None:
        record["ParameterValue"] = value
    return {name: record}


PG = instance(DBParameterGroups=[{"DBParameterGroupName": "pg16-tls", "ParameterApplyStatus": "in-sync"}])
MYSQL = instance("my1", Engine="mysql", EngineVersion="8.0.36",
                 DBParameterGroups=[{"DBParameterGroupName": "mysql-app"}])
AURORA = cluster(DBClusterParameterGroup="aurora-pg-tls", EngineVersion="16.2")


def tls(pg: str | None, mysql: str | None, aurora: str | None) -> dict[str, Any]:
    return rds([PG, MYSQL], [AURORA],
               **{"rds.db_parameters": {"pg16-tls": param("rds.force_ssl", pg),
                                        "mysql-app": param("require_secure_transport", mysql)},
                  "rds.db_cluster_parameters": {"aurora-pg-tls": param("rds.force_ssl", aurora)}})


def versions(instance_status: str | None, cluster_status: str | None) -> dict[str, Any]:
    def listed(engine: str, version: str, status: str | None) -> list[dict[str, Any]]:
        return [] if status is None else [{"Engine": engine, "EngineVersion": version, "Status": status}]
    return rds([instance()], [AURORA], **{
        "rds.engine_versions": {"postgres/16.3": listed("postgres", "16.3", instance_status)},
        "rds.cluster_engine_versions": {"aurora-postgresql/16.2": listed("aurora-postgresql", "16.2", cluster_status)}})


CASES = [
    Case("pass-proxy-tls", "rds.proxy_tls_required", proxy(True), message="requires TLS"),
    Case("fail-proxy-plaintext", "rds.proxy_tls_required", proxy(False), message="accepts plaintext"),
    Case("pass-all-forced", "rds.transport_encryption_enforced", tls("1", "ON", "1"), message="TLS forced"),
    Case("fail-mysql-off", "rds.transport_encryption_enforced", tls("1", "OFF", "1"), resource="my1",
         message="require_secure_transport=OFF in mysql-app"),
    Case("fail-aurora-off", "rds.transport_encryption_enforced", tls("1", "1", "0"), resource="aurora1",
         message="rds.force_ssl=0 in aurora-pg-tls"),
    Case("pass-supported", "rds.engine_version_supported", versions("available", "available"),
         message="supported version"),
    Case("fail-deprecated", "rds.engine_version_supported", versions("deprecated", "available"), resource="db1",
         message="postgres 16.3 is deprecated"),
    Case("fail-not-offered", "rds.engine_version_supported", versions("available", None), resource="aurora1",
         message="no longer offered"),
]
for case in CASES:
    case.regions = ONE_REGION


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_a_group_without_a_stated_value_is_unknown() -> None:
    findings = findings_for(Case("unknown-x", "rds.transport_encryption_enforced", tls(None, "ON", "1"),
                                 resource="db1", regions=ONE_REGION))
    assert [f.status for f in findings] == [Status.UNKNOWN]
    assert "no value for rds.force_ssl" in findings[0].message


def test_a_group_that_lists_no_tls_parameter_is_unknown() -> None:
    # moto's default parameter groups list no parameters at all; AWS lists every parameter of the family.
    data = rds([PG], [], **{"rds.db_parameters": {"pg16-tls": {}}, "rds.db_cluster_parameters": {}})
    findings = findings_for(Case("unknown-x", "rds.transport_encryption_enforced", data, regions=ONE_REGION))
    assert [f.status for f in findings] == [Status.UNKNOWN]
    assert "lists no rds.force_ssl for parameter group pg16-tls" in findings[0].message


def test_oracle_is_unknown_not_passed() -> None:
    oracle = instance("ora1", Engine="oracle-ee", DBParameterGroups=[{"DBParameterGroupName": "ora"}])
    data = rds([oracle], [], **{"rds.db_parameters": {"ora": {}}, "rds.db_cluster_parameters": {}})
    findings = findings_for(Case("unknown-x", "rds.transport_encryption_enforced", data, regions=ONE_REGION))
    assert [(f.resource_id, f.status) for f in findings] == [("ora1", Status.UNKNOWN)]
    assert "option group" in findings[0].message


def test_engine_versions_moto_cannot_list_are_unknown() -> None:
    # moto has no DescribeDBEngineVersions: the collector records a gap for every instance's version.
    data = rds([instance()], [], **{"rds.engine_versions": {}, "rds.cluster_engine_versions": {}})
    gap = Gap("rds.engine_versions", "rds", "DescribeDBEngineVersions", REGION, "NotImplemented",
              "the endpoint does not implement this operation", "rds:DescribeDBEngineVersions", "postgres/16.3")
    findings = findings_for(Case("unknown-x", "rds.engine_version_supported", data, gaps=[gap], regions=ONE_REGION))
    assert [(f.resource_id, f.status) for f in findings] == [("db1", Status.UNKNOWN)]
    assert "does not implement" in findings[0].message
