"""Meta-tests over every check: what it reads is what it declares, and a gap is never a PASS.

1. A recorder wraps Snapshot.get/item while every table case runs: a check that reads a dataset it
   does not declare fails (docs/checks.md's "reads" column comes from the declarations).
2. Every pass-case is run again with each declared, non-optional dataset gapped (AccessDenied in
   every region): the judged resource must not PASS, and the check must say UNKNOWN somewhere.
   ``OPEN`` lists the (check, dataset) pairs that do not hold yet, each with why; the test also fails
   when a listed pair starts to hold, so the list only shrinks.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from cloudwarden.checks.registry import load_all_checks
from cloudwarden.core.enums import Status
from cloudwarden.inventory.snapshot import GLOBAL, Gap, Snapshot
from tests.checks.cases import Case, findings_for
from tests.checks.test_catalogue import all_cases

# Pairs where a gap in the dataset still leaves the pass-case PASS (or silent). Reasons:
#  "independent": the pass-case's verdict does not rest on that dataset (e.g. Block Public Access
#    only turns public into not public, so a private bucket is private whatever it says) — a
#    per-case truth that a declaration cannot express; "open": a real gap->PASS left to fix.
OPEN: dict[tuple[str, str], str] = {
    ("backup.vault_encrypted_cmk", "kms.keys"): "independent: a key of another account is customer managed (AWS managed keys are not usable across accounts); a same-account key without its KeyManager is UNKNOWN (unknown-vault-key-unread)",
    ("cloudtrail.bucket_not_public", "s3.account_public_access_block"): "independent: Block Public Access / ownership only take public access away; a public policy with it unread is UNKNOWN (unknown-account-bpa-unread)",
    ("ec2.sg_unused", "rds.db_instances"): "independent: the verdict rests on the group's rules / an interface that uses it",
    ("guardduty.centrally_managed", "guardduty.org_admin_accounts"): "independent: an enabled administrator relationship settles it; the delegated-admin list matters only without one, and unread there it is UNKNOWN (unknown-org-admins-unread)",
    ("iam.external_assume_role_chain", "organizations.account_chain"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'no path' UNKNOWN)",
    ("iam.external_assume_role_chain", "organizations.scp_content"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'no path' UNKNOWN)",
    ("iam.external_assume_role_chain", "organizations.scps_for_target"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'no path' UNKNOWN)",
    ("iam.external_assume_role_chain", "organizations.organization"): "independent: the pass-cases' role has no outside principal; SCPs do not decide who may assume it",
    ("iam.external_assume_role_chain", "organizations.roots"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'no path' UNKNOWN)",
    ("iam.privilege_escalation_to_admin", "organizations.roots"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'no path' UNKNOWN)",
    ("s3.effective_public_or_foreign_read", "organizations.roots"): "independent: SCPs only deny, so a gap cannot hide an allow",
    ("iam.privilege_escalation_to_admin", "organizations.account_chain"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'no path' UNKNOWN)",
    ("iam.privilege_escalation_to_admin", "organizations.scp_content"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'no path' UNKNOWN)",
    ("iam.privilege_escalation_to_admin", "organizations.scps_for_target"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'no path' UNKNOWN)",
    ("iam.resource_policies_no_public_principal", "lambda.function_policy"): "independent: the gapped service is UNKNOWN; the judged queue does not rest on it",
    ("iam.resource_policies_no_public_principal", "lambda.functions"): "independent: the gapped service is UNKNOWN; the judged queue does not rest on it",
    ("iam.resource_policies_no_public_principal", "secretsmanager.resource_policy"): "independent: the gapped service is UNKNOWN; the judged queue does not rest on it",
    ("iam.resource_policies_no_public_principal", "secretsmanager.secrets"): "independent: the gapped service is UNKNOWN; the judged queue does not rest on it",
    ("iam.resource_policies_no_public_principal", "sns.topic_attributes"): "independent: the gapped service is UNKNOWN; the judged queue does not rest on it",
    ("iam.resource_policies_no_public_principal", "sns.topics"): "independent: the gapped service is UNKNOWN; the judged queue does not rest on it",
    ("net.rds_reachable_from_internet", "rds.db_subnet_groups"): "independent: the instance carries its subnet group's subnets",
    ("rds.snapshot_not_public", "rds.db_cluster_snapshot_attributes"): "independent: the case has no cluster snapshot",
    ("s3.bucket_no_public_read", "s3.account_public_access_block"): "independent: Block Public Access / ownership only take public access away",
    ("s3.bucket_no_public_read", "s3.bucket_public_access_block"): "independent: Block Public Access / ownership only take public access away",
    ("s3.bucket_no_public_write", "s3.account_public_access_block"): "independent: Block Public Access / ownership only take public access away",
    ("s3.bucket_no_public_write", "s3.bucket_public_access_block"): "independent: Block Public Access / ownership only take public access away",
    ("s3.effective_public_or_foreign_read", "organizations.account_chain"): "independent: SCPs only deny, so a gap cannot hide an allow",
    ("s3.effective_public_or_foreign_read", "organizations.organization"): "independent: SCPs only deny, so a gap cannot hide an allow",
    ("s3.effective_public_or_foreign_read", "organizations.scp_content"): "independent: SCPs only deny, so a gap cannot hide an allow",
    ("s3.effective_public_or_foreign_read", "organizations.scps_for_target"): "independent: SCPs only deny, so a gap cannot hide an allow",
    ("s3.effective_public_or_foreign_read", "s3.account_public_access_block"): "independent: Block Public Access / ownership only take public access away",
    ("s3.effective_public_or_foreign_read", "s3.bucket_ownership_controls"): "independent: Block Public Access / ownership only take public access away",
    ("s3.effective_public_or_foreign_read", "s3.bucket_public_access_block"): "independent: Block Public Access / ownership only take public access away",
    ("s3.effective_public_or_foreign_read", "s3.buckets"): "independent: the bucket's own policy and ACL were read; the missing list is UNKNOWN",
    ("waf_classic.webacls_not_empty", "waf_regional.web_acl"): "independent: the pass-case's web ACL is global; no regional ACL is listed",
    ("waf_classic.rules_have_conditions", "waf_regional.rule"): "independent: the pass-case's rule is global; no regional rule is listed",
    ("waf_classic.rule_groups_not_empty", "waf_regional.rule_group_rules"): "independent: the pass-case's group is global; no regional group is listed",
    ("waf_classic.webacl_logging", "waf_regional.web_acl"): "independent: the pass-case's web ACL is global; no regional ACL is listed",
    ("elb.tls_policy_modern", "elb.load_balancer_policies"): "independent: the pass-case judges an ALB listener, no Classic LB is listed",
    ("elb.tls_policy_modern", "elbv2.listeners"): "independent: the pass-case judges a Classic LB, no ALB/NLB is listed",
    ("elb.tls_policy_modern", "elbv2.ssl_policies"): "independent: the pass-case judges a Classic LB, no ALB/NLB is listed",
    ("elb.desync_mitigation", "elb.load_balancer_attributes"): "independent: the pass-case judges an ALB, no Classic LB is listed",
    ("elb.access_logging", "elb.load_balancer_attributes"): "independent: the pass-case judges an ALB, no Classic LB is listed",
    ("elb.access_logging", "elbv2.load_balancer_attributes"): "independent: the pass-case judges a Classic LB, no ALB/NLB is listed",
    ("vpc.endpoint_policy_trusted_accounts", "organizations.accounts"): "independent: organization accounts only widen trust; unread, a member's principal is FAIL, never PASS",
    ("vpc.endpoint_service_trusted_principals", "organizations.accounts"): "independent: organization accounts only widen trust; unread, a foreign principal is FAIL, never PASS",
    ("securityhub.delegated_admin_all_regions", "securityhub.organization_configuration"): "independent: an enabled administrator relationship settles it; the organization configuration matters only without one, and unread there it is UNKNOWN (unknown-org-configuration-unread)",
    ("ec2.internet_facing_instance_with_privileged_role", "organizations.roots"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'not privileged' UNKNOWN)",
    ("ec2.internet_facing_instance_with_privileged_role", "organizations.account_chain"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'not privileged' UNKNOWN)",
    ("ec2.internet_facing_instance_with_privileged_role", "organizations.scps_for_target"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'not privileged' UNKNOWN)",
    ("ec2.internet_facing_instance_with_privileged_role", "organizations.scp_content"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'not privileged' UNKNOWN)",
    ("ec2.internet_facing_instance_with_privileged_role", "organizations.organization"): "independent: an instance the internet cannot reach passes whatever its role may do",
    ("tls.front_door_end_to_end", "iam.server_certificates"): "independent: the pass-case's certificate is from ACM; an IAM server certificate that is not listed is UNKNOWN",
    ("ir.detect_to_notify_pipeline", "securityhub.hub"): "independent: GuardDuty being on settles the detection step; the hub matters only without it",
    ("logging.trail_tamperable", "s3.account_public_access_block"): "independent: Block Public Access / ownership only take public access away",
    ("iam.secret_in_compute_with_privilege", "organizations.roots"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'not privileged' UNKNOWN)",
    ("iam.secret_in_compute_with_privilege", "organizations.account_chain"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'not privileged' UNKNOWN)",
    ("iam.secret_in_compute_with_privilege", "organizations.scps_for_target"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'not privileged' UNKNOWN)",
    ("iam.secret_in_compute_with_privilege", "organizations.scp_content"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'not privileged' UNKNOWN)",
    ("iam.secret_in_compute_with_privilege", "iam.authorization_details"): "independent: an inactive key, or one of no user of this account, is not a working privileged key whatever the user may do",
    ("iam.secret_in_compute_with_privilege", "organizations.organization"): "independent: an inactive key, or one of no user of this account, is not a working privileged key whatever the user may do",
    ("ec2.user_data_no_secrets", "ec2.launch_template_versions"): "independent: the instance's user data does not rest on launch templates; the templates are UNKNOWN",
    ("iam.sensitive_data_reachable_by_escalation", "organizations.roots"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'no chain' UNKNOWN)",
    ("iam.sensitive_data_reachable_by_escalation", "organizations.account_chain"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'no chain' UNKNOWN)",
    ("iam.sensitive_data_reachable_by_escalation", "organizations.scps_for_target"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'no chain' UNKNOWN)",
    ("iam.sensitive_data_reachable_by_escalation", "organizations.scp_content"): "independent: the pass-cases' account is in no organization, so no SCP level is read (unread SCPs of a member make 'no chain' UNKNOWN)",
    ("iam.sensitive_data_reachable_by_escalation", "s3.buckets"): "independent: the bucket's own policy was read; the missing list is UNKNOWN",
    ("iam.sensitive_data_reachable_by_escalation", "kms.keys"): "independent: the gapped kind is UNKNOWN; the judged bucket does not rest on it",
    ("iam.sensitive_data_reachable_by_escalation", "kms.key_policy"): "independent: the gapped kind is UNKNOWN; the judged bucket does not rest on it",
    ("iam.sensitive_data_reachable_by_escalation", "secretsmanager.secrets"): "independent: the gapped kind is UNKNOWN; the judged bucket does not rest on it",
    ("iam.sensitive_data_reachable_by_escalation", "secretsmanager.resource_policy"): "independent: the gapped kind is UNKNOWN; the judged bucket does not rest on it",
    ("iam.sensitive_data_reachable_by_escalation", "s3.bucket_policy"): "independent: the gapped kind is UNKNOWN; the judged key does not rest on it",
    ("dynamodb.in_backup_plan", "dynamodb.table_tags"): "independent: the pass-case's assignment names the table by ARN pattern; tags are read only for tag-based assignments (unread, those are UNKNOWN)",
}


def _gapped(case: Case, dataset: str) -> Case:
    data = {name: value for name, value in case.data.items() if name != dataset}
    gaps = list(case.gaps) + [Gap(dataset, dataset.split(".")[0], "Read", region, "AccessDenied", "denied",
                                  f"{dataset.split('.')[0]}:Read") for region in (*case.regions, GLOBAL)]
    return Case(case.name, case.check_id, data, None, "", gaps, case.regions)


def _holds(case: Case, dataset: str) -> bool:
    findings = findings_for(_gapped(case, dataset))
    judged = [f for f in findings if case.resource is None or f.resource_id == case.resource]
    return Status.UNKNOWN in {f.status for f in findings} and (
        Status.PASS not in {f.status for f in judged} or case.resource is None)


def _pairs() -> Iterator[tuple[Case, str]]:
    registry = load_all_checks()
    for case in all_cases():
        if case.name.startswith("pass-"):
            meta = registry[case.check_id].meta
            for dataset in meta.datasets:
                if dataset not in meta.optional:
                    yield case, dataset


def failing_pairs() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for case, dataset in _pairs():
        if not _holds(case, dataset):
            found[(case.check_id, dataset)].append(case.name)
    return dict(found)


def test_a_gap_in_a_dataset_a_verdict_rests_on_is_never_a_pass() -> None:
    failing = failing_pairs()
    new = {pair: names for pair, names in failing.items() if pair not in OPEN}
    assert not new, "gapped dataset still gives PASS (declare it optional= if it only changes wording, " \
                    "or make the check UNKNOWN): " + "; ".join(f"{c} with {d} gapped: {n}" for (c, d), n in new.items())
    fixed = sorted(set(OPEN) - set(failing))
    assert not fixed, f"these pairs now hold; remove them from OPEN: {fixed}"


def test_an_open_pair_that_names_its_unknown_case_is_backed_by_it() -> None:
    """An "independent" pair that cites an ``unknown-…`` case: that case exists for the check and is
    UNKNOWN because that dataset (or its entry) was not read, so the dependent path of the verdict is
    shown not to PASS."""
    cases = {(case.check_id, case.name): case for case in all_cases()}
    cited = [(pair, match.group(1)) for pair, reason in OPEN.items()
             if (match := re.search(r"\((unknown-[\w-]+)\)", reason))]
    assert cited, "no OPEN reason cites an unknown- case"
    for (check_id, dataset), name in cited:
        case = cases.get((check_id, name))
        assert case is not None, f"OPEN cites {name} for {check_id}, and there is no such case"
        findings = findings_for(case)
        assert {f.status for f in findings} == {Status.UNKNOWN}, f"{check_id}:{name} is not UNKNOWN"
        assert any(dataset in f.message for f in findings), f"{check_id}:{name} is UNKNOWN, not for {dataset}"


def test_every_dataset_a_check_reads_is_declared(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = load_all_checks()
    reads: dict[str, set[str]] = defaultdict(set)
    current: list[str] = []
    original_get, original_item = Snapshot.get, Snapshot.item

    def get(self: Snapshot, dataset: str, region: str = GLOBAL) -> Any:
        if current:
            reads[current[0]].add(dataset)
        return original_get(self, dataset, region)

    def item(self: Snapshot, dataset: str, region: str, key: str) -> Any:
        if current:
            reads[current[0]].add(dataset)
        return original_item(self, dataset, region, key)

    monkeypatch.setattr(Snapshot, "get", get)
    monkeypatch.setattr(Snapshot, "item", item)
    for case in all_cases():
        current[:] = [case.check_id]
        findings_for(case)
    current.clear()
    undeclared = {check_id: sorted(read - set(registry[check_id].meta.datasets))
                  for check_id, read in reads.items() if read - set(registry[check_id].meta.datasets)}
    assert not undeclared, f"checks read datasets they do not declare: {undeclared}"
    assert len(reads) >= len(registry) - 5, "the recorder saw too few checks: is it wired to Snapshot?"
