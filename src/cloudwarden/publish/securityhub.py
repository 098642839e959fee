"""Security Hub: BatchImportFindings of the ASFF findings, 100 a request, rejected ones reported.

Reads either a findings.asff.json or a findings.json (rendered to ASFF on the fly). The findings go
to one region's Security Hub (the `--region`, else the profile's default); each finding's
ProductArn and Region are pointed at it, since Security Hub accepts a finding only in the region
of its product ARN.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from cloudwarden.core.arn import partition_of
from cloudwarden.core.errors import CloudwardenError, CredentialsError, InputError, UsageError
from cloudwarden.report.formats.asff import asff_findings, product_arn
from cloudwarden.report.json_report import SCHEMA_NAME, assessment_from_document

BATCH_SIZE = 100  # BatchImportFindings takes at most 100 findings a request


class PublishError(CloudwardenError):
    """The target service refused the request as a whole (not enabled, no permission, unreachable)."""

    exit_code = 3


@dataclass(frozen=True)
class Rejected:
    finding_id: str
    error_code: str
    message: str


@dataclass
class ImportResult:
    region: str
    sent: int = 0
    succeeded: int = 0
    batches: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def load_asff(path: Path) -> list[dict[str, Any]]:
    """The ASFF findings of a findings.asff.json, or of a findings.json rendered to ASFF."""
    hint = "give a findings.asff.json or findings.json written by `cloudwarden scan --out DIR`"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no such file: {path}", hint=hint) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path} is not JSON ({error})", hint=hint) from None
    if isinstance(document, dict) and document.get("schema") == SCHEMA_NAME:
        return asff_findings(assessment_from_document(document))
    if isinstance(document, list) and all(isinstance(f, dict) and "SchemaVersion" in f for f in document):
        return document
    raise InputError(f"{path} holds neither ASFF findings nor a cloudwarden findings document", hint=hint)


def securityhub_client(region: str | None, profile: str | None = None, endpoint_url: str | None = None) -> Any:
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except BotoCoreError as error:  # an unknown profile
        raise CredentialsError(str(error), hint="check `aws configure list-profiles`") from None
    if not session.region_name:
        raise UsageError("no region to import into", hint="give --region (e.g. --region eu-west-1)")
    return session.client("securityhub", endpoint_url=endpoint_url)


def import_findings(findings: list[dict[str, Any]], client: Any,
                    progress: Callable[[int, int], None] | None = None) -> ImportResult:
    region = client.meta.region_name
    result = ImportResult(region=region)
    pointed = [_in_region(f, region) for f in findings]
    for start in range(0, len(pointed), BATCH_SIZE):
        batch = pointed[start:start + BATCH_SIZE]
        response = _send(client, batch)
        result.batches += 1
        result.sent += len(batch)
        result.succeeded += int(response.get("SuccessCount", 0))
        result.rejected.extend(Rejected(f.get("Id", ""), f.get("ErrorCode", ""), f.get("ErrorMessage", ""))
                               for f in response.get("FailedFindings", []))
        if progress:
            progress(result.sent, len(pointed))
    return result


def _in_region(finding: dict[str, Any], region: str) -> dict[str, Any]:
    partition = partition_of(str(finding.get("ProductArn", "")))
    return {**finding, "ProductArn": product_arn(partition, region, finding["AwsAccountId"]), "Region": region}


def _send(client: Any, batch: list[dict[str, Any]]) -> dict[str, Any]:
    try:
        response: dict[str, Any] = client.batch_import_findings(Findings=batch)
        return response
    except NoCredentialsError:
        raise CredentialsError("no AWS credentials found", hint="configure a profile or run `aws sso login`") from None
    except NoRegionError:
        raise UsageError("no region to import into", hint="give --region") from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        hints = {
            "InvalidAccessException": "enable Security Hub in this region: `aws securityhub enable-security-hub`",
            "AccessDeniedException": "grant securityhub:BatchImportFindings",
            "UnrecognizedClientException": "the credentials are not valid for this account or region",
            "LimitExceededException": "Security Hub throttled the import: run it again later",
        }
        raise PublishError(f"securityhub:BatchImportFindings failed: {code} ({message})",
                           hint=hints.get(code, "see the error above")) from None
    except BotoCoreError as error:
        raise PublishError(f"cannot reach Security Hub: {error}", hint="check --region and --endpoint-url") from None
