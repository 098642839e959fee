"""EC2 instance user data (read per instance); the collector keeps only a redacted marker of it."""

from __future__ import annotations

from cloudwarden.collect.spec import Call

SPECS = [
    Call("ec2.instance_user_data", "ec2", "describe_instance_attribute", "UserData", per="ec2.instances",
         per_params=lambda i: {"InstanceId": i["InstanceId"], "Attribute": "userData"},
         per_key=lambda i: i["InstanceId"],
         per_filter=lambda i, _region: (i.get("State") or {}).get("Name") != "terminated"),
]
