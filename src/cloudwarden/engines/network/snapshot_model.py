"""Build a :class:`NetworkModel` for one region from a snapshot, on the EC2 typed views.

Reads the inventory only, through :class:`~cloudwarden.inventory.views.ec2.Ec2View` (the one parser
of the describe_* shapes) for EC2/VPC, :class:`~cloudwarden.inventory.views.elb.ElbView` for load
balancers and :class:`~cloudwarden.inventory.views.rds.RdsView` for RDS instances. The datasets without which no answer is possible (subnets, route
tables, gateways, NACLs, security groups, interfaces) raise ``DataUnavailable`` when missing, so a
check reports UNKNOWN; the others (RDS, load balancers, prefix lists, Elastic IPs...) leave a note
in ``model.gaps`` and the model goes on without them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudwarden.engines.network.lb_model import load_balancers
from cloudwarden.engines.network.model import DbInstance, Interface, NetworkModel
from cloudwarden.inventory.snapshot import DataUnavailable, Snapshot
from cloudwarden.inventory.views.ec2 import Address, Ec2View, NetworkInterface
from cloudwarden.inventory.views.elb import ElbView
from cloudwarden.inventory.views.rds import RdsView

REQUIRED = (
    "ec2.subnets", "ec2.route_tables", "ec2.internet_gateways", "ec2.network_acls",
    "ec2.security_groups", "ec2.network_interfaces",
)


def optional(snapshot: Snapshot, model: NetworkModel, read: Callable[[], Any], default: Any) -> Any:
    """Read a dataset the model can do without; a gap becomes a note instead of an error."""
    try:
        return read()
    except DataUnavailable as missing:
        model.gaps.append(missing.reason)
        model.gapped.setdefault(missing.dataset, missing.reason)
        return default


def _address_origin(allocation_id: str, owner_id: str, eip: str | None, private_ip: str) -> str:
    if eip or allocation_id:
        how = f"Elastic IP {eip or allocation_id}"
    elif owner_id == "amazon":
        how = "auto-assigned public IP"
    else:
        # No allocation id and not owned by "amazon": neither kind can be told for sure.
        how = "public IP"
    return f"({how} on {private_ip or '?'})"


def interface_of(eni: NetworkInterface, elastic: dict[tuple[str, str], str]) -> Interface:
    public: dict[str, str] = {}
    for address, private_ip, allocation_id, owner_id in eni.associations:
        if address not in public:
            eip = elastic.get((eni.id, private_ip))
            public[address] = _address_origin(allocation_id, owner_id, eip, private_ip)
    return Interface(
        id=eni.id,
        subnet_id=eni.subnet_id,
        vpc_id=eni.vpc_id,
        group_ids=list(eni.group_ids),
        public_ipv4=public,
        ipv6=list(eni.ipv6_addresses),
        instance_id=eni.instance_id,
        interface_type=eni.interface_type or "interface",
        description=eni.description,
        requester_id=eni.requester_id,
    )


def elastic_ips(addresses: tuple[Address, ...]) -> dict[tuple[str, str], str]:
    """(interface, private address) -> allocation id, for every associated Elastic IP."""
    return {(a.interface_id, a.private_ip): a.ident for a in addresses if a.interface_id}


def add_elastic_ips(model: NetworkModel, addresses: tuple[Address, ...]) -> None:
    """Elastic IPs the interface listing did not show (older data): add them to the interface."""
    for address in addresses:
        interface = model.interfaces.get(address.interface_id)
        if interface is not None and address.public_ip and address.public_ip not in interface.public_ipv4:
            interface.public_ipv4[address.public_ip] = (
                f"(Elastic IP {address.allocation_id} on {address.private_ip or '?'})")


def prefix_lists(ec2: Ec2View, region: str, model: NetworkModel) -> dict[str, list[str]]:
    """Entries per prefix list; lists whose entries could not be read go to model.unresolved_prefix_lists."""
    found: dict[str, list[str]] = {}
    listed = ec2.prefix_lists.part(region)
    if not listed.known:
        model.gaps.append(listed.reason)
        model.unresolved_prefix_lists["*"] = listed.reason
        return found
    for prefix_list in listed.value or ():
        if prefix_list.aws_managed:  # AWS service ranges (S3, DynamoDB...): not internet sources
            found[prefix_list.id] = []
            continue
        entries = prefix_list.entries.resolve()
        if not entries.known:
            model.gaps.append(entries.reason)
            model.unresolved_prefix_lists[prefix_list.id] = entries.reason
        found[prefix_list.id] = list(entries.value or ())
    return found


def db_instances(rds: RdsView, region: str, model: NetworkModel) -> dict[str, DbInstance]:
    snapshot = rds.snapshot
    groups = {g.name: g for g in optional(snapshot, model, lambda: rds.subnet_groups(region), ())}
    found: dict[str, DbInstance] = {}
    for db in optional(snapshot, model, lambda: rds.instances(region), ()):
        listed = groups.get(db.subnet_group_name)
        # the instance carries its subnet group's subnets; the group listing fills in when it does not
        subnets = [s for s in db.subnet_ids if s] or (list(listed.subnet_ids) if listed else [])
        found[db.id] = DbInstance(
            id=db.id,
            vpc_id=db.vpc_id,
            subnet_ids=subnets,
            group_ids=list(db.active_security_group_ids),
            publicly_accessible=db.publicly_accessible,
            port=db.port,
            engine=db.engine,
        )
    return found


def model_from_snapshot(snapshot: Snapshot, region: str, ec2: Ec2View | None = None,
                        elb: ElbView | None = None, rds: RdsView | None = None) -> NetworkModel:
    """The network model of ``region``; raises DataUnavailable when a required dataset is missing.

    ``ec2``, ``elb``, ``rds``: the assessment's views (parsed once and shared with the checks); built here
    when not given."""
    ec2 = ec2 or Ec2View(snapshot)
    subnets, tables = ec2.subnets(region), ec2.route_tables(region)
    igws, nacls = ec2.internet_gateways(region), ec2.network_acls(region)
    groups, enis = ec2.security_groups(region), ec2.network_interfaces(region)
    model = NetworkModel(region=region, account_id=snapshot.account_id)
    model.subnets = {s.id: s for s in subnets}
    model.route_tables = list(tables)
    eigws = optional(snapshot, model, lambda: ec2.egress_only_gateways(region), ())
    model.gateways = {g.id: g for g in igws + eigws}
    model.network_acls = list(nacls)
    model.security_groups = {g.id: g for g in groups}
    model.prefix_lists = prefix_lists(ec2, region, model)
    addresses = optional(snapshot, model, lambda: ec2.addresses(region), ())
    elastic = elastic_ips(addresses)
    model.interfaces = {i.id: interface_of(i, elastic) for i in enis}
    add_elastic_ips(model, addresses)
    model.instances = {i.id: i for i in optional(snapshot, model, lambda: ec2.instances(region), ())}
    model.db_instances = db_instances(rds or RdsView(snapshot), region, model)
    model.load_balancers, model.target_groups = load_balancers(elb or ElbView(snapshot), region, model, optional)
    return model
