"""Drives the HTTP functions with API Gateway HTTP API (payload 2.0) events, as the gateway sends them."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from local_runtime.template import HttpRoute, StackTemplate

ALL_SCOPES = ("interviews/read", "interviews/write")


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: Any


class LambdaContextStub:
    function_name = "test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


class ApiClient:
    """Calls the function the template routes a request to, with the JWT claims API Gateway passes on."""

    def __init__(
        self, template: StackTemplate, org: str = "org-a", scopes: tuple[str, ...] = ALL_SCOPES
    ) -> None:
        self._routes = template.http_routes()
        self._template = template
        self.org = org
        self.scopes = scopes

    def as_org(self, org: str) -> ApiClient:
        return ApiClient(self._template, org, self.scopes)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        raw_body: str | None = None,
    ) -> ApiResponse:
        route, path_parameters = self._match(method, path)
        event = self.event(
            route, path, path_parameters, body=body, headers=headers or {}, query=query, raw_body=raw_body
        )
        module_name = self._template.functions[route.function_id].handler.rsplit(".", 1)[0]
        result = import_module(module_name).handler(event, LambdaContextStub())
        text = result.get("body") or ""
        return ApiResponse(
            result["statusCode"], result.get("headers", {}), json.loads(text) if text else None
        )

    def get(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> ApiResponse:
        return self.request("POST", path, body if body is not None else {}, **kwargs)

    def _match(self, method: str, path: str) -> tuple[HttpRoute, dict[str, str]]:
        for route in self._routes:
            pattern = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route.path) + "$"
            found = re.match(pattern, path)
            if route.method == method and found:
                return route, found.groupdict()
        raise LookupError(f"the template routes no {method} {path}")

    def event(
        self,
        route: HttpRoute,
        path: str,
        path_parameters: dict[str, str],
        *,
        body: Any,
        headers: dict[str, str],
        query: dict[str, str] | None,
        raw_body: str | None,
    ) -> dict[str, Any]:
        now = time.time()
        request_context: dict[str, Any] = {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "api.test",
            "http": {
                "method": route.method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "tests",
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": f"{route.method} {route.path}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        }
        if route.authorizer is not None:
            request_context["authorizer"] = {
                "jwt": {
                    "claims": {"sub": "recruiter-1", "org_id": self.org, "scope": " ".join(self.scopes)},
                    "scopes": list(self.scopes),
                }
            }
        text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": f"{route.method} {route.path}",
            "rawPath": path,
            "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
            "headers": {"content-type": "application/json", **{k.lower(): v for k, v in headers.items()}},
            "requestContext": request_context,
            "isBase64Encoded": False,
        }
        if path_parameters:
            event["pathParameters"] = path_parameters
        if query:
            event["queryStringParameters"] = query
        if text is not None:
            event["body"] = text
        return event
