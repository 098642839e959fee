"""The store's columns: how a CloudTrail record becomes one flat, typed row.

Every CloudTrail field a rule may name (``userIdentity.arn``, ``requestParameters.userName``) maps
either to a flat column or to a path inside one of the JSON-text columns. Scalars are kept as
text so Sigma's string semantics apply to them unchanged; ``event_time`` is a UTC TIMESTAMP.
Pure data and SQL text: no I/O here.
"""

from __future__ import annotations

import json
import re

# (column, CloudTrail path). Order is the Parquet column order.
SCALAR_FIELDS: tuple[tuple[str, str], ...] = (
    ("event_id", "eventID"),
    ("event_name", "eventName"),
    ("event_source", "eventSource"),
    ("event_type", "eventType"),
    ("event_version", "eventVersion"),
    ("event_category", "eventCategory"),
    ("aws_region", "awsRegion"),
    ("source_ip", "sourceIPAddress"),
    ("user_agent", "userAgent"),
    ("error_code", "errorCode"),
    ("error_message", "errorMessage"),
    ("request_id", "requestID"),
    ("shared_event_id", "sharedEventID"),
    ("read_only", "readOnly"),
    ("management_event", "managementEvent"),
    ("recipient_account_id", "recipientAccountId"),
    ("vpc_endpoint_id", "vpcEndpointId"),
    ("api_version", "apiVersion"),
    ("session_credential_from_console", "sessionCredentialFromConsole"),
    ("user_type", "userIdentity.type"),
    ("user_principal_id", "userIdentity.principalId"),
    ("user_arn", "userIdentity.arn"),
    ("user_account_id", "userIdentity.accountId"),
    ("user_access_key_id", "userIdentity.accessKeyId"),
    ("user_name", "userIdentity.userName"),
    ("user_invoked_by", "userIdentity.invokedBy"),
    ("session_mfa", "userIdentity.sessionContext.attributes.mfaAuthenticated"),
    ("session_created", "userIdentity.sessionContext.attributes.creationDate"),
    ("ec2_role_delivery", "userIdentity.sessionContext.ec2RoleDelivery"),
    ("issuer_type", "userIdentity.sessionContext.sessionIssuer.type"),
    ("issuer_arn", "userIdentity.sessionContext.sessionIssuer.arn"),
    ("issuer_name", "userIdentity.sessionContext.sessionIssuer.userName"),
    ("issuer_account_id", "userIdentity.sessionContext.sessionIssuer.accountId"),
)

# Nested objects kept whole as JSON text; rules reach inside with a JSON path.
JSON_FIELDS: tuple[tuple[str, str], ...] = (
    ("user_identity", "userIdentity"),
    ("request_parameters", "requestParameters"),
    ("response_elements", "responseElements"),
    ("additional_event_data", "additionalEventData"),
    ("resources", "resources"),
    ("service_event_details", "serviceEventDetails"),
    ("tls_details", "tlsDetails"),
)

PARTITION_COLUMNS = ("account", "region", "day")
COLUMN_OF_FIELD = {path: column for column, path in SCALAR_FIELDS}
COLUMN_OF_FIELD["eventTime"] = "event_time"
JSON_COLUMN_OF_FIELD = {path: column for column, path in JSON_FIELDS}
ALL_COLUMNS = ("event_time",) + tuple(c for c, _ in SCALAR_FIELDS) + tuple(c for c, _ in JSON_FIELDS)

_SAFE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _spec_tree(paths: list[list[str]]) -> dict[str, object]:
    tree: dict[str, object] = {}
    for parts in paths:
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        node[parts[-1]] = "VARCHAR"
    return tree


def _quoted(parts: list[str]) -> str:
    return ".".join(f'"{p}"' for p in parts)


def _event_spec() -> dict[str, object]:
    """The ``json_transform`` spec of one event: only the keys the store keeps, scalars as text.

    ``userIdentity`` is kept as JSON (it is parsed a second time, small, for its parts); the other
    objects as JSON text. Everything else in the event is skipped by the decoder, not copied.
    """
    top = [p.split(".") for _, p in SCALAR_FIELDS if not p.startswith("userIdentity.")]
    top += [[p] for _, p in JSON_FIELDS] + [["eventTime"], ["@timestamp"]]
    spec = _spec_tree(top)
    spec["userIdentity"] = "JSON"
    return spec


def _identity_spec() -> dict[str, object]:
    return _spec_tree([p.split(".")[1:] for _, p in SCALAR_FIELDS if p.startswith("userIdentity.")])


EVENT_SPEC = json.dumps(_event_spec())
RECORDS_SPEC = json.dumps({"Records": [_event_spec()]})
IDENTITY_SPEC = json.dumps(_identity_spec())


def normalise_sql(struct_column: str) -> tuple[str, str]:
    """(select list, inner select list) turning ``struct_column`` into store columns.

    ``struct_column`` holds an event already decoded with ``EVENT_SPEC`` (``RECORDS_SPEC`` decodes
    a whole ``{"Records": [...]}`` file in one pass). The inner list keeps it as ``t`` and decodes
    the small ``userIdentity`` JSON a second time into the struct ``ui``: json_transform takes each
    key once, and we want userIdentity both whole and by part.
    """
    inner = f"{struct_column} AS t, json_transform({struct_column}.\"userIdentity\", '{IDENTITY_SPEC}') AS ui"
    columns = ['try_cast(coalesce(t."eventTime", t."@timestamp") AS TIMESTAMPTZ)::TIMESTAMP AS event_time']
    for column, path in SCALAR_FIELDS:
        parts = path.split(".")
        ref = "ui." + _quoted(parts[1:]) if parts[0] == "userIdentity" else "t." + _quoted(parts)
        columns.append(f"{ref} AS {column}")
    columns += [f't."{path}"::VARCHAR AS {column}' for column, path in JSON_FIELDS]
    return ", ".join(columns), inner


def json_path(rest: list[str]) -> str:
    """A DuckDB JSON path for the keys ``rest`` (quoted when a key is not a plain name)."""
    parts = [p if _SAFE_KEY.match(p) else '"' + p.replace('"', '\\"') + '"' for p in rest]
    return "$." + ".".join(parts)


def field_expression(field: str) -> str | None:
    """SQL text for a CloudTrail field, or None when the store cannot hold it.

    A flat column when the field has one; otherwise a JSON path into the nearest JSON column, which
    yields NULL when the key is absent (Sigma's "field does not exist").
    """
    if field in COLUMN_OF_FIELD:
        return COLUMN_OF_FIELD[field]
    if field in JSON_COLUMN_OF_FIELD:
        return JSON_COLUMN_OF_FIELD[field]
    parts = field.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in JSON_COLUMN_OF_FIELD:
            path = json_path(parts[cut:]).replace("'", "''")
            return f"json_extract_string({JSON_COLUMN_OF_FIELD[head]}, '{path}')"
    return None
