"""Reads for the IAM engine's account analysis: SCPs, RCPs and the resource policies of SQS, SNS, Lambda,
Secrets Manager and ECR (S3 and KMS policies are read by s3.py and data.py).

Organizations data is readable only from the management account or a delegated administrator; a
member account's AccessDenied becomes a gap and an account outside any organization reads as
absent (None). Every operation here is a List, Describe or Get.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.collect.spec import Call

NOT_IN_ORG = ("AWSOrganizationsNotInUseException",)
SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
# With RCPs not enabled on the root there are none in force: an absent answer, not a gap.
NO_RCPS = (*NOT_IN_ORG, "PolicyTypeNotEnabledException")


def fetch_account_chain(client: Any, params: dict[str, Any]) -> list[dict[str, str]]:
    """The targets SCPs can be attached to, from the root down to the account itself."""
    account = params["__account_id"]
    chain = [{"Id": account, "Type": "ACCOUNT"}]
    child = account
    for _ in range(10):  # an organization nests at most five OUs below the root
        parents = client.list_parents(ChildId=child).get("Parents") or []
        if not parents:
            break
        parent = parents[0]
        chain.append({"Id": parent["Id"], "Type": parent["Type"]})
        if parent["Type"] == "ROOT":
            break
        child = parent["Id"]
    return list(reversed(chain))


def _target(item: Any) -> dict[str, str]:
    return {"TargetId": item["Id"], "Filter": SCP}


def _rcp_target(item: Any) -> dict[str, str]:
    return {"TargetId": item["Id"], "Filter": RCP}


SPECS = [
    # -- organizations: the SCP levels that govern this account --
    Call("organizations.roots", "organizations", "list_roots", "Roots", scope="global", paginate=True,
         absent_codes=NOT_IN_ORG),
    # moto answers AccountNotFoundException, not NotInUse, for an account outside any organization
    Call("organizations.account_chain", "organizations", "list_parents", scope="global",
         fetch=fetch_account_chain, absent_codes=(*NOT_IN_ORG, "AccountNotFoundException")),
    Call("organizations.scps_for_target", "organizations", "list_policies_for_target", "Policies",
         scope="global", paginate=True, per="organizations.account_chain", per_params=_target,
         per_key=lambda item: item["Id"], absent_codes=NOT_IN_ORG),
    # member accounts tell foreign accounts from the organization's own
    Call("organizations.accounts", "organizations", "list_accounts", "Accounts", scope="global",
         paginate=True, absent_codes=NOT_IN_ORG),
    Call("organizations.scps", "organizations", "list_policies", "Policies", scope="global",
         paginate=True, params={"Filter": SCP}, absent_codes=NOT_IN_ORG),
    Call("organizations.scp_content", "organizations", "describe_policy", "Policy", scope="global",
         per="organizations.scps", per_params=lambda p: {"PolicyId": p["Id"]},
         per_key=lambda p: p["Id"], transform=lambda policy: (policy or {}).get("Content")),
    # -- organizations: the RCP levels that govern this account's resources --
    Call("organizations.rcps_for_target", "organizations", "list_policies_for_target", "Policies",
         scope="global", paginate=True, per="organizations.account_chain", per_params=_rcp_target,
         per_key=lambda item: item["Id"], absent_codes=NO_RCPS),
    Call("organizations.rcps", "organizations", "list_policies", "Policies", scope="global",
         paginate=True, params={"Filter": RCP}, absent_codes=NO_RCPS),
    Call("organizations.rcp_content", "organizations", "describe_policy", "Policy", scope="global",
         per="organizations.rcps", per_params=lambda p: {"PolicyId": p["Id"]},
         per_key=lambda p: p["Id"], transform=lambda policy: (policy or {}).get("Content")),
    # -- SQS --
    Call("sqs.queue_urls", "sqs", "list_queues", "QueueUrls", paginate=True),
    Call("sqs.queue_attributes", "sqs", "get_queue_attributes", "Attributes", per="sqs.queue_urls",
         per_params=lambda url: {"QueueUrl": url, "AttributeNames": ["QueueArn", "Policy"]},
         per_key=lambda url: url, absent_codes=("AWS.SimpleQueueService.NonExistentQueue",)),
    # -- SNS --
    Call("sns.topics", "sns", "list_topics", "Topics", paginate=True),
    Call("sns.topic_attributes", "sns", "get_topic_attributes", "Attributes", per="sns.topics",
         per_params=lambda t: {"TopicArn": t["TopicArn"]}, per_key=lambda t: t["TopicArn"],
         absent_codes=("NotFound",)),
    # -- Lambda (functions also give the escalation graph its function -> role links) --
    Call("lambda.functions", "lambda", "list_functions", "Functions", paginate=True),
    Call("lambda.function_policy", "lambda", "get_policy", "Policy", per="lambda.functions",
         per_params=lambda f: {"FunctionName": f["FunctionArn"]}, per_key=lambda f: f["FunctionArn"],
         absent_codes=("ResourceNotFoundException",)),
    # -- Secrets Manager --
    Call("secretsmanager.secrets", "secretsmanager", "list_secrets", "SecretList", paginate=True),
    Call("secretsmanager.resource_policy", "secretsmanager", "get_resource_policy", "ResourcePolicy",
         per="secretsmanager.secrets", per_params=lambda s: {"SecretId": s["ARN"]},
         per_key=lambda s: s["ARN"], absent_codes=("ResourceNotFoundException",)),
    # -- ECR --
    Call("ecr.repositories", "ecr", "describe_repositories", "repositories", paginate=True),
    Call("ecr.repository_policy", "ecr", "get_repository_policy", "policyText", per="ecr.repositories",
         per_params=lambda r: {"repositoryName": r["repositoryName"], "registryId": r["registryId"]},
         per_key=lambda r: r["repositoryArn"], absent_codes=("RepositoryPolicyNotFoundException",)),
]
