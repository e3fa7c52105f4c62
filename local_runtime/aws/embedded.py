"""The embedded AWS: moto's server on loopback, answering one request at a time.

moto's server is not thread-safe: two concurrent conditional writes to DynamoDB have both
been seen to succeed. Serialising every request makes each API call atomic, as it is in AWS,
which the booking's conditional transaction depends on.
"""

from __future__ import annotations

import io
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moto.dynamodbstreams.models import dynamodbstreams_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

from local_runtime.aws import moto_sesv2, moto_streams, moto_transactions
from local_runtime.aws.request_log import RecordedRequest, RequestLog
from local_runtime.aws.s3_post_policy import PostPolicyCheck
from local_runtime.servers import BackgroundServer, KeepAliveRequestHandler, read_body

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("local_runtime.aws")

# moto keeps every shard iterator it hands out; AWS expires them after 15 minutes.
MAX_SHARD_ITERATORS = 1000

AfterRequest = Callable[[], None]
Record = Callable[[RecordedRequest], None]


class SerialisedApp:
    """Runs a WSGI app one request at a time, then the after-request hooks, under one lock; with
    `record`, hands it each request as served, in that order."""

    def __init__(
        self, app: WSGIApplication, after_request: Iterable[AfterRequest] = (), record: Record | None = None
    ) -> None:
        self._app = app
        self._after_request = list(after_request)
        self._record = record
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # Read the body before taking the lock, so a slow client holds up nobody else.
        body = read_body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        response: dict[str, Any] = {}

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], Any]:
            response["status"], response["headers"] = status, headers
            return chunks.append

        chunks: list[bytes] = []
        arrived = time.time()
        with self._lock:
            result = self._app(environ, capture)
            try:
                chunks.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            if self._record is not None:
                self._record(RecordedRequest.of(environ, body, response["status"], arrived))
            for hook in self._after_request:
                try:
                    hook()
                except Exception:
                    log.exception("after-request hook failed")
        start_response(response["status"], response["headers"])
        return chunks


class _AwsRequestHandler(KeepAliveRequestHandler, MotoRequestHandler):
    """moto's handler (S3's metadata headers kept as sent), keeping each client's connection
    between requests, and without the access log line: formatting it took the interpreter from
    the request holding the lock, one line per request."""


class CachedDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering which backend serves each host. moto's finds it anew for
    every request, listing its package folder and trying its URL patterns (about 0.6 ms); the
    answer depends on the host alone."""

    MAX_HOSTS = 1024  # S3's virtual-hosted buckets make hosts of their own; a few hundred at most here

    def __init__(self, create_app: Any) -> None:
        super().__init__(create_app)
        self._backends: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        if host not in self._backends:
            if len(self._backends) >= self.MAX_HOSTS:
                self._backends.clear()
            self._backends[host] = super().get_backend_for_host(host)
        return self._backends[host]


class ShardIteratorPruner:
    """Forgets the oldest shard iterators, so a long run's stream polling does not grow memory."""

    def __init__(self, every: int = 200) -> None:
        self._calls = itertools.count()
        self._every = every

    def __call__(self) -> None:
        if next(self._calls) % self._every:
            return
        for regions in list(dynamodbstreams_backends.values()):
            for backend in list(regions.values()):
                iterators = backend.shard_iterators
                for arn in list(iterators)[: max(0, len(iterators) - MAX_SHARD_ITERATORS)]:
                    del iterators[arn]


class EmbeddedAws:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        after_request: Iterable[AfterRequest] = (),
        request_log: Path | None = None,
    ) -> None:
        moto_transactions.install()
        moto_sesv2.install()
        moto_streams.install()
        self._request_log = RequestLog(request_log) if request_log else None
        serialised = SerialisedApp(
            CachedDispatcher(create_backend_app), [ShardIteratorPruner(), *after_request], self._request_log
        )
        # Policy checks parse the upload outside the lock; moto then stores it as S3 would.
        app = PostPolicyCheck(serialised)
        self._server = BackgroundServer("aws", app, host, port, request_handler=_AwsRequestHandler)

    @property
    def endpoint(self) -> str:
        return self._server.url

    def start(self) -> str:
        self._server.start()
        return self.endpoint

    def stop(self) -> None:
        self._server.stop()
        if self._request_log is not None:
            self._request_log.close()
