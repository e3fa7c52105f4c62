"""Lambda's Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`) on localhost,
so that `boto3.client("lambda").invoke(...)` in a function reaches the local functions.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from local_runtime.lambda_.async_invoke import AsyncInvoker
from local_runtime.lambda_.function_pool import FunctionPool, PoolStoppedError
from local_runtime.servers import read_body
from local_runtime.template import LOCAL_ACCOUNT, LOCAL_REGION

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
# Lambda's payload limits: 6 MB for a synchronous request, 1 MB for an event.
MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_EVENT_PAYLOAD = 1024 * 1024

log = logging.getLogger("local_runtime.invoke")


@dataclass(frozen=True)
class LocalFunction:
    pool: FunctionPool
    events: AsyncInvoker


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def function_name(identifier: str) -> str:
    """A function's name from any form Invoke accepts: name, name:qualifier, or (partial) ARN."""
    parts = identifier.split(":")
    if "function" in parts:
        return parts[parts.index("function") + 1]
    return parts[0]


def _error(status: int, error_type: str, message: str) -> _Reply:
    body = json.dumps({"Type": "User", "message": message}).encode()
    return _Reply(status, body, (("x-amzn-ErrorType", error_type),))


class InvokeApi:
    def __init__(self, functions: Callable[[], Mapping[str, LocalFunction]]) -> None:
        # Looked up per request: the server starts before the functions' workers exist.
        self._functions = functions

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request_id = str(uuid.uuid4())
        reply = self._handle(environ, request_id)
        headers = [
            ("content-type", "application/json"),
            ("x-amzn-RequestId", request_id),
            ("content-length", str(len(reply.body))),
            *reply.headers,
        ]
        start_response(f"{reply.status} {'OK' if reply.status < 400 else 'Error'}", headers)
        return [reply.body]

    def _handle(self, environ: WSGIEnvironment, request_id: str) -> _Reply:
        match = _INVOKE_PATH.match(unquote(environ.get("PATH_INFO", "")))
        if environ["REQUEST_METHOD"] != "POST" or match is None:
            return _error(404, "UnknownOperationException", "only Invoke is served here")
        name = function_name(match["name"])
        function = self._functions().get(name)
        if function is None:
            arn = f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{name}"
            return _error(404, "ResourceNotFoundException", f"Function not found: {arn}")
        invocation_type = environ.get("HTTP_X_AMZ_INVOCATION_TYPE", "RequestResponse")
        payload = read_body(environ, MAX_SYNC_PAYLOAD + 1) or b"{}"
        refusal = check_invoke_request(invocation_type, payload)
        if refusal is not None:
            return refusal
        if invocation_type == "DryRun":
            return _Reply(204, b"")
        if invocation_type == "Event":
            function.events.submit(payload, request_id)
            log.info("%s  Event accepted  req=%s", name, request_id[:8])
            return _Reply(202, b"")
        return _invoke_now(name, function, payload, request_id)


def check_invoke_request(invocation_type: str, payload: bytes) -> _Reply | None:
    """Lambda's validation of an Invoke request, before anything runs."""
    if invocation_type not in ("RequestResponse", "Event", "DryRun"):
        return _error(400, "InvalidParameterValueException", f"bad invocation type {invocation_type}")
    limit = MAX_EVENT_PAYLOAD if invocation_type == "Event" else MAX_SYNC_PAYLOAD
    if len(payload) > limit:
        return _error(413, "RequestTooLargeException", f"Request must be smaller than {limit} bytes")
    try:
        json.loads(payload)
    except ValueError:
        return _error(400, "InvalidRequestContentException", "Could not parse request body into json")
    return None


def _invoke_now(name: str, function: LocalFunction, payload: bytes, request_id: str) -> _Reply:
    try:
        result = function.pool.invoke(payload, request_id)
    except PoolStoppedError:
        return _error(503, "ServiceException", "the local runtime is stopping")
    outcome = "ok" if result.ok else f"error ({result.error_summary()})"
    log.info("%s  RequestResponse %s  %.0f ms  req=%s", name, outcome, result.duration_ms, request_id[:8])
    headers = [("X-Amz-Executed-Version", "$LATEST")]
    if result.function_error:
        headers.append(("X-Amz-Function-Error", result.function_error))
    return _Reply(200, result.payload, tuple(headers))
