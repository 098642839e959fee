"""SCPs and RCPs in force per account, from the management account's snapshot."""

from __future__ import annotations

from cloudwarden.collect.runner import new_snapshot
from cloudwarden.inventory.snapshot import GLOBAL, Gap, Snapshot
from cloudwarden.posture.guardrails import in_force, limiting

MGMT, DEV = "100000000001", "200000000002"


def management() -> Snapshot:
    snap = new_snapshot(MGMT, f"arn:aws:iam::{MGMT}:user/admin", ["us-east-1"], "aws", None)
    snap.put("organizations.organization", GLOBAL, {"Id": "o-x", "MasterAccountId": MGMT})
    snap.put("organizations.tree", GLOBAL, {
        "organizational_units": [{"Id": "ou-dev", "ParentId": "r-root", "Path": "Root/Dev"}],
        "account_parents": {MGMT: "r-root", DEV: "ou-dev"}})
    snap.put("organizations.scps", GLOBAL, [{"Id": "p-FullAWSAccess", "Name": "FullAWSAccess"},
                                            {"Id": "p-region", "Name": "region-lock"}])
    snap.put("organizations.policy_targets", GLOBAL, {"p-FullAWSAccess": [{"TargetId": t} for t in ("r-root", "ou-dev", DEV, MGMT)],
                                                      "p-region": [{"TargetId": "ou-dev"}]})
    snap.put("organizations.rcps", GLOBAL, [{"Id": "p-RCPFullAWSAccess", "Name": "RCPFullAWSAccess"},
                                            {"Id": "p-perimeter", "Name": "data-perimeter"}])
    snap.put("organizations.rcp_targets", GLOBAL, {"p-RCPFullAWSAccess": [{"TargetId": "r-root"}],
                                                   "p-perimeter": [{"TargetId": "r-root"}]})
    return snap


def test_each_account_gets_the_policies_of_its_levels() -> None:
    view = in_force(management())
    dev = view["accounts"][DEV]
    assert dev["ou_path"] == "Root/Dev"
    assert dev["scps"] == [["FullAWSAccess"], ["FullAWSAccess", "region-lock"], ["FullAWSAccess"]]
    assert limiting(dev["scps"]) == ["region-lock"] and limiting(dev["rcps"]) == ["data-perimeter"]
    assert view["accounts"][MGMT]["scps"] == [] and view["management_account"] == MGMT


def test_unread_targets_make_that_kind_unknown_not_none() -> None:
    snap = management()
    snap.gaps.append(Gap(dataset="organizations.rcp_targets", service="organizations", operation="ListTargetsForPolicy",
                         region=GLOBAL, error_code="AccessDeniedException", message="denied",
                         permission="organizations:ListTargetsForPolicy", resource="p-perimeter"))
    view = in_force(snap)
    assert view["accounts"][DEV]["rcps"] is None and "RCPs not readable" in view["unknown"]["rcps"]
    assert limiting(view["accounts"][DEV]["scps"]) == ["region-lock"]


def test_without_the_tree_nothing_is_claimed() -> None:
    snap = new_snapshot(DEV, f"arn:aws:iam::{DEV}:user/x", ["us-east-1"], "aws", None)
    assert in_force(snap)["accounts"] == {} and "tree" in in_force(snap)["unknown"]
