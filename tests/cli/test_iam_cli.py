"""`cloudwarden iam evaluate`: single files, directories, JSON Lines, stdin, and malformed input."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.cli import _Parser
from cloudwarden.cli import iam as iam_cli
from cloudwarden.core.errors import CloudwardenError

USER = "arn:aws:iam::111111111111:user/alice"
ALLOWING = {
    "name": "alice-reads",
    "policies": {
        "identity": [
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"},
            }
        ]
    },
    "request": {
        "principal": USER,
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k",
        "resourceAccount": "111111111111",
    },
}
DENYING = {
    "policies": {
        "identity": [
            {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
        ],
        "scps": [
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "*", "Resource": "*"},
                    {
                        "Sid": "NoLeaving",
                        "Effect": "Deny",
                        "Action": "organizations:LeaveOrganization",
                        "Resource": "*",
                    },
                ],
            }
        ],
    },
    "request": {"principal": USER, "action": "organizations:LeaveOrganization"},
}
MALFORMED = {
    "policies": {
        "identity": [
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:*",
                        "Resource": "*",
                        "Condition": {"NumericLessThan": {"k": "x"}},
                    }
                ]
            }
        ]
    },
    "request": {"principal": USER, "action": "s3:GetObject"},
}


def run(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    stdin: str | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, list[dict[str, Any]], str]:
    """Run like `cloudwarden ...` does: the handler's exit code, or the code of a CloudwardenError."""
    parser = _Parser(prog="cloudwarden")
    iam_cli.register(parser.add_subparsers(dest="command", parser_class=_Parser))
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    args = parser.parse_args(argv)
    try:
        code = args.handler(args)
    except CloudwardenError as error:
        code = error.exit_code
        print(error.message, file=__import__("sys").stderr)
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_single_file_allow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(ALLOWING, indent=2))
    code, results, err = run(["iam", "evaluate", str(path)], capsys)
    assert code == 0 and err == ""
    assert results == [
        {
            "name": "alice-reads",
            "decision": "Allow",
            "explain": [{"layer": "identity", "policy": "identity[0]", "statement": 0, "effect": "Allow"}],
        }
    ]


def test_explicit_deny_names_the_scp_statement(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deny.json"
    path.write_text(json.dumps(DENYING))
    code, results, _ = run(["iam", "evaluate", str(path)], capsys)
    assert code == 0
    assert results[0]["name"] == str(path)
    assert results[0]["decision"] == "ExplicitDeny"
    assert results[0]["explain"] == [
        {"layer": "scp", "policy": "scps[0][0]", "statement": 1, "sid": "NoLeaving", "effect": "Deny"}
    ]


def test_json_lines_batch_goes_on_after_a_malformed_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(
        "\n".join([json.dumps(ALLOWING), "{broken", json.dumps(MALFORMED), "", json.dumps(DENYING)])
    )
    code, results, err = run(["iam", "evaluate", str(path)], capsys)
    assert code == 2
    assert [r["decision"] for r in results] == ["Allow", "ExplicitDeny"]
    assert results[1]["name"] == f"{path}:5"
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"cloudwarden: error: {path}:2: $: not valid JSON")
    assert lines[1].startswith(
        f"cloudwarden: error: {path}:3: $.policies.identity[0].Statement[0].Condition.NumericLessThan.k:"
    )


def test_json_lines_batch_goes_on_after_a_line_nested_too_deeply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.jsonl"
    deep = '{"policies": {"identity": [' + "[" * 50_000 + "]" * 50_000 + "]}}"
    path.write_text("\n".join([json.dumps(ALLOWING), deep, json.dumps(DENYING)]))
    code, results, err = run(["iam", "evaluate", str(path)], capsys)
    assert code == 2
    assert [r["decision"] for r in results] == ["Allow", "ExplicitDeny"]
    assert err.strip() == f"cloudwarden: error: {path}:2: $: JSON nested too deeply to decode"
    alone = tmp_path / "deep.json"
    alone.write_text(deep)
    code, results, err = run(["iam", "evaluate", str(alone)], capsys)
    assert code == 2 and results == [] and "nested too deeply" in err


def test_directory_one_result_per_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.json").write_text(json.dumps(ALLOWING))
    (tmp_path / "b.json").write_text(json.dumps(MALFORMED))
    (tmp_path / "c.jsonl").write_text(json.dumps(DENYING) + "\n" + json.dumps(ALLOWING) + "\n")
    (tmp_path / "notes.txt").write_text("ignored")
    code, results, err = run(["iam", "evaluate", str(tmp_path)], capsys)
    assert code == 2
    assert [r["decision"] for r in results] == ["Allow", "ExplicitDeny", "Allow"]
    assert f"{tmp_path / 'b.json'}: $.policies.identity[0]" in err


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, results, _ = run(
        ["iam", "evaluate", "-"], capsys, stdin=json.dumps(ALLOWING), monkeypatch=monkeypatch
    )
    assert code == 0 and results[0]["decision"] == "Allow"


def test_missing_file_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, results, err = run(["iam", "evaluate", str(tmp_path / "none.json")], capsys)
    assert code == 2 and results == [] and "does not exist" in err


def test_empty_directory_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["iam", "evaluate", str(tmp_path)], capsys)
    assert code == 2 and "no .json or .jsonl files" in err


def test_evaluate_needs_an_input(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(["iam", "evaluate"], capsys)
    assert exited.value.code == 2


def test_account_commands_on_a_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cloudwarden.inventory.snapshot import save_snapshot
    from tests.engines.iam.test_account import snapshot

    path = str(save_snapshot(snapshot(), tmp_path / "snap.json.gz"))
    admin = "arn:aws:iam::123456789012:user/admin"
    code, results, _ = run(["iam", "can", path, "dev", "iam:CreateAccessKey", admin], capsys)
    assert code == 0 and results[0]["decision"] == "Allow"
    assert results[0]["principal"] == "arn:aws:iam::123456789012:user/dev"
    code, results, _ = run(["iam", "who-can", path, "s3:GetObject", "arn:aws:s3:::data/x"], capsys)
    assert code == 0 and {"anonymous", "any AWS account"} <= {r["principal"] for r in results}
    code, results, _ = run(["iam", "escalation", path, "--format", "json"], capsys)
    by_principal = {r["principal"]: r["path"] for r in results}
    assert by_principal["arn:aws:iam::123456789012:user/dev"][0]["permission"] == "iam:CreateAccessKey"
    assert "arn:aws:iam::123456789012:user/near-boundary" not in by_principal


def test_unknown_principal_in_snapshot_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cloudwarden.inventory.snapshot import save_snapshot
    from tests.engines.iam.test_account import snapshot

    path = str(save_snapshot(snapshot(), tmp_path / "snap.json.gz"))
    code, results, err = run(["iam", "can", path, "nobody", "s3:GetObject"], capsys)
    assert code == 2 and results == [] and "nobody" in err


def _account_snapshot(tmp_path: Path) -> str:
    from cloudwarden.inventory.snapshot import save_snapshot
    from tests.engines.iam.test_account import snapshot

    return str(save_snapshot(snapshot(), tmp_path / "snap.json.gz"))


def test_escalation_reads_as_text_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _account_snapshot(tmp_path)
    from cloudwarden.cli import main

    assert main(["iam", "escalation", path]) == 0
    out = capsys.readouterr().out
    assert "arn:aws:iam::123456789012:user/dev can reach administrator in" in out
    assert "  1. arn:aws:iam::123456789012:user/dev -> " in out and "with iam:CreateAccessKey" in out
    assert out.rstrip().endswith("--format json for the statements that allow each step")
    with pytest.raises(json.JSONDecodeError):
        json.loads(out.splitlines()[0])


@pytest.mark.parametrize(("extra", "message"), [
    ([], "iam who-can s3:GetObject: which resource? give its ARN"),
    (["data/x"], "'data/x' is not a resource ARN"),
    (["arn:aws:s3"], "'arn:aws:s3' is not a resource ARN"),
])
def test_who_can_asks_for_a_resource_arn(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         extra: list[str], message: str) -> None:
    from cloudwarden.cli import main

    path = _account_snapshot(tmp_path)
    assert main(["iam", "who-can", path, "s3:GetObject", *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and "hint:" in captured.err


def test_who_can_star_is_asked_for_explicitly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cloudwarden.cli import main

    assert main(["iam", "who-can", _account_snapshot(tmp_path), "s3:GetObject", "*"]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _batch_file(tmp_path: Path, count: int, fault_every: int, fault: str) -> Path:
    """A JSON Lines batch cycling allowing, denying and malformed requests named r0, r1, ...; every
    ``fault_every``-th line (r0 first) is ``fault`` instead."""
    lines = []
    for number in range(count):
        request = json.loads(json.dumps([ALLOWING, DENYING, MALFORMED][number % 3]))
        request["name"] = f"r{number}"
        lines.append(json.dumps(request) if number % fault_every else fault)
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_parallel_batch_matches_one_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--jobs 2 (forked workers) gives the same lines, errors and exit code, in the same order."""
    path = _batch_file(tmp_path, 60, 7, "{broken")
    one = run(["iam", "evaluate", "--jobs", "1", str(path)], capsys)
    two = run(["iam", "evaluate", "--jobs", "2", str(path)], capsys)
    assert one == two
    code, results, err = two
    assert code == 2 and len(results) == 34 and err.count("cloudwarden: error:") == 26
    assert [r["name"] for r in results][:3] == ["r1", "r3", "r4"]  # r0 and r7 broken, r2 malformed


def test_jobs_default_is_one_process_for_small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(iam_cli.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert iam_cli._jobs(0, 10) == 1
    assert iam_cli._jobs(0, iam_cli.PARALLEL_FROM - 1) == 1
    assert iam_cli._jobs(0, iam_cli.PARALLEL_FROM) == 2  # every usable core from PARALLEL_FROM on
    assert iam_cli._jobs(3, 2) == 2
    with pytest.raises(CloudwardenError):
        iam_cli._jobs(-1, 10)


def test_batch_output_and_errors_alike_with_and_without_msgspec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """JSON Lines take the msgspec path when it is installed; the lines, errors and exit code are
    those of the standard path (json.loads, load_request), which runs every line without it."""
    from cloudwarden.engines.iam import requestfile

    # the same policies again and again (compiled once), and faults
    path = _batch_file(tmp_path, 40, 9, '{"request": {"principal": NaN}}')
    default = run(["iam", "evaluate", "--jobs", "1", str(path)], capsys)
    monkeypatch.setattr(requestfile, "_line_decoder", lambda: None)
    standard = run(["iam", "evaluate", "--jobs", "1", str(path)], capsys)
    assert default == standard
    code, results, err = standard
    assert code == 2 and len(results) == 22 and err.count("cloudwarden: error:") == 18
    assert f"{path}:1: $.request: missing action" in err  # json.loads reads NaN, msgspec does not
    assert f"{path}:3: $.policies.identity[0].Statement[0].Condition.NumericLessThan.k:" in err


def test_json_lines_read_as_bytes_or_as_text_alike(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A plain ASCII file is split as bytes (no copy into text); line ends and blanks that only text
    knows (CRLF, a form feed), or non-ASCII names, send the file the text way: same lines, same names."""
    named = {**ALLOWING, "name": "élise"}
    rows = [json.dumps(ALLOWING), "   ", "{broken", "", json.dumps(DENYING), json.dumps(MALFORMED)]
    outputs = []
    for name, text in [("plain", "\n".join(rows) + "\n"), ("crlf", "\r\n".join(rows)),
                       ("feed", "\n".join([*rows[:3], "\x0c", *rows[3:]])),
                       ("accent", "\n".join([*rows, json.dumps(named, ensure_ascii=False)]))]:
        path = tmp_path / f"{name}.jsonl"
        path.write_bytes(text.encode("utf-8"))
        code, results, err = run(["iam", "evaluate", str(path)], capsys)
        assert code == 2
        outputs.append(([(r["name"].replace(str(path), "F"), r["decision"]) for r in results],
                        err.replace(str(path), "F")))
    plain = outputs[0]
    assert plain[0] == [("alice-reads", "Allow"), ("F:5", "ExplicitDeny")]
    assert plain[1].splitlines()[0].startswith("cloudwarden: error: F:3: $: not valid JSON")
    assert "F:6: $.policies.identity[0]" in plain[1]
    assert outputs[1] == plain  # CRLF: the same line numbers
    assert outputs[2][0] == [("alice-reads", "Allow"), ("F:7", "ExplicitDeny")]  # str.splitlines: \x0c ends a line too
    assert outputs[3][0] == [*plain[0], ("élise", "Allow")]


def test_a_document_over_several_lines_is_one_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "pretty.json"
    path.write_text(json.dumps(ALLOWING, indent=2) + "\n\n")
    code, results, err = run(["iam", "evaluate", str(path)], capsys)
    assert code == 0 and err == "" and [r["name"] for r in results] == ["alice-reads"]
    path.write_bytes(b'"not a request"\n' + json.dumps(ALLOWING).encode())  # a first line that is a value
    code, results, err = run(["iam", "evaluate", str(path)], capsys)
    assert code == 2 and [r["decision"] for r in results] == ["Allow"] and f"{path}:1:" in err
