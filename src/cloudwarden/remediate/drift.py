"""Drift: where an account (its snapshot) deviates from the baseline template it was given.

Each template resource of a type cloudwarden knows is looked for in the snapshot and its security
settings compared with the template's. The result is one finding per resource: PASS when a matching
resource has the settings, FAIL naming what differs, UNKNOWN when the snapshot lacks the data (a gap
is never a PASS). Resource types drift does not compare are reported as UNKNOWN too, so nothing in
the template is silently skipped. Settings CloudFormation has no resource for are not compared here:
`cloudwarden assess` covers them as checks.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from cloudwarden.core.enums import Area, Severity, Status
from cloudwarden.core.errors import InputError
from cloudwarden.core.findings import Finding
from cloudwarden.inventory.snapshot import GLOBAL, DataUnavailable, Snapshot

DRIFT_ID = "baseline.drift"


class _Unknown(Exception):
    pass


def load_template(path: str | Path) -> dict[str, Any]:
    """The template as a dict (YAML or JSON; intrinsic functions in their long form)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read baseline {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"baseline {path} is not a YAML/JSON CloudFormation template: {str(exc).splitlines()[0]}",
                         hint="write one with `cloudwarden baseline --out FILE`") from None
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise InputError(f"baseline {path} has no Resources section", hint="write one with `cloudwarden baseline`")
    return data


def _get(snapshot: Snapshot, dataset: str, region: str) -> Any:
    try:
        return snapshot.get(dataset, region)
    except DataUnavailable as missing:
        raise _Unknown(f"{dataset} in {region}: {missing.reason}") from None


def _item(snapshot: Snapshot, dataset: str, region: str, key: str) -> Any:
    try:
        return snapshot.item(dataset, region, key)
    except DataUnavailable as missing:
        raise _Unknown(f"{dataset} {key}: {missing.reason}") from None


def _trails(snapshot: Snapshot, region: str) -> list[dict[str, Any]]:
    return [t for t in (_get(snapshot, "cloudtrail.trails", region) or []) if isinstance(t, dict)]


def _trail_differences(snapshot: Snapshot, props: dict[str, Any], trail: dict[str, Any]) -> list[str]:
    diffs = []
    if props.get("IsMultiRegionTrail") and not trail.get("IsMultiRegionTrail"):
        diffs.append("not multi-region")
    if props.get("EnableLogFileValidation") and not trail.get("LogFileValidationEnabled"):
        diffs.append("log-file validation off")
    if props.get("KMSKeyId") and not trail.get("KmsKeyId"):
        diffs.append("not KMS-encrypted")
    if props.get("IncludeGlobalServiceEvents") and not trail.get("IncludeGlobalServiceEvents"):
        diffs.append("global service events not included")
    if props.get("IsLogging"):
        home = str(trail.get("HomeRegion") or "us-east-1")
        status = _item(snapshot, "cloudtrail.trail_status", home, str(trail.get("TrailARN")))
        if not (status or {}).get("IsLogging"):
            diffs.append("not logging")
    return diffs


def _compare_trail(snapshot: Snapshot, props: dict[str, Any], region: str) -> tuple[Status, str, str]:
    trails = _trails(snapshot, region)
    if not trails:
        return Status.FAIL, "", "no CloudTrail trail in the account"
    scored = sorted(((_trail_differences(snapshot, props, t), t) for t in trails), key=lambda p: len(p[0]))
    diffs, best = scored[0]
    name = str(best.get("TrailARN") or best.get("Name"))
    if diffs:
        return Status.FAIL, name, "closest trail differs: " + ", ".join(diffs)
    return Status.PASS, name, "trail has the baseline settings"


def _compare_bucket(snapshot: Snapshot, props: dict[str, Any], region: str,
                    role: str = "trail") -> tuple[Status, str, str]:
    """`role`: "trail" for the bucket the trail writes to, "access-log" for the one it logs access to."""
    trails = [t for t in _trails(snapshot, region) if t.get("S3BucketName")]
    if not trails:
        return Status.UNKNOWN, "", "no trail names its log bucket, so the baseline bucket cannot be found"
    trails.sort(key=lambda t: not t.get("IsMultiRegionTrail"))
    bucket = str(trails[0]["S3BucketName"])
    if role == "access-log":
        logging = _logging(snapshot, bucket)
        if not logging.get("TargetBucket"):
            return Status.FAIL, "", f"trail bucket {bucket} logs access nowhere, so its access-log bucket is missing"
        bucket = str(logging["TargetBucket"])
    diffs = []
    if (props.get("VersioningConfiguration") or {}).get("Status") == "Enabled":
        versioning = _item(snapshot, "s3.bucket_versioning", GLOBAL, bucket) or {}
        if versioning.get("Status") != "Enabled":
            diffs.append("versioning not enabled")
    wanted_block = props.get("PublicAccessBlockConfiguration") or {}
    if wanted_block:
        block = _item(snapshot, "s3.bucket_public_access_block", GLOBAL, bucket) or {}
        block = block.get("PublicAccessBlockConfiguration", block)
        off = sorted(k for k, v in wanted_block.items() if v is True and block.get(k) is not True)
        if off:
            diffs.append("Block Public Access off: " + ", ".join(off))
    if props.get("LifecycleConfiguration"):
        rules = _item(snapshot, "s3.bucket_lifecycle", GLOBAL, bucket) or []
        if isinstance(rules, dict):
            rules = rules.get("Rules") or []
        if not any(r.get("Status") == "Enabled" and any(t.get("StorageClass") == "GLACIER"
                                                         for t in r.get("Transitions") or []) for r in rules):
            diffs.append("no enabled lifecycle rule to Glacier")
    if props.get("BucketEncryption") and not _item(snapshot, "s3.bucket_encryption", GLOBAL, bucket):
        diffs.append("no default encryption")
    if props.get("LoggingConfiguration"):
        logging = _logging(snapshot, bucket)
        if not logging.get("TargetBucket"):
            diffs.append("no server access logging")
    what = "trail bucket" if role == "trail" else f"{role} bucket"
    if diffs:
        return Status.FAIL, bucket, f"{what} differs: " + ", ".join(diffs)
    return Status.PASS, bucket, f"{what} has the baseline settings"


def _compare_detector(snapshot: Snapshot, props: dict[str, Any], region: str) -> tuple[Status, str, str]:
    ids = _get(snapshot, "guardduty.detector_ids", region) or []
    if not ids:
        return Status.FAIL, "", f"no GuardDuty detector in {region}"
    for detector_id in ids:
        detector = _item(snapshot, "guardduty.detectors", region, str(detector_id)) or {}
        if detector.get("Status") == "ENABLED":
            return Status.PASS, str(detector_id), "GuardDuty detector enabled"
    return Status.FAIL, str(ids[0]), "GuardDuty detector not enabled"


def _compare_hub(snapshot: Snapshot, props: dict[str, Any], region: str) -> tuple[Status, str, str]:
    hub = _get(snapshot, "securityhub.hub", region)
    if not hub:
        return Status.FAIL, "", f"Security Hub not enabled in {region}"
    return Status.PASS, str(hub.get("HubArn", "")), "Security Hub enabled"


def _compare_analyzer(snapshot: Snapshot, props: dict[str, Any], region: str) -> tuple[Status, str, str]:
    wanted = str(props.get("Type") or "ACCOUNT")
    analyzers = _get(snapshot, "accessanalyzer.analyzers", region) or []
    for analyzer in analyzers:
        if analyzer.get("type") == wanted and analyzer.get("status") == "ACTIVE":
            return Status.PASS, str(analyzer.get("arn", "")), f"active {wanted} analyzer"
    return Status.FAIL, "", f"no active {wanted} IAM Access Analyzer in {region}"


def _arn(value: Any, snapshot: Snapshot) -> str:
    """A policy ARN from the template, its Fn::Sub pseudo parameters resolved for the snapshot's account."""
    text = str(value.get("Fn::Sub") if isinstance(value, dict) else value)
    return text.replace("${AWS::Partition}", snapshot.partition).replace("${AWS::AccountId}", snapshot.account_id)


def _compare_group(snapshot: Snapshot, props: dict[str, Any], region: str) -> tuple[Status, str, str]:
    details = _get(snapshot, "iam.authorization_details", GLOBAL) or {}
    wanted = {_arn(arn, snapshot) for arn in props.get("ManagedPolicyArns") or []}
    wanted_inline = {p.get("PolicyName") for p in props.get("Policies") or []}
    for group in details.get("GroupDetailList") or []:
        attached = {str(p.get("PolicyArn")) for p in group.get("AttachedManagedPolicies") or []}
        inline = {p.get("PolicyName") for p in group.get("GroupPolicyList") or []}
        if wanted <= attached and wanted_inline <= inline:
            return Status.PASS, str(group.get("GroupName")), "group with the baseline policies"
    what = ", ".join(sorted(wanted | {f"inline {n}" for n in wanted_inline}))
    return Status.FAIL, "", f"no IAM group with {what}"


def _compare_metric_filter(snapshot: Snapshot, props: dict[str, Any], region: str) -> tuple[Status, str, str]:
    pattern = str(props.get("FilterPattern", ""))
    for metric_filter in _get(snapshot, "logs.metric_filters", region) or []:
        if metric_filter.get("filterPattern") == pattern:
            name = str(metric_filter.get("filterName"))
            return Status.PASS, name, f"metric filter {name} on {metric_filter.get('logGroupName')} has the pattern"
    return Status.FAIL, "", f"no metric filter in {region} has the baseline pattern {pattern[:80]}"


def _compare_alarm(snapshot: Snapshot, props: dict[str, Any], region: str) -> tuple[Status, str, str]:
    metric = (props.get("Namespace"), props.get("MetricName"))
    watching = [a for a in _get(snapshot, "cloudwatch.alarms", region) or []
                if (a.get("Namespace"), a.get("MetricName")) == metric]
    where = f"{metric[0]}/{metric[1]}"
    for alarm in watching:
        if alarm.get("ActionsEnabled") is not False and any(":sns:" in str(a) for a in alarm.get("AlarmActions") or []):
            return Status.PASS, str(alarm.get("AlarmArn") or alarm.get("AlarmName")), f"alarm on {where} notifies SNS"
    if watching:
        return Status.FAIL, str(watching[0].get("AlarmName")), f"the alarm on {where} notifies no SNS topic"
    return Status.FAIL, "", f"no alarm on metric {where} in {region}"


def _compare_log_group(snapshot: Snapshot, props: dict[str, Any], region: str) -> tuple[Status, str, str]:
    names = {str(t["CloudWatchLogsLogGroupArn"]).split(":log-group:")[-1].split(":")[0]
             for t in _trails(snapshot, region) if t.get("CloudWatchLogsLogGroupArn")}
    if not names:
        return Status.FAIL, "", "no trail delivers to CloudWatch Logs, so the baseline log group is missing"
    groups = [g for g in _get(snapshot, "logs.log_groups", region) or [] if g.get("logGroupName") in names]
    if not groups:
        return Status.UNKNOWN, "", f"the trail's log group {sorted(names)[0]} is not in {region}'s snapshot"
    group = groups[0]
    diffs = []
    if props.get("KmsKeyId") and not group.get("kmsKeyId"):
        diffs.append("no KMS key")
    if props.get("RetentionInDays") and int(group.get("retentionInDays") or 0) < 365:
        diffs.append(f"retention {group.get('retentionInDays') or 'never set'} (under 365 days)")
    name = str(group.get("logGroupName"))
    return (Status.FAIL, name, "trail log group differs: " + ", ".join(diffs)) if diffs else \
        (Status.PASS, name, "trail log group has the baseline settings")


def _compare_recorder(snapshot: Snapshot, props: dict[str, Any], region: str) -> tuple[Status, str, str]:
    states = {str(s.get("name")): s for s in _get(snapshot, "config.recorder_status", region) or []}
    recorders = _get(snapshot, "config.recorders", region) or []
    if not recorders:
        return Status.FAIL, "", f"no AWS Config recorder in {region}"
    diffs: list[str] = []
    for recorder in recorders:
        diffs = []
        if (props.get("RecordingGroup") or {}).get("AllSupported") and \
                not (recorder.get("recordingGroup") or {}).get("allSupported"):
            diffs.append("does not record all supported resource types")
        if not states.get(str(recorder.get("name")), {}).get("recording"):
            diffs.append("stopped")
        if not diffs:
            return Status.PASS, str(recorder.get("name")), "Config recorder records all types and is on"
    return Status.FAIL, str(recorders[-1].get("name")), "Config recorder " + ", ".join(diffs)


def _compare_channel(snapshot: Snapshot, props: dict[str, Any], region: str) -> tuple[Status, str, str]:
    channels = _get(snapshot, "config.delivery_channels", region) or []
    if not channels:
        return Status.FAIL, "", f"no AWS Config delivery channel in {region}"
    return Status.PASS, str(channels[0].get("name")), f"delivery channel to s3://{channels[0].get('s3BucketName')}"


def _compare_role(snapshot: Snapshot, props: dict[str, Any], region: str) -> tuple[Status, str, str]:
    details = _get(snapshot, "iam.authorization_details", GLOBAL) or {}
    wanted = {_arn(arn, snapshot) for arn in props.get("ManagedPolicyArns") or []}
    wanted_inline = {p.get("PolicyName") for p in props.get("Policies") or []}
    for role in details.get("RoleDetailList") or []:
        attached = {str(p.get("PolicyArn")) for p in role.get("AttachedManagedPolicies") or []}
        inline = {p.get("PolicyName") for p in role.get("RolePolicyList") or []}
        if wanted <= attached and wanted_inline <= inline:
            return Status.PASS, str(role.get("Arn") or role.get("RoleName")), "role with the baseline policies"
    what = ", ".join(sorted(wanted | {f"inline {n}" for n in wanted_inline}))
    return Status.FAIL, "", f"no IAM role with {what}"


def _compare_standard(snapshot: Snapshot, props: dict[str, Any], region: str) -> tuple[Status, str, str]:
    text = str((props.get("StandardsArn") or {}).get("Fn::Sub", props.get("StandardsArn")))
    text = text.replace("${AWS::Partition}", snapshot.partition).replace("${AWS::Region}", region)
    pattern = re.sub(r"\$\{[^}]+\}", "*", text)  # a template parameter (the CIS version): any value
    enabled = [str(s.get("StandardsArn")) for s in _get(snapshot, "securityhub.enabled_standards", region) or []
               if s.get("StandardsStatus") not in ("DELETING", "FAILED")]
    found = [arn for arn in enabled if fnmatch.fnmatchcase(arn, pattern)]
    if found:
        return Status.PASS, found[0], "standard enabled"
    return Status.FAIL, "", f"standard {pattern} not enabled in {region}"


COMPARERS: dict[str, Callable[[Snapshot, dict[str, Any], str], tuple[Status, str, str]]] = {
    "AWS::CloudTrail::Trail": _compare_trail,
    "AWS::S3::Bucket": _compare_bucket,
    "AWS::GuardDuty::Detector": _compare_detector,
    "AWS::SecurityHub::Hub": _compare_hub,
    "AWS::AccessAnalyzer::Analyzer": _compare_analyzer,
    "AWS::IAM::Group": _compare_group,
    "AWS::IAM::Role": _compare_role,
    "AWS::Logs::MetricFilter": _compare_metric_filter,
    "AWS::Logs::LogGroup": _compare_log_group,
    "AWS::CloudWatch::Alarm": _compare_alarm,
    "AWS::Config::ConfigurationRecorder": _compare_recorder,
    "AWS::Config::DeliveryChannel": _compare_channel,
    "AWS::SecurityHub::Standard": _compare_standard,
}
# Resources that exist to serve another one (compared through it), not on their own.
THROUGH = {"AWS::KMS::Key": "the trail's KMS encryption", "AWS::S3::BucketPolicy": "the trail bucket",
           "AWS::SNS::Topic": "the alarms' SNS actions", "AWS::IAM::ServiceLinkedRole": "the Config recorder"}


def _logging(snapshot: Snapshot, bucket: str) -> dict[str, Any]:
    """The bucket's LoggingEnabled (empty when access logging is off)."""
    value = _item(snapshot, "s3.bucket_logging", GLOBAL, bucket) or {}
    return dict(value.get("LoggingEnabled", value)) if isinstance(value, dict) else {}


def _bucket_role(resources: dict[str, Any], logical_id: str) -> str | None:
    """Whether the template's bucket `logical_id` is the trail's log bucket, its access-log bucket, or neither."""
    ref = {"Ref": logical_id}
    for resource in resources.values():
        if (resource or {}).get("Type") == "AWS::CloudTrail::Trail":
            log_bucket = ((resource.get("Properties") or {}).get("S3BucketName") or {})
            if log_bucket == ref:
                return "trail"
            target = log_bucket.get("Ref") if isinstance(log_bucket, dict) else None
            props = ((resources.get(target) or {}).get("Properties") or {}) if target else {}
            if (props.get("LoggingConfiguration") or {}).get("DestinationBucketName") == ref:
                return "access-log"
    return None


def drift(template: dict[str, Any], snapshot: Snapshot, region: str | None = None) -> list[Finding]:
    """One finding per template resource: does the snapshot's account have it as the template says?"""
    home = region or (snapshot.regions[0] if snapshot.regions else "us-east-1")
    findings = []
    for logical_id, resource in template["Resources"].items():
        kind = str((resource or {}).get("Type", ""))
        props = (resource or {}).get("Properties") or {}
        if kind in THROUGH:
            continue
        comparer = COMPARERS.get(kind)
        note = f"drift does not compare {kind} resources"
        if kind == "AWS::S3::Bucket":
            role = _bucket_role(template["Resources"], logical_id)
            comparer = None if role is None else functools.partial(_compare_bucket, role=role)
            note = "drift finds buckets through the trail (its log bucket, or that bucket's access-log target)"
        if comparer is None:
            status, resource_id, message = Status.UNKNOWN, "", note
        else:
            try:
                status, resource_id, message = comparer(snapshot, props, home)
            except _Unknown as gap:
                status, resource_id, message = Status.UNKNOWN, "", f"not collected: {gap}"
        findings.append(Finding(
            check_id=DRIFT_ID, title=f"Baseline resource {logical_id} ({kind}) is in place as templated",
            area=Area.IR, severity=Severity.MEDIUM,
            status=status, account_id=snapshot.account_id, region=home, resource_type=kind,
            resource_id=resource_id or logical_id, resource_arn=resource_id if resource_id.startswith("arn:") else "",
            message=f"{logical_id}: {message}"))
    return findings
