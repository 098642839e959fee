"""`cloudwarden exposure` as a user runs it: terminal and JSON listings, --port, --explain, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.cli import main
from cloudwarden.inventory import save_snapshot
from tests.engines.network.world import World, perm


@pytest.fixture()
def snapshot_file(tmp_path: Path) -> str:
    world = World().vpc()
    world.subnet("subnet-pub", "10.0.1.0/24", routes=[("0.0.0.0/0", "igw-1"), ("::/0", "igw-1")])
    world.subnet("subnet-priv", "10.0.2.0/24", routes=[("0.0.0.0/0", "nat-1")])
    world.sg("sg-web", perm("tcp", 22, cidrs=("0.0.0.0/0",)), perm("tcp", 443, cidrs=("0.0.0.0/0", "::/0")))
    world.eni("eni-web", "subnet-pub", ["sg-web"], "54.0.0.10", "i-web", ipv6=["2600:1f18::10"])
    world.eni("eni-app", "subnet-priv", ["sg-web"], "54.0.0.11", "i-app")
    world.instance("i-web", ["eni-web"]).instance("i-app", ["eni-app"])
    return str(save_snapshot(world.snapshot(), tmp_path / "snap.json.gz"))


def test_json_lists_every_exposure_with_its_path(snapshot_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exposure", snapshot_file, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["resource_id"], r["protocol"], r["from_port"], r["ip_version"], r["source"]) for r in rows} == {
        ("i-web", "tcp", 22, 4, "0.0.0.0/0"), ("i-web", "tcp", 443, 4, "0.0.0.0/0"),
        ("i-web", "tcp", 443, 6, "::/0")}
    first = rows[0]
    assert first["interface_id"] == "eni-web" and first["to_port"] == first["from_port"]
    assert [hop["hop"] for hop in first["path"]] == [
        "internet_gateway", "route_table", "network_acl", "security_group", "network_interface"]
    assert "rule 100" in first["path"][2]["detail"]


def test_port_filter_and_terminal_output(snapshot_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exposure", snapshot_file, "--port", "22"]) == 0
    out = capsys.readouterr().out
    assert "i-web" in out and "tcp/22" in out and "critical" in out and "tcp/443" not in out
    assert "i-app" not in out


def test_explain_names_the_blocking_hop(snapshot_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exposure", snapshot_file, "--explain", "i-app"]) == 0
    out = capsys.readouterr().out
    assert "NOT reachable" in out
    assert "blocked at route_table rtb-subnet-priv" in out and "NAT gateway" in out


def test_explain_json_for_a_reachable_port(snapshot_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exposure", snapshot_file, "--explain", "i-web", "--port", "443", "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["reachable"] and answer["port"] == 443
    assert {e["ip_version"] for e in answer["exposures"]} == {4, 6}


def test_unknown_resource_and_bad_input_are_one_line_errors(
    snapshot_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["exposure", snapshot_file, "--explain", "i-nothing"]) == 2
    assert "no instance, interface" in capsys.readouterr().err
    assert main(["exposure", str(tmp_path / "missing.json.gz")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["exposure", snapshot_file, "--port", "70000"]) == 2
    assert "hint:" in capsys.readouterr().err


def test_regions_takes_a_comma_separated_list_as_scan_does(snapshot_file: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from tests.engines.network.world import REGION

    assert main(["exposure", snapshot_file, "--regions", REGION, "--format", "json"]) == 0
    assert {r["resource_id"] for r in json.loads(capsys.readouterr().out)} == {"i-web"}
    assert main(["exposure", snapshot_file, "--regions", f"{REGION},ap-south-9"]) == 2
    err = capsys.readouterr().err
    assert "region ap-south-9 is not in the snapshot" in err and REGION in err
