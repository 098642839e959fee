"""Lints the check catalogue: ids, metadata, compliance references, and test coverage of checks."""

from __future__ import annotations

import importlib
import pkgutil

import tests.checks as check_tests
from cloudwarden.checks.registry import catalog, load_all_checks
from cloudwarden.collect.services import all_calls
from cloudwarden.core.enums import Area, Severity

# The root user's MFA and sign-in are managed in the console only; no API sets them.
CONSOLE_ONLY = {"iam.root_mfa_enabled", "iam.root_hardware_mfa_enabled", "iam.root_not_used_recently"}
# Controls the benchmark marks manual: their best verdict is MANUAL (what to review), never PASS.
MANUAL_AT_BEST = {"account.contact_details_current"}


def all_cases() -> list:  # type: ignore[type-arg]
    cases = []
    for module in pkgutil.iter_modules(check_tests.__path__):
        if module.name.startswith("test_"):
            cases.extend(getattr(importlib.import_module(f"tests.checks.{module.name}"), "CASES", []))
    return cases


def test_every_check_is_in_the_catalogue_with_complete_metadata() -> None:
    registry = load_all_checks()
    assert len(registry) >= 60, f"only {len(registry)} checks registered"
    for check_id, check_def in registry.items():
        meta = check_def.meta
        assert check_id in catalog()
        assert meta.title and meta.rationale and meta.resource_type.startswith("AWS::"), check_id
        assert isinstance(meta.area, Area) and isinstance(meta.severity, Severity)
        assert meta.remediation.summary, f"{check_id} has no remediation"
        assert meta.remediation.doc_url.startswith("https://"), f"{check_id} has no documentation link"
        assert meta.remediation.cli or check_id in CONSOLE_ONLY, f"{check_id} has no CLI remediation"
        assert meta.datasets, f"{check_id} declares no dataset"


def test_checks_cover_all_five_areas() -> None:
    areas = {c.meta.area for c in load_all_checks().values()}
    assert areas == set(Area)


def test_every_dataset_a_check_reads_is_collected() -> None:
    collected = {call.dataset for call in all_calls()}
    for check_id, check_def in load_all_checks().items():
        missing = set(check_def.meta.datasets) - collected
        assert not missing, f"{check_id} reads datasets nobody collects: {missing}"


def test_compliance_references_come_from_the_catalogue() -> None:
    for check_id, check_def in load_all_checks().items():
        entry = catalog()[check_id]
        assert check_def.meta.compliance.get("cis_aws_v7.0", []) == list(entry.get("cis") or [])
        assert check_def.meta.compliance.get("aws_fsbp", []) == list(entry.get("fsbp") or [])


def test_every_check_has_a_pass_and_a_fail_case() -> None:
    covered: dict[str, set[str]] = {}
    for case in all_cases():
        kind = case.name.split("-", 1)[0]
        covered.setdefault(case.check_id, set()).add(
            "pass" if kind == "manual" and case.check_id in MANUAL_AT_BEST else kind)
    lacking = {cid: sorted({"pass", "fail"} - covered.get(cid, set()))
               for cid in load_all_checks() if {"pass", "fail"} - covered.get(cid, set())}
    assert not lacking, f"checks without a pass or fail case: {lacking}"


def test_every_collected_operation_is_read_only_and_declares_its_permission() -> None:
    read_prefixes = ("list_", "describe_", "get_", "batch_get_", "generate_credential_report")  # batch_get_: as the guard
    for call in all_calls():
        assert call.operation.startswith(read_prefixes), call
        for extra in call.extra_operations:
            assert extra.startswith(read_prefixes), (call, extra)
        assert ":" in call.iam_permission
