"""Network connectivity beyond the VPC topology: endpoints, peering, Transit Gateway, VPN, CloudHSM.

The VPCs, subnets, route tables and interfaces themselves are read in ec2.py.
"""

from __future__ import annotations

from cloudwarden.collect.spec import Call

SPECS = [
    Call("ec2.vpc_endpoints", "ec2", "describe_vpc_endpoints", "VpcEndpoints", paginate=True),
    Call("ec2.vpc_endpoint_services", "ec2", "describe_vpc_endpoint_service_configurations",
         "ServiceConfigurations", paginate=True),
    Call("ec2.vpc_endpoint_service_permissions", "ec2", "describe_vpc_endpoint_service_permissions",
         "AllowedPrincipals", paginate=True, per="ec2.vpc_endpoint_services",
         per_params=lambda s: {"ServiceId": s["ServiceId"]}, per_key=lambda s: s["ServiceId"]),
    Call("ec2.vpc_peering_connections", "ec2", "describe_vpc_peering_connections", "VpcPeeringConnections",
         paginate=True),
    Call("ec2.transit_gateways", "ec2", "describe_transit_gateways", "TransitGateways", paginate=True),
    Call("ec2.vpn_connections", "ec2", "describe_vpn_connections", "VpnConnections"),
    Call("ec2.client_vpn_endpoints", "ec2", "describe_client_vpn_endpoints", "ClientVpnEndpoints", paginate=True),
    Call("ec2.vpc_block_public_access", "ec2", "describe_vpc_block_public_access_options",
         "VpcBlockPublicAccessOptions"),
    Call("cloudhsm.clusters", "cloudhsmv2", "describe_clusters", "Clusters", paginate=True),
    Call("cloudhsm.backups", "cloudhsmv2", "describe_backups", "Backups", paginate=True),
]
