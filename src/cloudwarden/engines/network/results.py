"""What the network engine answers: exposures with their hop-by-hop paths, and explanations.

Pure standard library; every type has a JSON-ready ``to_dict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.engines.network.ports import PortClass, PortSet, port_class

# Severity text per port class (the values of cloudwarden.core.enums.Severity).
PORT_CLASS_SEVERITY = {
    PortClass.REMOTE_ADMIN: "critical",
    PortClass.DATABASE: "high",
    PortClass.OTHER: "low",
}


@dataclass(frozen=True)
class Hop:
    """One step of a path: what kind of thing, which one, and the rule or route that let traffic on."""

    kind: str
    id: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"hop": self.kind, "id": self.id, "detail": self.detail}

    def __str__(self) -> str:
        return f"{self.kind} {self.id}: {self.detail}" if self.id else f"{self.kind}: {self.detail}"


@dataclass(frozen=True)
class Exposure:
    """A port range of one resource that a source on the internet can open a connection to."""

    resource_id: str
    resource_type: str  # ec2_instance | network_interface | rds_instance | load_balancer
    interface_id: str | None
    region: str
    vpc_id: str
    subnet_id: str
    address: str
    protocol: str
    from_port: int
    to_port: int
    ip_version: int
    source: str
    path: tuple[Hop, ...]

    @property
    def ports(self) -> PortSet:
        return PortSet.of(self.from_port, self.to_port)

    @property
    def port_class(self) -> PortClass:
        return port_class(self.ports)

    @property
    def severity(self) -> str:
        return PORT_CLASS_SEVERITY[self.port_class]

    def port_text(self) -> str:
        if self.from_port == self.to_port:
            return f"{self.protocol}/{self.from_port}"
        return f"{self.protocol}/{self.from_port}-{self.to_port}"

    def path_text(self) -> str:
        return " -> ".join(str(hop) for hop in self.path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "resource_id": self.resource_id,
            "resource_type": self.resource_type,
            "interface_id": self.interface_id,
            "region": self.region,
            "vpc_id": self.vpc_id,
            "subnet_id": self.subnet_id,
            "address": self.address,
            "protocol": self.protocol,
            "from_port": self.from_port,
            "to_port": self.to_port,
            "ip_version": self.ip_version,
            "source": self.source,
            "port_class": self.port_class.value,
            "severity": self.severity,
            "path": [hop.to_dict() for hop in self.path],
        }


@dataclass(frozen=True)
class Step:
    """One hop's verdict when explaining a resource: passed, or the reason it stops traffic."""

    kind: str
    id: str
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"hop": self.kind, "id": self.id, "passed": self.passed, "detail": self.detail}


@dataclass
class Attempt:
    """Traffic from the internet towards one entry point (interface or subnet) over one IP version."""

    entry: str
    ip_version: int
    steps: list[Step] = field(default_factory=list)

    @property
    def blocked_at(self) -> Step | None:
        return next((s for s in self.steps if not s.passed), None)

    def to_dict(self) -> dict[str, Any]:
        blocked = self.blocked_at
        return {
            "entry": self.entry,
            "ip_version": self.ip_version,
            "reachable": blocked is None,
            "blocked_at": blocked.to_dict() if blocked else None,
            "steps": [s.to_dict() for s in self.steps],
        }


@dataclass
class Explanation:
    """Why a resource is or is not reachable from the internet."""

    resource_id: str
    resource_type: str
    found: bool
    port: int | None = None
    attempts: list[Attempt] = field(default_factory=list)
    exposures: list[Exposure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def reachable(self) -> bool:
        return bool(self.exposures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "resource_id": self.resource_id,
            "resource_type": self.resource_type,
            "found": self.found,
            "port": self.port,
            "reachable": self.reachable,
            "attempts": [a.to_dict() for a in self.attempts],
            "exposures": [e.to_dict() for e in self.exposures],
            "notes": list(self.notes),
        }
