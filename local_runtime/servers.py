"""A WSGI application served on a background thread, with a clean stop."""

from __future__ import annotations

import logging
import socket
import threading
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

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


class QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log line per request. Not only silenced by the logger's level: werkzeug
        formats the line (the path decoded, the date) before the logger could drop it."""


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
        self._server: BaseWSGIServer | None = None
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
            self._server = make_server(
                self._host,
                self._port,
                self._app,
                threaded=True,
                request_handler=self._request_handler,
                fd=listening.fileno(),
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
