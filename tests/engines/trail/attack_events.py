"""Full CloudTrail records for the attack-technique tests, written from the AWS API and CloudTrail docs.

Every identity type CloudTrail writes (IAMUser, AssumedRole, Root, FederatedUser; AWS services
acting for a principal through ``invokedBy``) with its principalId, ARN, access key and session
context; requestParameters as CloudTrail records (and redacts) them. Each test case lives in its
own account, so cases never share an actor.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

BASE = datetime(2024, 5, 1)
_ids = itertools.count()


class Case:
    """The events of one technique: an account of its own, and a clock starting at its own hour."""

    def __init__(self, number: int) -> None:
        self.account = f"{210000000000 + number}"
        self.start = BASE + timedelta(hours=3 * number)

    # -- identities -------------------------------------------------------------------------------
    def iam_user(self, name: str) -> dict[str, Any]:
        return {"type": "IAMUser", "principalId": f"AIDA{name.upper():X<16}"[:21], "accountId": self.account,
                "arn": f"arn:aws:iam::{self.account}:user/{name}", "userName": name,
                "accessKeyId": f"AKIA{name.upper():Q<16}"[:20]}

    def assumed_role(self, role: str, session: str, invoked_by: str | None = None,
                     mfa: bool = False) -> dict[str, Any]:
        identity: dict[str, Any] = {
            "type": "AssumedRole", "principalId": f"AROA{role.upper():R<17}"[:21] + f":{session}",
            "arn": f"arn:aws:sts::{self.account}:assumed-role/{role}/{session}", "accountId": self.account,
            "accessKeyId": f"ASIA{session.upper():S<16}"[:20],
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": f"AROA{role.upper():R<17}"[:21],
                                  "arn": f"arn:aws:iam::{self.account}:role/{role}", "accountId": self.account,
                                  "userName": role},
                "webIdFederationData": {},
                "attributes": {"creationDate": self.at(0), "mfaAuthenticated": str(mfa).lower()}}}
        if invoked_by:
            identity["invokedBy"] = invoked_by
        return identity

    def instance_role(self, role: str, instance: str) -> dict[str, Any]:
        identity = self.assumed_role(role, instance)
        identity["sessionContext"]["ec2RoleDelivery"] = "2.0"
        return identity

    def root(self) -> dict[str, Any]:
        return {"type": "Root", "principalId": self.account, "arn": f"arn:aws:iam::{self.account}:root",
                "accountId": self.account, "accessKeyId": "ASIAROOTSESSION00001"}

    def federated(self, name: str) -> dict[str, Any]:
        return {"type": "FederatedUser", "principalId": f"{self.account}:{name}",
                "arn": f"arn:aws:sts::{self.account}:federated-user/{name}", "accountId": self.account,
                "accessKeyId": f"ASIA{name.upper():F<16}"[:20],
                "sessionContext": {"sessionIssuer": {"type": "IAMUser", "principalId": "AIDABROKERUSER0000001",
                                                     "arn": f"arn:aws:iam::{self.account}:user/broker",
                                                     "accountId": self.account, "userName": "broker"},
                                   "attributes": {"creationDate": self.at(0), "mfaAuthenticated": "false"}}}

    # -- records ----------------------------------------------------------------------------------
    def at(self, seconds: float) -> str:
        return (self.start + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def record(self, tag: str, identity: dict[str, Any], source: str, name: str, second: float = 0,
               request: dict[str, Any] | None = None, response: Any = None, error: str | None = None,
               ip: str = "198.51.100.23", agent: str = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5 exe/x86_64.ubuntu",
               region: str = "us-east-1", **extra: Any) -> dict[str, Any]:
        """One record; ``tag`` ('pos' or 'miss') goes into the eventID so tests can tell them apart."""
        record: dict[str, Any] = {
            "eventVersion": "1.09", "userIdentity": identity, "eventTime": self.at(second),
            "eventSource": source, "eventName": name, "awsRegion": region, "sourceIPAddress": ip,
            "userAgent": agent, "requestParameters": request, "responseElements": response,
            "requestID": f"req-{next(_ids):08d}", "eventID": f"{tag}-{next(_ids):08d}",
            "readOnly": name.startswith(("Get", "List", "Describe")), "eventType": "AwsApiCall",
            "managementEvent": source != "s3.amazonaws.com" or name.endswith(("Bucket", "Policy", "Lifecycle")),
            "recipientAccountId": self.account, "eventCategory": "Management",
            "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                           "clientProvidedHostHeader": f"{source.split('.')[0]}.us-east-1.amazonaws.com"},
        }
        if error:
            record["errorCode"] = error
            record["errorMessage"] = f"You are not authorized to perform this operation. ({error})"
        record.update(extra)
        return record

    def s3_data(self, tag: str, identity: dict[str, Any], name: str, bucket: str, key: str | None,
                second: float = 0, **extra: Any) -> dict[str, Any]:
        """An S3 data event (object level), with the resources CloudTrail lists for it."""
        request: dict[str, Any] = {"bucketName": bucket, "Host": f"{bucket}.s3.us-east-1.amazonaws.com"}
        resources = [{"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}", "accountId": self.account}]
        if key is not None:
            request["key"] = key
            resources.insert(0, {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"})
        record = self.record(tag, identity, "s3.amazonaws.com", name, second, request=request,
                             eventCategory="Data", resources=resources,
                             additionalEventData={"SignatureVersion": "SigV4", "AuthenticationMethod": "AuthHeader",
                                                  "bytesTransferredIn": 0, "bytesTransferredOut": 0}, **extra)
        record["managementEvent"] = False
        return record
