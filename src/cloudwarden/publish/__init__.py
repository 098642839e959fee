"""Sending reports to AWS services: the one place besides remediation that writes to AWS.

Only `cloudwarden securityhub import` uses it, on explicit request. Collection stays read-only.
"""
