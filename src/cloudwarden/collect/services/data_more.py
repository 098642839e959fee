"""Account-level EBS/AMI sharing guards, the EBS default key, DAX clusters, RDS event subscriptions (regional).

moto answers dax:DescribeClusters and rds:DescribeEventSubscriptions; it lacks the three EC2 "get" operations, so against moto those
datasets are gaps and their checks UNKNOWN.
"""

from __future__ import annotations

from cloudwarden.collect.spec import Call

SPECS = [
    Call("ec2.ebs_default_kms_key_id", "ec2", "get_ebs_default_kms_key_id", "KmsKeyId"),
    Call("ec2.snapshot_block_public_access", "ec2", "get_snapshot_block_public_access_state", "State"),
    Call("ec2.image_block_public_access", "ec2", "get_image_block_public_access_state",
         "ImageBlockPublicAccessState"),
    Call("dax.clusters", "dax", "describe_clusters", "Clusters", paginate=True),
]
SPECS.append(Call("rds.event_subscriptions", "rds", "describe_event_subscriptions", "EventSubscriptionsList",
                  paginate=True))
SPECS.append(Call("autoscaling.dynamodb_targets", "application-autoscaling", "describe_scalable_targets",
                  "ScalableTargets", paginate=True, params={"ServiceNamespace": "dynamodb"}))
