"""The trail engine: CloudTrail ingest into a Parquet store, detections, incidents, timelines.

Public API: ``ingest.ingest`` (files or s3:// into a store), ``hunt.hunt`` (all rules over a store,
grouped into ``incidents.Incident``s), ``timeline.timeline`` (one actor's story), and the rule
families in ``cis``, ``builtin`` and ``sigma_load``. Only ``s3source`` imports boto3.
"""
