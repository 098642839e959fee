"""A fault-injecting HTTP proxy for the collector's tests: between boto3 and moto's server, on 127.0.0.1.

boto3 is pointed at the proxy (``--endpoint-url``); each request is forwarded to moto unless a rule
of the current scenario matches its service (from the SigV4 credential scope), region and operation
(X-Amz-Target, the query protocol's Action, else "METHOD /path"). A matching rule answers instead:
an AccessDenied or throttling error in the protocol's own error shape, a 500, an empty / cut-short /
HTML / garbage 200, a reset connection, or a stall past the client's read timeout.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
REST_XML_SERVICES = {"s3", "route53", "cloudfront"}
FAULTS = ("denied", "throttle", "server_error", "empty", "truncated", "short_body", "html",
          "malformed", "reset", "stall", "region_gone")


@dataclass(frozen=True)
class Request:
    service: str  # SigV4 signing name: s3, iam, ec2, lambda, kms, monitoring...
    region: str
    operation: str
    protocol: str  # json | query | ec2 | rest-json | rest-xml


@dataclass
class Rule:
    fault: str
    services: frozenset[str] = frozenset()  # empty: every service
    regions: frozenset[str] = frozenset()  # empty: every region
    operation: Callable[[str], bool] = lambda _op: True
    burst: int = 0  # throttle: this many refusals per (service, operation), then pass through
    after: int = 0  # region_gone: pass this many requests first
    seen: dict[tuple[str, str], int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def matches(self, request: Request) -> bool:
        return ((not self.services or request.service in self.services)
                and (not self.regions or request.region in self.regions)
                and self.operation(request.operation))


class FaultProxy:
    def __init__(self, upstream: str, stall_seconds: float = 2.5) -> None:
        self.upstream = urlsplit(upstream)
        self.rules: list[Rule] = []
        self.stall_seconds = stall_seconds
        self.injected: dict[str, int] = {}
        self._count_lock = threading.Lock()

    # -- scenarios --
    def scenario(self, *rules: Rule) -> None:
        self.rules = list(rules)
        self.injected = {}

    def _count(self, fault: str) -> None:
        with self._count_lock:
            self.injected[fault] = self.injected.get(fault, 0) + 1

    def decide(self, request: Request) -> str:
        for rule in self.rules:
            if not rule.matches(request):
                continue
            if rule.fault == "throttle":
                with rule.lock:
                    key = (request.service, request.operation)
                    rule.seen[key] = rule.seen.get(key, 0) + 1
                    if rule.seen[key] > rule.burst:
                        continue
            if rule.fault == "region_gone":
                with rule.lock:
                    rule.seen[("", "")] = rule.seen.get(("", ""), 0) + 1
                    if rule.seen[("", "")] <= rule.after:
                        continue
            self._count(rule.fault)
            return rule.fault
        return ""


def classify_request(method: str, path: str, headers: dict[str, str], body: bytes) -> Request:
    scope = _SCOPE.search(headers.get("authorization", ""))
    region, service = (scope.group(1), scope.group(2)) if scope else ("us-east-1", "unknown")
    target = headers.get("x-amz-target", "")
    if target:
        return Request(service, region, target.rsplit(".", 1)[-1], "json")
    query = parse_qs(urlsplit(path).query)
    form = parse_qs(body.decode("utf-8", "replace")) if b"Action=" in body[:200] else {}
    action = (form.get("Action") or query.get("Action") or [""])[0]
    if action:
        return Request(service, region, action, "ec2" if service == "ec2" else "query")
    protocol = "rest-xml" if service in REST_XML_SERVICES else "rest-json"
    parts = urlsplit(path)
    keys = "&".join(sorted(k.split("=")[0] for k in parts.query.split("&") if k))
    return Request(service, region, f"{method} {parts.path}" + (f"?{keys}" if keys else ""), protocol)


def error_body(request: Request, code: str, message: str) -> tuple[bytes, dict[str, str]]:
    if request.protocol == "json":
        return (f'{{"__type":"{code}","message":"{message}"}}'.encode(),
                {"Content-Type": "application/x-amz-json-1.1"})
    if request.protocol == "rest-json":
        return (f'{{"message":"{message}"}}'.encode(),
                {"Content-Type": "application/json", "x-amzn-ErrorType": code})
    if request.protocol == "ec2":
        return (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                f"<RequestID>fault</RequestID></Response>".encode(), {"Content-Type": "text/xml"})
    if request.protocol == "query":
        return (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                f"</Error><RequestId>fault</RequestId></ErrorResponse>".encode(), {"Content-Type": "text/xml"})
    return (f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault</RequestId></Error>".encode(),
            {"Content-Type": "application/xml"})


_DENIED = {"json": "AccessDeniedException", "rest-json": "AccessDeniedException", "ec2": "UnauthorizedOperation",
           "query": "AccessDenied", "rest-xml": "AccessDenied"}
_THROTTLE = {"json": ("ThrottlingException", 400), "rest-json": ("TooManyRequestsException", 429),
             "ec2": ("RequestLimitExceeded", 503), "query": ("Throttling", 400), "rest-xml": ("SlowDown", 503)}


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = classify_request(self.command, self.path, headers, body)
            fault = proxy.decide(request)
            if fault in ("", "truncated", "short_body"):
                status, out_headers, payload = self._forward(body)
                if fault == "truncated" and 200 <= status < 300:
                    payload = payload[: len(payload) // 2]
                elif fault == "short_body" and 200 <= status < 300:
                    self._send(status, out_headers, payload[: len(payload) // 2], declared=len(payload))
                    self.close_connection = True
                    return
                self._send(status, out_headers, payload)
                return
            self._inject(fault, request, body)

        def _inject(self, fault: str, request: Request, body: bytes) -> None:
            if fault == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.close_connection = True
                self.connection.close()
                return
            if fault == "stall":
                time.sleep(proxy.stall_seconds)
                status, out_headers, payload = self._forward(body)
                self._send(status, out_headers, payload)
                return
            if fault in ("denied", "region_gone"):
                code = _DENIED[request.protocol] if fault == "denied" else "OptInRequired"
                payload, out_headers = error_body(request, code, "injected by the fault proxy")
                self._send(403, out_headers, payload)
            elif fault == "throttle":
                code, status = _THROTTLE[request.protocol]
                payload, out_headers = error_body(request, code, "Rate exceeded")
                self._send(status, out_headers, payload)
            elif fault == "server_error":
                payload, out_headers = error_body(request, "InternalFailure", "injected 500")
                self._send(500, out_headers, payload)
            elif fault == "empty":
                self._send(200, {"Content-Type": "application/json"}, b"")
            elif fault == "html":
                self._send(200, {"Content-Type": "text/html"},
                           b"<!DOCTYPE html><html><body><h1>Captive portal</h1></body></html>")
            elif fault == "malformed":
                self._send(200, {"Content-Type": "application/json"}, b'{"Items": [{"Name": "x"')

        def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
            upstream = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                answer = upstream.getresponse()
                payload = answer.read()
                out = {k: v for k, v in answer.getheaders()
                       if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date")}
                return answer.status, out, payload
            finally:
                upstream.close()

        def _send(self, status: int, headers: dict[str, str], payload: bytes, declared: int | None = None) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(declared if declared is not None else len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _any  # noqa: N815

    return Handler


@contextmanager
def running_proxy(upstream: str, stall_seconds: float = 2.5) -> Iterator[tuple[FaultProxy, str]]:
    proxy = FaultProxy(upstream, stall_seconds)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
