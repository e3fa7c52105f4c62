"""The embedded AWS: moto's server on loopback, answering one request at a time.

moto's server is not thread-safe: two concurrent conditional writes to DynamoDB have both
been seen to succeed. Serving every request on one thread makes each API call atomic, as it is in
AWS, which the booking's conditional transaction depends on.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moto.dynamodbstreams.models import dynamodbstreams_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

from local_runtime.aws import moto_sesv2, moto_streams, moto_transactions
from local_runtime.aws.request_log import RecordedRequest, RequestLog
from local_runtime.aws.s3_post_policy import PostPolicyCheck
from local_runtime.servers import Answer, BackgroundServer, KeepAliveRequestHandler, collect, read_body

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("local_runtime.aws")

# moto keeps every shard iterator it hands out; AWS expires them after 15 minutes.
MAX_SHARD_ITERATORS = 1000

AfterRequest = Callable[[], None]
Record = Callable[[RecordedRequest], None]

MOTO_THREAD_NAME = "moto"  # as the operating system knows the thread: top -H, ps -L, /proc/<pid>/task


def _name_for_the_os() -> None:
    """Gives the calling thread MOTO_THREAD_NAME where Linux shows thread names (Python 3.11 names
    its threads for itself only), so the one thread that serves every request can be told apart."""
    with contextlib.suppress(OSError):  # not Linux: nothing to name
        Path(f"/proc/self/task/{threading.get_native_id()}/comm").write_text(MOTO_THREAD_NAME)


class SerialisedApp:
    """Runs a WSGI app one request at a time, then the after-request hooks, all on one thread of
    its own; with `record`, hands it each request as served, in that order.

    One thread rather than a lock taken by each server thread: under a lock, each request's holder
    was a different thread, and every handoff waited for the operating system to wake the next
    one (the seventh round of docs/PERFORMANCE.md). The moto thread takes request after request
    from its queue, with no handoff between them."""

    def __init__(
        self, app: WSGIApplication, after_request: Iterable[AfterRequest] = (), record: Record | None = None
    ) -> None:
        self._app = app
        self._after_request = list(after_request)
        self._record = record
        self._moto = ThreadPoolExecutor(1, thread_name_prefix=MOTO_THREAD_NAME, initializer=_name_for_the_os)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # Read on the server's thread, so a slow client holds up nobody else.
        body = read_body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        status, headers, payload = self._moto.submit(self._serve, environ, body, time.time()).result()
        start_response(status, headers)
        return [payload]

    def _serve(self, environ: WSGIEnvironment, body: bytes, arrived: float) -> Answer:
        answer = collect(self._app, environ)
        if self._record is not None:
            self._record(RecordedRequest.of(environ, body, answer[0], arrived))
        for hook in self._after_request:
            try:
                hook()
            except Exception:
                log.exception("after-request hook failed")
        return answer

    def close(self) -> None:
        """Lets the request being served finish; later ones are refused."""
        self._moto.shutdown(wait=True, cancel_futures=True)


class _AwsRequestHandler(KeepAliveRequestHandler, MotoRequestHandler):
    """moto's handler (S3's metadata headers kept as sent), keeping each client's connection
    between requests, and without the access log line: formatting it took the interpreter from
    the request being served, one line per request."""


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
        self._serialised = SerialisedApp(
            CachedDispatcher(create_backend_app), [ShardIteratorPruner(), *after_request], self._request_log
        )
        # Policy checks parse the upload on the server's thread; moto then stores it as S3 would.
        app = PostPolicyCheck(self._serialised)
        self._server = BackgroundServer("aws", app, host, port, request_handler=_AwsRequestHandler)

    @property
    def endpoint(self) -> str:
        return self._server.url

    def start(self) -> str:
        self._server.start()
        return self.endpoint

    def stop(self) -> None:
        self._server.stop()
        self._serialised.close()
        if self._request_log is not None:
            self._request_log.close()
