"""The port classes that set a finding's severity; port sets themselves live in :mod:`cloudwarden.core.ports`
(re-exported here for the engine's callers).
"""

from __future__ import annotations

from enum import Enum

from cloudwarden.core.ports import (
    ALL_PORTS,
    EMPTY,
    EPHEMERAL,
    EPHEMERAL_PORTS,
    MAX_PORT,
    PortSet,
    ports_from_aws,
)


class PortClass(str, Enum):
    """What a port is used for, which decides how bad its exposure is."""

    REMOTE_ADMIN = "remote administration"
    DATABASE = "database"
    OTHER = "other"


# Ports whose exposure hands an attacker a login prompt or a management plane.
REMOTE_ADMIN_PORTS = PortSet.from_ranges(
    (p, p)
    for p in (22, 23, 135, 139, 445, 2375, 2376, 3389, 5800, 5900, 5985, 5986, 6443, 10250)
)
# Ports of database and cache engines (MySQL, PostgreSQL, SQL Server, Oracle, MongoDB, Redis,
# Cassandra, Elasticsearch/OpenSearch, Memcached, CouchDB, Neo4j, InfluxDB, Kafka/ZooKeeper...).
DATABASE_PORTS = PortSet.from_ranges(
    (p, p)
    for p in (
        1433, 1434, 1521, 2181, 2483, 2484, 3306, 5432, 5984, 6379, 7000, 7001, 7474, 8086,
        9042, 9092, 9200, 9300, 11211, 27017, 27018, 27019, 50000,
    )
)


def port_class(ports: PortSet) -> PortClass:
    """The worst class any port in ``ports`` belongs to."""
    if ports & REMOTE_ADMIN_PORTS:
        return PortClass.REMOTE_ADMIN
    if ports & DATABASE_PORTS:
        return PortClass.DATABASE
    return PortClass.OTHER


__all__ = ["ALL_PORTS", "DATABASE_PORTS", "EMPTY", "EPHEMERAL", "EPHEMERAL_PORTS", "MAX_PORT", "REMOTE_ADMIN_PORTS",
           "PortClass", "PortSet", "port_class", "ports_from_aws"]
