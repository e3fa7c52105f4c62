"""Execution environments of one function: worker processes, each running one invocation at a time.

Like Lambda, a pool starts environments on demand up to its size (a cold start when all are
busy), reuses warm ones, kills one that overruns the function's Timeout and starts another
next time. Each worker has the function's own environment and import path.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import Pipe
from pathlib import Path
from typing import IO, Any

from local_runtime.lambda_.invocation import InvocationResult, error_result
from local_runtime.lambda_.site_modules import importable_modules
from local_runtime.template import FunctionSpec

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
# Lambda gives init 10 s; a laptop starting many interpreters at once needs longer.
INIT_TIMEOUT_SECONDS = 60.0
WORKER_NICENESS = 10  # added to the runtime's own: see Worker

log = logging.getLogger("local_runtime.invoke")


class PoolStoppedError(RuntimeError):
    """The runtime is shutting down; no more invocations are accepted."""


@dataclass(frozen=True)
class WorkerSettings:
    spec: FunctionSpec
    environment: Mapping[str, str]  # the complete environment of the process
    function_arn: str


class Worker:
    """One worker process and the connection the parent talks to it through."""

    def __init__(self, settings: WorkerSettings) -> None:
        self._settings = settings
        spec = settings.spec
        self._connection, child = Pipe(duplex=True)
        command = [
            sys.executable,
            "-I",  # the template's environment and import path only, not the parent's
            "-u",
            str(WORKER_SCRIPT),
            "--connection-fd",
            str(child.fileno()),
            "--handler",
            spec.handler,
            "--task-root",
            str(spec.code_dir),
            *[argument for layer in spec.layer_dirs for argument in ("--layer", str(layer))],
            "--site-modules",
            ",".join(sorted(importable_modules(spec))),
        ]
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            command,
            env=dict(settings.environment),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=(child.fileno(),),
            # Its own process group: Ctrl-C reaches the runtime, which stops workers in order. The
            # runtime's session still: a session of its own would be a scheduling group of its
            # own too (Linux's autogroup), given as much CPU as the embedded AWS's whole group.
            process_group=0,
        )
        # Below the runtime and the embedded AWS: on AWS a function's code never takes a core
        # from DynamoDB, and here a worker that did would delay every request queued behind the
        # embedded AWS's one thread.
        niceness = min(os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS, 19)
        os.setpriority(os.PRIO_PROCESS, self.process.pid, niceness)
        child.close()
        self._ready = False
        self._output = threading.Thread(
            target=_relay_output,
            args=(self.process.stderr, logging.getLogger(f"local_runtime.fn.{spec.logical_id}")),
            name=f"output-{spec.logical_id}-{self.process.pid}",
            daemon=True,
        )
        self._output.start()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float = INIT_TIMEOUT_SECONDS) -> bool:
        if self._ready:
            return True
        try:
            if self._connection.poll(timeout):
                self._ready = bool(json.loads(self._connection.recv_bytes()).get("ready"))
        except (EOFError, OSError):
            self._ready = False
        return self._ready

    def invoke(self, payload: bytes, request_id: str) -> InvocationResult:
        """Runs one invocation; a timeout or crash leaves the worker dead (the pool replaces it)."""
        spec = self._settings.spec
        started = time.monotonic()
        if not self.wait_ready():
            self.kill()
            return error_result("Runtime.ExitError", f"RequestId: {request_id} Error: init failed")
        deadline_ms = int(time.time() * 1000) + spec.timeout_seconds * 1000
        request = {
            "request_id": request_id,
            "payload": payload.decode("utf-8"),
            "deadline_ms": deadline_ms,
            "invoked_function_arn": self._settings.function_arn,
        }
        try:
            self._connection.send_bytes(json.dumps(request).encode())
            if not self._connection.poll(spec.timeout_seconds):
                log.warning("%s  timed out after %d s: worker killed", spec.logical_id, spec.timeout_seconds)
                self.kill()
                return error_result(
                    "Sandbox.Timedout",
                    f"{_now_iso()} {request_id} Task timed out after {spec.timeout_seconds:.2f} seconds",
                    _elapsed_ms(started),
                )
            reply = json.loads(self._connection.recv_bytes())
            if reply.get("retire"):
                self.stop()
        except (EOFError, OSError):
            self.kill()
            code = self.process.returncode
            log.warning("%s  worker exited during an invocation (status %s)", spec.logical_id, code)
            return error_result(
                "Runtime.ExitError",
                f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}",
                _elapsed_ms(started),
            )
        return InvocationResult(reply["payload"].encode(), reply["error"], _elapsed_ms(started))

    def stop(self, grace_seconds: float = 1.0) -> None:
        """Closes the connection (the worker exits when idle), then insists."""
        self._connection.close()
        try:
            self.process.wait(grace_seconds)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._connection.close()


def _relay_output(stream: IO[bytes] | None, logger: logging.Logger) -> None:
    """Handler output, one console line per line, under the function's name."""
    if stream is None:
        return
    with stream:
        for line in iter(stream.readline, b""):
            text = line.decode("utf-8", errors="replace").rstrip()
            if text:
                logger.info("%s", text)


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _elapsed_ms(started: float) -> float:
    return (time.monotonic() - started) * 1000


class FunctionPool:
    """At most `size` workers of one function; invocations wait for an idle one."""

    def __init__(self, settings: WorkerSettings, size: int) -> None:
        self.settings = settings
        self.size = max(1, size)
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self._starting = 0
        self._condition = threading.Condition()
        self._stopping = False

    @property
    def function_id(self) -> str:
        return self.settings.spec.logical_id

    def prewarm(self, count: int) -> list[Worker]:
        """Starts up to `count` workers now, so the first invocations skip the cold start."""
        started = []
        with self._condition:
            while len(self._all) < min(count, self.size):
                worker = Worker(self.settings)
                self._all.add(worker)
                self._idle.append(worker)
                started.append(worker)
        return started

    def invoke(self, payload: bytes, request_id: str | None = None) -> InvocationResult:
        request_id = request_id or str(uuid.uuid4())
        worker = self._acquire()
        result = worker.invoke(payload, request_id)
        self._release(worker)
        return result

    def invoke_json(self, event: Any, request_id: str | None = None) -> InvocationResult:
        return self.invoke(json.dumps(event).encode(), request_id)

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            workers = list(self._all)
            self._condition.notify_all()
        threads = [threading.Thread(target=worker.stop, daemon=True) for worker in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(3.0)

    def _acquire(self) -> Worker:
        with self._condition:
            while True:
                if self._stopping:
                    raise PoolStoppedError(self.function_id)
                if self._idle:
                    return self._idle.pop()  # the most recently used: the warmest
                if len(self._all) + self._starting < self.size:
                    self._starting += 1
                    break
                self._condition.wait()
        log.info("%s  cold start: worker %d of %d", self.function_id, len(self._all) + 1, self.size)
        try:
            worker = Worker(self.settings)
        finally:
            with self._condition:
                self._starting -= 1
        with self._condition:
            self._all.add(worker)
            if self._stopping:
                worker.kill()
                raise PoolStoppedError(self.function_id)
        return worker

    def _release(self, worker: Worker) -> None:
        with self._condition:
            if worker.alive and not self._stopping:
                self._idle.append(worker)
            else:
                self._all.discard(worker)
                if worker.alive:
                    threading.Thread(target=worker.kill, daemon=True).start()
            self._condition.notify()
