"""`cloudwarden securityhub import`: send the ASFF findings to AWS Security Hub.

The only command besides remediation that writes to AWS; its help says so.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

WRITE_NOTE = ("WRITES TO AWS: this is the only cloudwarden command besides remediation that changes "
              "anything in an account. It imports findings into Security Hub (securityhub:BatchImportFindings); "
              "nothing else is created or changed.")


def register(sub: Any) -> None:
    hub = sub.add_parser("securityhub", help="send findings to AWS Security Hub (writes to AWS)",
                         description=WRITE_NOTE)
    actions = hub.add_subparsers(dest="securityhub_command", metavar="ACTION")
    actions.required = True
    importer = actions.add_parser("import", help="BatchImportFindings of a scan's findings, 100 a request "
                                  "(writes to AWS)", description=WRITE_NOTE)
    importer.add_argument("findings", type=Path, help="findings.asff.json, or findings.json (converted to ASFF)")
    importer.add_argument("--region", help="Security Hub region to import into (default: the profile's region)")
    importer.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    importer.add_argument("--endpoint-url", help="an AWS-compatible endpoint (moto, LocalStack)")
    importer.add_argument("--dry-run", action="store_true", help="say what would be sent; send nothing")
    importer.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    from cloudwarden.publish.securityhub import BATCH_SIZE, import_findings, load_asff, securityhub_client

    findings = load_asff(args.findings)
    batches = -(-len(findings) // BATCH_SIZE)
    if args.dry_run:
        sys.stdout.write(f"would import {len(findings)} findings in {batches} BatchImportFindings requests\n")
        return 0
    client = securityhub_client(args.region, args.profile, args.endpoint_url)
    sys.stderr.write(f"importing {len(findings)} findings into Security Hub in {client.meta.region_name} "
                     f"({batches} requests of up to {BATCH_SIZE})\n")
    result = import_findings(findings, client)
    sys.stdout.write(f"Security Hub {result.region}: {result.succeeded} of {result.sent} findings imported, "
                     f"{len(result.rejected)} rejected\n")
    for rejected in result.rejected[:20]:
        sys.stdout.write(f"  rejected {rejected.finding_id}: {rejected.error_code} {rejected.message}\n")
    if len(result.rejected) > 20:
        sys.stdout.write(f"  … and {len(result.rejected) - 20} more rejected\n")
    return 1 if result.rejected else 0
