"""Stopping on Ctrl-C without losing accepted work: once the HTTP API takes no new request, the
requests under way are answered, then the stream mappings and async queues are taken through
until a round starts nothing new, all within a bound; whatever is left is named on exit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

# Lambda itself keeps going; locally, Ctrl-C waits this long before it gives up on the rest.
DEFAULT_DRAIN_SECONDS = 30.0


class _Gateway(Protocol):
    def wait_idle(self, timeout: float) -> bool: ...


class _Mapping(Protocol):
    @property
    def batches_handled(self) -> int: ...

    def wait_caught_up(self, timeout: float) -> bool: ...


class EventQueue(Protocol):
    accepted: int

    def wait_idle(self, timeout: float) -> bool: ...


@dataclass(frozen=True)
class PendingWork:
    """What was accepted and not finished when the runtime stopped."""

    http_requests: int
    stream_records: Mapping[str, int]  # by mapping ("InterviewsTable → CreateSessionFunction")
    async_events: Mapping[str, int]  # by function

    @property
    def empty(self) -> bool:
        return not (
            self.http_requests or any(self.stream_records.values()) or any(self.async_events.values())
        )

    def describe(self) -> str:
        if self.empty:
            return "nothing was left pending"
        parts = [f"HTTP API: {self.http_requests} request(s) unanswered"] if self.http_requests else []
        parts += [f"{label}: {n} stream record(s)" for label, n in self.stream_records.items() if n]
        parts += [f"{function}: {n} async event(s)" for function, n in self.async_events.items() if n]
        return "still pending on exit: " + "; ".join(parts)


def drain(
    gateway: _Gateway,
    mappings: Sequence[_Mapping],
    queues: Sequence[EventQueue],
    deadline: float,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Finishes accepted work until `deadline` (on `clock`); True if it all finished in time.

    A function run from a stream can invoke another asynchronously, which can write to a
    streamed table again, so the mappings and queues are waited on in rounds until a round in
    which no batch was handled and no event accepted.
    """

    def remaining() -> float:
        return deadline - clock()

    if not gateway.wait_idle(remaining()):
        return False
    while True:
        before = _progress(mappings, queues)
        if not all(mapping.wait_caught_up(remaining()) for mapping in mappings):
            return False
        if not all(queue.wait_idle(remaining()) for queue in queues):
            return False
        if _progress(mappings, queues) == before:
            return True


def _progress(mappings: Sequence[_Mapping], queues: Sequence[EventQueue]) -> tuple[int, int]:
    return sum(m.batches_handled for m in mappings), sum(q.accepted for q in queues)
