"""The HTTP API on localhost: API Gateway's routing, JWT authorizer and Lambda proxy integration,
from the template's HttpApi events, as a WSGI application.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from local_runtime.apigw.events import (
    HttpRequest,
    HttpResponse,
    JwtContext,
    MalformedResponseError,
    RouteMatch,
    RouteTable,
    build_event,
    json_response,
    new_request_id,
    response_from_result,
)
from local_runtime.apigw.jwt_authorizer import FORBIDDEN, UNAUTHORIZED, JwtAuthorizer
from local_runtime.lambda_.function_pool import PoolStoppedError
from local_runtime.lambda_.invocation import InvocationResult
from local_runtime.servers import read_body

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

# API Gateway HTTP APIs take request bodies up to 10 MB.
MAX_BODY_BYTES = 10 * 1024 * 1024
HEALTH_PATH = "/_local/health"

log = logging.getLogger("local_runtime.http")

InvokeFunction = Callable[[str, dict[str, Any]], InvocationResult]


class HttpApiGateway:
    def __init__(
        self,
        routes: RouteTable,
        authorizers: Mapping[str, JwtAuthorizer],
        invoke: InvokeFunction,
        ready: Callable[[], bool] = lambda: True,
    ) -> None:
        self._routes = routes
        self._authorizers = authorizers
        self._invoke = invoke
        self._ready = ready
        self._in_flight = 0
        self._idle = threading.Condition()

    @property
    def in_flight(self) -> int:
        with self._idle:
            return self._in_flight

    def wait_idle(self, timeout: float) -> bool:
        """Waits until no request is being answered."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, max(0.0, timeout))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        with self._idle:
            self._in_flight += 1
        try:
            request = _read_request(environ)
            request_id = new_request_id()
            response, detail = self._respond(request, request_id)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()
        response.headers.append(("apigw-requestid", request_id))
        log.info(
            "%-6s %s%s → %d  %.0f ms%s",
            request.method,
            request.raw_path,
            f"?{request.raw_query}" if request.raw_query else "",
            response.status,
            (time.monotonic() - started) * 1000,
            f"  ({detail})" if detail else "",
        )
        status_line = f"{response.status} {_reason(response.status)}"
        start_response(status_line, [*response.headers, ("content-length", str(len(response.body)))])
        return [response.body]

    def _respond(self, request: HttpRequest, request_id: str) -> tuple[HttpResponse, str]:
        """The response and, for the console, why it is what it is."""
        if request.raw_path == HEALTH_PATH:
            ready = self._ready()
            return json_response(200 if ready else 503, {"status": "ready" if ready else "starting"}), ""
        if len(request.body) > MAX_BODY_BYTES:
            return json_response(413, {"message": "Request Entity Too Large"}), "body too large"
        match = self._routes.match(request.method, request.raw_path)
        if match is None:
            return json_response(404, {"message": "Not Found"}), "no route"
        jwt_context: JwtContext | None = None
        if match.route.authorizer is not None:
            refusal, jwt_context = self._authorize(request, match)
            if refusal is not None:
                return refusal
        return self._integrate(build_event(request, match, request_id, jwt_context), match.route.function_id)

    def _authorize(
        self, request: HttpRequest, match: RouteMatch
    ) -> tuple[tuple[HttpResponse, str] | None, JwtContext | None]:
        """API Gateway's answer if the JWT authorizer refuses the request, else the claims it passes on."""
        authorizer = self._authorizers[str(match.route.authorizer)]
        decision = authorizer.authorize(request.header("authorization"), match.route.scopes)
        if decision.status == UNAUTHORIZED:
            refusal = json_response(401, {"message": "Unauthorized"})
            if decision.www_authenticate:
                refusal.headers.append(("www-authenticate", decision.www_authenticate))
            return (refusal, decision.reason), None
        if decision.status == FORBIDDEN:
            return (json_response(403, {"message": "Forbidden"}), decision.reason), None
        # API Gateway passes the token's scopes only for routes that require scopes.
        return None, JwtContext(decision.claims, list(decision.scopes) if match.route.scopes else None)

    def _integrate(self, event: dict[str, Any], function_id: str) -> tuple[HttpResponse, str]:
        """The Lambda proxy integration: a function error or a malformed answer is a plain 500."""
        try:
            result = self._invoke(function_id, event)
        except PoolStoppedError:
            return json_response(503, {"message": "Service Unavailable"}), "shutting down"
        if not result.ok:
            failure = f"{function_id} failed: {result.error_summary()}"
            return json_response(500, {"message": "Internal Server Error"}), failure
        try:
            return response_from_result(result.json()), function_id
        except MalformedResponseError as error:
            return json_response(500, {"message": "Internal Server Error"}), f"{function_id}: {error}"


def _read_request(environ: WSGIEnvironment) -> HttpRequest:
    raw_target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    raw_path, _, raw_query = str(raw_target).partition("?")
    headers = [
        (key[5:].replace("_", "-").lower(), str(value))
        for key, value in environ.items()
        if key.startswith("HTTP_")
    ]
    if environ.get("CONTENT_TYPE"):
        headers.append(("content-type", environ["CONTENT_TYPE"]))
    if environ.get("CONTENT_LENGTH"):
        headers.append(("content-length", environ["CONTENT_LENGTH"]))
    return HttpRequest(
        method=environ["REQUEST_METHOD"],
        raw_path=raw_path or "/",
        raw_query=raw_query,
        headers=headers,
        body=read_body(environ, MAX_BODY_BYTES + 1),
        source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
    )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
