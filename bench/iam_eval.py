"""Benchmark of the iam engine: evaluations per second on one core with compiled policies.

The mix: five identity policies (wildcards, a long action list, policy variables, tag and IP
conditions, an MFA deny), a bucket policy with a TLS deny and a cross-account grant, a permissions
boundary, two SCP levels (full access, and a region lockdown with NotAction), one RCP level, and
240 requests varying principal, action, resource and context. Run:

    .venv/bin/python bench/iam_eval.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import itertools
import time

from cloudwarden.engines.iam import PolicySet, compile_policy, evaluate, make_request

V = "2012-10-17"
ACCOUNT, OTHER = "111111111111", "222222222222"

IDENTITY = [
    {
        "Version": V,
        "Statement": [
            {
                "Sid": "ReadBuckets",
                "Effect": "Allow",
                "Action": ["s3:Get*", "s3:List*"],
                "Resource": ["arn:aws:s3:::data-*", "arn:aws:s3:::data-*/*"],
                "Condition": {
                    "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24", "2001:db8::/32"]}
                },
            },
            {
                "Sid": "HomeDir",
                "Effect": "Allow",
                "Action": "s3:*Object",
                "Resource": "arn:aws:s3:::home/${aws:username}/*",
            },
        ],
    },
    {
        "Version": V,
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    f"ec2:{verb}{noun}"
                    for verb in ("Describe", "Create", "Delete")
                    for noun in ("Instances", "Volumes", "Snapshots", "Tags", "Images")
                ],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": ["ec2:StartInstances", "ec2:StopInstances"],
                "Resource": "arn:aws:ec2:*:111111111111:instance/*",
                "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
            },
        ],
    },
    {
        "Version": V,
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {
                    "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"},
                    "StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/contractors/*"},
                },
            },
            {
                "Effect": "Allow",
                "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sns:Publish"],
                "Resource": ["arn:aws:sqs:*:111111111111:app-*", "arn:aws:sns:*:111111111111:app-*"],
            },
        ],
    },
    {
        "Version": V,
        "Statement": {
            "Effect": "Allow",
            "Action": ["iam:Get*", "iam:List*"],
            "Resource": "*",
            "Condition": {
                "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
            },
        },
    },
    {
        "Version": V,
        "Statement": {
            "Effect": "Allow",
            "NotAction": ["iam:*", "organizations:*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/role": "admin"}},
        },
    },
]
BUCKET = {
    "Version": V,
    "Statement": [
        {
            "Sid": "TLSOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::data-main", "arn:aws:s3:::data-main/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "Partner",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": ["arn:aws:s3:::data-main", "arn:aws:s3:::data-main/*"],
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        },
    ],
}
BOUNDARY = {
    "Version": V,
    "Statement": {
        "Effect": "Allow",
        "Action": ["s3:*", "ec2:*", "sqs:*", "sns:*", "iam:Get*", "iam:List*"],
        "Resource": "*",
    },
}
SCP_ROOT = {"Version": V, "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
SCP_OU = [
    SCP_ROOT,
    {
        "Version": V,
        "Statement": {
            "Sid": "RegionLock",
            "Effect": "Deny",
            "NotAction": ["iam:*", "sts:*", "organizations:*", "s3:*"],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}},
        },
    },
]
RCP = {
    "Version": V,
    "Statement": {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        },
    },
}

PRINCIPALS = [
    f"arn:aws:iam::{ACCOUNT}:user/alice",
    f"arn:aws:iam::{ACCOUNT}:user/contractors/bob",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/ci",
    f"arn:aws:iam::{OTHER}:user/partner",
]
TARGETS = [
    ("s3:GetObject", "arn:aws:s3:::data-main/reports/2025.csv"),
    ("s3:ListBucket", "arn:aws:s3:::data-main"),
    ("s3:PutObject", "arn:aws:s3:::home/alice/notes.txt"),
    ("s3:DeleteObject", "arn:aws:s3:::home/bob/x"),
    ("ec2:DescribeInstances", "*"),
    ("ec2:StopInstances", f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0abc"),
    ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:app-orders"),
    ("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/x"),
    ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/eve"),
    ("lambda:InvokeFunction", f"arn:aws:lambda:ap-south-1:{ACCOUNT}:function:f"),
]
CONTEXTS = [
    {
        "aws:SourceIp": "10.1.2.3",
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": "eu-west-1",
        "aws:PrincipalTag/team": "blue",
        "aws:ResourceTag/team": "blue",
        "aws:MultiFactorAuthPresent": "true",
        "aws:MultiFactorAuthAge": "120",
        "aws:CurrentTime": "2025-06-01T12:00:00Z",
        "aws:PrincipalOrgID": "o-abc123",
    },
    {
        "aws:SourceIp": "198.51.100.9",
        "aws:SecureTransport": "false",
        "aws:RequestedRegion": "ap-south-1",
        "aws:PrincipalTag/role": "admin",
        "aws:CurrentTime": "2025-06-01T12:00:00Z",
    },
    {
        "aws:SourceIp": "2001:db8::1",
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": "us-east-1",
        "aws:PrincipalTag/team": "red",
        "aws:ResourceTag/team": "blue",
        "aws:MultiFactorAuthPresent": "false",
    },
]


def build_workload() -> tuple[PolicySet, list]:  # type: ignore[type-arg]
    policies = PolicySet(
        identity=tuple(compile_policy(doc, "identity", f"identity[{i}]") for i, doc in enumerate(IDENTITY)),
        resource=compile_policy(BUCKET, "resource", "bucket-policy"),
        boundary=compile_policy(BOUNDARY, "boundary", "boundary"),
        scps=(
            (compile_policy(SCP_ROOT, "scp", "root"),),
            tuple(compile_policy(d, "scp", "ou") for d in SCP_OU),
        ),
        rcps=((compile_policy(RCP, "rcp", "rcp"),),),
    )
    requests = []
    for principal, (action, resource), context in itertools.product(PRINCIPALS, TARGETS, CONTEXTS):
        name = principal.rsplit("/", 1)[1]
        requests.append(make_request(principal, action, resource, ACCOUNT, {**context, "aws:username": name}))
    return policies, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to measure (default 3)")
    args = parser.parse_args()
    policies, requests = build_workload()
    outcomes: dict[str, int] = {}
    for request in requests:  # warm-up, and the decision mix for the report
        decision = evaluate(request, policies).decision
        outcomes[decision] = outcomes.get(decision, 0) + 1
    count = 0
    start = time.perf_counter()
    deadline = start + args.seconds
    while time.perf_counter() < deadline:
        for request in requests:
            evaluate(request, policies)
        count += len(requests)
    elapsed = time.perf_counter() - start
    print(f"requests in the mix: {len(requests)}  decisions: {outcomes}")
    print(f"evaluations: {count} in {elapsed:.2f} s on one core")
    print(f"{count / elapsed:,.0f} evaluations/second")


if __name__ == "__main__":
    main()
