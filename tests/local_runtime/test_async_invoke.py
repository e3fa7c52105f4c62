"""Asynchronous invocation: Lambda's retries and the on-failure destination, with fake functions."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from local_runtime.__main__ import parse_args
from local_runtime.config import RuntimeConfig
from local_runtime.lambda_.async_invoke import (
    EVENT_AGE_EXCEEDED,
    FAST_RETRY_DELAYS,
    LAMBDA_RETRY_DELAYS,
    RETRIES_EXHAUSTED,
    AsyncInvoker,
    Discard,
    QueuedEvent,
    Retry,
    async_failure_record,
    next_step,
)
from local_runtime.lambda_.invocation import InvocationResult, error_result
from local_runtime.template import AsyncInvokeConfig

ARN = "arn:aws:lambda:us-east-1:123456789012:function:SendEmailFunction"
OK = InvocationResult(b'{"sent": true}')
FAILED = error_result("ValueError", "boom")


class FakeFunction:
    def __init__(self, answer: Callable[[int], InvocationResult]) -> None:
        self.answer = answer
        self.calls: list[tuple[bytes, str]] = []

    def __call__(self, payload: bytes, request_id: str) -> InvocationResult:
        self.calls.append((payload, request_id))
        return self.answer(len(self.calls))


def run_events(function: FakeFunction, config: AsyncInvokeConfig, *payloads: bytes) -> list[dict[str, Any]]:
    destination: list[dict[str, Any]] = []
    invoker = AsyncInvoker(
        "SendEmailFunction", ARN, config, function, destination.append, retry_delays=(0.0, 0.0), concurrency=2
    )
    invoker.start()
    try:
        for number, payload in enumerate(payloads):
            invoker.submit(payload, f"req-{number}")
        assert invoker.wait_idle(timeout=10)
    finally:
        invoker.stop()
    return destination


class TestNextStep:
    config = AsyncInvokeConfig(maximum_retry_attempts=2, maximum_event_age_seconds=600)

    def event(self, attempts: int, result: InvocationResult, received_at: float = 0.0) -> QueuedEvent:
        return QueuedEvent("r", b"{}", received_at, attempts, result)

    def test_success_needs_nothing_more(self):
        assert next_step(self.event(1, OK), 0.0, self.config, (60, 120)) is None

    def test_failures_are_retried_after_lambdas_delays(self):
        assert next_step(self.event(1, FAILED), 0.0, self.config, (60, 120)) == Retry(60)
        assert next_step(self.event(2, FAILED), 0.0, self.config, (60, 120)) == Retry(120)

    def test_retries_run_out(self):
        assert next_step(self.event(3, FAILED), 0.0, self.config, (60, 120)) == Discard(RETRIES_EXHAUSTED)

    def test_an_event_that_would_be_too_old_at_its_retry_is_discarded(self):
        assert next_step(self.event(1, FAILED), 590.0, self.config, (60, 120)) == Discard(EVENT_AGE_EXCEEDED)


def test_successful_event_runs_once_and_sends_nothing():
    function = FakeFunction(lambda call: OK)
    assert run_events(function, AsyncInvokeConfig(), b'{"n": 1}') == []
    assert function.calls == [(b'{"n": 1}', "req-0")]


def test_event_that_succeeds_on_retry_is_not_sent_to_the_destination():
    function = FakeFunction(lambda call: FAILED if call == 1 else OK)
    assert run_events(function, AsyncInvokeConfig(maximum_retry_attempts=2), b"{}") == []
    assert len(function.calls) == 2


def test_failing_event_goes_to_the_destination_after_its_retries():
    function = FakeFunction(lambda call: FAILED)
    config = AsyncInvokeConfig(maximum_retry_attempts=2, on_failure_queue_id="EmailFailuresQueue")
    destination = run_events(function, config, b'{"session": "s-1"}')

    assert len(function.calls) == 3
    assert {request_id for _, request_id in function.calls} == {"req-0"}
    (record,) = destination
    assert record["version"] == "1.0"
    assert record["requestContext"] == {
        "requestId": "req-0",
        "functionArn": f"{ARN}:$LATEST",
        "condition": RETRIES_EXHAUSTED,
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == {"session": "s-1"}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"] == {"errorMessage": "boom", "errorType": "ValueError"}
    json.dumps(record)


def test_no_retries_configured_means_one_attempt():
    function = FakeFunction(lambda call: FAILED)
    destination = run_events(function, AsyncInvokeConfig(maximum_retry_attempts=0), b"{}", b"{}")
    assert len(function.calls) == 2
    assert [r["requestContext"]["approximateInvokeCount"] for r in destination] == [1, 1]


def test_event_older_than_its_maximum_age_is_discarded_unrun():
    clock = iter([0.0, 0.0, 1000.0, 1000.0, 1000.0])
    function = FakeFunction(lambda call: OK)
    destination: list[dict[str, Any]] = []
    invoker = AsyncInvoker(
        "F",
        ARN,
        AsyncInvokeConfig(maximum_event_age_seconds=60),
        function,
        destination.append,
        clock=lambda: next(clock, 1000.0),
    )
    invoker.submit(b"{}", "old")  # accepted at 0, first looked at 1000 s later
    invoker.start()
    try:
        assert invoker.wait_idle(timeout=10)
    finally:
        invoker.stop()
    assert function.calls == []
    assert [
        (r["requestContext"]["condition"], r["requestContext"]["approximateInvokeCount"]) for r in destination
    ] == [(EVENT_AGE_EXCEEDED, 0)]
    assert "responseContext" not in destination[0]


@pytest.mark.parametrize("payload", [b"not json", b'"text"'])
def test_failure_record_keeps_any_payload(payload):
    event = QueuedEvent("r", payload, 0.0, 1, FAILED)
    record = async_failure_record(event, RETRIES_EXHAUSTED, ARN)
    assert record["requestPayload"] in ("not json", "text")


def test_the_runtime_waits_as_lambda_does_unless_told_to_hurry():
    """invocation-async-error-handling (Lambda developer guide): "a one-minute wait between the
    first two attempts, and two minutes between the second and third attempts"; `--fast-retries`
    keeps the two waits but makes them short, for tests and benchmarks."""
    assert LAMBDA_RETRY_DELAYS == (60.0, 120.0)
    assert RuntimeConfig().async_retry_delays == LAMBDA_RETRY_DELAYS
    assert parse_args([]).async_retry_delays == LAMBDA_RETRY_DELAYS
    assert parse_args(["--fast-retries"]).async_retry_delays == FAST_RETRY_DELAYS
    assert len(FAST_RETRY_DELAYS) == len(LAMBDA_RETRY_DELAYS)


def test_a_failed_event_is_not_retried_before_lambdas_first_minute():
    """invocation-async-error-handling (Lambda developer guide): the first retry comes about a
    minute after the failed attempt, so a second later the event is still waiting, not retried."""
    function = FakeFunction(lambda call: FAILED)
    invoker = AsyncInvoker("SendEmailFunction", ARN, AsyncInvokeConfig(), function)
    invoker.start()
    try:
        invoker.submit(b"{}", "req-0")
        assert not invoker.wait_idle(timeout=1.5)
        assert len(function.calls) == 1
        assert invoker.pending == 1
    finally:
        invoker.stop()
