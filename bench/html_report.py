#!/usr/bin/env python3
"""Benchmark the report formats at scale, and the HTML report in headless Chromium.

    python bench/html_report.py --findings 20000

Builds a synthetic assessment of N findings (every check, six regions, three accounts, every
status), renders every format (time and size), then opens report.html in Debian's chromium and
measures load (navigation to the table drawn), a select filter, a free-text filter and opening a
finding, each the median of several runs. Prints the load average beside the figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
from cloudwarden.report import reporters, write_reports  # noqa: E402
from tests.report.browser import Watched, chromium  # noqa: E402
from tests.report.synthetic import synthetic_assessment  # noqa: E402


def timed_in_page(page: object, script: str, runs: int) -> float:
    """Median milliseconds of a synchronous action, timed inside the page."""
    samples = [page.evaluate(f"() => {{ const started = performance.now(); {script}; return performance.now() - started; }}")  # type: ignore[attr-defined]
               for _ in range(runs)]
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--findings", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    assessment = synthetic_assessment(args.findings)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        print(f"{args.findings} findings; load average {Path('/proc/loadavg').read_text().split()[:3]}")
        for name, reporter in reporters().items():
            start = time.perf_counter()
            (path,) = write_reports(assessment, out, [name])
            print(f"  {reporter.filename:<20} {path.stat().st_size / 1e6:8.2f} MB  rendered in "
                  f"{time.perf_counter() - start:5.2f} s")
        url = (out / "report.html").as_uri()
        with chromium() as browser:
            loads = []
            for _ in range(args.runs):
                watched = Watched(browser)
                start = time.perf_counter()
                page = watched.open(url)
                loads.append(time.perf_counter() - start)
                assert not watched.errors, watched.errors
            select = timed_in_page(page, "const s = document.getElementById('f-status'); "
                                   "s.value = s.value === 'FAIL' ? '' : 'FAIL'; s.dispatchEvent(new Event('change'))",
                                   args.runs * 2)
            region = timed_in_page(page, "const s = document.getElementById('f-region'); "
                                   "s.value = s.value === 'eu-west-1' ? '' : 'eu-west-1'; "
                                   "s.dispatchEvent(new Event('change'))", args.runs * 2)
            page.evaluate("() => { const s = document.getElementById('f-status'); s.value = ''; "
                          "document.getElementById('f-region').value = ''; window.cloudwardenReport.apply(); }")
            first_text = timed_in_page(page, "document.getElementById('f-text').value = 'eu-west-1'; "
                                       "window.cloudwardenReport.apply()", 1)
            text = timed_in_page(page, "const t = document.getElementById('f-text'); "
                                 "t.value = t.value === 'baseline' ? 'compliant' : 'baseline'; "
                                 "window.cloudwardenReport.apply()", args.runs * 2)
            detail = timed_in_page(page, "document.querySelector('#findings tbody tr.row').click()", args.runs * 2)
        print(f"  load (navigation to table drawn), median of {args.runs}: {statistics.median(loads) * 1000:.0f} ms "
              f"(min {min(loads) * 1000:.0f}, max {max(loads) * 1000:.0f})")
        print(f"  status filter {select:.1f} ms · region filter {region:.1f} ms · first free-text search "
              f"{first_text:.1f} ms (builds the search index) · later free-text {text:.1f} ms · open a finding "
              f"{detail:.1f} ms")
        print(f"load average after: {Path('/proc/loadavg').read_text().split()[:3]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
