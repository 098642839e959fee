"""The RDS view reads instances and clusters in the shapes AWS gives them."""

from __future__ import annotations

from cloudwarden.inventory.views.rds import RdsView
from tests.checks.cases import Regional, snapshot_with


def test_a_cluster_names_its_subnet_group_and_carries_its_port() -> None:
    # DescribeDBClusters gives DBSubnetGroup as a name and the endpoint as text, the port beside it.
    snapshot = snapshot_with({"rds.db_clusters": Regional({"us-east-1": [{
        "DBClusterIdentifier": "c1", "DBClusterArn": "arn:aws:rds:us-east-1:123456789012:cluster:c1",
        "Engine": "aurora-postgresql", "DBSubnetGroup": "default", "Endpoint": "c1.cluster-x.rds.amazonaws.com",
        "Port": 5432, "StorageEncrypted": True}]}), "rds.db_instances": Regional({"us-east-1": [{
        "DBInstanceIdentifier": "i1", "Engine": "postgres", "Endpoint": {"Address": "i1.x", "Port": 15432},
        "DBSubnetGroup": {"VpcId": "vpc-1", "Subnets": [{"SubnetIdentifier": "subnet-1"}]}}]})},
        regions=("us-east-1",))
    view = RdsView(snapshot)
    (cluster,) = view.clusters("us-east-1")
    (instance,) = view.instances("us-east-1")
    assert (instance.vpc_id, instance.subnet_ids, instance.port) == ("vpc-1", ("subnet-1",), 15432)
    assert (cluster.id, cluster.vpc_id, cluster.subnet_ids, cluster.port) == ("c1", "", (), 5432)
    assert cluster.endpoint == "c1.cluster-x.rds.amazonaws.com:5432"
