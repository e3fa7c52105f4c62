"""Drives the HTTP functions with API Gateway HTTP API (payload 2.0) events, as the gateway sends them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import import_module
from typing import Any
from urllib.parse import urlencode

from local_runtime.apigw.events import HttpRequest, JwtContext, RouteTable, build_event, new_request_id
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
    """Calls the function the template routes a request to, with the JWT claims API Gateway passes on.

    Routes and events come from the local runtime's gateway code, called in-process here.
    """

    def __init__(
        self, template: StackTemplate, org: str = "org-a", scopes: tuple[str, ...] = ALL_SCOPES
    ) -> None:
        self._routes = RouteTable(template.http_routes())
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
        raw_body: str | bytes | None = None,
    ) -> ApiResponse:
        match = self._routes.match(method, path)
        if match is None:
            raise LookupError(f"the template routes no {method} {path}")
        text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else "")
        request = HttpRequest(
            method=method,
            raw_path=path,
            raw_query=urlencode(query or {}),
            headers=[("content-type", "application/json"), *(headers or {}).items()],
            body=text if isinstance(text, bytes) else text.encode(),
            source_ip="127.0.0.1",
        )
        jwt = None
        if match.route.authorizer is not None:
            claims = {"sub": "recruiter-1", "org_id": self.org, "scope": " ".join(self.scopes)}
            jwt = JwtContext(claims, list(self.scopes))
        event = build_event(request, match, new_request_id(), jwt)
        module_name = self._template.functions[match.route.function_id].handler.rsplit(".", 1)[0]
        result = import_module(module_name).handler(event, LambdaContextStub())
        answer = result.get("body") or ""
        return ApiResponse(
            result["statusCode"], result.get("headers", {}), json.loads(answer) if answer else None
        )

    def get(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> ApiResponse:
        return self.request("POST", path, body if body is not None else {}, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("DELETE", path, **kwargs)

    def route_of(self, method: str, path: str) -> HttpRoute:
        match = self._routes.match(method, path)
        if match is None:
            raise LookupError(f"the template routes no {method} {path}")
        return match.route
