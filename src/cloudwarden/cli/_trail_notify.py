"""Where `trail watch` sends incidents: stdout (JSON lines), a file, an HTTPS webhook or an SNS topic.

The only writes cloudwarden's detection side makes: one JSON document per incident. Webhooks get an
HTTP POST (application/json) with a timeout; SNS gets Publish with the incident as the message (a
FIFO topic also gets the incident key as deduplication id). A failure raises SendError, so the
incident stays unsent and is tried again next cycle.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from cloudwarden.core.arn import parse_arn
from cloudwarden.core.errors import UsageError
from cloudwarden.engines.trail.watch import Send, SendError

WEBHOOK_TIMEOUT = 10


def _line(incident: dict[str, Any]) -> str:
    return json.dumps(incident, default=str, sort_keys=True)


def to_stdout(incident: dict[str, Any]) -> None:
    sys.stdout.write(_line(incident) + "\n")
    sys.stdout.flush()


def to_file(path: Path) -> Send:
    def send(incident: dict[str, Any]) -> None:
        try:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(_line(incident) + "\n")
        except OSError as exc:
            raise SendError(f"cannot append to {path}: {exc}") from exc
    return send


def to_webhook(url: str) -> Send:
    def send(incident: dict[str, Any]) -> None:
        request = urllib.request.Request(url, data=_line(incident).encode(), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "User-Agent": "cloudwarden-trail-watch"})
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310 (http(s) only)
                response.read()
        except (urllib.error.URLError, OSError) as exc:
            raise SendError(f"webhook {url} failed: {exc}") from exc
    return send


def to_sns(topic_arn: str, client: Any = None) -> Send:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    parsed = parse_arn(topic_arn)
    region = parsed.region if parsed is not None else None
    sns = client or boto3.client("sns", region_name=region or None)

    def send(incident: dict[str, Any]) -> None:
        extra: dict[str, Any] = {}
        if topic_arn.endswith(".fifo"):
            extra = {"MessageGroupId": "cloudwarden", "MessageDeduplicationId": incident["incident_key"]}
        subject = f"cloudwarden: {incident.get('severity', '')} incident {incident.get('incident_key', '')}"
        try:
            sns.publish(TopicArn=topic_arn, Message=_line(incident), Subject=subject[:100], **extra)
        except (ClientError, BotoCoreError) as exc:
            raise SendError(f"SNS publish to {topic_arn} failed: {exc}") from exc
    return send


def sender(target: str | None) -> Send:
    """The send function for a --notify value (None: stdout)."""
    if target is None or target == "-":
        return to_stdout
    if target.startswith("sns:"):
        arn = target[4:]
        if not arn.startswith("arn:aws") or ":sns:" not in arn:
            raise UsageError(f"not an SNS topic ARN: {arn}", hint="--notify sns:arn:aws:sns:REGION:ACCOUNT:TOPIC")
        return to_sns(arn)
    if target.startswith(("https://", "http://")):
        return to_webhook(target)
    if target.startswith("file:"):
        return to_file(Path(target[5:]).expanduser())
    raise UsageError(f"cannot send to {target!r}", hint="use sns:ARN, https://..., or file:PATH")
