"""PASS and FAIL cases for the credential-report, root, password-policy and account checks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checks.cases import Case, Regional, assert_case


def user(name: str, **fields: Any) -> dict[str, Any]:
    row = {"user": name, "arn": f"arn:aws:iam::111122223333:user/{name}",
           "user_creation_time": "2026-01-01T00:00:00+00:00", "password_enabled": "false",
           "password_last_used": "N/A", "mfa_active": "false", "access_key_1_active": "false",
           "access_key_1_last_rotated": "N/A", "access_key_1_last_used_date": "N/A",
           "access_key_2_active": "false", "access_key_2_last_rotated": "N/A",
           "access_key_2_last_used_date": "N/A"}
    row.update({k: str(v).lower() if isinstance(v, bool) else v for k, v in fields.items()})
    return row


ROOT_USED = user("<root_account>", password_last_used="2026-11-20T00:00:00+00:00")
ROOT_IDLE = user("<root_account>", password_last_used="2025-01-20T00:00:00+00:00")
STRONG = {"MinimumPasswordLength": 16, "PasswordReusePrevention": 24, "MaxPasswordAge": 90,
          "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
          "RequireNumbers": True, "RequireSymbols": True}
WEAK = {"MinimumPasswordLength": 8, "PasswordReusePrevention": 0, "RequireSymbols": False}
FRESH_KEY = dict(access_key_1_active=True, access_key_1_last_rotated="2026-11-01T00:00:00+00:00",
                 access_key_1_last_used_date="2026-11-27T00:00:00+00:00")
OLD_KEY = dict(access_key_1_active=True, access_key_1_last_rotated="2026-01-01T00:00:00+00:00",
               access_key_1_last_used_date="2026-06-01T00:00:00+00:00")

CASES = [
    Case("pass-no-root-keys", "iam.root_access_key_absent", {"iam.account_summary": {"AccountAccessKeysPresent": 0}}),
    Case("fail-root-keys", "iam.root_access_key_absent", {"iam.account_summary": {"AccountAccessKeysPresent": 1}}),
    Case("pass-root-mfa", "iam.root_mfa_enabled", {"iam.account_summary": {"AccountMFAEnabled": 1}}),
    Case("fail-root-no-mfa", "iam.root_mfa_enabled", {"iam.account_summary": {"AccountMFAEnabled": 0}},
         message="no MFA"),
    Case("pass-root-hardware", "iam.root_hardware_mfa_enabled",
         {"iam.account_summary": {"AccountMFAEnabled": 1}, "iam.virtual_mfa_devices": []}),
    Case("fail-root-virtual", "iam.root_hardware_mfa_enabled",
         {"iam.account_summary": {"AccountMFAEnabled": 1}, "iam.virtual_mfa_devices": [
             {"SerialNumber": "arn:aws:iam::111122223333:mfa/root-account-mfa-device",
              "User": {"Arn": "arn:aws:iam::111122223333:root"}}]}, message="virtual"),
    Case("pass-root-idle", "iam.root_not_used_recently", {"iam.credential_report": [ROOT_IDLE]}),
    Case("fail-root-used", "iam.root_not_used_recently", {"iam.credential_report": [ROOT_USED]},
         message="8 days ago"),
    Case("unknown-no-root-row", "iam.root_not_used_recently", {"iam.credential_report": [user("a")]},
         message="no root row"),
    Case("pass-length", "iam.password_policy_min_length_14", {"iam.password_policy": STRONG}),
    Case("fail-length", "iam.password_policy_min_length_14", {"iam.password_policy": WEAK}),
    Case("fail-no-policy", "iam.password_policy_min_length_14", {"iam.password_policy": None},
         message="no account password policy"),
    Case("pass-reuse", "iam.password_policy_reuse_24", {"iam.password_policy": STRONG}),
    Case("fail-reuse", "iam.password_policy_reuse_24", {"iam.password_policy": WEAK}),
    Case("pass-complexity", "iam.password_policy_complexity", {"iam.password_policy": STRONG}),
    Case("fail-complexity", "iam.password_policy_complexity", {"iam.password_policy": WEAK},
         message="RequireSymbols"),
    Case("pass-max-age", "iam.password_policy_max_age_90", {"iam.password_policy": STRONG}),
    Case("fail-max-age", "iam.password_policy_max_age_90", {"iam.password_policy": WEAK}, message="never"),
    Case("pass-console-mfa", "iam.user_console_mfa_enabled",
         {"iam.credential_report": [user("alice", password_enabled=True, mfa_active=True)]}),
    Case("fail-console-no-mfa", "iam.user_console_mfa_enabled",
         {"iam.credential_report": [user("bob", password_enabled=True,
                                         password_last_used="2026-11-20T10:00:00+00:00")]},
         message="no MFA device; password last used 2026-11-20"),
    Case("pass-used-recently", "iam.credentials_unused_45_days",
         {"iam.credential_report": [user("a", password_enabled=True,
                                         password_last_used="2026-11-20T00:00:00+00:00", **FRESH_KEY)]}),
    Case("fail-dormant-key", "iam.credentials_unused_45_days",
         {"iam.credential_report": [user("a", **OLD_KEY)]}, message="access key 1 unused 180 days"),
    Case("pass-rotated", "iam.access_keys_rotated_90_days", {"iam.credential_report": [user("a", **FRESH_KEY)]}),
    Case("fail-old-key", "iam.access_keys_rotated_90_days", {"iam.credential_report": [user("a", **OLD_KEY)]},
         message="331 days old"),
    Case("pass-one-key", "iam.user_single_active_access_key", {"iam.credential_report": [user("a", **FRESH_KEY)]}),
    Case("fail-two-keys", "iam.user_single_active_access_key",
         {"iam.credential_report": [user("a", access_key_2_active=True, **FRESH_KEY)]}, message="2 active"),
    Case("pass-no-setup-key", "iam.no_access_key_at_user_setup",
         {"iam.credential_report": [user("a", password_enabled=True, **FRESH_KEY)]}),
    Case("fail-setup-key", "iam.no_access_key_at_user_setup",
         {"iam.credential_report": [user("a", password_enabled=True, access_key_1_active=True)]}),
    Case("pass-cert-valid", "iam.expired_server_certificates_removed",
         {"iam.server_certificates": [{"ServerCertificateName": "c", "Expiration": "2027-06-01T00:00:00Z"}]}),
    Case("fail-cert-expired", "iam.expired_server_certificates_removed",
         {"iam.server_certificates": [{"ServerCertificateName": "c", "Expiration": "2026-06-01T00:00:00Z"}]},
         message="expired"),
    Case("pass-federated", "iam.identity_federation_used",
         {"iam.saml_providers": [{"Arn": "arn:aws:iam::111122223333:saml-provider/okta"}], "iam.oidc_providers": []}),
    Case("fail-not-federated", "iam.identity_federation_used", {"iam.saml_providers": [], "iam.oidc_providers": []}),
    Case("pass-contact", "account.security_contact_registered",
         {"account.security_contact": {"EmailAddress": "sec@example.com"}}),
    Case("fail-no-contact", "account.security_contact_registered", {"account.security_contact": None}),
    Case("pass-in-org", "org.account_in_organization", {"organizations.organization": {"Id": "o-abc"}}),
    Case("fail-standalone", "org.account_in_organization", {"organizations.organization": None}),
    Case("pass-analyzers", "iam.access_analyzer_enabled", {"accessanalyzer.analyzers": Regional(
        {"us-east-1": [{"name": "a", "status": "ACTIVE", "type": "ACCOUNT"}],
         "eu-west-1": [{"name": "b", "status": "ACTIVE", "type": "ORGANIZATION"}]})}),
    Case("fail-analyzer-missing", "iam.access_analyzer_enabled", {"accessanalyzer.analyzers": Regional(
        {"us-east-1": [{"name": "a", "status": "ACTIVE", "type": "ACCOUNT"}], "eu-west-1": []})},
        resource="access-analyzer/eu-west-1"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
