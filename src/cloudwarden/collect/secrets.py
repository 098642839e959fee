"""Values that hold the account's secrets never reach a snapshot in clear.

EC2 user data, launch-template data, Lambda and ECS/CodeBuild environment variables, CloudFormation
parameters and outputs, and SSM parameter values are recognised by their shape wherever they appear
in a collected dataset. Each is replaced by a marker::

    {"cloudwarden_redacted": true, "length": 812, "sha256": "9f86d081884c7d65",
     "secrets": [{"type": "AWS Access Key", "excerpt": "AKIA…PLE", "line": 3}]}

so a check can still report *that* and *where* a secret sits (with a redacted excerpt), and two
snapshots can still be compared, without the value itself being copied out of the account.
Detection uses detect-secrets' plugins (keys, private keys, tokens, passwords by keyword), not
hand-written patterns; its high-entropy plugins are left out (they flag every base64 blob).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import threading
from functools import lru_cache
from typing import Any

from cloudwarden.inventory.redacted import MARKER, is_marker

_PLUGINS = (
    "AWSKeyDetector", "ArtifactoryDetector", "AzureStorageKeyDetector", "BasicAuthDetector",
    "CloudantDetector", "DiscordBotTokenDetector", "GitHubTokenDetector", "GitLabTokenDetector",
    "IbmCloudIamDetector", "IbmCosHmacDetector", "JwtTokenDetector", "KeywordDetector",
    "MailchimpDetector", "NpmDetector", "OpenAIDetector", "PrivateKeyDetector", "PypiTokenDetector",
    "SendGridDetector", "SlackDetector", "SoftlayerDetector", "SquareOAuthDetector", "StripeDetector",
    "TelegramBotTokenDetector", "TwilioKeyDetector",
)
_MAX_SCANNED = 512 * 1024  # characters of one value that are scanned (user data is at most 16 KB)
# detect-secrets keeps its settings in one process-wide object that `transient_settings` replaces and
# restores; the collector redacts from several threads, so scans take turns (a race there raised
# "dictionary changed size during iteration" inside detect-secrets' cache_bust).
_SCAN_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _plugin_settings() -> list[dict[str, str]]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    plugin_classes: list[Any] = list(get_mapping_from_secret_type_to_class().values())
    available = {str(plugin.__name__) for plugin in plugin_classes}
    return [{"name": name} for name in _PLUGINS if name in available]


def find_secrets(text: str) -> list[dict[str, Any]]:
    """Secrets in `text`: type, a redacted excerpt and the line, never the value."""
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import transient_settings

    found: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    with _SCAN_LOCK, transient_settings({"plugins_used": _plugin_settings()}):
        for number, line in enumerate(text[:_MAX_SCANNED].splitlines(), start=1):
            if not line.strip():
                continue
            for secret in scan_line(line):
                key = (secret.type, number)
                if key not in seen:
                    seen.add(key)
                    token = _whole(secret.secret_value, line)
                    entry: dict[str, Any] = {"type": secret.type, "excerpt": excerpt(token), "line": number}
                    if KEY_ID.fullmatch(token):
                        entry["key_id_sha256"] = key_fingerprint(token)
                    found.append(entry)
    return found


# An access key id (not the secret key): its fingerprint lets a check find the IAM user it belongs to.
KEY_ID = re.compile(r"(AKIA|ASIA)[A-Z0-9]{16}")


def key_fingerprint(key_id: str) -> str:
    """The first 16 hex digits of the key id's SHA-256: matches a key without storing it."""
    return hashlib.sha256(key_id.encode("ascii")).hexdigest()[:16]


def _whole(value: str | None, line: str) -> str:
    """The whole token around a detector's match (some detectors keep only its prefix)."""
    value = value or ""
    for token in re.split(r"[\s\"'=:,;]+", line):
        if value and value in token:
            return token
    return value


def excerpt(value: str) -> str:
    if len(value) < 12:
        return "*" * min(len(value), 8)
    return f"{value[:4]}…{value[-3:]}"


def marker(text: str, scanned: str | None = None) -> dict[str, Any]:
    return {
        MARKER: True,
        "length": len(text),
        "sha256": hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16],
        "secrets": find_secrets(scanned if scanned is not None else text),
    }


def _decoded_user_data(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return value


def _redact_env(variables: dict[str, Any]) -> dict[str, Any]:
    return {name: (value if is_marker(value) else marker(str(value), f"{name}={json.dumps(str(value))}"))
            for name, value in variables.items()}


def _redact_pairs(items: list[Any], name_key: str, value_key: str) -> None:
    for item in items:
        if isinstance(item, dict) and isinstance(item.get(value_key), str):
            value = item[value_key]
            if value.strip("*"):  # NoEcho values come back as "****": nothing to hide
                item[value_key] = marker(value, f"{item.get(name_key, '')}={json.dumps(value)}")


def redact(value: Any) -> Any:
    """Redact, in place, every secret-bearing field of a JSON-shaped value; returns the value."""
    if isinstance(value, list):
        for item in value:
            redact(item)
        return value
    if not isinstance(value, dict):
        return value
    for key, child in list(value.items()):
        if key == "UserData":
            if isinstance(child, str) and child:
                value[key] = marker(child, _decoded_user_data(child))
            elif isinstance(child, dict) and isinstance(child.get("Value"), str):
                child["Value"] = marker(child["Value"], _decoded_user_data(child["Value"]))
        elif key == "Environment" and isinstance(child, dict) and isinstance(child.get("Variables"), dict):
            child["Variables"] = _redact_env(child["Variables"])
        elif key == "Parameters" and isinstance(child, list):
            _redact_pairs(child, "ParameterKey", "ParameterValue")
        elif key == "Outputs" and isinstance(child, list):
            _redact_pairs(child, "OutputKey", "OutputValue")
        elif key in ("environment", "environmentVariables") and isinstance(child, list):
            _redact_pairs(child, "name", "value")
        elif key == "Value" and isinstance(child, str) and value.get("Type") in ("String", "StringList", "SecureString") \
                and "Name" in value:
            value[key] = marker(child, f"{value['Name']}={json.dumps(child)}")
        else:
            redact(child)
    return value
