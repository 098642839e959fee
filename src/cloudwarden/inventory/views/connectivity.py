"""VPC connectivity as typed views: VPC endpoints (with their policy documents), endpoint services
(with their allowed principals, a per-service part), peering connections (with both sides' CIDRs),
transit gateways, Site-to-Site VPN connections (tunnel telemetry and logging) and Client VPN endpoints.

The EC2/VPC core (groups, NACLs, route tables, interfaces...) is in :mod:`cloudwarden.inventory.views.ec2`.
Policy documents stay documents: the checks' policy helpers read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.inventory.views import Deferred, PerRegion, deferred_item, label

ENDPOINTS, SERVICES, PERMISSIONS = "ec2.vpc_endpoints", "ec2.vpc_endpoint_services", "ec2.vpc_endpoint_service_permissions"
PEERINGS, TGWS, VPNS, CLIENT_VPNS = ("ec2.vpc_peering_connections", "ec2.transit_gateways", "ec2.vpn_connections",
                                     "ec2.client_vpn_endpoints")


@dataclass(frozen=True)
class VpcEndpoint:
    region: str
    id: str
    service_name: str
    vpc_id: str
    policy: Any  # the endpoint policy document (None/"" for endpoints whose service has none)

    @property
    def service(self) -> str:
        """The service's short name (the last part of com.amazonaws.REGION.SERVICE)."""
        return self.service_name.rsplit(".", 1)[-1]


def _endpoint(region: str, raw: dict[str, Any]) -> VpcEndpoint:
    return VpcEndpoint(region, str(raw.get("VpcEndpointId") or ""), str(raw.get("ServiceName")), str(raw.get("VpcId")),
                       raw.get("PolicyDocument"))


@dataclass(frozen=True)
class EndpointService:
    region: str
    id: str
    principals: Deferred[tuple[str, ...]] = field(repr=False, compare=False)  # the allowed principals


@dataclass(frozen=True)
class PeeringConnection:
    region: str
    id: str
    status: str | None  # Status.Code (None when not reported)
    peer_cidrs: tuple[str, ...]  # both sides' CIDR blocks


def _side_cidrs(info: dict[str, Any]) -> list[str]:
    listed = [str(c.get("CidrBlock")) for c in info.get("CidrBlockSet") or []]
    if listed:
        return listed
    single = info.get("CidrBlock")
    return [str(c) for c in single] if isinstance(single, list) else [] if single is None else [str(single)]


def _peering(region: str, raw: dict[str, Any]) -> PeeringConnection:
    cidrs = [c for side in ("AccepterVpcInfo", "RequesterVpcInfo") for c in _side_cidrs(raw.get(side) or {})]
    return PeeringConnection(region, str(raw["VpcPeeringConnectionId"]), (raw.get("Status") or {}).get("Code"),
                             tuple(c for c in cidrs if c and c != "None"))


@dataclass(frozen=True)
class TransitGateway:
    region: str
    id: str
    label: str
    arn: str
    state: str
    auto_accept_shared: bool  # Options.AutoAcceptSharedAttachments == "enable"


def _transit_gateway(region: str, raw: dict[str, Any]) -> TransitGateway:
    ident = str(raw["TransitGatewayId"])
    return TransitGateway(region, ident, label(ident, raw), str(raw.get("TransitGatewayArn") or ""),
                          str(raw.get("State") or ""),
                          (raw.get("Options") or {}).get("AutoAcceptSharedAttachments") == "enable")


@dataclass(frozen=True)
class VpnConnection:
    region: str
    id: str
    label: str
    state: str
    telemetry: tuple[tuple[str, str], ...]  # (outside IP, status) per tunnel
    tunnel_logging: tuple[tuple[str, bool], ...]  # (outside IP, logs to CloudWatch Logs) per tunnel option


def _vpn(region: str, raw: dict[str, Any]) -> VpnConnection:
    ident = str(raw["VpnConnectionId"])
    tunnels = (raw.get("Options") or {}).get("TunnelOptions") or []
    return VpnConnection(
        region, ident, label(ident, raw), str(raw.get("State") or ""),
        tuple((str(t.get("OutsideIpAddress")), str(t.get("Status"))) for t in raw.get("VgwTelemetry") or []),
        tuple((str(t.get("OutsideIpAddress")),
               bool(((t.get("LogOptions") or {}).get("CloudWatchLogOptions") or {}).get("LogEnabled")))
              for t in tunnels))


@dataclass(frozen=True)
class ClientVpnEndpoint:
    region: str
    id: str
    logging: bool
    log_group: str


def _client_vpn(region: str, raw: dict[str, Any]) -> ClientVpnEndpoint:
    logging = raw.get("ConnectionLogOptions") or {}
    return ClientVpnEndpoint(region, str(raw["ClientVpnEndpointId"]), bool(logging.get("Enabled")),
                             str(logging.get("CloudwatchLogGroup")))


class ConnectivityView:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

        def service(region: str, raw: dict[str, Any]) -> EndpointService:
            ident = str(raw["ServiceId"])
            return EndpointService(region, ident, deferred_item(snapshot, PERMISSIONS, region, ident, lambda found: tuple(
                str(p.get("Principal")) for p in found or [])))

        self.endpoints: PerRegion[VpcEndpoint] = PerRegion(snapshot, ENDPOINTS, _endpoint)
        self.endpoint_services: PerRegion[EndpointService] = PerRegion(snapshot, SERVICES, service)
        self.peerings: PerRegion[PeeringConnection] = PerRegion(snapshot, PEERINGS, _peering)
        self.transit_gateways: PerRegion[TransitGateway] = PerRegion(snapshot, TGWS, _transit_gateway)
        self.vpns: PerRegion[VpnConnection] = PerRegion(snapshot, VPNS, _vpn)
        self.client_vpns: PerRegion[ClientVpnEndpoint] = PerRegion(snapshot, CLIENT_VPNS, _client_vpn)


__all__ = ["ClientVpnEndpoint", "ConnectivityView", "EndpointService", "PeeringConnection", "TransitGateway",
           "VpcEndpoint", "VpnConnection"]
