"""boto3 clients for remediation, with every write checked against the running fix's allowlist.

A botocore ``before-call`` hook on each client lets read operations (Get/List/Describe/Head) through
and raises :class:`OperationNotAllowed` for any other operation that is not on the allowlist of
the fix being applied (empty outside :meth:`GuardedClients.allow`): a bug in a fix table cannot
make a call its fix did not declare.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from cloudwarden.collect.aws import AwsClients
from cloudwarden.remediate.model import READ_PREFIXES, OperationNotAllowed, Step


class GuardedClients(AwsClients):
    def __init__(self, profile: str | None = None, endpoint_url: str | None = None) -> None:
        super().__init__(profile=profile, endpoint_url=endpoint_url, max_pool=8)
        self._allowed: frozenset[str] = frozenset()
        self._guarded: set[int] = set()
        self._guard_lock = threading.Lock()
        self.writes_made: list[str] = []

    def client(self, service: str, region: str) -> Any:
        client = super().client(service, region)
        with self._guard_lock:
            if id(client) not in self._guarded:
                client.meta.events.register("before-call", self._guard)
                self._guarded.add(id(client))
        return client

    @contextmanager
    def allow(self, writes: Iterable[str]) -> Iterator[None]:
        previous = self._allowed
        self._allowed = frozenset(writes)
        try:
            yield
        finally:
            self._allowed = previous

    def _guard(self, model: Any = None, **_: Any) -> None:
        if model is None:
            return
        action = f"{model.service_model.service_name}:{model.name}"
        if model.name.startswith(READ_PREFIXES):
            return
        if action not in self._allowed:
            raise OperationNotAllowed(
                f"refused {action}: not on the allowlist of the fix being applied",
                hint="add the operation to the fix's `writes` if it is intended")
        self.writes_made.append(action)

    def run(self, step: Step) -> Any:
        """Make one call of a plan (the allowlist in force decides whether it may go out)."""
        answer = getattr(self.client(step.service, step.region), step.operation)(**step.params)
        if isinstance(answer, dict):
            answer.pop("ResponseMetadata", None)
        return answer
