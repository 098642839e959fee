#!/usr/bin/env python3
"""Benchmark a full `cloudwarden scan` against moto's server at a given scale.

    python bench/scan.py --scale 10
    python bench/scan.py --scale 50 --runs 3 --compare base=../cloudwarden-6d62b61/src

Seeds moto's server (a child process on 127.0.0.1) with N copies of a resource set of about 60
resources over two regions, then runs `cloudwarden scan` as a user would (a child process, real
boto3 over HTTP) and prints its wall time, CPU time (user+sys of the scan process, and of moto's
server while it answered), peak memory (RSS of the scan process), API requests made, and findings.
Seeding is not timed. A scan only reads, so with --runs and --compare every scan reads the same
seeded account (after one untimed warm-up scan): the trees compared take turns (this tree, then
each other, N rounds), so a shared machine's load weighs on each alike; medians and the ratios of
side-by-side runs are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from cloudwarden.demo.server import DEMO_CREDENTIALS, moto_server_process  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1")
AMI = "ami-0c0ffee000demo01"
PEERS = ("Reference figures quoted in the issue for peers on such an account, on this machine (not re-measured "
         "here): scale 10 — Prowler 5.46 about 65 s, 1.5 GB, 2,000 requests; ScoutSuite 23 s, 300 MB; "
         "scale 50 — Prowler 216 s, 4.6 GB.")


def seed_region(endpoint: str, region: str, copy: int) -> int:
    """One copy's share of one region: about 29 resources. Returns how many were created."""
    def client(service: str) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=endpoint)

    ec2, tag = client("ec2"), f"c{copy}-{region}"
    vpc = ec2.create_vpc(CidrBlock=f"10.{copy % 250}.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{copy % 250}.{i}.0/24")["Subnet"]["SubnetId"]
               for i in (1, 2)]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnets[0])
    groups = []
    for i, (port, cidr) in enumerate([(22, "0.0.0.0/0"), (443, "0.0.0.0/0"), (3389, "10.0.0.0/8"),
                                      (5432, "0.0.0.0/0"), (80, "0.0.0.0/0"), (6379, "10.1.0.0/16")]):
        group = ec2.create_security_group(GroupName=f"sg-{tag}-{i}", Description="bench", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}])
        groups.append(group)
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                 Egress=False, CidrBlock="0.0.0.0/0")
    ec2.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=2, MaxCount=2, SubnetId=subnets[0],
                      SecurityGroupIds=groups[:2])
    volumes = [ec2.create_volume(AvailabilityZone=f"{region}a", Size=8, Encrypted=i == 0)["VolumeId"]
               for i in range(3)]
    ec2.create_snapshot(VolumeId=volumes[1])
    client("kms").create_key(Description=tag)
    client("rds").create_db_instance(DBInstanceIdentifier=f"db-{tag}", DBInstanceClass="db.t3.micro",
                                     Engine="postgres", MasterUsername="app", MasterUserPassword="bench-pass-1",
                                     AllocatedStorage=20)
    for i in range(2):
        client("dynamodb").create_table(TableName=f"t-{tag}-{i}", BillingMode="PAY_PER_REQUEST",
                                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    for i in range(3):
        client("logs").create_log_group(logGroupName=f"/bench/{tag}/{i}")
    s3 = client("s3")
    for i in range(2):
        name = f"bench-{tag}-{i}"
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    # vpc, 2 subnets, igw, route table, 6 groups, nacl, 2 instances (+2 ENIs), 3 volumes, snapshot,
    # key, database, 2 tables, 3 log groups, 2 buckets
    return 1 + 2 + 1 + 1 + 6 + 1 + 4 + 3 + 1 + 1 + 1 + 2 + 3 + 2


def seed_iam(endpoint: str, copy: int) -> int:
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint)
    policy = iam.create_policy(PolicyName=f"p-{copy}", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    iam.create_group(GroupName=f"g-{copy}")
    iam.attach_group_policy(GroupName=f"g-{copy}", PolicyArn=policy["Policy"]["Arn"])
    for i in range(2):
        iam.create_user(UserName=f"u-{copy}-{i}")
        iam.add_user_to_group(GroupName=f"g-{copy}", UserName=f"u-{copy}-{i}")
    iam.create_access_key(UserName=f"u-{copy}-0")
    iam.create_role(RoleName=f"r-{copy}", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))
    return 5


SHAPES = {
    # The hardening issue's account: 5,000 IAM users and roles, 2,000 buckets, 10,000 SG rules.
    "large": {"users": 2500, "roles": 2500, "buckets": 2000, "groups": 200, "rules_per_group": 50},
    "medium": {"users": 500, "roles": 500, "buckets": 200, "groups": 20, "rules_per_group": 50},
}


def seed_shape(endpoint: str, shape: dict[str, int], workers: int = 8) -> int:
    """Seed an account of the given shape in parallel; returns the number of resources made."""
    from concurrent.futures import ThreadPoolExecutor

    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint)
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=endpoint)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    inline = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "iam:PassRole"], "Resource": "*"}]})

    def user(i: int) -> None:
        iam.create_user(UserName=f"shape-user-{i}")
        iam.put_user_policy(UserName=f"shape-user-{i}", PolicyName="inline", PolicyDocument=inline)

    def role(i: int) -> None:
        iam.create_role(RoleName=f"shape-role-{i}", AssumeRolePolicyDocument=trust)

    def bucket(i: int) -> None:
        s3.create_bucket(Bucket=f"shape-bucket-{i}")

    vpc = ec2.create_vpc(CidrBlock="10.200.0.0/16")["Vpc"]["VpcId"]

    def group(i: int) -> None:
        gid = ec2.create_security_group(GroupName=f"shape-sg-{i}", Description="shape", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 1000 + r, "ToPort": 1000 + r,
             "IpRanges": [{"CidrIp": f"10.{i % 250}.{r}.0/24"}]} for r in range(shape["rules_per_group"])])

    # moto's IAM backend answers 500 to concurrent writes: IAM is seeded in order, the rest in parallel.
    for fn, count in ((user, shape["users"]), (role, shape["roles"])):
        for i in range(count):
            fn(i)
    with ThreadPoolExecutor(workers) as pool:
        for fn, count in ((bucket, shape["buckets"]), (group, shape["groups"])):
            list(pool.map(fn, range(count)))
    return shape["users"] + shape["roles"] + shape["buckets"] + shape["groups"] * (1 + shape["rules_per_group"])


def server_cpu_seconds() -> float | None:
    """CPU seconds (user+sys) used so far by moto's server, our child process (Linux /proc; else None)."""
    try:
        children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
        tick = os.sysconf("SC_CLK_TCK")
        for pid in children:
            if b"moto.server" in Path(f"/proc/{pid}/cmdline").read_bytes():
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    except (OSError, ValueError, IndexError):
        return None
    return None


def run_scan(endpoint: str, out: Path, formats: str = "json", src: str | None = None) -> dict[str, Any]:
    """One `cloudwarden scan` in a child process; `src`: the source tree to run (PYTHONPATH), else this one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(DEMO_CREDENTIALS)
    if src:
        env["PYTHONPATH"] = src
    command = [sys.executable, "-m", "cloudwarden", "scan", "--endpoint-url", endpoint,
               "--regions", ",".join(REGIONS), "--out", str(out), "--quiet", "--format", formats]
    load = os.getloadavg()[0]
    server_before = server_cpu_seconds()
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    server_after = server_cpu_seconds()
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"scan failed:\n{stderr}")
    findings = json.loads((out / "findings.json").read_text())
    from cloudwarden.inventory import load_snapshot

    snapshot = load_snapshot(out / "account.snapshot")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "server_cpu_s": None if server_before is None or server_after is None else server_after - server_before,
            "load": (load + os.getloadavg()[0]) / 2,
            "peak_rss_mb": usage.ru_maxrss / 1024, "api_requests": snapshot.stats["api_requests"],
            "findings": len(findings["findings"]), "by_status": findings["summary"]["by_status"],
            "gaps": len(snapshot.gaps),
            "files": {p.name: p.stat().st_size for p in sorted(out.iterdir())}}


def _tree(text: str) -> tuple[str, str]:
    name, sep, src = text.partition("=")
    if not sep or not name or not Path(src, "cloudwarden").is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}: give NAME=SRC, SRC a folder holding the cloudwarden package")
    return name, str(Path(src).resolve())


def _median(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [row[key] for row in rows if row[key] is not None]
    return statistics.median(values) if values else None


def _summary(name: str, rows: list[dict[str, Any]], reference: list[dict[str, Any]] | None) -> str:
    wall, cpu, server = (_median(rows, k) for k in ("wall_s", "cpu_s", "server_cpu_s"))
    text = (f"{name:>10}: wall median {wall:.2f} s (min {min(r['wall_s'] for r in rows):.2f}), "
            f"CPU {cpu:.2f} s" + (f" + server {server:.2f} s" if server is not None else "") +
            f", peak {max(r['peak_rss_mb'] for r in rows):.0f} MB, {rows[0]['api_requests']} requests")
    if reference is not None and reference is not rows:
        # Ratios of the runs made side by side (round i of each tree), then their median.
        wall_ratio = statistics.median(ref["wall_s"] / r["wall_s"] for r, ref in zip(rows, reference, strict=False))
        cpu_ratio = statistics.median(ref["cpu_s"] / r["cpu_s"] for r, ref in zip(rows, reference, strict=False))
        text += f"; this tree / {name}, median of the rounds: wall {wall_ratio:.3f}, CPU {cpu_ratio:.3f}"
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="copies of the ~60-resource set (default 1)")
    parser.add_argument("--shape", choices=sorted(SHAPES),
                        help="instead of --scale: an account of one shape (large: 5,000 users and roles, "
                             "2,000 buckets, 10,000 security-group rules)")
    parser.add_argument("--format", default="json", help="report formats the scan writes (e.g. all); sizes printed")
    parser.add_argument("--keep", type=Path, help="write the report and snapshot into this folder and keep them "
                        "(to profile `cloudwarden assess` on them afterwards)")
    parser.add_argument("--runs", type=int, default=1, help="scans of the seeded account, each tree (default 1)")
    parser.add_argument("--compare", type=_tree, action="append", default=[], metavar="NAME=SRC",
                        help="also scan with another source tree (e.g. a `git worktree` of an older commit: "
                             "base=/path/to/it/src), taking turns with this tree")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    os.environ.update(DEMO_CREDENTIALS)
    # The seed attaches no AWS-managed policy; loading moto's 1,500 of them would only add payload.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "false"
    here = str(Path(__file__).resolve().parents[1] / "src")
    trees = [("this", here), *args.compare]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in trees}
    with moto_server_process() as endpoint, tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        if args.shape:
            resources = seed_shape(endpoint, SHAPES[args.shape])
        else:
            resources = sum(seed_iam(endpoint, c) + sum(seed_region(endpoint, r, c) for r in REGIONS)
                            for c in range(args.scale))
        seeded = time.perf_counter() - started
        if args.runs > 1 or args.compare:
            # moto loads each service's backend on its first request: one untimed scan first, so that
            # no tree's first run pays for it (a single run, as before, is timed on a fresh server).
            run_scan(endpoint, Path(tmp) / "warm-up", "json")
        for round_ in range(args.runs):
            for name, src in trees:
                out = args.keep if args.keep and name == "this" and round_ == 0 else Path(tmp) / f"{name}-{round_}"
                row = run_scan(endpoint, out, args.format, src)
                runs[name].append(row)
                if args.runs > 1 or args.compare:
                    server = f" + server {row['server_cpu_s']:.2f}" if row["server_cpu_s"] is not None else ""
                    print(f"  round {round_ + 1} {name:>10}: wall {row['wall_s']:6.2f} s, CPU {row['cpu_s']:.2f} s"
                          f"{server}, {row['peak_rss_mb']:.0f} MB, load {row['load']:.1f}", flush=True)
    result = runs["this"][0]
    label = f"shape {args.shape}" if args.shape else f"scale {args.scale}"
    print(f"load average     {os.getloadavg()[0]:.2f} (1 min) at the end of the scan")
    print(f"{label}: {resources} resources seeded in {seeded:.1f} s (not timed below)")
    print(f"scan wall time   {result['wall_s']:.2f} s" + (" (first run)" if len(runs["this"]) > 1 else ""))
    print(f"scan CPU time    {result['cpu_s']:.2f} s (user+sys of the scan process)" +
          (f"; moto's server {result['server_cpu_s']:.2f} s" if result["server_cpu_s"] is not None else ""))
    print(f"peak memory      {result['peak_rss_mb']:.0f} MB (RSS of the scan process)")
    print(f"API requests     {result['api_requests']}")
    print("files written    " + ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in result["files"].items()))
    print(f"findings         {result['findings']} {json.dumps(result['by_status'], sort_keys=True)}; "
          f"{result['gaps']} gaps")
    if len(runs["this"]) > 1 or args.compare:
        for name, _ in trees:
            print(_summary(name, runs[name], runs["this"]))
    print(PEERS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
