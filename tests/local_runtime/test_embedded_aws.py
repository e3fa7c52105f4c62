"""The embedded AWS answers one request at a time, on one thread, so conditional writes are
atomic, and finds each host's backend as moto does."""

import io
import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from local_runtime.aws.embedded import MOTO_THREAD_NAME, CachedDispatcher, SerialisedApp


class CountingApp:
    """A WSGI app that notes how many requests it is serving at once, and on which threads."""

    def __init__(self) -> None:
        self.active = 0
        self.most_at_once = 0
        self.bodies: list[bytes] = []
        self.threads: set[int] = set()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self._lock:
            self.active += 1
            self.most_at_once = max(self.most_at_once, self.active)
            self.threads.add(threading.get_ident())
        self.bodies.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        time.sleep(0.01)  # long enough for other threads to arrive if nothing held them back
        with self._lock:
            self.active -= 1
        start_response("200 OK", [("content-type", "text/plain")])
        return [b"done"]


def call(app: SerialisedApp, body: bytes, chunked: bool = False) -> tuple[str, bytes]:
    environ = {"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": "" if chunked else str(len(body))}
    if chunked:
        environ["wsgi.input_terminated"] = True
    status: list[str] = []
    chunks = app(environ, lambda s, headers, exc_info=None: status.append(s))  # type: ignore[arg-type]
    return status[0], b"".join(chunks)


def test_concurrent_requests_are_served_one_at_a_time():
    inner = CountingApp()
    hooks: list[int] = []
    app = SerialisedApp(inner, [lambda: hooks.append(inner.active)])
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: call(app, f"request {n}".encode()), range(16)))
    assert inner.most_at_once == 1
    assert results == [("200 OK", b"done")] * 16
    assert sorted(inner.bodies) == sorted(f"request {n}".encode() for n in range(16))
    assert hooks == [0] * 16  # each hook ran after its request, before the next one began
    assert len(inner.threads) == 1  # moto's backends are only ever touched from one thread


class NamingApp:
    """A WSGI app that notes the name Linux gives the thread serving it."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.names.append(Path(f"/proc/self/task/{threading.get_native_id()}/comm").read_text().strip())
        start_response("200 OK", [])
        return [b""]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread names are read from Linux's /proc")
def test_the_serving_thread_has_its_name_where_the_operating_system_shows_it():
    # top -H and the pipeline benchmark (bench/pipeline_throughput.py's ServingThread) find it by it.
    inner = NamingApp()
    app = SerialisedApp(inner)
    call(app, b"one")
    call(app, b"two")
    app.close()
    assert inner.names == [MOTO_THREAD_NAME, MOTO_THREAD_NAME]
    assert Path(f"/proc/self/task/{threading.get_native_id()}/comm").read_text().strip() != MOTO_THREAD_NAME


def test_requests_after_close_are_refused():
    inner = CountingApp()
    app = SerialisedApp(inner)
    assert call(app, b"before") == ("200 OK", b"done")
    app.close()
    with pytest.raises(RuntimeError):  # the server's handler answers it with a 500
        call(app, b"after")
    assert inner.bodies == [b"before"]


def test_chunked_body_is_read_whole():
    inner = CountingApp()
    call(SerialisedApp(inner), b"x" * 100_000, chunked=True)
    assert inner.bodies == [b"x" * 100_000]


def test_the_dispatcher_remembers_each_hosts_backend_as_moto_finds_it():
    hosts = [
        None,
        "dynamodb.us-east-1.amazonaws.com",
        "resumes.s3.amazonaws.com",
        "scheduler.us-east-1.amazonaws.com",
    ]
    cached, moto = CachedDispatcher(create_backend_app), DomainDispatcherApplication(create_backend_app)

    assert [cached.get_backend_for_host(h) for h in hosts * 2] == [
        moto.get_backend_for_host(h) for h in hosts
    ] * 2
    assert cached.get_backend_for_host("dynamodb.us-east-1.amazonaws.com") == "dynamodb"
