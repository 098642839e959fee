"""`cloudwarden iam evaluate` against @cloud-copilot/iam-simulate on the same batch, whole processes.

Generates N independent requests (default 12,000), each with its own policies: a few of
bench/iam_eval.py's identity policies (wildcards, a long action list, policy variables, tag, IP,
date and MFA conditions, NotAction), and by turns a bucket policy (TLS deny, cross-account grant), a
permissions boundary, two SCP levels (full access, region lockdown with NotAction) and an RCP, the
names in every policy made unique to the request (its own bucket, team and organization), so that
neither tool can reuse one request's compiled policies for the next. Writes the batch in both
formats, then times, each as one process from start to exit:

* `python -m cloudwarden iam evaluate batch.jsonl` (request format of docs/iam.md), as a user runs
  it: on a batch this large it spreads the requests over the machine's cores (`--jobs`, order kept);
* the same with `--jobs 1`: one process, one core;
* `node bench/iam_simulate/run.mjs batch-sim.jsonl` (runSimulation, strict mode, one by one).

Both programs start as installed: Python reads compiled bytecode (this script lets the children
write it under a temporary PYTHONPYCACHEPREFIX, even where PYTHONDONTWRITEBYTECODE is set, and
runs each program once on one request before timing), so start-up is not recompiling the sources.
CPU seconds (user + system, worker processes included) are given beside wall time: on a shared,
loaded machine CPU time is the steadier figure, and a parallel run gains wall time only when cores
are free. Prints evaluations per second of each, the ratios, and how many decisions agree (a
disagreement is listed by family; it is a difference of semantics to look at, not settled here).
Needs node and `npm install` in bench/iam_simulate (its package.json; node_modules is not
committed). Run:

    PYTHONPATH=src .venv/bin/python bench/iam_simulate.py [--requests 12000]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import iam_eval as mix  # noqa: E402 - bench/iam_eval.py, beside this file

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "iam_simulate" / "run.mjs"
DECISIONS = {"Allowed": "Allow", "ExplicitlyDenied": "ExplicitDeny", "ImplicitlyDenied": "ImplicitDeny"}


def _own(document: Any, number: int) -> Any:
    """The document with the request's own names: bucket, team, organization."""
    text = json.dumps(document)
    for old, new in (("data-main", f"data-{number}"), ("o-abc123", f"o-{number:06d}abc"),
                     ('"blue"', f'"blue-{number}"'), ("app-", f"app{number}-")):
        text = text.replace(old, new)
    return json.loads(text)


def generate(count: int, seed: int = 13) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    batch = []
    for number in range(count):
        principal = rng.choice(mix.PRINCIPALS)
        action, resource = rng.choice(mix.TARGETS)
        context = dict(rng.choice(mix.CONTEXTS))
        context["aws:username"] = principal.rsplit("/", 1)[1]
        policies: dict[str, Any] = {"identity": rng.sample(mix.IDENTITY, rng.randint(1, len(mix.IDENTITY)))}
        if action.startswith("s3:") and rng.random() < 0.7:
            policies["resource"] = mix.BUCKET
        if rng.random() < 0.4:
            policies["boundary"] = mix.BOUNDARY
        if rng.random() < 0.5:
            policies["scps"] = [mix.SCP_ROOT, mix.SCP_OU]
        if rng.random() < 0.3:
            policies["rcps"] = [mix.RCP]
        request = {"principal": principal, "action": action, "resource": _own(resource, number),
                   "resourceAccount": mix.ACCOUNT, "context": _own(context, number)}
        batch.append({"name": f"r{number}", "policies": _own(policies, number), "request": request})
    return batch


def to_simulation(item: dict[str, Any]) -> dict[str, Any]:
    """The same request as an iam-simulate Simulation."""
    policies, request = item["policies"], item["request"]

    def level(docs: Any, where: str) -> dict[str, Any]:
        docs = docs if isinstance(docs, list) else [docs]
        return {"orgIdentifier": where, "policies": [{"name": f"{where}-{i}", "policy": d} for i, d in enumerate(docs)]}

    simulation: dict[str, Any] = {
        "request": {"principal": request["principal"], "action": request["action"],
                    "resource": {"resource": request["resource"], "accountId": request["resourceAccount"]},
                    "contextVariables": {k: v if isinstance(v, list) else str(v) for k, v in request["context"].items()}},
        "identityPolicies": [{"name": f"identity-{i}", "policy": d} for i, d in enumerate(policies["identity"])],
        "serviceControlPolicies": [level(d, f"scp-{i}") for i, d in enumerate(policies.get("scps", []))],
        "resourceControlPolicies": [level(d, f"rcp-{i}") for i, d in enumerate(policies.get("rcps", []))],
    }
    if "resource" in policies:
        simulation["resourcePolicy"] = policies["resource"]
    if "boundary" in policies:
        simulation["permissionBoundaryPolicies"] = [{"name": "boundary", "policy": policies["boundary"]}]
    return simulation


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, str, str, int]:
    """Wall time and CPU time (user + system) of one child process, its output and exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout, done.stderr, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=12000)
    args = parser.parse_args()
    node = shutil.which("node")
    if node is None or not (HERE / "iam_simulate" / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        print("iam-simulate: not installed: run `npm install` in bench/iam_simulate (needs node and npm)")
        return 1
    batch = generate(args.requests)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
               "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        ours, theirs = Path(tmp) / "batch.jsonl", Path(tmp) / "batch-sim.jsonl"
        ours.write_text("".join(json.dumps(item) + "\n" for item in batch))
        theirs.write_text("".join(json.dumps(to_simulation(item)) + "\n" for item in batch))
        # the warm-up reads JSON Lines too, so that it imports (and caches the bytecode of) the same
        # modules as the batch: the msgspec path is imported only for JSON Lines
        one, one_sim = Path(tmp) / "one.jsonl", Path(tmp) / "one-sim.jsonl"
        one.write_text(json.dumps(batch[0]) + "\n")
        one_sim.write_text(json.dumps(to_simulation(batch[0])) + "\n")
        evaluate = [sys.executable, "-m", "cloudwarden", "iam", "evaluate"]
        _timed([*evaluate, str(one)], env)  # writes the bytecode cache
        _timed([node, str(RUNNER), str(one_sim)], env)  # the same warm file cache for node
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; requests: {len(batch)}")
        cw_time, cw_cpu, cw_out, cw_err, cw_code = _timed([*evaluate, str(ours)], env)
        sim_time, sim_cpu, sim_out, sim_err, sim_code = _timed([node, str(RUNNER), str(theirs)], env)
        one_time, one_cpu, one_out, _, _ = _timed([*evaluate, "--jobs", "1", str(ours)], env)
        start_time, start_cpu, *_ = _timed([*evaluate, str(one)], env)
    if cw_code != 0 or sim_code != 0:
        print(f"cloudwarden exit {cw_code}: {cw_err.strip()[:300]}\niam-simulate exit {sim_code}: {sim_err.strip()[:300]}")
        return 1
    cw = [json.loads(line)["decision"] for line in cw_out.splitlines()]
    sim = [DECISIONS.get(line, line) for line in sim_out.splitlines()]
    print(f"cloudwarden iam evaluate: wall {cw_time:.2f} s ({len(cw) / cw_time:,.0f}/s), "
          f"CPU {cw_cpu:.2f} s ({len(cw) / cw_cpu:,.0f}/s)")
    print(f"  --jobs 1 (one process): wall {one_time:.2f} s ({len(cw) / one_time:,.0f}/s), "
          f"CPU {one_cpu:.2f} s ({len(cw) / one_cpu:,.0f}/s); same output: {one_out == cw_out}")
    print(f"  start-up alone (one request): wall {start_time:.2f} s, CPU {start_cpu:.2f} s")
    print(f"iam-simulate (node):      wall {sim_time:.2f} s ({len(sim) / sim_time:,.0f}/s), "
          f"CPU {sim_cpu:.2f} s ({len(sim) / sim_cpu:,.0f}/s)")
    print(f"ratio: wall {sim_time / cw_time:.1f}x, CPU {sim_cpu / cw_cpu:.1f}x; one process: wall "
          f"{sim_time / one_time:.1f}x, CPU {sim_cpu / one_cpu:.1f}x (target 10x)")
    agree = sum(1 for a, b in zip(cw, sim, strict=True) if a == b)
    print(f"decisions agree: {agree}/{len(cw)}; cloudwarden {dict(collections.Counter(cw))}, "
          f"iam-simulate {dict(collections.Counter(sim))}")
    differ = collections.Counter((batch[i]["request"]["action"], cw[i], sim[i][:60])
                                 for i in range(len(cw)) if cw[i] != sim[i])
    for (action, a, b), n in differ.most_common(8):
        print(f"  {n:5d}  {action}: cloudwarden {a}, iam-simulate {b}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
