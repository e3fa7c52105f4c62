"""API Gateway HTTP API, the parts with no I/O: route selection, the payload format 2.0 event
sent to the function, and the HTTP response made from what the function returns.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from local_runtime.template import LOCAL_ACCOUNT, HttpRoute

LOCAL_API_ID = "localapi"
# Content types API Gateway passes as text; every other body reaches the function base64-encoded.
_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|javascript|xml|.*\+json|.*\+xml))$",
    re.IGNORECASE,
)


class MalformedResponseError(ValueError):
    """The function's answer is not a response API Gateway can send (it answers 500)."""


@dataclass(frozen=True)
class RouteMatch:
    route: HttpRoute
    path_parameters: dict[str, str]

    @property
    def route_key(self) -> str:
        return f"{self.route.method} {self.route.path}"


@dataclass(frozen=True)
class _CompiledRoute:
    route: HttpRoute
    segments: tuple[str, ...]

    @property
    def greedy(self) -> bool:
        return bool(self.segments) and self.segments[-1].endswith("+}")

    @property
    def specificity(self) -> tuple[int, int, int, int]:
        """API Gateway prefers literal segments, then non-greedy paths, then a named method."""
        literals = sum(1 for s in self.segments if not s.startswith("{"))
        return (literals, len(self.segments), 0 if self.greedy else 1, 0 if self.route.method == "ANY" else 1)


class RouteTable:
    """Selects the most specific route for a request, as API Gateway HTTP APIs do."""

    def __init__(self, routes: Iterable[HttpRoute]) -> None:
        compiled = [_CompiledRoute(r, _segments(r.path)) for r in routes]
        self._routes = sorted(compiled, key=lambda c: c.specificity, reverse=True)

    def match(self, method: str, raw_path: str) -> RouteMatch | None:
        requested = _segments(raw_path)
        for candidate in self._routes:
            if candidate.route.method not in (method.upper(), "ANY"):
                continue
            parameters = _match_segments(candidate.segments, requested)
            if parameters is not None:
                return RouteMatch(candidate.route, parameters)
        return None


def _segments(path: str) -> tuple[str, ...]:
    # A trailing or doubled slash leaves an empty segment, which no route matches (as in AWS).
    trimmed = path.removeprefix("/")
    return tuple(trimmed.split("/")) if trimmed else ()


def _match_segments(pattern: Sequence[str], requested: Sequence[str]) -> dict[str, str] | None:
    parameters: dict[str, str] = {}
    for index, expected in enumerate(pattern):
        if expected.startswith("{") and expected.endswith("+}"):
            rest = requested[index:]
            if not rest:
                return None
            parameters[expected[1:-2]] = unquote("/".join(rest))
            return parameters
        if index >= len(requested):
            return None
        actual = requested[index]
        if expected.startswith("{") and expected.endswith("}"):
            if not actual:
                return None
            parameters[expected[1:-1]] = unquote(actual)
        elif expected != actual:
            return None
    return parameters if len(requested) == len(pattern) else None


@dataclass(frozen=True)
class HttpRequest:
    """An incoming request, as read off the wire."""

    method: str
    raw_path: str  # still percent-encoded
    raw_query: str
    headers: Sequence[tuple[str, str]]
    body: bytes
    source_ip: str
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ",".join(values) if values else None


@dataclass(frozen=True)
class JwtContext:
    claims: Mapping[str, Any]
    scopes: Sequence[str] | None


def new_request_id() -> str:
    """An id shaped like API Gateway's (16 characters of base64)."""
    return base64.b64encode(os.urandom(11)).decode()


def build_event(
    request: HttpRequest,
    match: RouteMatch,
    request_id: str,
    jwt: JwtContext | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event API Gateway gives a Lambda proxy integration."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    host = headers.get("host", "localhost")
    context: dict[str, Any] = {
        "accountId": LOCAL_ACCOUNT,
        "apiId": LOCAL_API_ID,
        "domainName": host,
        "domainPrefix": host.split(".")[0].split(":")[0],
        "http": {
            "method": request.method.upper(),
            "path": request.raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": match.route_key,
        "stage": "$default",
        "time": request.received_at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(request.received_at.timestamp() * 1000),
    }
    if jwt is not None:
        context["authorizer"] = {"jwt": {"claims": _stringified_claims(jwt.claims), "scopes": jwt.scopes}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": match.route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = _query_parameters(request.raw_query)
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = context
    if match.path_parameters:
        event["pathParameters"] = match.path_parameters
    if request.body:
        text = _utf8_or_none(request.body) if _is_text(headers.get("content-type")) else None
        if text is not None:
            event["body"] = text
            event["isBase64Encoded"] = False
        else:
            # Bytes that are not UTF-8 text reach the function as they are, never with U+FFFD in them.
            event["body"] = base64.b64encode(request.body).decode()
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def _query_parameters(raw_query: str) -> dict[str, str]:
    """Repeated parameters are joined with commas, as in payload format 2.0."""
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters


def _is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    return bool(_TEXT_TYPES.match(content_type.split(";")[0].strip()))


def _stringified_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """The JWT authorizer hands claims to the function as strings; arrays read `[a b]`."""
    return {name: _claim_text(value) for name, value in claims.items()}


def _claim_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_claim_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def json_response(status: int, document: Any) -> HttpResponse:
    return HttpResponse(status, [("content-type", "application/json")], json.dumps(document).encode())


def response_from_result(returned: Any) -> HttpResponse:
    """Payload format 2.0 response: a structured `statusCode` response, or any other JSON value,
    which API Gateway sends as a 200 `application/json` body."""
    if not (isinstance(returned, dict) and "statusCode" in returned):
        return HttpResponse(200, [("content-type", "application/json")], json.dumps(returned).encode())
    try:
        status = int(returned["statusCode"])
    except (TypeError, ValueError) as error:
        raise MalformedResponseError(f"statusCode {returned['statusCode']!r} is not a number") from error
    if not 100 <= status <= 599:
        raise MalformedResponseError(f"statusCode {status} is out of range")
    headers = [(str(k), _header_text(v)) for k, v in (returned.get("headers") or {}).items()]
    for name, values in (returned.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), _header_text(v)) for v in values)
    headers.extend(("set-cookie", str(cookie)) for cookie in returned.get("cookies") or [])
    return HttpResponse(status, headers, _response_body(returned))


def _header_text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _response_body(returned: Mapping[str, Any]) -> bytes:
    body = returned.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResponseError(f"body must be a string, not {type(body).__name__}")
    if returned.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error as error:
            raise MalformedResponseError("isBase64Encoded body is not base64") from error
    return body.encode()


def _utf8_or_none(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None
