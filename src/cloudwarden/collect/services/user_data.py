"""EC2 instance user data (read per instance); the collector keeps only a redacted marker of it."""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.secrets import redact
from cloudwarden.collect.spec import Call


def _redacted(value: Any) -> Any:
    """DescribeInstanceAttribute's {"Value": base64} with the value replaced by its marker.

    The extracted value no longer sits under a "UserData" key, which is what redact() recognises."""
    return redact({"UserData": value})["UserData"]


SPECS = [
    Call("ec2.instance_user_data", "ec2", "describe_instance_attribute", "UserData", per="ec2.instances",
         per_params=lambda i: {"InstanceId": i["InstanceId"], "Attribute": "userData"},
         per_key=lambda i: i["InstanceId"],
         per_filter=lambda i, _region: (i.get("State") or {}).get("Name") != "terminated",
         transform=_redacted),
]
