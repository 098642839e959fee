"""The hops in order, for one entry point: what survives each hop, and the hop that blocks.

Pure standard library. Uses the same segment evaluation as :mod:`reach`, but keeps the verdict of
every hop (passed, or why not) instead of only what gets through.
"""

from __future__ import annotations

from collections.abc import Iterable

from cloudwarden.engines.network.hops import PROTOCOLS, Segment, SubnetHops, overlay
from cloudwarden.engines.network.model import NetworkModel
from cloudwarden.engines.network.ports import EMPTY, PortSet
from cloudwarden.engines.network.reach import Reachability
from cloudwarden.engines.network.results import Attempt, Step

Survivors = dict[str, list[tuple[Segment, PortSet]]]  # protocol -> segments and their open ports


def _gateway_step(model: NetworkModel, vpc_id: str) -> Step:
    gateway = model.internet_gateway_of(vpc_id)
    if gateway is None:
        return Step("internet_gateway", "", False, f"no internet gateway is attached to {vpc_id or 'the VPC'}")
    return Step("internet_gateway", gateway.id, True, f"attached to {vpc_id}")


def _route_step(hops: SubnetHops) -> tuple[Step, list[Segment]]:
    table = hops.route_table
    if table is None:
        return Step("route_table", "", False, f"no route table found for {hops.subnet_id}"), []
    how = "explicitly associated with" if hops.explicit_association else "main route table, used by"
    routed = [s for s in hops.segments if hops.routed(s)]
    used = sorted({f"{s.route.destination} -> {s.route.target}" for s in routed if s.route})
    if routed:
        return Step("route_table", table.id, True, f"{how} {hops.subnet_id}: route {', '.join(used)}"), routed
    others = sorted({f"{s.route.destination} -> {s.route.target}" for s in hops.segments if s.route})
    if not others:
        why = "no route covers internet addresses, so replies cannot leave"
    else:
        why = f"internet addresses are routed {', '.join(others)}, not to an internet gateway"
        if any("-> eigw-" in t for t in others):
            why += " (an egress-only gateway passes only connections opened from inside)"
        elif any("nat-" in t for t in others):
            why += " (a NAT gateway carries outbound connections only)"
    return Step("route_table", table.id, False, f"{how} {hops.subnet_id}: {why}"), []


def _rules_text(decisions: Iterable[tuple[object, PortSet]], verb: str, protocol: str) -> list[str]:
    return [f"rule {e.rule_number} {verb} {protocol} {p} from {e.block}"  # type: ignore[attr-defined]
            for e, p in decisions]


def _nacl_inbound_step(hops_by_protocol: dict[str, SubnetHops], routed: dict[str, list[Segment]],
                       wanted_by: dict[str, PortSet]) -> tuple[Step, Survivors]:
    survivors: Survivors = {}
    allowed: set[str] = set()
    denied: set[str] = set()
    for protocol, segments in routed.items():
        wanted = wanted_by.get(protocol, EMPTY)
        for segment in segments if wanted else []:
            ports = EMPTY
            for entry, entry_ports in segment.nacl_allows:
                if entry_ports & wanted:
                    ports = ports | (entry_ports & wanted)
                    allowed.update(_rules_text([(entry, entry_ports & wanted)], "allows", protocol))
            denied.update(_rules_text([(e, p & wanted) for e, p in segment.nacl_denies if p & wanted],
                                      "denies", protocol))
            if ports:
                survivors.setdefault(protocol, []).append((segment, ports))
    nacl = next(iter(hops_by_protocol.values())).nacl
    nacl_id = nacl.id if nacl else ""
    if survivors:
        return Step("network_acl", nacl_id, True, "inbound " + "; ".join(sorted(allowed))), survivors
    detail = "; ".join(sorted(denied)) or "no inbound rule matches"
    return Step("network_acl", nacl_id, False, f"inbound traffic from the internet is dropped: {detail}"), {}


def _nacl_return_step(nacl_id: str, survivors: Survivors) -> tuple[Step, Survivors]:
    kept: Survivors = {}
    allowed: set[str] = set()
    denied: set[str] = set()
    for protocol, pairs in survivors.items():
        for segment, ports in pairs:
            if segment.return_allows:
                kept.setdefault(protocol, []).append((segment, ports))
                allowed.update(f"rule {e.rule_number} allows {protocol} replies to ports {p} for {e.block}"
                               for e, p in segment.return_allows)
            denied.update(f"rule {e.rule_number} denies {protocol} {p} to {e.block}"
                          for e, p in segment.return_denies)
    if kept:
        return Step("network_acl_return", nacl_id, True, "outbound " + "; ".join(sorted(allowed))), kept
    detail = "; ".join(sorted(denied)) or "no outbound rule matches"
    return Step("network_acl_return", nacl_id, False,
                "the request passes inbound, but the NACL is stateless and its outbound rules drop the "
                f"replies to the client's ephemeral ports 1024-65535: {detail}"), {}


def _group_refusals(model: NetworkModel, group_ids: tuple[str, ...]) -> str:
    notes: list[str] = []
    for group_id in group_ids:
        group = model.security_groups.get(group_id)
        if group is None:
            notes.append(f"{group_id} is not in the snapshot")
            continue
        for rule in group.ingress:
            for other in rule.groups:
                notes.append(f"{group_id} admits members of {other} on {rule.label()} "
                             "(a group reference admits interfaces in that group, never the internet)")
            for cidr in rule.cidrs:
                notes.append(f"{group_id} admits {rule.label()} from {cidr}")
    return "; ".join(notes) or "no inbound rules"


def _group_step(model: NetworkModel, reachability: Reachability, group_ids: tuple[str, ...] | None,
                version: int, survivors: Survivors) -> tuple[Step, PortSet]:
    if group_ids is None:
        ports = EMPTY
        for pairs in survivors.values():
            for _, segment_ports in pairs:
                ports = ports | segment_ports
        return Step("security_group", "", True, "the load balancer has no security groups"), ports
    admitted: set[str] = set()
    reached = EMPTY
    for protocol, pairs in survivors.items():
        by_segment = {id(s): p for s, p in pairs}
        for group_id in group_ids:
            admissions = reachability.admissions(group_id, version, protocol)
            for segment, group_segment in overlay([s for s, _ in pairs], admissions):
                for admission in group_segment.admissions:
                    ports = admission.ports & by_segment[id(segment)]
                    if ports:
                        reached = reached | ports
                        admitted.add(f"{group_id} allows {protocol} {ports} from {admission.cidr}")
    if admitted:
        return Step("security_group", ",".join(group_ids), True, "; ".join(sorted(admitted))), reached
    why = _group_refusals(model, group_ids)
    return Step("security_group", ",".join(group_ids), False,
                f"no rule admits the internet on the ports that get this far: {why}"), EMPTY


def funnel(model: NetworkModel, reachability: Reachability, subnet_id: str,
           group_ids: tuple[str, ...] | None, version: int, wanted: dict[str, PortSet],
           attempt: Attempt) -> None:
    """Follow internet traffic into ``subnet_id`` hop by hop, appending each verdict to ``attempt``.

    ``wanted`` holds, per protocol, the ports to follow (see ``explain.focus``).
    """
    hops = {p: reachability.subnet(subnet_id, version, p) for p in PROTOCOLS}
    attempt.steps.append(_gateway_step(model, hops["tcp"].vpc_id))
    if not attempt.steps[-1].passed:
        return
    routed: dict[str, list[Segment]] = {}
    for protocol, protocol_hops in hops.items():
        step, routed[protocol] = _route_step(protocol_hops)
    attempt.steps.append(step)
    if not step.passed:
        return
    step, survivors = _nacl_inbound_step(hops, routed, wanted)
    attempt.steps.append(step)
    if not step.passed:
        return
    step, survivors = _nacl_return_step(step.id, survivors)
    attempt.steps.append(step)
    if step.passed:
        attempt.steps.append(_group_step(model, reachability, group_ids, version, survivors)[0])
