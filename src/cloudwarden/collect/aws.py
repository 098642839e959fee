"""boto3 sessions and clients for collection: credentials, retries, endpoint quirks.

Classifies botocore failures by error code into gaps, and keeps an endpoint that does not
implement an operation (moto answers HTTP 500 with an HTML page) from causing a retry storm.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.exceptions as bex
from botocore.config import Config
from botocore.parsers import ResponseParserError
from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

from cloudwarden.collect.responses import MalformedResponse, check_response
from cloudwarden.collect.spec import remember_api_names
from cloudwarden.core.errors import CollectionError, CredentialsError, UsageError

# Real AWS throttles; adaptive mode paces the client. Not-implemented answers are cut short below.
RETRY_CONFIG = {"mode": "adaptive", "max_attempts": 6}
NOT_IMPLEMENTED = "NotImplemented"
DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
     "AuthorizationError", "Forbidden"}
)
REGION_DISABLED_CODES = frozenset({"OptInRequired", "AuthFailure", "InvalidClientTokenId",
                                   "UnrecognizedClientException"})


@dataclass(frozen=True)
class CallFailure:
    code: str
    message: str


def classify(error: Exception) -> CallFailure:
    """Turn a botocore exception into (error code, one-line message)."""
    if isinstance(error, bex.ClientError):
        info = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = str(info.get("Code") or status or "ClientError")
        message = str(info.get("Message") or "")
        if status in (404, 500, 501) and _looks_unimplemented(code, message):
            return CallFailure(NOT_IMPLEMENTED, "the endpoint does not implement this operation")
        if code == "403" or (status == 403 and message.lstrip().startswith("<")):
            # An answer the service's parser could not read (an XML error page to a JSON API):
            # keep the page's own code and message; HTTP 403 without one is AWS's "access denied".
            return CallFailure(_xml_field("Code", message) or "AccessDenied",
                               _xml_field("Message", message) or "HTTP 403 Forbidden")
        return CallFailure(code, message.splitlines()[0][:300] if message else "")
    if isinstance(error, ResponseParserError):
        return CallFailure(NOT_IMPLEMENTED, "the endpoint's answer could not be parsed (not implemented?)")
    if isinstance(error, (bex.EndpointConnectionError, bex.ConnectTimeoutError)):
        return CallFailure("EndpointConnectionError", str(error)[:300])
    if isinstance(error, bex.ReadTimeoutError):
        return CallFailure("ReadTimeout", str(error)[:300])
    if isinstance(error, bex.ParamValidationError):
        return CallFailure("ParamValidationError", str(error)[:300])
    if isinstance(error, bex.NoCredentialsError):
        return CallFailure("NoCredentials", str(error))
    if isinstance(error, bex.BotoCoreError):
        return CallFailure(type(error).__name__, str(error)[:300])
    if isinstance(error, NotImplementedError):  # moto in-process (mock_aws)
        return CallFailure(NOT_IMPLEMENTED, str(error)[:300] or "not implemented")
    # Anything else is a bug in a spec (a bad transform, say): keep it as a gap, never lose the scan.
    return CallFailure(f"Unexpected{type(error).__name__}", str(error)[:300])


def _xml_field(name: str, body: str) -> str:
    match = re.search(rf"<{name}>(.*?)</{name}>", body or "", re.DOTALL)
    return match.group(1).strip()[:300] if match else ""


def _looks_unimplemented(code: str, message: str) -> bool:
    text = f"{code} {message}".lower()
    return (
        "not yet implemented" in text
        or "has not been implemented" in text
        or "<!doctype html" in text
        or "internal server error" in text
        or code in ("500", "501", "NotImplemented")
    )


def _no_retry_when_unimplemented(response: Any = None, caught_exception: Any = None,
                                 **_: Any) -> bool | None:
    """A `needs-retry` hook run before botocore's own: stop at once on an HTML error page."""
    if isinstance(caught_exception, ResponseParserError):
        raise Unimplemented()
    if not response:
        return None
    http, _parsed = response
    if http is None:
        return None
    if getattr(http, "status_code", None) in (500, 501):
        body = (getattr(http, "content", b"") or b"")[:200].lower()
        if body.startswith(b"<!doctype html") or b"not yet implemented" in body or b"<html" in body:
            raise Unimplemented()
    return None


class Unimplemented(Exception):
    """Raised inside botocore's retry hook to stop retries; caught by the runner."""


class AwsClients:
    """One boto3 session; clients are cached per (service, region) and shared across threads."""

    def __init__(self, profile: str | None = None, endpoint_url: str | None = None,
                 max_pool: int = 32, read_timeout: float = 30, max_attempts: int = 6) -> None:
        self.endpoint_url = validate_endpoint_url(endpoint_url)
        self._explicit_profile = bool(profile or os.environ.get("AWS_PROFILE"))
        try:
            self.session = boto3.session.Session(profile_name=profile)
        except bex.ProfileNotFound:
            name = profile or os.environ.get("AWS_PROFILE", "")
            where = "--profile" if profile else "AWS_PROFILE"
            raise CredentialsError(
                f"AWS profile {name!r} (from {where}) is not configured",
                hint=f"list profiles with `aws configure list-profiles`, or change {where}",
            ) from None
        self._config = Config(
            retries={**RETRY_CONFIG, "max_attempts": max_attempts},  # type: ignore[typeddict-item]
            max_pool_connections=max_pool,
            connect_timeout=5,
            read_timeout=read_timeout,
            user_agent_extra="cloudwarden",
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self.request_count = 0
        self._count_lock = threading.Lock()
        self.operations_called: set[tuple[str, str]] = set()
        # Set by the collection (collect.guard.ReadOnlyGuard): refuses anything off its allowlist.
        self.guard: Any = None

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self.session.client(
                    service, region_name=region, endpoint_url=self.endpoint_url, config=self._config
                )
                events = client.meta.events
                events.register_first(f"needs-retry.{client.meta.service_model.service_id.hyphenize()}",
                                      _no_retry_when_unimplemented)
                events.register("before-send", self._count_request)
                events.register("before-call", self._record_operation)
                events.register_first("before-call", self._enforce_read_only)
                events.register("before-parse", check_response)
                if service == "s3control" and self.endpoint_url:
                    events.register("before-sign.s3-control", self._strip_account_host_prefix)
                self._clients[key] = client
                remember_api_names(service, client.meta.method_to_api_mapping)
            return client

    def _count_request(self, **_: Any) -> None:
        with self._count_lock:
            self.request_count += 1

    def _enforce_read_only(self, **kwargs: Any) -> None:
        if self.guard is not None:
            self.guard.check(**kwargs)

    def _record_operation(self, model: Any = None, **_: Any) -> None:
        if model is not None:
            self.operations_called.add((model.service_model.service_name, model.name))

    def _strip_account_host_prefix(self, request: Any = None, **_: Any) -> None:
        # botocore puts the account id in front of the host; a custom endpoint has no such host.
        endpoint = urlsplit(self.endpoint_url or "")
        url = urlsplit(request.url)
        if url.hostname and endpoint.hostname and url.hostname.endswith("." + endpoint.hostname):
            request.url = url._replace(netloc=endpoint.netloc).geturl()

    def caller_identity(self, region: str) -> dict[str, str]:
        """Who we are; turns the usual credential problems into one-line errors with a hint."""
        try:
            answer = self.client("sts", region).get_caller_identity()
        except bex.NoCredentialsError:
            raise CredentialsError(
                "no AWS credentials found",
                hint="set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws configure`",
            ) from None
        except (bex.EndpointConnectionError, bex.ConnectTimeoutError) as error:
            raise CollectionError(
                f"cannot reach the AWS endpoint: {error}",
                hint="check --endpoint-url, network and proxy settings",
            ) from None
        except (bex.SSOError, bex.TokenRetrievalError, bex.UnauthorizedSSOTokenError):
            raise CredentialsError(
                f"{self._profile_text()} uses AWS IAM Identity Center (SSO) and has no valid cached token",
                hint=f"run `aws sso login{self._profile_flag()}`",
            ) from None
        except bex.CredentialRetrievalError as error:
            raise CredentialsError(
                f"cannot get credentials for {self._profile_text()}: {_one_line(error)}",
                hint="run the profile's credential_process command by hand to see why it fails",
            ) from None
        except (bex.InvalidConfigError, bex.PartialCredentialsError, bex.ProfileNotFound) as error:
            raise CredentialsError(
                f"the AWS configuration of {self._profile_text()} is not usable: {_one_line(error)}",
                hint="fix the profile in ~/.aws/config (source_profile, role_arn, credential_source)",
            ) from None
        except bex.ClientError as error:
            raise self._identity_refusal(error) from None
        except Unimplemented:
            raise CollectionError("the endpoint does not implement sts:GetCallerIdentity",
                                  hint="point --endpoint-url at an AWS-compatible endpoint") from None
        except MalformedResponse as error:
            raise CollectionError(f"sts:GetCallerIdentity answered something that is not its result: {error}",
                                  hint="check --endpoint-url and any proxy in between") from None
        except bex.BotoCoreError as error:  # resets, read timeouts, proxies: after botocore's retries
            raise CollectionError(f"sts:GetCallerIdentity failed: {_one_line(error)}",
                                  hint="check the network, the credentials, the profile and --endpoint-url") from None
        return {"Account": answer["Account"], "Arn": answer["Arn"]}

    def _identity_refusal(self, error: bex.ClientError) -> CredentialsError | CollectionError:
        code = str(error.response.get("Error", {}).get("Code", ""))
        message = str(error.response.get("Error", {}).get("Message", ""))
        if error.operation_name in ("AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"):
            role = self._profile_setting("role_arn") or "the profile's role"
            return CredentialsError(
                f"cannot assume {role} ({self._profile_text()}): {code} {message}".strip(),
                hint="check the role's trust policy, and that the source credentials may call sts:AssumeRole",
            )
        if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
            return CredentialsError(
                "the AWS session token has expired",
                hint="refresh it (`aws sso login`, or new temporary credentials)",
            )
        if code in ("InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException"):
            return CredentialsError(
                f"AWS rejected the credentials ({code})",
                hint="check the access key id and secret, or the profile",
            )
        return CollectionError(f"sts:GetCallerIdentity failed: {code}", hint="check the credentials and endpoint")

    def _profile_text(self) -> str:
        return f"profile {self.session.profile_name!r}" if self._explicit_profile else "the default profile"

    def _profile_flag(self) -> str:
        name = self.session.profile_name
        return f" --profile {name}" if name and name != "default" else ""

    def _profile_setting(self, key: str) -> str:
        try:
            return str(self.session._session.get_scoped_config().get(key) or "")
        except bex.BotoCoreError:
            return ""

    def describe_regions(self, region: str) -> list[dict[str, Any]]:
        """ec2:DescribeRegions (all regions); an answer that is not AWS's is a one-line error."""
        try:
            answer = self.client("ec2", region).describe_regions(AllRegions=True)
        except (Unimplemented, ResponseParserError, MalformedResponse):
            raise CollectionError("the endpoint's answer to ec2:DescribeRegions is not an AWS answer",
                                  hint="check that --endpoint-url points at an AWS-compatible endpoint") from None
        regions = answer.get("Regions") if isinstance(answer, dict) else None
        if not isinstance(regions, list) or not all(isinstance(r, dict) and r.get("RegionName") for r in regions):
            raise CollectionError("the endpoint's answer to ec2:DescribeRegions lists no region names",
                                  hint="check that --endpoint-url points at an AWS-compatible endpoint")
        return regions


def _one_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__


def validate_endpoint_url(url: str | None) -> str | None:
    """An --endpoint-url must be http(s)://host[:port][/path]; anything else is a usage error."""
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a non-numeric port
    except ValueError as error:
        raise UsageError(f"--endpoint-url {url!r} is not a URL: {error}",
                         hint="use a form such as http://127.0.0.1:5000 or https://ec2.example.com") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or not (
            is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url)):
        raise UsageError(f"--endpoint-url {url!r} is not an http:// or https:// URL",
                         hint="use a form such as http://127.0.0.1:5000 or https://ec2.example.com")
    return url
