"""A WSGI application served on a background thread, with a clean stop."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from typing import TYPE_CHECKING, Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

if TYPE_CHECKING:
    from collections.abc import Callable

    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

log = logging.getLogger("local_runtime.servers")

# The runtime logs one line per request itself; werkzeug's access log would repeat it.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


def read_body(environ: WSGIEnvironment, limit: int | None = None) -> bytes:
    """The whole request body (chunked or not), or its first `limit` bytes."""
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):
        return bytes(stream.read() if limit is None else stream.read(limit))
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if limit is not None:
        length = min(length, limit)
    return bytes(stream.read(length)) if length else b""


# A WSGI app's whole answer: its status line, its headers and its body.
Answer = tuple[str, list[tuple[str, str]], bytes]


def collect(app: WSGIApplication, environ: WSGIEnvironment) -> Answer:
    """Runs a WSGI app to the end of its answer, closing its result as PEP 3333 asks."""
    answer: list[Any] = []
    chunks: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], Any]:
        answer[:] = [status, headers]
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = answer
    return status, headers, b"".join(chunks)


class QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log line per request. Not only silenced by the logger's level: werkzeug
        formats the line (the path decoded, the date) before the logger could drop it."""


class KeepAliveRequestHandler(QuietRequestHandler):
    """HTTP/1.1 with persistent connections, for an app that answers with its whole body at once.

    werkzeug closes the connection after every answer, since it cannot tell where a request body
    the app left unread ends. So each request of a client that keeps its connections (botocore
    does) paid a new TCP connection and a new server thread. This handler collects the app's
    answer, sends it with its length, and keeps the connection when the app read the request's
    body to its end; otherwise, or for a chunked body, it closes it as werkzeug would.
    """

    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes. With Nagle's algorithm the body would wait
    # for the client's ACK of the headers, which a client waiting for the rest delays (~40 ms).
    disable_nagle_algorithm = True

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.make_environ()
        body: LimitedStream | None = None
        if not environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"] = LimitedStream(
                environ["wsgi.input"], int(environ.get("CONTENT_LENGTH") or 0)
            )
        status, headers, payload = self._answer(environ)
        if body is None or not body.is_exhausted:
            self.close_connection = True
        code, _, reason = status.partition(" ")
        # HEAD's Content-Length is the resource's (an S3 object's size, say), not of a body sent.
        bodyless = self.command == "HEAD" or int(code) < 200 or int(code) in (204, 304)
        self.send_response(int(code), reason)
        for name, value in headers:
            if bodyless or name.lower() not in ("content-length", "transfer-encoding"):
                self.send_header(name, value)
        if not bodyless:
            self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not bodyless:
            self.wfile.write(payload)

    def _answer(self, environ: WSGIEnvironment) -> Answer:
        try:
            return collect(self.server.app, environ)
        except Exception:
            log.exception("%s %s failed", self.command, environ.get("PATH_INFO", ""))
            self.close_connection = True
            return "500 Internal Server Error", [("Content-Type", "text/plain")], b"Internal Server Error"


class _ClosingServer(ThreadedWSGIServer):
    """werkzeug's threaded server, which also closes the connections it holds open when it is
    closed: with keep-alive, a client's pooled connection would otherwise still be answered by
    its handler's thread after the server stopped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        with self._open_lock:
            still_open = list(self._open)
        for connection in still_open:
            with contextlib.suppress(OSError):  # closed by its client meanwhile
                connection.shutdown(socket.SHUT_RDWR)


class BackgroundServer:
    def __init__(
        self,
        name: str,
        app: WSGIApplication,
        host: str = "127.0.0.1",
        port: int = 0,
        request_handler: type[WSGIRequestHandler] = QuietRequestHandler,
    ) -> None:
        self.name = name
        self._app = app
        self._host = host
        self._port = port
        self._request_handler = request_handler
        self._server: ThreadedWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"the {self.name} server is not started")
        return int(self._server.port)

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def start(self) -> None:
        """Binds the port now (port 0: any free one); a port in use raises OSError here."""
        # Bound here rather than by werkzeug, which would print and exit the process instead.
        with socket.create_server((self._host, self._port)) as listening:
            self._server = _ClosingServer(
                self._host, self._port, self._app, self._request_handler, fd=listening.fileno()
            )
        self._thread = threading.Thread(
            # A short poll interval lets stop() return promptly.
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.name}-server",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(2.0)
        self._server = None
