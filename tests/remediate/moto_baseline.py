"""Deploy the baseline template into moto and complete what moto's CloudFormation leaves out.

moto 5.2's CloudFormation creates only some resource types, and of some only part of the properties
(measured, see docs/fix.md). `deploy` creates the stack through CloudFormation; `complete` then
makes, for every resource or property moto skipped, the API call CloudFormation would make, with
the properties as moto itself resolved them from the template (Ref, GetAtt, Sub, If): the template
stays the one source of what is deployed. Each call made is returned, so the test and the docs can
list them. Settings with no CloudFormation resource at all (`NOT_IN_TEMPLATE`) are not applied here,
nor, in the rescan test, the types in `FIX_PATH`: that test applies them through `cloudwarden fix`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import boto3

# What moto's CloudFormation (5.2) makes of each type the baseline uses: "created" (all the
# properties the checks read), "partly" (the resource, without the properties named), or absent
# (accepted, not created).
PARTLY = {
    "AWS::S3::Bucket": "versioning, Block Public Access, ownership controls, lifecycle, access logging",
    "AWS::IAM::Role": "ManagedPolicyArns; inline Policies kept unserialised",
    "AWS::Logs::LogGroup": "KmsKeyId",
    "AWS::KMS::Key": "KeyPolicy kept unserialised",
}
CREATED = {"AWS::SNS::Topic"}


class Stand:
    """A stand-in for a resource made outside moto's CloudFormation, so later Refs resolve to it."""

    def __init__(self, physical_id: str, attributes: dict[str, Any] | None = None) -> None:
        self.physical_resource_id = physical_id
        self.attributes = attributes or {}

    def get_cfn_attribute(self, name: str) -> Any:
        return self.attributes[name]


def deploy(template: dict[str, Any], parameters: dict[str, str], region: str, name: str = "baseline") -> Any:
    cfn = boto3.client("cloudformation", region_name=region)
    # Deployed as docs/fix.md says to: with termination protection.
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"],
                     EnableTerminationProtection=True,
                     Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])
    status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE", status
    from moto.cloudformation.models import cloudformation_backends

    account = boto3.client("sts", region_name=region).get_caller_identity()["Account"]
    return next(s for s in cloudformation_backends[account][region].stacks.values() if s.name == name)


def _lifecycle(rules: list[dict[str, Any]]) -> dict[str, Any]:
    out = []
    for rule in rules:
        out.append({"ID": rule["Id"], "Status": rule["Status"], "Filter": {"Prefix": ""},
                    "Transitions": [{"Days": int(t["TransitionInDays"]), "StorageClass": t["StorageClass"]}
                                    for t in rule.get("Transitions") or []],
                    "NoncurrentVersionTransitions": [{"NoncurrentDays": int(t["TransitionInDays"]),
                                                      "StorageClass": t["StorageClass"]}
                                                     for t in rule.get("NoncurrentVersionTransitions") or []]})
    return {"Rules": out}


# The resource types moto's CloudFormation skips that `cloudwarden fix` makes (the rescan test leaves
# them to the fix path: `complete(..., skip=FIX_PATH)`).
FIX_PATH = frozenset({
    "AWS::CloudTrail::Trail", "AWS::Logs::MetricFilter", "AWS::CloudWatch::Alarm", "AWS::Config::ConfigurationRecorder",
    "AWS::Config::DeliveryChannel", "AWS::IAM::ServiceLinkedRole", "AWS::GuardDuty::Detector", "AWS::SecurityHub::Hub",
    "AWS::SecurityHub::Standard", "AWS::S3::BucketPolicy", "AWS::AccessAnalyzer::Analyzer"})


def complete(template: dict[str, Any], stack: Any, region: str, skip: frozenset[str] = frozenset()) -> list[str]:
    """Make what moto's CloudFormation skipped, but the types in `skip`; return one line per resource."""
    from moto.cloudformation.parsing import clean_json

    rmap = stack.resource_map
    made: list[str] = []

    def props(logical_id: str) -> dict[str, Any]:
        return clean_json(copy.deepcopy(template["Resources"][logical_id].get("Properties") or {}), rmap)

    def client(service: str) -> Any:
        return boto3.client(service, region_name=region)

    def physical(logical_id: str) -> str:
        return str(rmap[logical_id].physical_resource_id)

    def bucket_policy(logical_id: str) -> None:
        p = props(logical_id)
        client("s3").put_bucket_policy(Bucket=p["Bucket"], Policy=json.dumps(p["PolicyDocument"]))

    def bucket(logical_id: str) -> None:
        p, s3, name = props(logical_id), client("s3"), physical(logical_id)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=p["VersioningConfiguration"])
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"])
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=p["OwnershipControls"])
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration=_lifecycle(
            p["LifecycleConfiguration"]["Rules"]))
        if "LoggingConfiguration" in p and "AWS::S3::BucketPolicy" in skip:
            # The target bucket's policy (its grant to the logging service) is left to the fix path, and
            # S3 refuses logging into a bucket that grants nothing: reported, not made.
            made.append(f"{logical_id} AWS::S3::Bucket: LoggingConfiguration not made (its target's policy is "
                        "left to the fix path; the trail the fix makes logs its own bucket)")
        elif "LoggingConfiguration" in p:
            logging = p["LoggingConfiguration"]
            s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": {
                "TargetBucket": logging["DestinationBucketName"], "TargetPrefix": logging.get("LogFilePrefix", "")}})

    def role(logical_id: str) -> None:
        p, iam = props(logical_id), client("iam")
        for arn in p.get("ManagedPolicyArns") or []:
            iam.attach_role_policy(RoleName=physical(logical_id), PolicyArn=arn)
        # moto keeps inline policies as dicts (its GetAccountAuthorizationDetails then fails): as text.
        for policy in p.get("Policies") or []:
            iam.put_role_policy(RoleName=physical(logical_id), PolicyName=policy["PolicyName"],
                                PolicyDocument=json.dumps(policy["PolicyDocument"]))

    def key(logical_id: str) -> None:
        # moto keeps KeyPolicy as a dict (its DescribeKey then fails): as text.
        client("kms").put_key_policy(KeyId=physical(logical_id), PolicyName="default",
                                     Policy=json.dumps(props(logical_id)["KeyPolicy"]))

    def log_group(logical_id: str) -> None:
        # moto reads RetentionInDays but not KmsKeyId, and has no AssociateKmsKey: the group is made
        # again (still empty) with its key, as CreateLogGroup would make it.
        p, logs, name = props(logical_id), client("logs"), physical(logical_id)
        logs.delete_log_group(logGroupName=name)
        logs.create_log_group(logGroupName=name, kmsKeyId=p["KmsKeyId"])
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(p["RetentionInDays"]))

    def service_linked_role(logical_id: str) -> None:
        client("iam").create_service_linked_role(AWSServiceName=props(logical_id)["AWSServiceName"])
        # moto names it AWSServiceRoleForconfig; AWS (and the resource's Ref) say AWSServiceRoleForConfig.
        rmap._parsed_resources[logical_id] = Stand("AWSServiceRoleForConfig")

    def trail(logical_id: str) -> None:
        p, ct = props(logical_id), client("cloudtrail")
        name = f"{stack.name}-{logical_id}"
        ct.create_trail(Name=name, S3BucketName=p["S3BucketName"], IsMultiRegionTrail=p["IsMultiRegionTrail"],
                        IncludeGlobalServiceEvents=p["IncludeGlobalServiceEvents"],
                        EnableLogFileValidation=p["EnableLogFileValidation"], KmsKeyId=p["KMSKeyId"],
                        CloudWatchLogsLogGroupArn=p["CloudWatchLogsLogGroupArn"],
                        CloudWatchLogsRoleArn=p["CloudWatchLogsRoleArn"],
                        IsOrganizationTrail=bool(p.get("IsOrganizationTrail")))
        if p.get("EventSelectors"):
            ct.put_event_selectors(TrailName=name, EventSelectors=p["EventSelectors"])
        if p["IsLogging"]:
            ct.start_logging(Name=name)
        rmap._parsed_resources[logical_id] = Stand(name)

    def metric_filter(logical_id: str) -> None:
        p = props(logical_id)
        client("logs").put_metric_filter(logGroupName=p["LogGroupName"], filterName=p["FilterName"],
                                         filterPattern=p["FilterPattern"], metricTransformations=[
                                             {"metricName": t["MetricName"], "metricNamespace": t["MetricNamespace"],
                                              "metricValue": t["MetricValue"]} for t in p["MetricTransformations"]])

    def alarm(logical_id: str) -> None:
        p = props(logical_id)
        client("cloudwatch").put_metric_alarm(**{k: p[k] for k in (
            "AlarmName", "AlarmDescription", "MetricName", "Namespace", "Statistic", "Period", "EvaluationPeriods",
            "ComparisonOperator", "TreatMissingData", "ActionsEnabled", "AlarmActions")},
            Threshold=float(p["Threshold"]))

    def group(logical_id: str) -> None:
        p, iam = props(logical_id), client("iam")
        name = f"{stack.name}-{logical_id}"
        iam.create_group(GroupName=name)
        for arn in p.get("ManagedPolicyArns") or []:
            iam.attach_group_policy(GroupName=name, PolicyArn=arn)
        for policy in p.get("Policies") or []:
            iam.put_group_policy(GroupName=name, PolicyName=policy["PolicyName"],
                                 PolicyDocument=json.dumps(policy["PolicyDocument"]))

    def recorder(logical_id: str) -> None:
        p = props(logical_id)
        group_ = p["RecordingGroup"]
        client("config").put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": p["RoleARN"], "recordingGroup": {
                "allSupported": group_["AllSupported"], "includeGlobalResourceTypes": group_["IncludeGlobalResourceTypes"]}})

    def channel(logical_id: str) -> None:
        p = props(logical_id)
        config = client("config")
        config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": p["S3BucketName"],
                                                     "configSnapshotDeliveryProperties": {
                                                         "deliveryFrequency": p["ConfigSnapshotDeliveryProperties"][
                                                             "DeliveryFrequency"]}})
        config.start_configuration_recorder(ConfigurationRecorderName="default")  # as CloudFormation does

    def detector(logical_id: str) -> None:
        p = props(logical_id)
        answer = client("guardduty").create_detector(Enable=p["Enable"], Features=p["Features"],
                                                     FindingPublishingFrequency=p["FindingPublishingFrequency"])
        rmap._parsed_resources[logical_id] = Stand(answer["DetectorId"])

    def hub(logical_id: str) -> None:
        p = props(logical_id)
        client("securityhub").enable_security_hub(EnableDefaultStandards=p["EnableDefaultStandards"],
                                                  ControlFindingGenerator=p["ControlFindingGenerator"])

    def standard(logical_id: str) -> None:
        client("securityhub").batch_enable_standards(StandardsSubscriptionRequests=[
            {"StandardsArn": props(logical_id)["StandardsArn"]}])

    def analyzer(logical_id: str) -> None:
        client("accessanalyzer").create_analyzer(analyzerName=f"{stack.name}-{logical_id}",
                                                 type=props(logical_id)["Type"])

    makers: dict[str, Callable[[str], None]] = {
        "AWS::KMS::Key": key, "AWS::IAM::ServiceLinkedRole": service_linked_role, "AWS::S3::BucketPolicy": bucket_policy,
        "AWS::S3::Bucket": bucket, "AWS::IAM::Role": role, "AWS::Logs::LogGroup": log_group,
        "AWS::CloudTrail::Trail": trail, "AWS::Logs::MetricFilter": metric_filter, "AWS::CloudWatch::Alarm": alarm,
        "AWS::IAM::Group": group, "AWS::Config::ConfigurationRecorder": recorder,
        "AWS::Config::DeliveryChannel": channel, "AWS::GuardDuty::Detector": detector,
        "AWS::SecurityHub::Hub": hub, "AWS::SecurityHub::Standard": standard,
        "AWS::AccessAnalyzer::Analyzer": analyzer,
    }
    order = list(makers)  # dependencies first: the role before the recorder, policies before logging
    resources = sorted(template["Resources"].items(), key=lambda item: order.index(item[1]["Type"])
                       if item[1]["Type"] in makers else -1)
    for logical_id, resource in resources:
        kind = resource["Type"]
        if kind in CREATED or kind in skip:
            continue
        if kind not in makers:
            raise AssertionError(f"{logical_id}: no completion for {kind}; add one or list it as CREATED")
        condition = resource.get("Condition")
        if condition and not rmap.lazy_condition_map[condition]:
            continue
        how = f"completed ({PARTLY[kind]})" if kind in PARTLY else "made (moto's CloudFormation skips this type)"
        try:
            makers[kind](logical_id)
        except Exception as error:  # a moto API gap: reported, the rescan then says UNKNOWN or FAIL
            made.append(f"{logical_id} {kind}: NOT MADE, {type(error).__name__}: {str(error)[:120]}")
            continue
        made.append(f"{logical_id} {kind}: {how}")
    return made
