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
from cloudwarden.checks.helpers import allow_statements, as_list, has_narrowing_condition, verdict
from cloudwarden.checks.registry import Result, check
from cloudwarden.core.arn import account_of
from cloudwarden.inventory.snapshot import DataUnavailable
from cloudwarden.inventory.views.connectivity import (
    CLIENT_VPNS,
    ENDPOINTS,
    PEERINGS,
    PERMISSIONS,
    SERVICES,
    TGWS,
    VPNS,
    ConnectivityView,
    VpnConnection,
)
from cloudwarden.inventory.views.ec2 import Ec2View, RouteTable, Vpc

VPCS, ROUTES, ENIS = "ec2.vpcs", "ec2.route_tables", "ec2.network_interfaces"
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
    for region, endpoint in ctx.over(ctx.view(ConnectivityView).endpoints):
        if not endpoint.policy:
            continue  # interface endpoints of services without endpoint policies
        loose: list[str] = []
        for statement in allow_statements(endpoint.policy):
            accounts = _principal_accounts(statement.get("Principal", "*"))
            if "*" in accounts and not has_narrowing_condition(statement):
                loose.append("any principal")
            loose += [f"account {a}" for a in accounts if a != "*" and a not in trusted]
        name = f"{endpoint.id} ({endpoint.service_name})"
        yield verdict(not loose, name, "allows " + ", ".join(sorted(set(loose))) if loose
                      else "allows only trusted accounts", region, resource_type="AWS::EC2::VPCEndpoint")


@check("vpc.endpoint_service_trusted_principals", resource_type="AWS::EC2::VPCEndpointService",
       datasets=[SERVICES, PERMISSIONS, ORG_ACCOUNTS],
       fix="Allow only named principals of trusted accounts to connect to the endpoint service, and require acceptance.",
       cli="aws ec2 modify-vpc-endpoint-service-permissions --service-id <SERVICE_ID> --remove-allowed-principals '*'",
       doc="https://docs.aws.amazon.com/vpc/latest/privatelink/configure-endpoint-service.html")
def endpoint_service_trusted_principals(ctx: CheckContext) -> Iterator[Result]:
    trusted = _trusted_accounts(ctx)
    for region, service in ctx.over(ctx.view(ConnectivityView).endpoint_services):
        service_id = service.id
        with ctx.resource(service_id, region):
            allowed = list(service.principals.get())
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
    for region, endpoints in ctx.regions_of(ctx.view(ConnectivityView).endpoints):
        services: dict[str, list[str]] = {}
        for endpoint in endpoints:
            services.setdefault(endpoint.vpc_id, []).append(endpoint.service)
        vpcs: tuple[Vpc, ...] = ()
        with ctx.resource(f"vpcs/{region}", region):
            vpcs = ctx.view(Ec2View).vpcs(region)
        for vpc in vpcs:
            used = sorted(set(services.get(vpc.id, [])))
            yield verdict(bool(used), vpc.label, "endpoints for " + ", ".join(used) if used
                          else "no VPC endpoint: AWS API traffic leaves through the internet or NAT", region,
                          resource_type="AWS::EC2::VPC")


def _too_broad(destination: str, peer_cidrs: tuple[str, ...]) -> bool:
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
    for region, peerings in ctx.regions_of(ctx.view(ConnectivityView).peerings):
        tables: tuple[RouteTable, ...] | None = None
        with ctx.resource(f"route-tables/{region}", region):
            tables = ctx.view(Ec2View).route_tables(region)
        for peering in peerings if tables is not None else ():
            if peering.status not in ("active", None):
                continue
            pcx = peering.id
            cidrs = peering.peer_cidrs
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
    for region, tgw in ctx.over(ctx.view(ConnectivityView).transit_gateways):
        if tgw.state == "deleted":
            continue
        auto = tgw.auto_accept_shared
        yield verdict(not auto, tgw.label,
                      "auto-accepts shared attachments" if auto else "attachments need acceptance",
                      region, tgw.arn, "AWS::EC2::TransitGateway")


def _vpns(ctx: CheckContext) -> Iterator[tuple[str, VpnConnection]]:
    for region, vpn in ctx.over(ctx.view(ConnectivityView).vpns):
        if vpn.state == "available":
            yield region, vpn


@check("vpc.vpn_tunnels_up", resource_type="AWS::EC2::VPNConnection", datasets=[VPNS],
       fix="Bring both tunnels of the Site-to-Site VPN up on the customer gateway, so that one AWS endpoint's "
           "maintenance does not cut the link.",
       cli="aws ec2 describe-vpn-connections --vpn-connection-ids <VPN_ID> --query 'VpnConnections[].VgwTelemetry'",
       doc=VPC_DOC + "../../vpn/latest/s2svpn/VPNTunnels.html")
def vpn_tunnels_up(ctx: CheckContext) -> Iterator[Result]:
    for region, vpn in _vpns(ctx):
        telemetry = vpn.telemetry
        down = [address for address, status in telemetry if status != "UP"]
        ok = bool(telemetry) and not down
        yield verdict(ok, vpn.label, f"{len(telemetry)} tunnel(s) up" if ok
                      else "tunnels down: " + (", ".join(down) or "no tunnel telemetry"), region,
                      resource_type="AWS::EC2::VPNConnection")


@check("vpc.vpn_logging_enabled", resource_type="AWS::EC2::VPNConnection", datasets=[VPNS],
       fix="Enable CloudWatch Logs for both tunnels of every Site-to-Site VPN connection.",
       cli="aws ec2 modify-vpn-tunnel-options --vpn-connection-id <VPN_ID> --vpn-tunnel-outside-ip-address <IP> "
           "--tunnel-options 'LogOptions={CloudWatchLogOptions={LogEnabled=true,LogGroupArn=<ARN>}}'",
       doc="https://docs.aws.amazon.com/vpn/latest/s2svpn/monitoring-logs.html")
def vpn_logging_enabled(ctx: CheckContext) -> Iterator[Result]:
    for region, vpn in _vpns(ctx):
        tunnels = vpn.tunnel_logging
        silent = [address for address, logged in tunnels if not logged]
        ok = bool(tunnels) and not silent
        yield verdict(ok, vpn.label, "every tunnel logs to CloudWatch Logs" if ok
                      else "tunnels without logs: " + (", ".join(silent) or "no tunnel options reported"), region,
                      resource_type="AWS::EC2::VPNConnection")


@check("vpc.client_vpn_connection_logging", resource_type="AWS::EC2::ClientVpnEndpoint", datasets=[CLIENT_VPNS],
       fix="Enable connection logging to CloudWatch Logs on every Client VPN endpoint.",
       cli="aws ec2 modify-client-vpn-endpoint --client-vpn-endpoint-id <ID> "
           "--connection-log-options Enabled=true,CloudwatchLogGroup=<GROUP>",
       doc="https://docs.aws.amazon.com/vpn/latest/clientvpn-admin/connection-logging.html")
def client_vpn_connection_logging(ctx: CheckContext) -> Iterator[Result]:
    for region, endpoint in ctx.over(ctx.view(ConnectivityView).client_vpns):
        yield verdict(endpoint.logging, endpoint.id,
                      f"connections logged to {endpoint.log_group}" if endpoint.logging
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

