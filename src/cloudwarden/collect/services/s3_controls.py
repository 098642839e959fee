"""S3 data-protection settings beyond the bucket basics, and the services that guard S3 data:
replication, event notifications and Object Lock of each bucket; access points and Multi-Region
Access Points (S3 Control); Amazon Macie's session and automated discovery; SSM documents' sharing.

Every operation is a List, Get or Describe. moto has no GetAutomatedDiscoveryConfiguration and no
SSM GetServiceSetting: against moto those reads are gaps and their checks say UNKNOWN.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from cloudwarden.collect.services.s3 import per_bucket
from cloudwarden.collect.spec import Call
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot

VERSIONING = "s3.bucket_versioning"

PUBLIC_SHARING_SETTING = "/ssm/documents/console/public-sharing-permission"


def fetch_access_points(client: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every access point of the account in the client's region (ListAccessPoints has no paginator)."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = client.list_access_points(AccountId=params["__account_id"], **({"NextToken": token} if token else {}))
        found.extend(page.get("AccessPointList") or [])
        token = page.get("NextToken")
        if not token:
            return found


def fetch_access_point(client: Any, params: dict[str, Any]) -> dict[str, Any]:
    """GetAccessPoint's answer: the access point's own Block Public Access settings and network origin."""
    response = dict(client.get_access_point(AccountId=params["__account_id"], Name=params["Name"]))
    response.pop("ResponseMetadata", None)
    return {k: response.get(k) for k in ("Name", "Bucket", "NetworkOrigin", "PublicAccessBlockConfiguration",
                                           "AccessPointArn")}


def fetch_mrap(client: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Multi-Region Access Point of the account, each with its PublicAccessBlock."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = client.list_multi_region_access_points(AccountId=params["__account_id"],
                                                      **({"NextToken": token} if token else {}))
        found.extend(page.get("AccessPoints") or [])
        token = page.get("NextToken")
        if not token:
            return found


def fetch_macie_session(client: Any, _params: dict[str, Any]) -> dict[str, Any] | None:
    """The Macie session, None when Macie is not enabled in the region.

    AWS answers AccessDeniedException "Macie is not enabled" for a region without Macie (moto answers
    ResourceNotFoundException); any other AccessDenied is a real gap and is raised.
    """
    try:
        response = dict(client.get_macie_session())
    except ClientError as error:
        code, message = error.response["Error"].get("Code", ""), error.response["Error"].get("Message", "")
        if code == "ResourceNotFoundException" or (code == "AccessDeniedException"
                                                     and "not enabled" in message.lower()):
            return None
        raise
    response.pop("ResponseMetadata", None)
    return response


def _doc_name(document: Any) -> str:
    return str(document["Name"])


def _never_versioned(bucket: Any, snapshot: Snapshot) -> bool:
    """True when GetBucketVersioning said the bucket's versioning was never enabled (no Status).

    S3 refuses a replication configuration, and Object Lock, on such a bucket (both need versioning
    Enabled; Object Lock also forbids suspending it), so their reads would answer "not configured".
    A suspended bucket, or one whose versioning could not be read, is asked as usual.
    """
    try:
        versioning = snapshot.item(VERSIONING, GLOBAL, str(bucket["Name"]))
    except DataUnavailable:
        return False
    return isinstance(versioning, dict) and not versioning.get("Status")


def _versioned_only(call: Call) -> Call:
    return replace(call, after=(*call.after, VERSIONING), per_known_absent=_never_versioned)


SPECS = [
    _versioned_only(per_bucket("s3.bucket_replication", "get_bucket_replication", "ReplicationConfiguration",
                                ("ReplicationConfigurationNotFoundError",))),
    per_bucket("s3.bucket_notifications", "get_bucket_notification_configuration",
                ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations",
                 "EventBridgeConfiguration")),
    _versioned_only(per_bucket("s3.bucket_object_lock", "get_object_lock_configuration", "ObjectLockConfiguration",
                                ("ObjectLockConfigurationNotFoundError",))),
    Call("s3control.access_points", "s3control", "list_access_points", fetch=fetch_access_points),
    Call("s3control.access_point", "s3control", "get_access_point", fetch=fetch_access_point,
         per="s3control.access_points", per_params=lambda ap: {"Name": ap["Name"]}, per_key=lambda ap: ap["Name"],
         absent_codes=("NoSuchAccessPoint",)),
    # Multi-Region Access Points are account-wide; AWS serves their control plane from us-west-2 and a
    # refusal from the home region is a gap, never an empty list.
    Call("s3control.multi_region_access_points", "s3control", "list_multi_region_access_points",
         scope="global", fetch=fetch_mrap),
    Call("macie2.session", "macie2", "get_macie_session", fetch=fetch_macie_session),
    Call("macie2.automated_discovery", "macie2", "get_automated_discovery_configuration", None),
    Call("ssm.documents", "ssm", "list_documents", "DocumentIdentifiers", paginate=True,
         params={"Filters": [{"Key": "Owner", "Values": ["Self"]}]}),
    Call("ssm.document_permissions", "ssm", "describe_document_permission", ("AccountIds", "AccountSharingInfoList"),
         per="ssm.documents", per_params=lambda d: {"Name": _doc_name(d), "PermissionType": "Share"},
         per_key=_doc_name, absent_codes=("InvalidDocument",)),
    Call("ssm.public_sharing_setting", "ssm", "get_service_setting", "ServiceSetting",
         params={"SettingId": PUBLIC_SHARING_SETTING}),
]
