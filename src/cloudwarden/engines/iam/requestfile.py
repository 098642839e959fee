"""The evaluation request format (docs/iam.md): one JSON object holding the policies and the request.

``load_request(data)`` validates it and compiles every policy, raising ``PolicyError`` with the JSON
path of the first fault; ``evaluate_document`` adds the evaluation and returns the output object.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cloudwarden.engines.iam.errors import PolicyError
from cloudwarden.engines.iam.evaluator import evaluate
from cloudwarden.engines.iam.model import Level, PolicySet, Request, make_request
from cloudwarden.engines.iam.policy import CompiledPolicy, compile_policy, compile_shaped
from cloudwarden.engines.iam.principals import RequestPrincipal

_TOP_KEYS = frozenset({"name", "policies", "request"})
_POLICY_KEYS = frozenset({"identity", "resource", "boundary", "scps", "rcps", "session"})
_REQUEST_KEYS = frozenset({"principal", "action", "resource", "resourceAccount", "context"})


@dataclass(frozen=True)
class LoadedRequest:
    name: str | None
    request: Request
    policies: PolicySet


def _check_keys(data: Any, allowed: frozenset[str], path: str, what: str) -> dict[str, Any]:
    if type(data) is dict and data.keys() <= allowed:
        return data
    if not isinstance(data, dict):
        raise PolicyError(f"{what} must be a JSON object", path)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise PolicyError(f"unknown key {unknown[0]!r} (expected one of {', '.join(sorted(allowed))})", path)
    return data


def load_request(data: Any) -> LoadedRequest:
    top = _check_keys(data, _TOP_KEYS, "$", "a request file")
    name = top.get("name")
    if name is not None and not isinstance(name, str):
        raise PolicyError("name must be a string", "$.name")
    if "request" not in top:
        raise PolicyError("missing the request object", "$")
    body = _check_keys(top["request"], _REQUEST_KEYS, "$.request", "request")
    for required in ("principal", "action"):
        if required not in body:
            raise PolicyError(f"missing {required}", "$.request")
    request = make_request(
        body["principal"],
        body["action"],
        body.get("resource", "*"),
        body.get("resourceAccount"),
        body.get("context"),
        "$.request",
    )
    return LoadedRequest(name, request, load_policies(top.get("policies", {})))


def load_policies(data: Any, path: str = "$.policies") -> PolicySet:
    policies = _check_keys(data, _POLICY_KEYS, path, "policies")
    identity = policies.get("identity", [])
    if not isinstance(identity, list):
        raise PolicyError("identity must be a list of policy documents", f"{path}.identity")
    return PolicySet(
        identity=tuple([
            compile_policy(doc, "identity", f"identity[{i}]", f"{path}.identity[{i}]")
            for i, doc in enumerate(identity)
        ]),
        resource=_single(policies, "resource", path),
        boundary=_single(policies, "boundary", path),
        session=_single(policies, "session", path),
        scps=_levels(policies, "scps", "scp", path),
        rcps=_levels(policies, "rcps", "rcp", path),
    )


def _single(policies: dict[str, Any], key: str, path: str) -> CompiledPolicy | None:
    if policies.get(key) is None:
        return None
    return compile_policy(policies[key], key, key, f"{path}.{key}")


def _levels(policies: dict[str, Any], key: str, kind: str, path: str) -> tuple[Level, ...] | None:
    if key not in policies:
        return None
    raw = policies[key]
    if not isinstance(raw, list):
        raise PolicyError(f"{key} must be a list of levels (root first)", f"{path}.{key}")
    levels: list[Level] = []
    for number, level in enumerate(raw):
        documents = level if isinstance(level, list) else [level]
        prefix = f"{path}.{key}[{number}]"
        levels.append(
            tuple([
                compile_policy(
                    doc,
                    kind,
                    f"{key}[{number}][{i}]",
                    f"{prefix}[{i}]" if isinstance(level, list) else prefix,
                )
                for i, doc in enumerate(documents)
            ])
        )
    return tuple(levels)


def evaluate_document(data: Any, label: str) -> dict[str, Any]:
    """The output object for one request document (raises PolicyError when it is malformed)."""
    loaded = load_request(data)
    decision = evaluate(loaded.request, loaded.policies)
    return {"name": loaded.name if loaded.name is not None else label, **decision.to_dict()}


# -- batches of JSON Lines -------------------------------------------------------------------------
# A line is decoded by msgspec (when installed) into the request and the raw JSON text of each
# policy document; a document whose text was compiled before (for the same kind and place) is not
# decoded or validated again. Anything the fast path does not accept as it is, the standard path
# decides (json.loads and load_request), so that errors read exactly as they always have.


class BatchEvaluator:
    """Evaluates request lines one after the other, compiling each distinct policy text once.

    ``evaluate_line(text, label)`` returns the output line (evaluate_document's object as json.dumps
    writes it), or None for a line it leaves to the standard path (json.loads, evaluate_document):
    one it cannot decode or that holds a fault, or every line when msgspec is not installed.
    Compiled policies are kept by (kind, place, JSON text), up to ``limit`` of them; past it the
    cache starts again empty (batches reuse a few policies many times).
    """

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._cache: dict[tuple[str, str, bytes], CompiledPolicy] = {}
        self._principals: dict[tuple[str, Any], RequestPrincipal] = {}
        self._decoder = _line_decoder()

    def evaluate_line(self, text: str | memoryview, label: str) -> str | None:
        if self._decoder is None:
            return None
        try:
            name, request, policies = self._fast(text)
        except (PolicyError, ValueError, RecursionError):
            return None  # the standard path finds the fault again and words it as it always has
        return evaluate(request, policies).to_json(name if name is not None else label)

    def _fast(self, text: str | memoryview) -> tuple[str | None, Request, PolicySet]:
        decoder = self._decoder
        assert decoder is not None
        top = decoder.decode(text)  # msgspec's errors are ValueErrors
        body = top.request
        request = make_request(body.principal, body.action, body.resource, body.resourceAccount,
                               body.context, "$.request", self._principals)
        policies = top.policies
        compiled = self._compiled
        identity = tuple([compiled(doc, "identity", _source("identity", i)) for i, doc in enumerate(policies.identity)])
        single, levels, unset = self._single, self._levels, _UNSET
        return top.name, request, PolicySet(
            identity,
            None if policies.resource is unset else single(policies.resource, "resource"),
            None if policies.boundary is unset else single(policies.boundary, "boundary"),
            None if policies.session is unset else single(policies.session, "session"),
            None if policies.scps is unset else levels(policies.scps, "scps", "scp"),
            None if policies.rcps is unset else levels(policies.rcps, "rcps", "rcp"),
        )

    def _compiled(self, raw: Any, kind: str, source: str) -> CompiledPolicy:
        key = (kind, source, bytes(raw))
        found = self._cache.get(key)
        return found if found is not None else self._compile_new(key)

    def _compile_new(self, key: tuple[str, str, bytes]) -> CompiledPolicy:
        kind, source, text = key
        try:
            found = compile_shaped(_decode_shape(text), kind, source) if text[:1] == b"{" else None
        except ValueError:  # not of the shape msgspec checks (or not JSON): compile_policy decides
            found = None
        if found is None:  # a fault raises PolicyError: the standard path then reports it
            found = compile_policy(_decode_any(text), kind, source, "$")
        if len(self._cache) >= self.limit:
            self._cache.clear()
        self._cache[key] = found
        return found

    def _single(self, raw: Any, key: str) -> CompiledPolicy | None:
        text = bytes(raw)
        return None if text == b"null" else self._compiled(text, key, key)

    def _levels(self, raw: Any, key: str, kind: str) -> tuple[Level, ...]:
        levels: list[Level] = []
        for number, level in enumerate(raw):
            text = bytes(level)
            documents = _decode_raws(text) if text[:1] == b"[" else (text,)
            levels.append(tuple([self._compiled(doc, kind, _source(key, number, i))
                                 for i, doc in enumerate(documents)]))
        return tuple(levels)


@lru_cache(maxsize=1024)
def _source(key: str, number: int, index: int | None = None) -> str:
    """A policy's name in explanations: identity[0], scps[1][0]... (made once each)."""
    return f"{key}[{number}]" if index is None else f"{key}[{number}][{index}]"


_UNSET: Any = object()
_decode_any: Any = None
_decode_raws: Any = None
_decode_shape: Any = None


def _line_decoder() -> Any:
    """msgspec's decoder for a request line (None without msgspec): the request's fields as JSON
    values, each policy document as its raw text. Loaded on first use (start-up stays small)."""
    global _UNSET, _decode_any, _decode_raws, _decode_shape
    try:
        import msgspec
    except ImportError:
        return None
    from cloudwarden.engines.iam import shapes

    _UNSET = msgspec.UNSET
    _decode_any = msgspec.json.Decoder().decode
    _decode_raws = msgspec.json.Decoder(list[msgspec.Raw]).decode
    _decode_shape = msgspec.json.Decoder(shapes.PolicyShape).decode
    return msgspec.json.Decoder(shapes.RequestLine)
