"""A log of the requests the embedded AWS served, in the order it served them, to send again.

`bench/pipeline_throughput.py` replays the functions' requests of a timed run against a fresh
embedded AWS: the floor the pipeline is measured against is then the very requests the functions
made, bodies and expressions included, not a model of them. The runtime writes the log when it is
started with `--aws-request-log`; nothing else records requests. The log holds the bodies as
sent, so the personal data in them too: it is for benchmarks on made-up data, never for a run on
real candidates.

One JSON document per line, handed over by the embedded AWS's one moto thread as it serves each
request, so the lines are in the order the requests took effect. A closed log ends with a line
`{"end": {"requests": N}}`, written only when all N requests handed over are on file: a replay of a
log without it would measure fewer requests than the run made, and say nothing.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

log = logging.getLogger("local_runtime.aws")

# What an SDK running in Lambda adds to its user agent (exec-env/$AWS_EXECUTION_ENV); the local
# runtime gives each function's workers AWS_EXECUTION_ENV as Lambda does.
LAMBDA_USER_AGENT_MARK = "exec-env/AWS_Lambda_"


@dataclass(frozen=True)
class RecordedRequest:
    arrived: float  # epoch seconds, when it was read, before it waited for its turn
    at: float  # when it was served: every request served before another arrived came before it
    connection: str  # the client's address and port, for a reader of the log (the replay orders by time)
    method: str
    path: str  # with the query string
    headers: dict[str, str]
    body: bytes
    status: int  # what the embedded AWS answered

    @classmethod
    def of(cls, environ: WSGIEnvironment, body: bytes, status: str, arrived: float) -> RecordedRequest:
        headers = {
            name[5:].replace("_", "-").title(): str(value)
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        query = environ.get("QUERY_STRING")
        return cls(
            arrived=arrived,
            at=time.time(),
            connection=f"{environ.get('REMOTE_ADDR')}:{environ.get('REMOTE_PORT')}",
            method=environ["REQUEST_METHOD"],
            path=environ.get("PATH_INFO", "/") + (f"?{query}" if query else ""),
            headers=headers,
            body=body,
            status=int(status.split(" ", 1)[0]),
        )

    @property
    def from_function(self) -> bool:
        """Sent by a function's SDK, not by the runtime's own readers and pollers."""
        return LAMBDA_USER_AGENT_MARK in self.headers.get("User-Agent", "")

    @property
    def action(self) -> str:
        """The service and operation, e.g. `dynamodb.UpdateItem` or `scheduler POST /schedules`."""
        service = self._service()
        target = self.headers.get("X-Amz-Target")
        if target:
            return f"{service}.{target.rsplit('.', 1)[-1]}"
        return f"{service} {self.method} /{self.path.lstrip('/').split('/', 1)[0].split('?', 1)[0]}"

    def _service(self) -> str:
        # Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, ...
        credential = self.headers.get("Authorization", "").partition("Credential=")[2]
        parts = credential.split(",", 1)[0].split("/")
        return parts[3] if len(parts) > 3 else "unknown"

    def to_json(self) -> str:
        document = {
            "arrived": self.arrived,
            "at": self.at,
            "connection": self.connection,
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "body": base64.b64encode(self.body).decode("ascii"),
            "status": self.status,
        }
        return json.dumps(document, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> RecordedRequest:
        document = json.loads(line)
        return cls(
            arrived=document["arrived"],
            at=document["at"],
            connection=document["connection"],
            method=document["method"],
            path=document["path"],
            headers=document["headers"],
            body=base64.b64decode(document["body"]),
            status=document["status"],
        )


class RequestLog:
    """Appends each request to a file, a line each, in the order handed over; what is handed over
    is on file within WRITE_INTERVAL_SECONDS (the reader may be another process, reading while the
    embedded AWS still runs).

    The embedded AWS hands each request over from its moto thread; encoding and writing happen on
    a thread of this log's own, a batch at a time. Written on moto's turn, a line cost every
    request behind it about a millisecond (13 s of a 500-booking run, measured when a lock took
    the place of that thread): the write gives up the interpreter to the server's other threads,
    and moto waits to get it back.
    Only the recording run paid that, so it made the pipeline slower than the replay it is
    compared with."""

    WRITE_INTERVAL_SECONDS = 0.25

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = path.open("w", encoding="utf-8")
        self._waiting: list[RecordedRequest] = []
        self._changed = threading.Condition()
        self._closed = False
        self._written = 0
        self._failed = False  # a write failed: the file is not all that was handed over
        self._writer = threading.Thread(target=self._write, name="aws-request-log", daemon=True)
        self._writer.start()

    def __call__(self, request: RecordedRequest) -> None:
        with self._changed:  # not notified: the writer wakes on its interval, not per request
            if not self._failed:
                self._waiting.append(request)

    def close(self) -> None:
        """Writes what is still waiting and the end line, then closes the file. After a failed
        write there is no end line, so a reader knows the log is short."""
        with self._changed:
            self._closed = True
            self._changed.notify()
        self._writer.join()
        if self._failed:
            with contextlib.suppress(OSError, ValueError):  # closing flushes again; it was said once
                self._file.close()
            return
        self._file.write(json.dumps({"end": {"requests": self._written}}) + "\n")
        self._file.close()

    def _write(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._closed, self.WRITE_INTERVAL_SECONDS)
                batch, self._waiting = self._waiting, []
                closed = self._closed
            if batch:
                try:
                    self._file.write("".join(request.to_json() + "\n" for request in batch))
                    self._file.flush()
                except (OSError, ValueError):
                    # Say so where the runtime's log shows it, and keep nothing more: the file
                    # stays short and without its end line, and the requests are served as before.
                    log.exception("the request log stopped after %d requests", self._written)
                    with self._changed:
                        self._failed, self._waiting = True, []
                    return
                self._written += len(batch)
            if closed:
                return


class IncompleteRequestLog(Exception):
    """The log has no end line, or fewer requests than its end line counts."""


def _is_end(line: str) -> bool:
    return line.startswith('{"end":')


def read_request_log(path: Path) -> Iterator[RecordedRequest]:
    """The requests on file so far; the log may still be open."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            # A line still being written is not a request yet.
            if line.endswith("\n") and not _is_end(line):
                yield RecordedRequest.from_json(line)


def read_closed_request_log(path: Path) -> list[RecordedRequest]:
    """Every request of a closed log, or IncompleteRequestLog if any is missing."""
    requests = list(read_request_log(path))
    with path.open(encoding="utf-8") as lines:
        ends = [json.loads(line)["end"] for line in lines if _is_end(line)]
    if not ends:
        raise IncompleteRequestLog(
            f"{path} has {len(requests)} requests and no end line: a write failed, or it was not closed"
        )
    if ends[-1]["requests"] != len(requests):
        raise IncompleteRequestLog(f"{path} has {len(requests)} requests of {ends[-1]['requests']}")
    return requests
