"""Keeping secrets out of logs and shared reports (standard library only).

`SecretLogFilter` masks credentials in log records — botocore's debug log prints request headers,
the session token among them. `mask_identifiers` masks account ids, ARNs' account fields and IP
addresses in text, for a report shared outside the team (`--redact`).
"""

from __future__ import annotations

import ipaddress
import logging
import re

_SECRET_PATTERNS = [
    # Header and parameter forms: X-Amz-Security-Token: b'...', 'aws_session_token': '...'
    re.compile(r"(?i)((?:x-amz-security-token|aws_session_token|aws_secret_access_key|secretaccesskey|"
               r"sessiontoken|x-amz-credential|password)['\"]?\s*[:=]\s*b?['\"]?)([^'\"\s,}]+)"),
    re.compile(r"(Signature=)([0-9a-f]{16,})"),
    re.compile(r"(Credential=)(A[SK]IA[A-Z0-9]{12,})"),
]
_ACCOUNT = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
_IPV4 = re.compile(r"(?<![0-9.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9.])")
_IPV6 = re.compile(r"(?<![0-9a-fA-F:])(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}(?![0-9a-fA-F:])")


def mask_secrets(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "****", text)
    return text


def mask_identifiers(text: str) -> str:
    """Account ids, IPv4 and IPv6 addresses replaced by fixed placeholders."""
    text = _ACCOUNT.sub("XXXXXXXXXXXX", text)
    text = _IPV4.sub("x.x.x.x", text)
    return _IPV6.sub("x:x::x", text)


class SecretLogFilter(logging.Filter):
    """Rewrites each record's message with credentials masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_ARN = re.compile(r"arn:(aws[a-z-]*):([a-z0-9-]*):([a-z0-9-]*):([0-9]{12}|aws)?:([^\s\"'<>,;&\\)\]]+)")
_IPV6_ANY = re.compile(r"(?<![0-9A-Za-z:])(?=[0-9a-fA-F:]*[0-9a-fA-F])[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?![0-9A-Za-z:])")
_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Z0-9])")


class IdentifierRedactor:
    """Masks account ids, ARNs, access-key ids and IP addresses for a report shared outside the team.

    Consistent: one value gets one placeholder (``account-1``, ``ip-3``, ...) in every text the same
    redactor sees, so the formats of one report still agree with each other, and a reader can still
    tell two accounts or two addresses apart without learning either.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], str] = {}

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self._seen:
            count = sum(1 for k, _ in self._seen if k == kind) + 1
            self._seen[key] = f"{kind}-{count}"
        return self._seen[key]

    def _arn(self, match: re.Match[str]) -> str:
        partition, service, region, account, resource = match.groups()
        account_part = "aws" if account == "aws" else (self._placeholder("account", account) if account else "")
        # The resource type stays (role/, bucket, function:) so the finding still reads; its name goes.
        kind, sep, _ = resource.partition("/") if "/" in resource else resource.partition(":")
        name = self._placeholder("resource", f"{service}:{resource}")
        return f"arn:{partition}:{service}:{region}:{account_part}:{kind + sep if sep else ''}{name}"

    def __call__(self, text: str) -> str:
        text = _ARN.sub(self._arn, text)
        text = _ACCESS_KEY_ID.sub(lambda m: self._placeholder("key", m.group(0)), text)
        text = _ACCOUNT.sub(lambda m: self._placeholder("account", m.group(0)), text)
        text = _IPV4.sub(lambda m: m.group(0) if m.group(0) == "0.0.0.0" else self._placeholder("ip", m.group(0)),
                         text)  # 0.0.0.0/0 names no one: it stays, so "open to the world" still reads
        return _IPV6_ANY.sub(self._ipv6, text)

    def _ipv6(self, match: re.Match[str]) -> str:
        value = match.group(0)
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            return value  # a time of day, a CSS selector: not an address
        if ipaddress.IPv6Address(value).is_unspecified:
            return value
        return self._placeholder("ip", value)
