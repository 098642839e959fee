"""ACM certificates: not about to expire, RSA keys of 2048 bits or more, Certificate Transparency logging.

Reads `acm.certificates` and `acm.certificate` (collect/services/acm.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.settings import DEFAULT_THRESHOLDS
from cloudwarden.inventory.views.acm import CERT, CERTS, AcmView, CertificateDetail

RESOURCE = "AWS::CertificateManager::Certificate"
DOC = "https://docs.aws.amazon.com/acm/latest/userguide/"
EXPIRY_WARNING_DAYS = DEFAULT_THRESHOLDS.acm_expiry_warning_days  # in force: ctx.thresholds
WEAK_RSA = {"RSA_1024"}


def _certificates(ctx: CheckContext) -> Iterator[tuple[str, CertificateDetail]]:
    """(region, describe-certificate detail) for every listed certificate; a missing detail is UNKNOWN."""
    for region, summary in ctx.over(ctx.view(AcmView).certificates):
        with ctx.resource(summary.label, region):
            detail = summary.detail.get()
            if detail is not None:
                yield region, detail


def _result(ok: bool, cert: CertificateDetail, message: str, region: str) -> Result:
    return verdict(ok, cert.label, message, region, cert.arn, RESOURCE)


@check("acm.certificate_not_expiring", resource_type=RESOURCE, datasets=[CERTS, CERT],
       fix="Renew or re-import the certificate before it expires; for ACM-issued ones fix DNS validation so "
           "managed renewal succeeds; delete certificates no longer used.",
       cli="aws acm import-certificate --certificate-arn <ARN> --certificate fileb://cert.pem "
           "--private-key fileb://key.pem --certificate-chain fileb://chain.pem",
       doc=DOC + "managed-renewal.html")
def certificate_not_expiring(ctx: CheckContext) -> Iterator[Result]:
    for region, cert in _certificates(ctx):
        if cert.status not in ("ISSUED", "EXPIRED"):
            continue  # pending, failed or revoked certificates serve no one and have no validity period yet
        days = ctx.days_since(cert.not_after)
        if days is None:
            yield _result(False, cert, "issued certificate without an expiry date", region)
            continue
        left = -days
        ok = left > ctx.thresholds.acm_expiry_warning_days
        yield _result(ok, cert, f"expired {days} day(s) ago" if left < 0 else f"expires in {left} day(s)", region)


@check("acm.rsa_key_length_2048", resource_type=RESOURCE, datasets=[CERTS, CERT],
       fix="Replace RSA_1024 certificates with RSA 2048 (or EC P-256) ones.",
       cli="aws acm request-certificate --domain-name <DOMAIN> --key-algorithm RSA_2048 --validation-method DNS",
       doc=DOC + "acm-certificate.html#algorithms")
def rsa_key_length_2048(ctx: CheckContext) -> Iterator[Result]:
    for region, cert in _certificates(ctx):
        algorithm = cert.key_algorithm
        if algorithm.startswith("RSA"):
            yield _result(algorithm not in WEAK_RSA, cert, f"key algorithm {algorithm}", region)


@check("acm.certificate_transparency_logging", resource_type=RESOURCE, datasets=[CERTS, CERT],
       fix="Keep Certificate Transparency logging enabled so mis-issued certificates for your domains are detectable.",
       cli="aws acm update-certificate-options --certificate-arn <ARN> "
           "--options CertificateTransparencyLoggingPreference=ENABLED",
       doc=DOC + "acm-bestpractices.html#best-practices-transparency")
def certificate_transparency_logging(ctx: CheckContext) -> Iterator[Result]:
    for region, cert in _certificates(ctx):
        if cert.type != "AMAZON_ISSUED":
            continue  # the preference applies to certificates ACM issues
        preference = cert.ct_logging
        yield _result(preference != "DISABLED", cert, f"CT logging {preference.lower()}", region)
