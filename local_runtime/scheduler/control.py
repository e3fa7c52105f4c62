"""The local runtime's control endpoint: the scheduler's clock, which tests and developers move
forward instead of waiting. It exists only here; nothing like it is reachable in AWS.

    GET  /clock                      {"now": "..."}
    POST /clock {"advance_seconds": N}  moves the clock, fires what became due, {"now", "fired"}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from local_runtime.scheduler.poller import SchedulePoller
from local_runtime.servers import read_body

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


class ControlApi:
    def __init__(self, poller: SchedulePoller) -> None:
        self._poller = poller

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if path != "/clock" or method not in {"GET", "POST"}:
            return _answer(start_response, "404 Not Found", {"message": "GET or POST /clock"})
        answer: dict[str, object] = {}
        if method == "POST":
            try:
                seconds = float(json.loads(read_body(environ, 1024) or b"{}")["advance_seconds"])
                self._poller.clock.advance(timedelta(seconds=seconds))
            except (ValueError, KeyError, TypeError) as error:
                return _answer(
                    start_response, "400 Bad Request", {"message": f"advance_seconds >= 0: {error}"}
                )
            answer["fired"] = self._poller.fire_due()
        answer["now"] = self._poller.clock.now().isoformat()
        return _answer(start_response, "200 OK", answer)


def _answer(start_response: StartResponse, status: str, document: dict[str, object]) -> list[bytes]:
    body = json.dumps(document).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
