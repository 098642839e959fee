"""The escalation facade (engines/iam/reach.py) and its CLI: --explain, --target, --via-escalation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.cli import main
from cloudwarden.engines.iam import reach
from cloudwarden.inventory.snapshot import save_snapshot
from tests.engines.iam.test_account import arn, snapshot

PRIVATE = "arn:aws:s3:::private/*"  # no bucket policy: only identity policies decide


def test_explain_gives_each_step_with_the_statement_that_allows_it() -> None:
    analysis = reach.analyse(snapshot())
    steps = reach.explain(analysis, arn("user", "two-hops"))
    assert steps is not None
    assert [s.kind for s in steps] == ["iam-006", "sts-001", "is administrator"]
    assert steps[0].reasons and steps[0].reasons[0].layer == "identity"
    assert reach.explain(analysis, arn("user", "reader")) is None
    assert reach.explain(analysis, arn("user", "admin")) == []


def test_reach_finds_escalators_to_a_private_bucket_and_not_the_near_misses() -> None:
    found = {r.principal: r for r in reach.reach(reach.analyse(snapshot()), "s3:GetObject", PRIVATE)}
    assert found[arn("user", "admin")].steps == []  # direct
    dev = found[arn("user", "dev")]
    assert [s.kind for s in dev.steps][0] == "iam-002" and dev.holder == arn("user", "admin")
    assert arn("user", "two-hops") in found
    for near in ("near-condition", "near-trust", "reader"):
        assert arn("user", near) not in found, near
    # near-boundary is bounded to s3:* and allowed s3:GetObject by its boundary only if its identity
    # policy allows it: it does not, and its CreateAccessKey is cut by the boundary
    assert arn("user", "near-boundary") not in found


def test_default_actions_for_data_targets() -> None:
    assert reach.default_action("arn:aws:s3:::bucket") == ("s3:GetObject", "arn:aws:s3:::bucket/*")
    assert reach.default_action("arn:aws:kms:eu-west-1:1:key/k")[0] == "kms:Decrypt"
    assert reach.default_action("arn:aws:secretsmanager:eu-west-1:1:secret:s")[0] == "secretsmanager:GetSecretValue"
    assert reach.default_action("arn:aws-cn:s3:::bucket") == ("s3:GetObject", "arn:aws-cn:s3:::bucket/*")
    assert reach.default_action("arn:aws-us-gov:kms:us-gov-west-1:1:key/k")[0] == "kms:Decrypt"
    with pytest.raises(ValueError):
        reach.default_action("arn:aws:foo:::x")
    with pytest.raises(ValueError):
        reach.default_action("not-an-arn")


@pytest.fixture
def snap_file(tmp_path: Path) -> str:
    return str(save_snapshot(snapshot(), tmp_path / "snap.json"))


def test_cli_explain_and_target(snap_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iam", "escalation", snap_file, "--explain", "two-hops"]) == 0
    out = capsys.readouterr().out
    assert "reaches administrator in 3 step(s)" in out and "[iam-006]" in out and "allowed by identity" in out
    assert main(["iam", "escalation", snap_file, "--target", "arn:aws:s3:::private"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    names = {r["principal"] for r in rows}
    assert arn("user", "dev") in names and arn("user", "reader") not in names
    assert all(r["path"] for r in rows)  # --target lists escalators only, each with its chain


def test_cli_who_can_via_escalation(snap_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iam", "who-can", snap_file, "s3:GetObject", PRIVATE]) == 0
    plain = {json.loads(line)["principal"] for line in capsys.readouterr().out.splitlines()}
    assert main(["iam", "who-can", snap_file, "s3:GetObject", PRIVATE, "--via-escalation"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    via = {r["principal"] for r in rows}
    assert plain < via and arn("user", "dev") in via - plain


def test_cli_bad_target_is_a_one_line_error(snap_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iam", "escalation", snap_file, "--target", "arn:aws:foo:::x"]) != 0
    err = capsys.readouterr().err
    assert "--target arn:aws:foo:::x" in err


def test_cli_explain_to_a_data_target(snap_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iam", "escalation", snap_file, "--explain", "dev", "--target", "arn:aws:s3:::private"]) == 0
    out = capsys.readouterr().out
    assert "reaches s3:GetObject on arn:aws:s3:::private/* in 1 step(s)" in out and "[iam-002]" in out
    assert main(["iam", "escalation", snap_file, "--explain", "reader", "--target", "arn:aws:s3:::private"]) == 0
    assert "cannot reach s3:GetObject" in capsys.readouterr().out
    assert main(["iam", "escalation", snap_file, "--explain", "nobody"]) != 0
    assert "--explain nobody" in capsys.readouterr().err
