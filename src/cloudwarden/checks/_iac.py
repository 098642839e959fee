"""Infrastructure-as-code remediation per check: a CloudFormation template and a Terraform snippet.

The snippets live in package data (`data/remediation_iac.yaml`), one entry per check id, each with
any of:

- `cloudformation`: a template body (`Parameters:` for what differs per account, `Resources:`)
  that declares the compliant state; it lints clean with cfn-lint once
  `AWSTemplateFormatVersion` is put in front (a test does exactly that for every entry);
- `terraform`: HCL with `variable` blocks for the same inputs and `aws_*` resources;
- `manual`: why there is no declarative form (root-user MFA, deleting what is unused, rotating a
  key, a setting CloudFormation has no resource for) and what to do instead.

Families whose snippets differ only in data are generated here instead of written out: the CIS
metric filters and alarms (from the same patterns the checks judge by) and the GuardDuty
protection plans.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

FIELDS = ("cloudformation", "terraform", "manual")

# GuardDuty protection-plan checks and the detector feature each one asks for.
GUARDDUTY_FEATURES = {
    "guardduty.s3_protection": "S3_DATA_EVENTS",
    "guardduty.eks_audit_logs": "EKS_AUDIT_LOGS",
    "guardduty.ec2_malware_protection": "EBS_MALWARE_PROTECTION",
    "guardduty.rds_protection": "RDS_LOGIN_EVENTS",
    "guardduty.lambda_protection": "LAMBDA_NETWORK_LOGS",
    "guardduty.runtime_monitoring": "RUNTIME_MONITORING",
}


def iac_for(check_id: str) -> dict[str, str]:
    """The IaC fields of one check's remediation (empty strings where none is known)."""
    entry = snippets().get(check_id, {})
    return {name: entry.get(name, "") for name in FIELDS}


@lru_cache(maxsize=1)
def snippets() -> dict[str, dict[str, str]]:
    text = resources.files("cloudwarden.data").joinpath("remediation_iac.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError("data/remediation_iac.yaml: expected a mapping of check id to snippets")
    entries: dict[str, dict[str, str]] = {}
    for check_id, entry in data.items():
        if not isinstance(entry, dict) or not set(entry) <= set(FIELDS) or not entry:
            raise ValueError(f"data/remediation_iac.yaml: {check_id}: expected some of {', '.join(FIELDS)}")
        entries[str(check_id)] = {k: str(v).rstrip() + "\n" if k != "manual" else str(v).strip()
                                  for k, v in entry.items()}
    for check_id, entry in _generated().items():
        if check_id in entries:
            raise ValueError(f"data/remediation_iac.yaml: {check_id} is generated; remove it from the file")
        entries[check_id] = entry
    return entries


def _generated() -> dict[str, dict[str, str]]:
    from cloudwarden.checks._cis_detections import DETECTIONS

    out = {check_id: _metric_alarm(check_id, detection.label, detection.pattern)
           for check_id, detection in DETECTIONS.items()}
    out.update({check_id: _guardduty_feature(feature) for check_id, feature in GUARDDUTY_FEATURES.items()})
    return out


def _camel(check_id: str) -> str:
    return "".join(part.capitalize() for part in check_id.split(".", 1)[1].replace("alarm_", "").split("_"))


def _metric_alarm(check_id: str, label: str, pattern: str) -> dict[str, str]:
    name = _camel(check_id)
    cfn_pattern = pattern.replace("'", "''")
    tf_pattern = pattern.replace("\\", "\\\\").replace('"', '\\"')
    cloudformation = f"""\
Parameters:
  TrailLogGroupName:
    Type: String
    Description: The CloudWatch Logs log group the multi-region trail delivers to
  AlarmTopicArn:
    Type: String
    Description: SNS topic (with a subscriber) that receives the alarm
Resources:
  {name}Filter:
    Type: AWS::Logs::MetricFilter
    Properties:
      LogGroupName: !Ref TrailLogGroupName
      FilterPattern: '{cfn_pattern}'
      MetricTransformations:
        - MetricName: {name}
          MetricNamespace: CISBenchmark
          MetricValue: "1"
  {name}Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: cis-{name}
      AlarmDescription: CIS monitoring - {label}
      Namespace: CISBenchmark
      MetricName: {name}
      Statistic: Sum
      Period: 300
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      TreatMissingData: notBreaching
      AlarmActions:
        - !Ref AlarmTopicArn
"""
    terraform = f"""\
variable "trail_log_group_name" {{
  type        = string
  description = "The CloudWatch Logs log group the multi-region trail delivers to"
}}

variable "alarm_topic_arn" {{
  type        = string
  description = "SNS topic (with a subscriber) that receives the alarm"
}}

resource "aws_cloudwatch_log_metric_filter" "{name.lower()}" {{
  name           = "cis-{name}"
  log_group_name = var.trail_log_group_name
  pattern        = "{tf_pattern}"

  metric_transformation {{
    name      = "{name}"
    namespace = "CISBenchmark"
    value     = "1"
  }}
}}

resource "aws_cloudwatch_metric_alarm" "{name.lower()}" {{
  alarm_name          = "cis-{name}"
  alarm_description   = "CIS monitoring - {label}"
  namespace           = "CISBenchmark"
  metric_name         = "{name}"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
}}
"""
    return {"cloudformation": cloudformation, "terraform": terraform}


def _guardduty_feature(feature: str) -> dict[str, str]:
    extra_cfn = extra_tf = ""
    if feature == "RUNTIME_MONITORING":
        extra_cfn = """
          AdditionalConfiguration:
            - Name: EKS_ADDON_MANAGEMENT
              Status: ENABLED
            - Name: ECS_FARGATE_AGENT_MANAGEMENT
              Status: ENABLED
            - Name: EC2_AGENT_MANAGEMENT
              Status: ENABLED"""
        extra_tf = "".join(f"""

  additional_configuration {{
    name   = "{name}"
    status = "ENABLED"
  }}""" for name in ("EKS_ADDON_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT"))
    cloudformation = f"""\
# A region holds one detector: where one exists, add the feature to it instead (or import it).
Resources:
  Detector:
    Type: AWS::GuardDuty::Detector
    Properties:
      Enable: true
      FindingPublishingFrequency: FIFTEEN_MINUTES
      Features:
        - Name: {feature}
          Status: ENABLED{extra_cfn}
"""
    terraform = f"""\
# One detector per region (a provider alias per region); import an existing one rather than
# create a second.
resource "aws_guardduty_detector" "this" {{
  enable                       = true
  finding_publishing_frequency = "FIFTEEN_MINUTES"
}}

resource "aws_guardduty_detector_feature" "{feature.lower()}" {{
  detector_id = aws_guardduty_detector.this.id
  name        = "{feature}"
  status      = "ENABLED"{extra_tf}
}}
"""
    return {"cloudformation": cloudformation, "terraform": terraform}
