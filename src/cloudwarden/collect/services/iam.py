"""IAM, account and organization reads (global)."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from cloudwarden.collect.spec import Call


def fetch_credential_report(client: Any, _params: dict[str, Any]) -> list[dict[str, str]]:
    """Generate the report, wait until it is ready, and return its rows as dicts."""
    for attempt in range(20):
        state = client.generate_credential_report().get("State")
        if state == "COMPLETE":
            break
        time.sleep(min(0.5 * (attempt + 1), 3))
    content = client.get_credential_report()["Content"]
    text = content.decode("utf-8") if isinstance(content, (bytes, bytearray)) else str(content)
    return list(csv.DictReader(io.StringIO(text)))


def fetch_account_public_access_block(client: Any, params: dict[str, Any]) -> Any:
    answer = client.get_public_access_block(AccountId=params["__account_id"])
    return answer.get("PublicAccessBlockConfiguration")


SPECS = [
    Call("iam.account_summary", "iam", "get_account_summary", "SummaryMap", scope="global"),
    Call("iam.credential_report", "iam", "get_credential_report", scope="global",
         fetch=fetch_credential_report, extra_operations=("generate_credential_report",)),
    Call("iam.password_policy", "iam", "get_account_password_policy", "PasswordPolicy",
         scope="global", absent_codes=("NoSuchEntity",)),
    Call("iam.authorization_details", "iam", "get_account_authorization_details",
         ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"),
         scope="global", paginate=True),
    Call("iam.virtual_mfa_devices", "iam", "list_virtual_mfa_devices", "VirtualMFADevices",
         scope="global", paginate=True),
    Call("iam.server_certificates", "iam", "list_server_certificates",
         "ServerCertificateMetadataList", scope="global", paginate=True),
    Call("iam.saml_providers", "iam", "list_saml_providers", "SAMLProviderList", scope="global"),
    Call("iam.oidc_providers", "iam", "list_open_id_connect_providers",
         "OpenIDConnectProviderList", scope="global"),
    Call("accessanalyzer.analyzers", "accessanalyzer", "list_analyzers", "analyzers",
         paginate=True),
    Call("account.security_contact", "account", "get_alternate_contact", "AlternateContact",
         scope="global", params={"AlternateContactType": "SECURITY"},
         absent_codes=("ResourceNotFoundException",)),
    Call("organizations.organization", "organizations", "describe_organization", "Organization",
         scope="global", absent_codes=("AWSOrganizationsNotInUseException",)),
    Call("s3.account_public_access_block", "s3control", "get_public_access_block", scope="global",
         fetch=fetch_account_public_access_block,
         absent_codes=("NoSuchPublicAccessBlockConfiguration",)),
]
