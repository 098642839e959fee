"""ACM as typed views: each listed certificate with its DescribeCertificate detail (a per-certificate part)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, deferred_item

CERTS, CERT = "acm.certificates", "acm.certificate"


def _label(raw: dict[str, Any]) -> str:
    """The domain and the start of the certificate id: "example.com (1a2b3c4d)"."""
    return f"{raw.get('DomainName')} ({str(raw.get('CertificateArn', '')).rsplit('/', 1)[-1][:8]})"


@dataclass(frozen=True)
class CertificateDetail:
    label: str
    arn: str
    status: str
    not_after: Any  # as collected (ctx.days_since reads it)
    key_algorithm: str
    type: str
    ct_logging: str  # Options.CertificateTransparencyLoggingPreference (ENABLED when not reported)

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> CertificateDetail | None:
        if not raw:
            return None
        return cls(_label(raw), str(raw["CertificateArn"]), str(raw.get("Status")), raw.get("NotAfter"),
                   str(raw.get("KeyAlgorithm") or ""), str(raw.get("Type")),
                   str((raw.get("Options") or {}).get("CertificateTransparencyLoggingPreference", "ENABLED")))


@dataclass(frozen=True)
class Certificate:
    """A listed certificate; ``detail`` is None when DescribeCertificate returned nothing for it."""

    region: str
    arn: str
    label: str
    detail: Deferred[CertificateDetail | None] = field(repr=False, compare=False)


class AcmView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

        def certificate(region: str, raw: dict[str, Any]) -> Certificate:
            arn = str(raw["CertificateArn"])
            return Certificate(region, arn, _label(raw), deferred_item(snapshot, CERT, region, arn, CertificateDetail.of))

        self.certificates: PerRegion[Certificate] = PerRegion(snapshot, CERTS, certificate)

    def detail(self, region: str, arn: str) -> CertificateDetail | None:
        """A certificate's detail by ARN, without the list (None: nothing described); raises DataUnavailable
        when it was not read."""
        return CertificateDetail.of(self.snapshot.item(CERT, region, arn))


__all__ = ["AcmView", "Certificate", "CertificateDetail"]
