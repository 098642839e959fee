"""VPC connectivity: endpoints and their policies, endpoint services, peering routes, Transit Gateway,
Site-to-Site and Client VPN, VPC Block Public Access, interfaces' source/destination check.

Reads the datasets of collect/services/connectivity.py and, for topology, ec2.vpcs, ec2.route_tables
and ec2.network_interfaces (collect/services/ec2.py). Accounts of the organization
(`organizations.accounts`) count as trusted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from cloudwarden.checks.context import CheckContext
from cloudwarden.checks.helpers import allow_statements, as_list, has_narrowing_condition, name_or_id, verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.arn import account_of
from cloudwarden.inventory.snapshot import DataUnavailable
from cloudwarden.inventory.views.ec2 import Ec2View, RouteTable, Vpc

VPCS, ROUTES, ENIS = "ec2.vpcs", "ec2.route_tables", "ec2.network_interfaces"
ENDPOINTS, SERVICES, PERMISSIONS = "ec2.vpc_endpoints", "ec2.vpc_endpoint_services", "ec2.vpc_endpoint_service_permissions"
PEERINGS, TGWS, VPNS, CLIENT_VPNS = ("ec2.vpc_peering_connections", "ec2.transit_gateways", "ec2.vpn_connections",
                                     "ec2.client_vpn_endpoints")
BPA, ORG_ACCOUNTS = "ec2.vpc_block_public_access", "organizations.accounts"
VPC_DOC = "https://docs.aws.amazon.com/vpc/latest/"


def _trusted_accounts(ctx: CheckContext) -> set[str]:
    """This account and, when it is in an organization, the organization's accounts."""
    trusted = {ctx.account_id}
    # Outside an organization or unreadable: only this account is known to be trusted.
    with suppress(DataUnavailable):
        trusted |= {str(a.get("Id")) for a in ctx.get(ORG_ACCOUNTS) or []}
    return trusted


def _principal_accounts(principal: Any) -> list[str]:
    """'*' or the account ids a policy principal names."""
    if principal == "*":
        return ["*"]
    values = as_list(principal.get("AWS")) if isinstance(principal, dict) else as_list(principal)
    accounts = []
    for value in values:
        text = str(value)
        accounts.append("*" if text == "*" else text if text.isdigit() else account_of(text) or text)
    return accounts


@check("vpc.endpoint_policy_trusted_accounts", resource_type="AWS::EC2::VPCEndpoint", datasets=[ENDPOINTS, ORG_ACCOUNTS],
       fix="Replace the endpoint's full-access default policy with one that allows only this account's or "
           "organization's principals (aws:PrincipalOrgID) and the resources they need.",
       cli="aws ec2 modify-vpc-endpoint --vpc-endpoint-id <VPCE_ID> --policy-document file://endpoint-policy.json",
       doc="https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html")
def endpoint_policy_trusted_accounts(ctx: CheckContext) -> Iterator[Result]:
    trusted = _trusted_accounts(ctx)
    for region, endpoint in ctx.each(ENDPOINTS):
        if not endpoint.get("PolicyDocument"):
            continue  # interface endpoints of services without endpoint policies
        loose: list[str] = []
        for statement in allow_statements(endpoint["PolicyDocument"]):
            accounts = _principal_accounts(statement.get("Principal", "*"))
            if "*" in accounts and not has_narrowing_condition(statement):
                loose.append("any principal")
            loose += [f"account {a}" for a in accounts if a != "*" and a not in trusted]
        name = f"{endpoint['VpcEndpointId']} ({endpoint.get('ServiceName')})"
        yield verdict(not loose, name, "allows " + ", ".join(sorted(set(loose))) if loose
                      else "allows only trusted accounts", region, resource_type="AWS::EC2::VPCEndpoint")


@check("vpc.endpoint_service_trusted_principals", resource_type="AWS::EC2::VPCEndpointService",
       datasets=[SERVICES, PERMISSIONS, ORG_ACCOUNTS],
       fix="Allow only named principals of trusted accounts to connect to the endpoint service, and require acceptance.",
       cli="aws ec2 modify-vpc-endpoint-service-permissions --service-id <SERVICE_ID> --remove-allowed-principals '*'",
       doc="https://docs.aws.amazon.com/vpc/latest/privatelink/configure-endpoint-service.html")
def endpoint_service_trusted_principals(ctx: CheckContext) -> Iterator[Result]:
    trusted = _trusted_accounts(ctx)
    for region, service in ctx.each(SERVICES):
        service_id = str(service["ServiceId"])
        with ctx.resource(service_id, region):
            allowed = [str(p.get("Principal")) for p in ctx.item(PERMISSIONS, service_id, region) or []]
            foreign = [p for p in allowed for a in _principal_accounts(p) if a == "*" or a not in trusted]
            yield verdict(not foreign, service_id, "allows " + ", ".join(foreign) if foreign
                          else f"{len(allowed)} trusted principal(s)", region,
                          resource_type="AWS::EC2::VPCEndpointService")


@check("vpc.endpoints_for_aws_services", resource_type="AWS::EC2::VPC", datasets=[VPCS, ENDPOINTS],
       fix="Create VPC endpoints (an S3/DynamoDB gateway endpoint, interface endpoints for the AWS APIs the "
           "workload calls) so that traffic to AWS services stays off the internet.",
       cli="aws ec2 create-vpc-endpoint --vpc-id <VPC_ID> --service-name com.amazonaws.<REGION>.s3 "
           "--route-table-ids <RTB_ID>",
       doc=VPC_DOC + "privatelink/create-interface-endpoint.html")
def endpoints_for_aws_services(ctx: CheckContext) -> Iterator[Result]:
    for region, endpoints in ctx.regional(ENDPOINTS):
        services: dict[str, list[str]] = {}
        for endpoint in endpoints or []:
            services.setdefault(str(endpoint.get("VpcId")), []).append(str(endpoint.get("ServiceName")).rsplit(".", 1)[-1])
        vpcs: tuple[Vpc, ...] = ()
        with ctx.resource(f"vpcs/{region}", region):
            vpcs = ctx.view(Ec2View).vpcs(region)
        for vpc in vpcs:
            used = sorted(set(services.get(vpc.id, [])))
            yield verdict(bool(used), vpc.label, "endpoints for " + ", ".join(used) if used
                          else "no VPC endpoint: AWS API traffic leaves through the internet or NAT", region,
                          resource_type="AWS::EC2::VPC")


def _peer_cidrs(peering: dict[str, Any]) -> list[str]:
    cidrs: list[str] = []
    for side in ("AccepterVpcInfo", "RequesterVpcInfo"):
        info = peering.get(side) or {}
        cidrs += [str(c.get("CidrBlock")) for c in info.get("CidrBlockSet") or []] or as_list(info.get("CidrBlock"))
    return [c for c in cidrs if c and c != "None"]


def _too_broad(destination: str, peer_cidrs: list[str]) -> bool:
    """A peering route to the whole internet, or to a peer VPC's entire CIDR or more."""
    try:
        network = ipaddress.ip_network(destination, strict=False)
    except ValueError:
        return False
    if network.prefixlen == 0:
        return True
    for cidr in peer_cidrs:
        peer = ipaddress.ip_network(cidr, strict=False)
        if peer.version == network.version and peer.subnet_of(network):  # type: ignore[arg-type]
            return True
    return False


@check("vpc.peering_routes_least_access", resource_type="AWS::EC2::VPCPeeringConnection",
       datasets=[PEERINGS, ROUTES],
       fix="Route only the subnets that must talk over the peering connection, not the peer's whole CIDR or 0.0.0.0/0.",
       cli="aws ec2 replace-route --route-table-id <RTB_ID> --destination-cidr-block <NARROW_CIDR> "
           "--vpc-peering-connection-id <PCX_ID>",
       doc=VPC_DOC + "peering/peering-configurations-partial-access.html")
def peering_routes_least_access(ctx: CheckContext) -> Iterator[Result]:
    for region, peerings in ctx.regional(PEERINGS):
        tables: tuple[RouteTable, ...] | None = None
        with ctx.resource(f"route-tables/{region}", region):
            tables = ctx.view(Ec2View).route_tables(region)
        for peering in peerings or [] if tables is not None else []:
            if (peering.get("Status") or {}).get("Code") not in ("active", None):
                continue
            pcx = str(peering["VpcPeeringConnectionId"])
            cidrs = _peer_cidrs(peering)
            broad = [f"{table.id} -> {route.destination}" for table in tables for route in table.routes
                     if route.target == pcx and _too_broad(route.destination, cidrs)]
            yield verdict(not broad, pcx, "routes the whole peer VPC or more: " + "; ".join(broad) if broad
                          else "peering routes are narrower than the peer VPCs", region,
                          resource_type="AWS::EC2::VPCPeeringConnection")


@check("vpc.transit_gateway_no_auto_accept", resource_type="AWS::EC2::TransitGateway", datasets=[TGWS],
       fix="Turn off automatic acceptance of shared attachments; accept each attachment deliberately.",
       cli="aws ec2 modify-transit-gateway --transit-gateway-id <TGW_ID> --options AutoAcceptSharedAttachments=disable",
       doc=VPC_DOC + "tgw/tgw-transit-gateways.html")
def transit_gateway_no_auto_accept(ctx: CheckContext) -> Iterator[Result]:
    for region, tgw in ctx.each(TGWS):
        if tgw.get("State") == "deleted":
            continue
        auto = (tgw.get("Options") or {}).get("AutoAcceptSharedAttachments")
        yield verdict(auto != "enable", name_or_id(tgw, "TransitGatewayId"),
                      "auto-accepts shared attachments" if auto == "enable" else "attachments need acceptance",
                      region, str(tgw.get("TransitGatewayArn") or ""), "AWS::EC2::TransitGateway")


def _vpns(ctx: CheckContext) -> Iterator[tuple[str, dict[str, Any]]]:
    for region, vpn in ctx.each(VPNS):
        if vpn.get("State") == "available":
            yield region, vpn


@check("vpc.vpn_tunnels_up", resource_type="AWS::EC2::VPNConnection", datasets=[VPNS],
       fix="Bring both tunnels of the Site-to-Site VPN up on the customer gateway, so that one AWS endpoint's "
           "maintenance does not cut the link.",
       cli="aws ec2 describe-vpn-connections --vpn-connection-ids <VPN_ID> --query 'VpnConnections[].VgwTelemetry'",
       doc=VPC_DOC + "../../vpn/latest/s2svpn/VPNTunnels.html")
def vpn_tunnels_up(ctx: CheckContext) -> Iterator[Result]:
    for region, vpn in _vpns(ctx):
        telemetry = vpn.get("VgwTelemetry") or []
        down = [str(t.get("OutsideIpAddress")) for t in telemetry if t.get("Status") != "UP"]
        ok = bool(telemetry) and not down
        yield verdict(ok, name_or_id(vpn, "VpnConnectionId"), f"{len(telemetry)} tunnel(s) up" if ok
                      else "tunnels down: " + (", ".join(down) or "no tunnel telemetry"), region,
                      resource_type="AWS::EC2::VPNConnection")


@check("vpc.vpn_logging_enabled", resource_type="AWS::EC2::VPNConnection", datasets=[VPNS],
       fix="Enable CloudWatch Logs for both tunnels of every Site-to-Site VPN connection.",
       cli="aws ec2 modify-vpn-tunnel-options --vpn-connection-id <VPN_ID> --vpn-tunnel-outside-ip-address <IP> "
           "--tunnel-options 'LogOptions={CloudWatchLogOptions={LogEnabled=true,LogGroupArn=<ARN>}}'",
       doc="https://docs.aws.amazon.com/vpn/latest/s2svpn/monitoring-logs.html")
def vpn_logging_enabled(ctx: CheckContext) -> Iterator[Result]:
    for region, vpn in _vpns(ctx):
        tunnels = (vpn.get("Options") or {}).get("TunnelOptions") or []
        silent = [str(t.get("OutsideIpAddress")) for t in tunnels
                  if not ((t.get("LogOptions") or {}).get("CloudWatchLogOptions") or {}).get("LogEnabled")]
        ok = bool(tunnels) and not silent
        yield verdict(ok, name_or_id(vpn, "VpnConnectionId"), "every tunnel logs to CloudWatch Logs" if ok
                      else "tunnels without logs: " + (", ".join(silent) or "no tunnel options reported"), region,
                      resource_type="AWS::EC2::VPNConnection")


@check("vpc.client_vpn_connection_logging", resource_type="AWS::EC2::ClientVpnEndpoint", datasets=[CLIENT_VPNS],
       fix="Enable connection logging to CloudWatch Logs on every Client VPN endpoint.",
       cli="aws ec2 modify-client-vpn-endpoint --client-vpn-endpoint-id <ID> "
           "--connection-log-options Enabled=true,CloudwatchLogGroup=<GROUP>",
       doc="https://docs.aws.amazon.com/vpn/latest/clientvpn-admin/connection-logging.html")
def client_vpn_connection_logging(ctx: CheckContext) -> Iterator[Result]:
    for region, endpoint in ctx.each(CLIENT_VPNS):
        logging = endpoint.get("ConnectionLogOptions") or {}
        yield verdict(bool(logging.get("Enabled")), str(endpoint["ClientVpnEndpointId"]),
                      f"connections logged to {logging.get('CloudwatchLogGroup')}" if logging.get("Enabled")
                      else "connection logging off", region, resource_type="AWS::EC2::ClientVpnEndpoint")


@check("vpc.block_public_access_enabled", resource_type="AWS::EC2::VPCBlockPublicAccessOptions", datasets=[BPA],
       fix="Turn on VPC Block Public Access (bidirectional or ingress-only) and exclude only the VPCs or subnets "
           "that must reach the internet.",
       cli="aws ec2 modify-vpc-block-public-access-options --internet-gateway-block-mode block-ingress",
       doc=VPC_DOC + "userguide/security-vpc-bpa.html")
def block_public_access_enabled(ctx: CheckContext) -> Iterator[Result]:
    for region, options in ctx.regional(BPA):
        mode = str((options or {}).get("InternetGatewayBlockMode") or "off")
        yield verdict(mode in ("block-bidirectional", "block-ingress"), f"vpc-bpa/{region}",
                      f"internet gateway block mode {mode}", region,
                      resource_type="AWS::EC2::VPCBlockPublicAccessOptions")


@check("vpc.eni_source_dest_check", resource_type="AWS::EC2::NetworkInterface", datasets=[ENIS],
       fix="Keep source/destination checking on; turn it off only on routing appliances (NAT, firewall instances) "
           "and tag them role=router.",
       cli="aws ec2 modify-network-interface-attribute --network-interface-id <ENI_ID> --source-dest-check",
       doc=VPC_DOC + "userguide/VPC_NAT_Instance.html#EIP_Disable_SrcDestCheck")
def eni_source_dest_check(ctx: CheckContext) -> Iterator[Result]:
    for region, eni in ctx.over(ctx.view(Ec2View).network_interfaces):
        if eni.interface_type not in ("", "interface") or eni.requester_managed:
            continue  # AWS-managed interfaces (NAT gateways, endpoints) route by design
        on = eni.source_dest_check
        router = eni.tags.get("role") == "router"
        yield verdict(on or router, eni.id, "source/destination check on" if on
                      else "source/destination check off (tagged role=router)" if router
                      else "source/destination check off on an interface not tagged as a router", region,
                      resource_type="AWS::EC2::NetworkInterface")

