"""PASS and FAIL cases for ec2_more, rds_more and kms_more."""

from __future__ import annotations

import pytest

from tests.checks.cases import Case, assert_case
from tests.checks.test_ec2 import here
from tests.checks.test_kms import kms, meta
from tests.checks.test_rds import ONE_REGION, cluster, instance, rds

ENI_A = {"NetworkInterfaceId": "eni-a", "SubnetId": "subnet-a"}
ENI_B = {"NetworkInterfaceId": "eni-b", "SubnetId": "subnet-b"}


def vm(**fields: object) -> dict[str, object]:
    return {"InstanceId": "i-1", "State": {"Name": "running"}, "VirtualizationType": "hvm",
            "NetworkInterfaces": [ENI_A], **fields}


MULTI = meta(MultiRegion=True, MultiRegionConfiguration={
    "MultiRegionKeyType": "PRIMARY", "ReplicaKeys": [{"Region": "eu-west-1"}]})

CASES = [
    here("pass-one-eni", "ec2.instance_single_eni", {"ec2.instances": [vm()]}, message="1 network interface"),
    here("fail-two-enis", "ec2.instance_single_eni", {"ec2.instances": [vm(NetworkInterfaces=[ENI_A, ENI_B])]},
         message="subnet-a, subnet-b"),
    here("pass-hvm", "ec2.instance_not_paravirtual", {"ec2.instances": [vm()]}, message="hvm"),
    here("fail-paravirtual", "ec2.instance_not_paravirtual",
         {"ec2.instances": [vm(VirtualizationType="paravirtual")]}, message="paravirtual"),
    Case("pass-custom-port", "rds.non_default_port",
         rds([instance(Endpoint={"Address": "db1", "Port": 6543})], [cluster(Port=15432)]), regions=ONE_REGION),
    Case("fail-default-port", "rds.non_default_port", rds([instance()]), regions=ONE_REGION,
         message="default port 5432"),
    Case("fail-cluster-default-port", "rds.non_default_port",
         rds(clusters=[cluster(Engine="aurora-mysql", Port=3306)]), regions=ONE_REGION, resource="aurora1"),
    Case("pass-backtrack", "rds.aurora_backtracking",
         rds(clusters=[cluster(Engine="aurora-mysql", BacktrackWindow=86400)]), regions=ONE_REGION,
         message="86400"),
    Case("fail-no-backtrack", "rds.aurora_backtracking", rds(clusters=[cluster(Engine="aurora-mysql")]),
         regions=ONE_REGION, message="off"),
    Case("pass-single-region-key", "kms.cmk_single_region", kms(meta(MultiRegion=False)), regions=("us-east-1",)),
    Case("fail-multi-region-key", "kms.cmk_single_region", kms(MULTI), regions=("us-east-1",),
         message="replicas in eu-west-1"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)


def test_postgres_clusters_are_out_of_backtracking_scope() -> None:
    from tests.checks.cases import findings_for
    assert not findings_for(Case("pass-x", "rds.aurora_backtracking", rds(clusters=[cluster()]), regions=ONE_REGION))
