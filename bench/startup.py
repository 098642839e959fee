"""Start-up time of the command line: whole processes, as a user runs them.

Times `cloudwarden iam evaluate` on one request (the issue's target: under 0.3 s), a bare
interpreter for reference, and `cloudwarden --help` (which still loads every command module), then
prints the slowest imports of `iam evaluate` from `python -X importtime`. Uses hyperfine when it is
installed, else runs each command N times and prints min / median. Python reads bytecode from a
temporary cache that the warm-up run writes (as an installed package does), whatever
PYTHONDONTWRITEBYTECODE says. Run:

    PYTHONPATH=src .venv/bin/python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REQUEST = {
    "policies": {"identity": [{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-a/*"}]}]},
    "request": {"principal": "arn:aws:iam::111111111111:user/alice", "action": "s3:GetObject",
                "resource": "arn:aws:s3:::bucket-a/report.csv"},
}


def _time(argv: list[str], runs: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of each run; CPU time is what a loaded machine distorts less."""
    subprocess.run(argv, env=env, capture_output=True, check=False)  # warm the file cache
    times, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return times, cpus


def _importtime(argv: list[str], env: dict[str, str], top: int) -> list[tuple[int, str]]:
    done = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], env=env, capture_output=True,
                          text=True, check=False)
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line[len("import time:"):].split("|")
            if cumulative.strip().isdigit() and not name.startswith("   "):  # top-level imports only
                rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:top]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    src = str(Path(__file__).resolve().parents[1] / "src")
    with tempfile.TemporaryDirectory() as tmp:
        # as installed: bytecode read from a cache (written by the warm-up run), even where
        # PYTHONDONTWRITEBYTECODE is set, so that start-up does not include compiling the sources
        env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""),
               "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        request = Path(tmp) / "request.json"
        request.write_text(json.dumps(REQUEST))
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "cloudwarden iam evaluate request.json": [sys.executable, "-m", "cloudwarden", "iam",
                                                      "evaluate", str(request)],
            "cloudwarden --help": [sys.executable, "-m", "cloudwarden", "--help"],
        }
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; runs: {args.runs}")
        hyperfine = shutil.which("hyperfine")
        for label, argv in commands.items():
            if hyperfine:
                out = Path(tmp) / "hf.json"
                subprocess.run([hyperfine, "-N", "-w", "1", "-r", str(args.runs), "--export-json",
                                str(out), subprocess.list2cmdline(argv)], env=env, capture_output=True,
                               check=True)
                result = json.loads(out.read_text())["results"][0]
                times, cpus = result["times"], [result["user"] + result["system"]]
            else:
                times, cpus = _time(argv, args.runs, env)
            print(f"{label:40s} wall min {min(times):.3f} s  median {statistics.median(times):.3f} s"
                  f"  max {max(times):.3f} s;  CPU median {statistics.median(cpus):.3f} s")
        print("\nslowest top-level imports of `iam evaluate` (cumulative, ms):")
        for micro, name in _importtime(commands["cloudwarden iam evaluate request.json"], env, 8):
            print(f"  {micro / 1000:7.1f}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
