"""Systems Manager documents: none of the account's own documents is shared with everyone, and the
account-level setting that blocks public sharing is on.

Both regional. moto has no GetServiceSetting: against moto ssm.document_public_sharing_blocked is UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.inventory.views.ssm import DOCUMENTS, PERMISSIONS, SHARING, SsmView

SSM_DOC = "https://docs.aws.amazon.com/systems-manager/latest/userguide/"


@check("ssm.documents_not_public", resource_type="AWS::SSM::Document", datasets=[DOCUMENTS, PERMISSIONS],
       fix="Stop sharing the document with everyone (share it with named accounts only).",
       cli="aws ssm modify-document-permission --name <DOCUMENT> --permission-type Share "
           "--account-ids-to-remove all",
       doc=SSM_DOC + "documents-ssm-sharing.html")
def documents_not_public(ctx: CheckContext) -> Iterator[Result]:
    for region, document in ctx.over(ctx.view(SsmView).documents):
        name = document.name
        with ctx.resource(name, region):
            accounts = list(document.shared_with.get())
            public = "all" in (a.lower() for a in accounts)
            others = [a for a in accounts if a.lower() != "all"]
            message = "shared with everyone (AccountIds includes 'all')" if public else (
                f"shared with {len(others)} named account(s), not publicly" if others else "not shared")
            yield verdict(not public, name, message, region, ctx.arn("ssm", f"document/{name}", region))


@check("ssm.document_public_sharing_blocked", resource_type="AWS::SSM::ServiceSetting", datasets=[SHARING],
       fix="Turn on the Systems Manager setting that blocks public sharing of documents in every region.",
       cli="aws ssm update-service-setting --setting-id /ssm/documents/console/public-sharing-permission "
           "--setting-value Disable --region <REGION>",
       doc=SSM_DOC + "documents-ssm-sharing.html#block-public-access")
def document_public_sharing_blocked(ctx: CheckContext) -> Iterator[Result]:
    for region in ctx.regions:
        with ctx.resource(region, region):
            value = ctx.view(SsmView).public_sharing(region)
            yield verdict(value == "Disable", f"ssm/{region}",
                          f"public sharing permission is {value}" + ("" if value == "Disable" else
                                                                     ": documents can still be shared publicly"),
                          region, ctx.arn("ssm", "servicesetting/ssm/documents/console/public-sharing-permission", region))
