"""The embedded AWS in a process of its own, and what it saw coming back to the runtime.

moto answers one request at a time, on a thread of its own (embedded.py). In the runtime's own
process that thread would share the interpreter with the HTTP gateway, the stream readers, the
scheduler, the async queues and the log relays, so every request would wait on all of them; in a
process of its own it has an interpreter, and a core, to itself, and where the system allows it
is scheduled ahead of the functions (priority.py).

What the runtime learns by reading moto's memory after each request, the mail SES accepted and the
events the template's archives kept, is read in that process, on moto's thread and so in the order
the requests made it, and comes back over a queue to the listeners here. Until the runtime
binds an archive to its bus, that archive's events wait here, as they would wait in the archive.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from local_runtime.aws.embedded import AfterRequest, EmbeddedAws
from local_runtime.aws.outbox import MotoSesWatcher, SentEmail
from local_runtime.aws.priority import schedule_ahead_of_functions
from local_runtime.eventbridge.archive_watcher import ArchiveWatcher, PutEvents

log = logging.getLogger("local_runtime.aws")

STARTUP_TIMEOUT_SECONDS = 120.0
PARENT_CHECK_SECONDS = 0.5  # how soon the process notices the runtime is gone (killed, not stopped)
STOP_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class _Mail:
    sent: SentEmail


@dataclass(frozen=True)
class _Archived:
    archive: str
    events: list[dict[str, Any]]


@dataclass(frozen=True)
class _Started:
    """How the start went: the endpoint, or why there is none, and how the process is scheduled."""

    endpoint: str | None
    error: str = ""
    scheduling: str = ""


# None: the runtime stopped the process; the reader of the reports ends.
_Report = _Mail | _Archived | _Started | None


class _Reporter:
    """Puts a report on the queue and counts it, so the runtime can tell when it has them all."""

    def __init__(self, reports: Queue[_Report], reported: Synchronized[int]) -> None:
        self._reports = reports
        self._reported = reported

    def mail(self, sent: SentEmail) -> None:
        self._put(_Mail(sent))

    def archived(self, archive: str) -> Callable[[Iterable[Mapping[str, Any]]], None]:
        def forward(events: Iterable[Mapping[str, Any]]) -> None:
            self._put(_Archived(archive, [dict(event) for event in events]))

        return forward

    def started(self, endpoint: str | None, error: str = "", scheduling: str = "") -> None:
        # Not counted: the runtime waits for it itself.
        self._reports.put(_Started(endpoint, error, scheduling))

    def _put(self, report: _Report) -> None:
        with self._reported.get_lock():
            self._reported.value += 1
        self._reports.put(report)


def _serve(
    host: str, port: int, archives: list[str], request_log: Path | None, *, reporter: _Reporter, stop: Event
) -> None:
    """The process: serves the embedded AWS and reports what it saw, until told to stop or orphaned."""
    scheduling = schedule_ahead_of_functions()  # before any thread starts, so that all inherit it
    # Ctrl-C reaches the whole process group; the runtime, not this process, decides when to stop,
    # after it has drained the work that still needs the embedded AWS.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    watchers: list[AfterRequest] = [
        MotoSesWatcher([reporter.mail]),
        ArchiveWatcher({name: reporter.archived(name) for name in archives}),
    ]
    try:
        aws = EmbeddedAws(host, port, after_request=watchers, request_log=request_log)
        endpoint = aws.start()
    except Exception as error:  # a port in use, most often: said in the runtime's own terms
        reporter.started(None, f"{type(error).__name__}: {error}")
        return
    reporter.started(endpoint, scheduling=scheduling)
    parent = os.getppid()
    while not stop.wait(PARENT_CHECK_SECONDS):
        if os.getppid() != parent:
            break  # the runtime was killed: nothing is left to serve
    aws.stop()


class AwsProcess:
    """Starts the embedded AWS in a process of its own; calls `on_mail` with each email it accepted
    and routes the events of each of `archives` to the bus bound to it (`bind`), in order, from a
    thread here. As a queue of the runtime's drain, it is idle once it has handed on all it was told.
    With `request_log`, every request it serves is written there (request_log.py)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        archives: Iterable[str] = (),
        on_mail: Callable[[SentEmail], object] = lambda _sent: None,
        request_log: Path | None = None,
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._reports: Queue[_Report] = context.Queue()
        self._stop = context.Event()
        self._reported: Synchronized[int] = context.Value("q", 0)
        self._process = context.Process(
            target=_serve,
            args=(host, port, list(archives), request_log),
            kwargs={"reporter": _Reporter(self._reports, self._reported), "stop": self._stop},
            name="embedded-aws",
            daemon=True,
        )
        self._on_mail = on_mail
        self._buses: dict[str, PutEvents] = {}
        self._unbound: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._handled = threading.Condition()
        self.accepted = 0  # reports handed on
        self._reader: threading.Thread | None = None
        self.endpoint = ""
        self.scheduling = ""  # how the process is scheduled, in a line for the log (priority.py)

    def start(self) -> str:
        self._process.start()
        report = self._reports.get(timeout=STARTUP_TIMEOUT_SECONDS)
        assert isinstance(report, _Started)
        if report.endpoint is None:
            self._process.join(STOP_TIMEOUT_SECONDS)
            raise OSError(f"the embedded AWS could not start: {report.error}")
        self.endpoint, self.scheduling = report.endpoint, report.scheduling
        self._reader = threading.Thread(target=self._read, name="embedded-aws-reports", daemon=True)
        self._reader.start()
        return self.endpoint

    def bind(self, archive: str, put_events: PutEvents) -> None:
        """Routes `archive`'s events to `put_events` from now on, beginning with those kept so far."""
        with self._lock:
            self._buses[archive] = put_events
            waiting = self._unbound.pop(archive, [])
            if waiting:
                put_events(waiting)

    def wait_idle(self, timeout: float) -> bool:
        """Waits until every report the embedded AWS has made so far is handed on."""
        with self._handled:
            return self._handled.wait_for(lambda: self.accepted >= self._reported.value, max(0.0, timeout))

    def stop(self) -> None:
        self._stop.set()
        self._process.join(STOP_TIMEOUT_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(STOP_TIMEOUT_SECONDS)
        self._reports.put(None)  # ends the reader
        if self._reader is not None:
            self._reader.join(STOP_TIMEOUT_SECONDS)

    def _read(self) -> None:
        while True:
            report = self._reports.get()
            if report is None:
                return
            try:
                self._hand_on(report)
            except Exception:
                log.exception("could not hand on what the embedded AWS reported")
            with self._handled:
                self.accepted += 1
                self._handled.notify_all()

    def _hand_on(self, report: _Report) -> None:
        if isinstance(report, _Mail):
            self._on_mail(report.sent)
            return
        if not isinstance(report, _Archived):
            return
        with self._lock:  # held while routing, so a `bind` meanwhile cannot reorder the events
            put_events = self._buses.get(report.archive)
            if put_events is None:
                self._unbound.setdefault(report.archive, []).extend(report.events)
                return
            put_events(report.events)
        log.info("%d event(s) on the bus archived by %s routed", len(report.events), report.archive)
