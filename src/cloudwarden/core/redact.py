"""Keeping secrets out of logs and shared reports (standard library only).

`SecretLogFilter` masks credentials in log records — botocore's debug log prints request headers,
the session token among them. `mask_identifiers` masks account ids, ARNs' account fields and IP
addresses in text, for a report shared outside the team (`--redact`).
"""

from __future__ import annotations

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
