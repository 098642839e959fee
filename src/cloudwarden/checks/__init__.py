"""The check catalogue: `@check` functions, one module per AWS service, and shared helpers.

Checks are pure functions of the snapshot; they never import boto3.
"""
