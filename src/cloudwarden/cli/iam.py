"""CLI commands of the iam engine: `register` adds them to the parser; handlers return an exit code.

`cloudwarden iam evaluate FILE|DIR|-` reads evaluation requests (one JSON object, JSON Lines, or a
directory of .json/.jsonl files) and prints one JSON result per request. A malformed request is
reported on stderr with its file (and line) and JSON path; the others are still evaluated; exit 2.
`iam can`, `iam who-can` and `iam escalation` answer the same question on a collected snapshot;
`iam exposure` lists what resource policies and S3 ACLs open to anonymous callers and other accounts.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cloudwarden.core.errors import InputError, UsageError
from cloudwarden.engines.iam.errors import PolicyError
from cloudwarden.engines.iam.requestfile import BatchEvaluator, evaluate_document

if TYPE_CHECKING:  # the account and snapshot modules load in the handlers that use them (start-up)
    from cloudwarden.engines.iam.account import Account
    from cloudwarden.inventory.snapshot import Snapshot

EXIT_OK, EXIT_INPUT = 0, 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `iam` and its sub-commands."""
    iam = subparsers.add_parser("iam", help="exact IAM policy evaluation and account analysis")
    commands = iam.add_subparsers(dest="iam_command", metavar="COMMAND")
    commands.required = True
    evaluate = commands.add_parser(
        "evaluate",
        help="decide evaluation requests offline (Allow, ExplicitDeny or ImplicitDeny, and why)",
        description="Evaluate requests written in the format of docs/iam.md. INPUT is a JSON file, a "
        "JSON Lines file, a directory of .json/.jsonl files, or - for standard input.",
    )
    evaluate.add_argument("input", metavar="FILE|DIR|-", help="request file, directory, or - for stdin")
    evaluate.add_argument("--jobs", type=int, default=0, metavar="N",
                          help="processes to evaluate with (default: every core for batches of "
                               f"{PARALLEL_FROM:,} requests or more, else 1); output order is kept")
    evaluate.set_defaults(handler=run_evaluate)
    can_parser = commands.add_parser("can", help="can this principal do this action on this resource?")
    can_parser.add_argument("snapshot", help="snapshot file from `cloudwarden collect`")
    can_parser.add_argument("principal", help="user or role ARN (or its name)")
    can_parser.add_argument("action", help="e.g. s3:GetObject")
    can_parser.add_argument("resource", nargs="?", default="*", help="resource ARN (default *)")
    can_parser.set_defaults(handler=run_can)
    who = commands.add_parser("who-can", help="every principal, inside or outside, allowed an action")
    who.add_argument("snapshot", help="snapshot file from `cloudwarden collect`, or the --out folder of "
                                      "`scan --organization` (every account, across their trusts)")
    who.add_argument("action", help="e.g. s3:GetObject")
    who.add_argument("resource", nargs="?", default=None,
                     help="resource ARN, e.g. arn:aws:s3:::bucket/key (required; `*` asks about every resource)")
    who.add_argument("--via-escalation", action="store_true",
                     help="also principals that get there after a chain of escalation steps, with the chain")
    who.set_defaults(handler=run_who_can)
    escalation = commands.add_parser("escalation", help="principals that can reach administrator, and how")
    escalation.add_argument("snapshot", help="snapshot file from `cloudwarden collect`, or the --out folder "
                                             "of `scan --organization` (chains across the accounts)")
    escalation.add_argument("--explain", metavar="PRINCIPAL",
                            help="print each step of this principal's chain with the statement that allows it")
    escalation.add_argument("--target", metavar="admin|ARN", default="admin",
                            help="administrator (default) or a data resource (bucket, KMS key, secret ARN)")
    escalation.add_argument("--action", help="the action on --target (default: its read action, e.g. s3:GetObject)")
    escalation.add_argument("--format", choices=("terminal", "json"), default="terminal",
                            help="terminal: one block per principal, step by step (default); json: one object a line")
    escalation.set_defaults(handler=run_escalation)
    exposure = commands.add_parser(
        "exposure", help="resources that anyone, or accounts outside the organization, can read or write"
    )
    exposure.add_argument("snapshot", help="snapshot file from `cloudwarden collect`")
    exposure.set_defaults(handler=run_exposure)


def run_evaluate(args: argparse.Namespace) -> int:
    gc.freeze()  # what start-up made stays: collections during the batch need not walk it again
    try:
        return _run_evaluate(args)
    finally:
        gc.unfreeze()


def _run_evaluate(args: argparse.Namespace) -> int:
    items = _items(args.input)
    jobs = _jobs(getattr(args, "jobs", 0), len(items))
    results = _evaluate_parallel(items, jobs) if jobs > 1 else _evaluate_items(items)
    status = EXIT_OK
    # Results leave in blocks of lines, not a write each: with PYTHONUNBUFFERED (or -u) every write
    # is a system call, which cost more than the evaluation on large batches.
    pending: list[str] = []
    for ok, text in results:
        if ok:
            pending.append(text)
            if len(pending) >= 4096:
                _write_lines(pending)
            continue
        status = EXIT_INPUT
        _write_lines(pending)
        sys.stderr.write(text)
    _write_lines(pending)
    return status


# (label, the parsed document or the InputError that reading it raised, or else a line of JSON text)
Item = tuple[str, Any, bool]
Result = tuple[bool, str]  # (True, the output line) or (False, the error message for stderr)
# A batch is split over processes only from this many requests on: below it, forking costs more
# than it saves. Each worker fills its own compiled-policy cache and every result line is sent back
# to the parent, so with the batch path at ~19k requests/s per process, two processes were slower
# than one at 12,000 (0.89 s vs 0.66 s) and at 48,000 requests (2.77 s vs 2.54 s) on 2 cores.
PARALLEL_FROM = 100_000


def _jobs(asked: int, count: int) -> int:
    """How many processes evaluate the batch: --jobs, or by default every usable core on a large one."""
    if asked < 0:
        raise UsageError(f"--jobs {asked}: give a number of processes, or 0 for the default")
    if asked > 0:
        return min(asked, max(count, 1))
    if count < PARALLEL_FROM:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, count // (PARALLEL_FROM // 2)))


# The batch path makes no reference cycles (statements name their policy instead of pointing back
# at it), so refcounting frees what a request leaves; the cyclic collector, which would walk the
# compiled policies kept for the next requests again and again, runs only every this many requests
# (a bound on whatever an unforeseen cycle could hold).
COLLECT_EVERY = 20000


def _evaluate_items(items: list[Item], batch: BatchEvaluator | None = None) -> Iterator[Result]:
    """The result of each item, in order; ``batch`` keeps its compiled policies for later calls."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        for number, result in enumerate(_evaluate_each(items, batch), 1):
            if number % COLLECT_EVERY == 0:
                gc.collect()
            yield result
    finally:
        if enabled:
            gc.enable()


def _evaluate_each(items: list[Item], batch: BatchEvaluator | None) -> Iterator[Result]:
    loads, dumps = json.loads, json.JSONEncoder().encode  # json.dumps's output, one encoder for all
    if batch is None and any(line for _, _, line in items):
        batch = BatchEvaluator()
    for label, document, line in items:
        try:
            if line:  # a line of JSON Lines, decoded here (in the worker, when there are several)
                assert batch is not None
                output = batch.evaluate_line(document, label)
                if output is not None:
                    yield True, output
                    continue
                try:
                    document = loads(document if type(document) is str else str(document, "ascii"))
                except ValueError as error:
                    raise InputError(f"$: not valid JSON ({error})") from None
                except RecursionError:
                    raise InputError("$: JSON nested too deeply to decode") from None
            elif isinstance(document, InputError):
                raise document
            yield True, dumps(evaluate_document(document, label))
        except InputError as error:
            yield False, f"cloudwarden: error: {label}: {error.message}\n"


_BATCH: list[Item] = []  # the items the forked workers read (inherited, never pickled)


_WORKER: list[BatchEvaluator] = []  # a worker's evaluator, kept from one chunk to the next


def _evaluate_chunk(bounds: tuple[int, int]) -> list[Result]:
    if not _WORKER:
        _WORKER.append(BatchEvaluator())
    return list(_evaluate_items(_BATCH[bounds[0] : bounds[1]], _WORKER[0]))


def _worker_signals() -> None:
    """A worker leaves interrupts to the parent (which stops the pool) and dies quietly when told to."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _evaluate_parallel(items: list[Item], jobs: int) -> Iterator[Result]:
    """The same results in the same order, the batch evaluated by `jobs` forked processes."""
    import multiprocessing  # only for large batches: start-up stays small

    if "fork" not in multiprocessing.get_all_start_methods():
        yield from _evaluate_items(items)
        return
    size = -(-len(items) // (jobs * 4))  # a few chunks per process, so that none waits long at the end
    chunks = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    _BATCH[:] = items
    _WORKER[:] = [BatchEvaluator()]  # its decoder made (msgspec imported) once, before the fork
    gc.freeze()  # the workers' collections then leave the inherited objects (and their pages) alone
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_signals) as pool:
            for results in pool.imap(_evaluate_chunk, chunks):
                yield from results
            pool.close()  # every chunk is done: the workers exit by themselves, not terminated
            pool.join()
    finally:
        _BATCH.clear()
        _WORKER.clear()


def _write_lines(lines: list[str]) -> None:
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        lines.clear()


def _items(source: str) -> list[Item]:
    """(label, JSON text of one request, or a parsed document, or the InputError) for every request."""
    if source == "-":
        return _split_text(sys.stdin.read(), "<stdin>")
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in (".json", ".jsonl"))
        if not files:
            raise InputError(f"{path} holds no .json or .jsonl files", hint="point at a request file")
        return [item for file in files for item in _split_file(file)]
    return _split_file(path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", hint="check the path") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read {path}: {error}", hint="check the file") from None


# Bytes that str.splitlines takes for line ends (or str.strip for blanks) where bytes do not: a file
# holding one is read as text, so that lines are numbered as they always were.
_TEXT_ONLY = (b"\r", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\x1f")


def _split_file(path: Path) -> list[Item]:
    """_split_text(_read(path)), without copying a large JSON Lines file twice more (into text, then
    into lines): an ASCII file with plain newlines gives each line as a view of the bytes read, which
    msgspec decodes as it is (a line left to the standard path is made text there)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", hint="check the path") from None
    except OSError as error:
        raise InputError(f"cannot read {path}: {error}", hint="check the file") from None
    label = str(path)
    if not data.isascii() or any(odd in data for odd in _TEXT_ONLY):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(f"cannot read {path}: {error}", hint="check the file") from None
        return _split_text(text, label)
    view = memoryview(data)
    lines: list[tuple[int, memoryview]] = []
    start, number, end = 0, 0, len(data)
    find = data.find
    while start < end:
        stop = find(b"\n", start)
        if stop < 0:
            stop = end
        number += 1
        if data[start : start + 1] == b"{" or data[start:stop].strip():
            lines.append((number, view[start:stop]))
        start = stop + 1
    if len(lines) <= 1 or not _one_value(bytes(lines[0][1])):
        return _split_text(data.decode("ascii"), label)  # maybe one document over several lines
    return [(f"{label}:{n}", line, True) for n, line in lines]


def _one_value(line: bytes) -> bool:
    """Is this line a whole JSON value? Then a file holding more than blanks after it is not one
    document (json.loads would find extra data): it is JSON Lines."""
    try:
        json.loads(line.decode("ascii"))
    except (ValueError, RecursionError):
        return False
    return True


def _split_text(text: str, label: str) -> list[Item]:
    """One JSON document (parsed), or else JSON Lines: one request per non-empty line (its text)."""
    try:
        return [(label, json.loads(text), False)]
    except (ValueError, RecursionError) as whole_error:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        if len(lines) <= 1:
            reason = "JSON nested too deeply to decode" if isinstance(whole_error, RecursionError) else \
                f"not valid JSON ({whole_error})"
            return [(label, InputError(f"$: {reason}"), False)]
    return [(f"{label}:{number}", line, True) for number, line in lines]


def _account(path: str) -> tuple[Snapshot, Account]:
    from cloudwarden.engines.iam.account import load_account
    from cloudwarden.inventory.snapshot import DataUnavailable, load_snapshot

    snapshot = load_snapshot(path)
    try:
        account = load_account(snapshot)
    except DataUnavailable as missing:
        raise InputError(
            f"{path}: {missing.reason}", hint="collect again with iam:GetAccountAuthorizationDetails"
        ) from None
    for problem in account.problems:
        sys.stderr.write(f"cloudwarden: warning: {problem}\n")
    if account.organization.note:
        sys.stderr.write(f"cloudwarden: note: {account.organization.note}\n")
    return snapshot, account


def _emit(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data) + "\n")


def run_can(args: argparse.Namespace) -> int:
    from cloudwarden.engines.iam.account import can

    _, account = _account(args.snapshot)
    principal = account.principal(args.principal)
    decision = can(account, principal, args.action, args.resource)
    _emit(
        {"principal": principal.arn, "action": args.action, "resource": args.resource, **decision.to_dict()}
    )
    return EXIT_OK


def run_who_can(args: argparse.Namespace) -> int:
    from cloudwarden.engines.iam.account import who_can

    resource = _resource_arn(args.resource, args.action)
    if Path(args.snapshot).is_dir():  # an organization scan's folder: every account at once
        from cloudwarden.cli.iam_estate import who_can_estate
        return who_can_estate(args, resource)
    snapshot, account = _account(args.snapshot)
    if getattr(args, "via_escalation", False):
        from cloudwarden.engines.iam import reach  # networkx: loaded only when needed
        for found in reach.reach(reach.analyse(snapshot, account), args.action, resource):
            _emit(found.to_dict())
        return EXIT_OK
    for principal, decision in who_can(account, args.action, resource):
        _emit({"principal": principal, **decision.to_dict()})
    return EXIT_OK


def _resource_arn(resource: str | None, action: str) -> str:
    """who-can never guesses the resource: `*` has to be asked for, anything else is an ARN."""
    if resource is None:
        raise UsageError(f"iam who-can {action}: which resource? give its ARN",
                         hint=f"e.g. `cloudwarden iam who-can SNAPSHOT {action} arn:aws:s3:::bucket/key`, "
                              "or `*` for every resource")
    if resource != "*" and (not resource.startswith("arn:") or len(resource.split(":", 5)) < 6):
        raise UsageError(f"{resource!r} is not a resource ARN",
                         hint="an ARN reads arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, e.g. arn:aws:s3:::bucket/key")
    return resource


def run_escalation(args: argparse.Namespace) -> int:
    from cloudwarden.engines.iam import reach  # networkx: loaded only when needed
    from cloudwarden.engines.iam.escalation import escalation_paths

    if Path(args.snapshot).is_dir():  # an organization scan's folder: every account at once
        from cloudwarden.cli.iam_estate import escalation_estate
        return escalation_estate(args)
    snapshot, account = _account(args.snapshot)
    analysis = reach.analyse(snapshot, account)
    target = args.target or "admin"
    if args.explain:
        return _explain(analysis, args.explain, target, args.action)
    if target.lower() != "admin":
        action, resource = _target(target, args.action)
        for found in reach.reach(analysis, action, resource):
            if found.steps:
                _emit(found.to_dict())
        return EXIT_OK
    paths = list(escalation_paths(account, analysis.graph))
    # principals with no known path whose path's resources were not collected (codebuild.projects)
    escalating = {principal for principal, _ in paths}
    unknown = {p: why for p, why in sorted(analysis.graph.graph.get("unresolved", {}).items())
               if p not in escalating}
    if getattr(args, "format", "terminal") == "json":
        for principal, steps in paths:
            _emit({"principal": principal, "path": [step.to_dict() for step in steps]})
        for principal, why in unknown.items():
            _emit({"principal": principal, "path": [], "unknown": [{"id": i, "reason": r} for i, r in why]})
        return EXIT_OK
    sys.stdout.write(render_escalation(paths, unknown))
    return EXIT_OK


def _target(target: str, action: str | None) -> tuple[str, str]:
    from cloudwarden.engines.iam import reach

    if action:
        return action, target
    try:
        return reach.default_action(target)
    except ValueError as error:
        raise InputError(f"--target {error}") from None


def _explain(analysis: Any, who: str, target: str, action: str | None) -> int:
    try:
        principal = analysis.account.principal(who).arn
    except PolicyError as error:
        raise InputError(f"--explain {who}: {error.message}") from None
    from cloudwarden.engines.iam import reach

    if target.lower() == "admin":
        steps = reach.explain(analysis, principal)
        goal = "administrator"
    else:
        action, resource = _target(target, action)
        goal = f"{action} on {resource}"
        found = next((r for r in reach.reach(analysis, action, resource) if r.principal == principal), None)
        steps = None if found is None else found.steps
    if steps is None:
        sys.stdout.write(f"{principal} cannot reach {goal}\n")
        return EXIT_OK
    if not steps:
        sys.stdout.write(f"{principal} already has {goal} (no escalation needed)\n")
        return EXIT_OK
    if any(step.gap for step in steps):  # a step rests on data that was not collected: not certain
        sys.stdout.write(f"{principal} may reach {goal} in {len(steps)} step(s), if what was not collected "
                         f"holds (see 'assumes'):\n")
    else:
        sys.stdout.write(f"{principal} reaches {goal} in {len(steps)} step(s):\n")
    for number, step in enumerate(steps, 1):
        sys.stdout.write(f"{number}. [{step.kind}] {step.permission}: {step.source} -> {step.target}\n")
        if step.via:
            sys.stdout.write(f"   via {step.via}\n")
        if step.assumption:
            sys.stdout.write(f"   assumes: {step.assumption}\n")
        for reason in step.reasons:
            where = reason.policy + (f" statement {reason.statement}" if reason.statement is not None else "")
            sid = f" (Sid {reason.sid})" if reason.sid else ""
            sys.stdout.write(f"   allowed by {reason.layer} {where}{sid}: {reason.detail}\n")
    return EXIT_OK


def render_escalation(paths: list[tuple[str, list[Any]]],
                      unknown: dict[str, list[tuple[str, str]]] | None = None) -> str:
    """One block per principal: the shortest path to administrator, one numbered step a line; then
    the principals whose path is unknown because the resources it runs through were not collected."""
    undecided = [f"{principal}: unknown whether it can reach administrator through {path} ({why})"
                 for principal, why_list in (unknown or {}).items() for path, why in why_list]
    if not paths:
        return "\n".join(["No principal can reach administrator (beyond those that already are).", *undecided]) + "\n"
    lines: list[str] = []
    for principal, steps in paths:
        lines.append(f"{principal} can reach administrator in {len(steps)} step{'s' if len(steps) != 1 else ''}:")
        for number, step in enumerate(steps, 1):
            via = f" on {step.via}" if step.via else ""
            lines.append(f"  {number}. {step.source} -> {step.target}  [{step.kind}] with {step.permission}{via}")
            if step.assumption:
                lines.append(f"     assumes: {step.assumption}")
    lines.extend(undecided)
    lines.append(f"{len(paths)} principal{'s' if len(paths) != 1 else ''} can escalate; "
                 "--format json for the statements that allow each step")
    return "\n".join(lines) + "\n"


def run_exposure(args: argparse.Namespace) -> int:
    from cloudwarden.engines.iam.exposure import analyse_exposure
    from cloudwarden.inventory.snapshot import load_snapshot

    report = analyse_exposure(load_snapshot(args.snapshot))
    for problem in report.problems:
        sys.stderr.write(f"cloudwarden: warning: {problem}\n")
    for missing in report.unreadable:
        sys.stderr.write(f"cloudwarden: warning: {missing.arn}: not analysed: {missing.reason}\n")
    for exposure in report.exposures:
        _emit(exposure.to_dict())
    return EXIT_OK
