import time
from tests.collect.test_monitoring_collect import *
def test_dbg(seeded):
    snap, ids = seeded
    for g in snap.gaps: print("GAP", g.dataset, g.error_code, g.message[:80])
    for k in ("cloudtrail.trail_status","logs.resource_policies","s3.account_public_access_block","config.recorder_status"):
        print(k, snap.datasets.get(k))
