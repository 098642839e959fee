"""A check's id prefix names its module, or the module is listed here with the prefixes it holds.

Modules named after one service hold only that service's ids; modules that group by theme
(detection services, incident response, the engine-backed checks) list theirs explicitly, so a
contributor looking for `guardduty.enabled` finds it from this map. New modules named after their
service need no entry.
"""

from __future__ import annotations

from cloudwarden.checks.registry import load_all_checks

THEMED_MODULES: dict[str, set[str]] = {
    "config_secrets": {"cloudformation", "ec2"},
    "detection_services": {"config", "guardduty", "securityhub"},
    "data_more": {"dynamodb", "ebs", "ec2"},
    "dynamodb_more": {"dynamodb"},
    "ebs_more": {"ebs"},
    "ec2_more": {"ec2"},
    "kms_more": {"kms"},
    "rds_more": {"rds"},
    "s3_more": {"s3"},
    "detect_more": {"cloudtrail", "config", "guardduty", "inspector", "ir"},
    "org_guardrails": {"org"},
    "org_policies": {"org"},
    "ec2_instances": {"ec2"},
    "crosscut": {"cloudwatch", "detect", "ec2", "iam", "ir", "logging", "tls"},
    "governance": {"account", "cloudformation", "guardduty", "iam", "securityhub", "support", "trustedadvisor"},
    "iam_credentials": {"account", "iam", "org"},
    "iam_more": {"iam"},
    "iam_engine": {"iam", "s3"},
    "iam_data_reach": {"iam"},
    "iam_policies": {"iam"},
    "incident_response": {"backup", "cloudformation", "ir"},
    "network_engine": {"net"},
    "vpc": {"ec2", "vpc"},
    "vpc_connectivity": {"vpc"},
}


def test_every_check_id_prefix_names_its_module_or_is_mapped() -> None:
    wrong = []
    for check_id, check_def in load_all_checks().items():
        module = check_def.fn.__module__.rsplit(".", 1)[-1]
        prefix = check_id.split(".", 1)[0]
        allowed = THEMED_MODULES.get(module, {module})
        if prefix not in allowed:
            wrong.append(f"{check_id} in checks/{module}.py")
    assert not wrong, "id prefix names neither its module nor an entry of THEMED_MODULES: " + ", ".join(wrong)
