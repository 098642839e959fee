"""Read-only enforcement at run time: the collector's clients refuse, before sending, anything else.

The allowlist is derived from the collection specs themselves (each spec's operation and the extra
operations its custom fetch makes), plus the two calls every collection starts with. Every listed
operation must also be a read by its verb; and reads that return secrets or mint credentials are
refused even when a spec names them (none is needed by a check today). The one documented exception
is ``iam:GenerateCredentialReport``: AWS's only way to read the credential report, it creates the
report and changes no configuration.

The hook runs on botocore's ``before-call`` event, i.e. after parameter validation and before the
request is signed or sent, so a refused operation never leaves the process.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore import xform_name

from cloudwarden.collect.spec import Call
from cloudwarden.core.errors import CollectionError

# batch_get_: BatchGet* APIs describe several resources in one call, e.g. codebuild:BatchGetProjects
# (botocore: "Gets information about one or more build projects"; the only API returning a project's
# service role). Those returning secret values (BatchGetSecretValue) are refused below.
READ_VERBS = ("list_", "describe_", "get_", "head_", "batch_get_", "lookup_", "search_")

# (boto3 client name, method name) that every collection calls before the specs run.
BOOTSTRAP_OPERATIONS = frozenset({("sts", "get_caller_identity"), ("ec2", "describe_regions")})

# Not a read by its verb, allowed on purpose; the reason is shown by `cloudwarden permissions`.
DOCUMENTED_EXCEPTIONS = {
    ("iam", "generate_credential_report"):
        "creates the IAM credential report (AWS's only way to read it); changes no configuration",
}

# Look like reads, but return secret values or mint credentials: refused even if a spec names them.
SECRET_OPERATIONS = frozenset({
    ("secretsmanager", "get_secret_value"), ("secretsmanager", "batch_get_secret_value"),
    ("ssm", "get_parameter"), ("ssm", "get_parameters"), ("ssm", "get_parameters_by_path"),
    ("ssm", "get_parameter_history"),
    ("sts", "get_session_token"), ("sts", "get_federation_token"), ("sts", "assume_role"),
    ("sts", "assume_role_with_saml"), ("sts", "assume_role_with_web_identity"), ("sts", "assume_root"),
    ("ecr", "get_authorization_token"), ("ecr-public", "get_authorization_token"),
    ("codeartifact", "get_authorization_token"),
    ("redshift", "get_cluster_credentials"), ("redshift", "get_cluster_credentials_with_iam"),
    ("redshift-serverless", "get_credentials"),
    ("kms", "get_parameters_for_import"),
    ("ec2", "get_password_data"),
    ("glue", "get_connection"), ("glue", "get_connections"),  # return passwords unless HidePassword
    ("lightsail", "get_instance_access_details"),
    ("sso", "get_role_credentials"),
    ("cognito-identity", "get_credentials_for_identity"), ("cognito-identity", "get_open_id_token"),
    ("rds", "download_db_log_file_portion"),
})


class ReadOnlyViolation(CollectionError):
    """The collector was about to call an operation outside its read-only allowlist: a bug, never sent."""

    def __init__(self, service: str, operation: str, why: str) -> None:
        super().__init__(
            f"refused {service}:{operation} before sending it: {why}",
            hint="the collector only reads; this is a bug in a collection spec, please report it",
        )
        self.service = service
        self.operation = operation


def _is_read(service: str, method: str) -> bool:
    return method.startswith(READ_VERBS) or (service, method) in DOCUMENTED_EXCEPTIONS


def spec_operations(calls: Iterable[Call]) -> frozenset[tuple[str, str]]:
    """(client name, method name) of every operation the specs make."""
    found: set[tuple[str, str]] = set()
    for call in calls:
        found.add((call.service, call.operation))
        found.update((call.service, extra) for extra in call.extra_operations)
    return frozenset(found)


def refusal(service: str, method: str) -> str:
    """Why (service, method) may not be called by the collector, or '' when it may."""
    if (service, method) in SECRET_OPERATIONS:
        return "it returns secret values or mints credentials"
    if not _is_read(service, method):
        return "it is not a read-only operation"
    return ""


class ReadOnlyGuard:
    """The allowlist of one collection; `check` is registered on every client's `before-call`."""

    def __init__(self, calls: Iterable[Call]) -> None:
        operations = spec_operations(calls)
        for service, method in sorted(operations):
            why = refusal(service, method)
            if why:
                # Fails at planning time: the spec is refused before any request is made.
                raise ReadOnlyViolation(service, method, f"a collection spec names it, but {why}")
        self.allowed = operations | BOOTSTRAP_OPERATIONS

    def check(self, model: Any = None, **_: Any) -> None:
        if model is None:
            return
        service = model.service_model.service_name
        method = xform_name(model.name)
        why = refusal(service, method)
        if not why and (service, method) not in self.allowed:
            why = "no collection spec declares it"
        if why:
            raise ReadOnlyViolation(service, method, why)
