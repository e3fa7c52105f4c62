"""ParallelizationFactor on a stream mapping, with a fake DynamoDB Streams client and a fake
function: a shard's records go to concurrent consumers by partition key, and each key's records
are taken through in stream order, one batch at a time.

"Using AWS Lambda with Amazon DynamoDB", concurrent reading of a shard
(https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html): Lambda can process up to 10
batches of each shard at once, and "still ensures in-order processing at the partition-key
level". Nothing here is timed: concurrency is shown with a barrier, order with sequence numbers.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from local_runtime.emulated import stream_differences
from local_runtime.lambda_.invocation import InvocationResult
from local_runtime.streams.parallelization import consumer_index
from local_runtime.streams.poller import PollerSettings, StreamPoller
from local_runtime.template import StreamSource

STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/InterviewsTable/stream/2030-01-01T00:00:00.000"
FAST = PollerSettings(
    poll_interval_seconds=0.01,
    retry_delay_seconds=0.01,
    error_backoff_seconds=0.05,
    max_error_backoff_seconds=0.1,
)
SOURCE = StreamSource(
    function_id="CreateSessionFunction",
    event_id="InterviewChanges",
    table_id="InterviewsTable",
    starting_position="TRIM_HORIZON",
    batch_size=2,
    batching_window_seconds=0,
    bisect_on_error=False,
    maximum_retry_attempts=1,
    maximum_record_age_seconds=-1,
    report_batch_item_failures=True,
    filter_patterns=(),
    on_failure_queue_id="SessionFailuresQueue",
    parallelization_factor=2,
    partition_key="interview_id",
)
WAIT_SECONDS = 10.0  # a bound on a test that fails, never a measure of one that passes


def keys(event: dict[str, Any]) -> str:
    return str(event["dynamodb"]["Keys"]["interview_id"]["S"])


def ids_on_each_consumer(per_consumer: int, factor: int = 2) -> list[list[str]]:
    """Interview ids whose records go to each consumer, `per_consumer` of each."""
    found: list[list[str]] = [[] for _ in range(factor)]
    n = 0
    while any(len(ids) < per_consumer for ids in found):
        interview_id = f"interview-{n}"
        event = {"dynamodb": {"Keys": {"interview_id": {"S": interview_id}}}}
        index = consumer_index(event, "interview_id", factor)
        if len(found[index]) < per_consumer:
            found[index].append(interview_id)
        n += 1
    return found


def stream_record(sequence: int, interview_id: str, revision: int) -> dict[str, Any]:
    """A record as GetRecords sends it (and the runtime's streams client returns it)."""
    key = {"interview_id": {"S": interview_id}}
    return {
        "eventID": f"event-{sequence}",
        "eventName": "MODIFY" if revision else "INSERT",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime.now(UTC).timestamp(),
            "Keys": key,
            "NewImage": {**key, "revision": {"N": str(revision)}},
            "SequenceNumber": f"{sequence:09d}",
            "SizeBytes": 10,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


class FakeStreams:
    """One open shard holding the given records, in order."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    def describe_stream(self, **_: Any) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]:
        return {"ShardIterator": kwargs.get("SequenceNumber") or "start"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:  # noqa: N803 - boto3's names
        start = "" if ShardIterator == "start" else ShardIterator
        unread = [r for r in self.records if r["dynamodb"]["SequenceNumber"] > start][:Limit]
        last = unread[-1]["dynamodb"]["SequenceNumber"] if unread else start
        return {"Records": unread, "NextShardIterator": last or "start"}


def interleaved(ids: list[str], revisions: int) -> list[dict[str, Any]]:
    """Each interview changed `revisions` times, the changes of all of them interleaved."""
    records, sequence = [], 0
    for revision in range(revisions):
        for interview_id in ids:
            sequence += 1
            records.append(stream_record(sequence, interview_id, revision))
    return records


class Function:
    """Records every invocation; fails the records `fails(record)` names; notes overlaps."""

    def __init__(self, expected: int, fails: Any = None, before: Any = None, after: Any = None) -> None:
        self.handled: dict[str, list[str]] = defaultdict(list)  # interview id -> sequence numbers
        self.calls: list[list[str]] = []
        self.overlaps: list[str] = []  # ids that were in two invocations at once
        self.max_concurrent = 0
        self._in_flight: dict[str, int] = defaultdict(int)
        self._running = 0
        self._lock = threading.Lock()
        self._expected = expected
        self._fails = fails or (lambda record: False)
        self._before = before or (lambda records: None)
        self._after = after or (lambda handled: None)
        self.done = threading.Event()

    def __call__(self, event: dict[str, Any]) -> InvocationResult:
        records = event["Records"]
        ids = {keys(r) for r in records}
        with self._lock:
            self.calls.append([r["dynamodb"]["SequenceNumber"] for r in records])
            self.overlaps += [i for i in ids if self._in_flight[i]]
            for i in ids:
                self._in_flight[i] += 1
            self._running += 1
            self.max_concurrent = max(self.max_concurrent, self._running)
        try:
            self._before(records)
            failed = [r for r in records if self._fails(r)]
            with self._lock:
                for record in records:
                    if record in failed:
                        break  # Lambda retries from the first failure: the rest are not done
                    self.handled[keys(record)].append(record["dynamodb"]["SequenceNumber"])
                self._after(self.handled)
                if sum(map(len, self.handled.values())) >= self._expected:
                    self.done.set()
            report = [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in failed]
            return InvocationResult(json.dumps({"batchItemFailures": report}).encode())
        finally:
            with self._lock:
                self._running -= 1
                for i in ids:
                    self._in_flight[i] -= 1


def run(streams: FakeStreams, function: Function, destination: list[dict[str, Any]] | None = None) -> None:
    poller = StreamPoller(
        SOURCE,
        stream_arn=STREAM_ARN,
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:CreateSessionFunction",
        streams=streams,  # type: ignore[arg-type]
        invoke=function,
        send_to_destination=None if destination is None else destination.append,
        settings=FAST,
    )
    poller.start()
    try:
        assert function.done.wait(WAIT_SECONDS)
        assert poller.wait_caught_up(WAIT_SECONDS)
    finally:
        poller.stop()


def test_each_interview_in_stream_order_never_in_two_batches_at_once_and_ids_spread_over_consumers():
    """with-ddb.html: up to ParallelizationFactor batches of a shard at once, in order per key.
    The first batch of each consumer waits at a barrier for the other's: the barrier opens only
    if two batches of the shard are under way together."""
    first, second = ids_on_each_consumer(3)
    ids = [i for pair in zip(first, second, strict=True) for i in pair]
    records = interleaved(ids, revisions=4)
    barrier = threading.Barrier(2, timeout=WAIT_SECONDS)
    met: list[bool] = []

    def meet_once(batch: list[dict[str, Any]]) -> None:
        if len(met) < 2:
            met.append(True)
            barrier.wait()

    function = Function(expected=len(records), before=meet_once)
    run(FakeStreams(records), function)

    assert function.max_concurrent == 2
    assert function.overlaps == []
    by_sequence = {r["dynamodb"]["SequenceNumber"]: keys(r) for r in records}
    for interview_id in ids:
        expected = [sequence for sequence, owner in by_sequence.items() if owner == interview_id]
        assert function.handled[interview_id] == expected  # each once, in stream order
    # No batch mixes the two consumers' ids.
    for call in function.calls:
        assert len({i in first for i in (by_sequence[s] for s in call)}) == 1


def test_a_failing_record_holds_up_its_own_key_range_only_then_goes_to_the_on_failure_destination():
    """with-ddb.html (error handling): a failed record is retried until MaximumRetryAttempts, then
    it goes to the on-failure destination and its key range moves on. With two consumers, the
    other consumer's records all get through while the failing one is still being retried: its
    retry waits until they have."""
    blocked, free = ids_on_each_consumer(2)
    ids = [blocked[0], free[0], blocked[1], free[1]]
    records = interleaved(ids, revisions=3)
    # The second of its consumer's first batch, so the retry and the discard hold it alone.
    bad = next(r["dynamodb"]["SequenceNumber"] for r in records if keys(r) == blocked[1])
    free_count = sum(keys(r) in free for r in records)
    free_done = threading.Event()
    retries_saw_free_done: list[bool] = []
    attempts_of_bad = 0

    def sequence(record: dict[str, Any]) -> str:
        return str(record["dynamodb"]["SequenceNumber"])

    def before(batch: list[dict[str, Any]]) -> None:
        nonlocal attempts_of_bad
        if any(sequence(r) == bad for r in batch):
            attempts_of_bad += 1
            if attempts_of_bad > 1:
                retries_saw_free_done.append(free_done.wait(WAIT_SECONDS))

    def after(handled: dict[str, list[str]]) -> None:
        if sum(len(handled[i]) for i in free) == free_count:
            free_done.set()

    destination: list[dict[str, Any]] = []
    function = Function(
        expected=len(records) - 1, fails=lambda r: sequence(r) == bad, before=before, after=after
    )
    run(FakeStreams(records), function, destination)

    assert attempts_of_bad == 2  # once, then MaximumRetryAttempts (1) more
    assert retries_saw_free_done == [True]
    (discarded,) = destination
    assert discarded["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert discarded["DDBStreamBatchInfo"]["startSequenceNumber"] == bad
    assert discarded["DDBStreamBatchInfo"]["batchSize"] == 1
    # Everything else once each, in stream order: the bad interview's later changes too.
    for interview_id in ids:
        expected = [sequence(r) for r in records if keys(r) == interview_id and sequence(r) != bad]
        assert function.handled[interview_id] == expected
    assert function.overlaps == []


def test_the_factor_comes_from_the_template_parameter_and_the_runtime_says_how_it_splits(stack_template):
    def create_session_source(parameters=None):
        (found,) = [
            s for s in stack_template.stream_sources(parameters) if s.function_id == "CreateSessionFunction"
        ]
        return found

    source = create_session_source()
    assert source.parallelization_factor == 2  # StreamParallelization's default
    assert source.partition_key == "interview_id"
    three = create_session_source({"StreamParallelization": "3"})
    assert three.parallelization_factor == 3
    (line,) = stream_differences([source])
    assert "ParallelizationFactor 2" in line and "interview_id" in line
    assert stream_differences([dataclasses.replace(source, parallelization_factor=1)]) == []
