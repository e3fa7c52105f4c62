"""Asynchronous invocation (InvocationType=Event): Lambda's internal event queue for one function.

An event is accepted at once and run later. A function error is retried up to the function's
MaximumRetryAttempts (EventInvokeConfig) after Lambda's delays: "a one-minute wait between the
first two attempts, and two minutes between the second and third attempts"
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). Tests and
benchmarks shorten them (`--fast-retries`). An event that runs out of retries or outlives
MaximumEventAgeInSeconds goes to the on-failure destination with Lambda's invocation record.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from local_runtime.lambda_.function_pool import PoolStoppedError
from local_runtime.lambda_.invocation import InvocationResult
from local_runtime.template import AsyncInvokeConfig

RETRIES_EXHAUSTED: Final = "RetriesExhausted"
EVENT_AGE_EXCEEDED: Final = "EventAgeExceeded"
LAMBDA_RETRY_DELAYS: Final = (60.0, 120.0)
# The same two waits, short enough for a test to see an event through all its attempts.
FAST_RETRY_DELAYS: Final = (0.5, 1.0)

log = logging.getLogger("local_runtime.async")


@dataclass
class QueuedEvent:
    request_id: str
    payload: bytes
    received_at: float  # monotonic seconds, for the event's age
    attempts: int = 0
    last_result: InvocationResult | None = None


@dataclass(frozen=True)
class Retry:
    delay_seconds: float


@dataclass(frozen=True)
class Discard:
    condition: str


def next_step(
    event: QueuedEvent, now: float, config: AsyncInvokeConfig, retry_delays: Sequence[float]
) -> Retry | Discard | None:
    """After a failed attempt: wait and retry, or give up (None: the event succeeded)."""
    if event.last_result is None or event.last_result.ok:
        return None
    if event.attempts > config.maximum_retry_attempts:
        return Discard(RETRIES_EXHAUSTED)
    delay = retry_delays[min(event.attempts - 1, len(retry_delays) - 1)] if retry_delays else 0.0
    if now + delay - event.received_at > config.maximum_event_age_seconds:
        return Discard(EVENT_AGE_EXCEEDED)
    return Retry(delay)


def async_failure_record(event: QueuedEvent, condition: str, function_arn: str) -> dict[str, Any]:
    """The document Lambda sends to an async on-failure destination."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": f"{function_arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": event.attempts,
        },
        "requestPayload": _as_json(event.payload),
    }
    if event.last_result is not None:
        record["responseContext"] = {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": event.last_result.function_error,
        }
        record["responsePayload"] = event.last_result.json()
    return record


def _as_json(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", errors="replace")


@dataclass(order=True)
class _Scheduled:
    due: float
    order: int
    event: QueuedEvent = field(compare=False)


class AsyncInvoker:
    """The event queue of one function, drained by `concurrency` threads."""

    def __init__(
        self,
        function_id: str,
        function_arn: str,
        config: AsyncInvokeConfig,
        invoke: Callable[[bytes, str], InvocationResult],
        on_failure: Callable[[dict[str, Any]], None] | None = None,
        *,
        retry_delays: Sequence[float] = LAMBDA_RETRY_DELAYS,
        concurrency: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.function_id = function_id
        self._function_arn = function_arn
        self._config = config
        self._invoke = invoke
        self._on_failure = on_failure
        self._retry_delays = tuple(retry_delays)
        self._clock = clock
        self._queue: list[_Scheduled] = []
        self._order = itertools.count()
        self._pending = 0  # queued or running events
        self.accepted = 0
        self._condition = threading.Condition()
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._drain, name=f"async-{function_id}-{n}", daemon=True)
            for n in range(max(1, concurrency))
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def submit(self, payload: bytes, request_id: str) -> None:
        event = QueuedEvent(request_id, payload, self._clock())
        with self._condition:
            self._pending += 1
            self.accepted += 1
            self._schedule(event, 0.0)

    @property
    def pending(self) -> int:
        """Events accepted and not yet through: queued, waiting for a retry, or running."""
        with self._condition:
            return self._pending

    def wait_idle(self, timeout: float) -> bool:
        """Waits until every accepted event has succeeded or been discarded."""
        with self._condition:
            return self._condition.wait_for(lambda: self._pending == 0, max(0.0, timeout))

    def request_stop(self) -> None:
        """Takes no more events off the queue; an attempt under way is neither retried nor discarded."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()

    def stop(self, timeout: float = 2.0) -> None:
        self.request_stop()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))

    def _schedule(self, event: QueuedEvent, delay: float) -> None:
        heapq.heappush(self._queue, _Scheduled(self._clock() + delay, next(self._order), event))
        self._condition.notify_all()

    def _next_due(self) -> QueuedEvent | None:
        with self._condition:
            while not self._stopping:
                if self._queue and self._queue[0].due <= self._clock():
                    return heapq.heappop(self._queue).event
                timeout = self._queue[0].due - self._clock() if self._queue else None
                self._condition.wait(timeout)
            return None

    def _drain(self) -> None:
        while (event := self._next_due()) is not None:
            self._attempt(event)

    def _attempt(self, event: QueuedEvent) -> None:
        if self._clock() - event.received_at > self._config.maximum_event_age_seconds:
            self._finish(event, Discard(EVENT_AGE_EXCEEDED))
            return
        try:
            event.last_result = self._invoke(event.payload, event.request_id)
        except PoolStoppedError:
            return  # stopping: the event stays pending
        event.attempts += 1
        if self._stopping:
            return
        step = next_step(event, self._clock(), self._config, self._retry_delays)
        if isinstance(step, Retry):
            log.info(
                "%s  req=%s  attempt %d failed (%s): retry in %.1f s",
                self.function_id,
                event.request_id[:8],
                event.attempts,
                event.last_result.error_summary(),
                step.delay_seconds,
            )
            with self._condition:
                self._schedule(event, step.delay_seconds)
            return
        self._finish(event, step)

    def _finish(self, event: QueuedEvent, step: Discard | None) -> None:
        try:
            if step is None:
                duration = event.last_result.duration_ms if event.last_result else 0.0
                log.info(
                    "%s  req=%s  attempt %d ok  %.0f ms",
                    self.function_id,
                    event.request_id[:8],
                    event.attempts,
                    duration,
                )
            else:
                self._discard(event, step.condition)
        finally:
            with self._condition:
                self._pending -= 1
                self._condition.notify_all()

    def _discard(self, event: QueuedEvent, condition: str) -> None:
        summary = event.last_result.error_summary() if event.last_result else "never ran"
        if self._on_failure is None:
            log.warning(
                "%s  req=%s  dropped (%s; %s)", self.function_id, event.request_id[:8], condition, summary
            )
            return
        log.warning(
            "%s  req=%s  %s after %d attempts (%s): sent to on-failure destination",
            self.function_id,
            event.request_id[:8],
            condition,
            event.attempts,
            summary,
        )
        try:
            self._on_failure(async_failure_record(event, condition, self._function_arn))
        except Exception:
            log.exception("%s  could not send to the on-failure destination", self.function_id)
