"""The AWS Account service as a typed view: the primary contact's fields (None when not reported)."""

from __future__ import annotations

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Global

CONTACT = "account.contact_information"
SECURITY_CONTACT = "account.security_contact"


class AccountView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        # field name -> value, as GetContactInformation gives it (empty when none is reported)
        self.contact: Global[dict[str, str]] = Global(
            snapshot, CONTACT, lambda raw: {str(k): str(v) for k, v in (raw or {}).items() if v})
        # the security alternate contact's email address; "" when none is registered
        self.security_contact: Global[str] = Global(
            snapshot, SECURITY_CONTACT, lambda raw: str((raw or {}).get("EmailAddress") or ""))


__all__ = ["AccountView"]
