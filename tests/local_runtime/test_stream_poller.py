"""The stream poller's thread outlives an unexpected error: it logs it, backs off and reads on,
and the records it had in hand are delivered, not skipped. With a fake DynamoDB Streams client."""

import json
import logging
import threading
import time
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest

from local_runtime.config import RuntimeConfig
from local_runtime.lambda_.invocation import InvocationResult
from local_runtime.streams.poller import PollerSettings, StreamPoller
from local_runtime.template import StreamSource

STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/ThingsTable/stream/2030-01-01T00:00:00.000"
FAST = PollerSettings(
    poll_interval_seconds=0.01,
    retry_delay_seconds=0.01,
    error_backoff_seconds=0.05,
    max_error_backoff_seconds=0.1,
)
SOURCE = StreamSource(
    function_id="ProbeFunction",
    event_id="ThingChanges",
    table_id="ThingsTable",
    starting_position="TRIM_HORIZON",
    batch_size=10,
    batching_window_seconds=0,
    bisect_on_error=False,
    maximum_retry_attempts=-1,
    maximum_record_age_seconds=-1,
    report_batch_item_failures=True,
    filter_patterns=(),
    on_failure_queue_id=None,
)


def stream_record(sequence: str) -> dict[str, Any]:
    """A record as GetRecords sends it (and the runtime's streams client returns it)."""
    return {
        "eventID": f"event-{sequence}",
        "eventName": "INSERT",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime.now(UTC).timestamp(),
            "Keys": {"thing_id": {"S": sequence}},
            "NewImage": {"thing_id": {"S": sequence}},
            "SequenceNumber": sequence,
            "SizeBytes": 10,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


class FakeStreams:
    """One open shard holding two records; `fail_on` names a call that raises once."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.records = [stream_record("100"), stream_record("200")]
        self._fail_on = fail_on
        self.calls: list[str] = []

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if name == self._fail_on:
            self._fail_on = None
            raise RuntimeError(f"{name} broke")

    def describe_stream(self, **_: Any) -> dict[str, Any]:
        self._call("describe_stream")
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]:
        self._call("get_shard_iterator")
        after = kwargs.get("SequenceNumber")
        return {"ShardIterator": after or "start"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:  # noqa: N803 - boto3's names
        self._call("get_records")
        start = "0" if ShardIterator == "start" else ShardIterator
        unread = [r for r in self.records if r["dynamodb"]["SequenceNumber"] > start][:Limit]
        last = unread[-1]["dynamodb"]["SequenceNumber"] if unread else start
        return {"Records": unread, "NextShardIterator": last}


class Function:
    """Takes batches; `fail_first` makes its first invocation raise (a bug in the runtime's glue)."""

    def __init__(self, *, fail_first: bool = False) -> None:
        self.batches: list[list[str]] = []
        self._fail_first = fail_first
        self.two_records = threading.Event()

    def __call__(self, event: dict[str, Any]) -> InvocationResult:
        if self._fail_first:
            self._fail_first = False
            raise ValueError("unexpected")
        self.batches.append([r["dynamodb"]["SequenceNumber"] for r in event["Records"]])
        if sum(map(len, self.batches)) >= 2:
            self.two_records.set()
        return InvocationResult(json.dumps({"batchItemFailures": []}).encode())


def run_poller(streams: FakeStreams, function: Function, settings: PollerSettings = FAST) -> StreamPoller:
    poller = StreamPoller(
        SOURCE,
        stream_arn=STREAM_ARN,
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:ProbeFunction",
        streams=streams,  # type: ignore[arg-type]
        invoke=function,
        send_to_destination=None,
        settings=settings,
    )
    poller.start()
    return poller


@pytest.mark.parametrize("fail_on", ["describe_stream", "get_shard_iterator", "get_records"])
def test_a_streams_call_that_raises_once_is_logged_and_polling_goes_on(fail_on, caplog):
    """invocation-eventsourcemapping (Lambda developer guide): event pollers keep polling and
    "process each event at least once"; an error of the poller's own delays records, it neither
    stops the mapping nor skips them."""
    streams, function = FakeStreams(fail_on=fail_on), Function()
    with caplog.at_level(logging.ERROR, logger="local_runtime.stream"):
        poller = run_poller(streams, function)
        try:
            assert function.two_records.wait(5.0)
        finally:
            poller.stop()

    assert [n for batch in function.batches for n in batch] == ["100", "200"]
    (logged,) = [r for r in caplog.records if "polling failed unexpectedly" in r.getMessage()]
    assert logged.exc_info is not None
    assert f"{fail_on} broke" in str(logged.exc_info[1])


def test_a_batch_whose_invocation_raised_is_delivered_again_not_skipped(caplog):
    """invocation-eventsourcemapping (Lambda developer guide): each event at least once; the
    batch in hand when the error struck is the next one delivered, whole and in order."""
    streams, function = FakeStreams(), Function(fail_first=True)
    with caplog.at_level(logging.ERROR, logger="local_runtime.stream"):
        poller = run_poller(streams, function)
        try:
            assert function.two_records.wait(5.0)
        finally:
            poller.stop()

    assert function.batches[0] == ["100", "200"]
    assert any("polling failed unexpectedly" in r.getMessage() for r in caplog.records)


class TimedStreams(FakeStreams):
    """Notes when each GetRecords came, and whether it found records."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[float, bool]] = []
        self.idle_reads = threading.Event()

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:  # noqa: N803 - boto3's names
        answer = super().get_records(ShardIterator=ShardIterator, Limit=Limit)
        self.reads.append((time.monotonic(), bool(answer["Records"])))
        if sum(1 for _, found in self.reads if not found) >= 4:
            self.idle_reads.set()
        return answer


def test_an_idle_shard_is_read_at_lambdas_base_rate_of_four_times_a_second():
    """with-ddb (Lambda developer guide), "Polling and batching streams": "Lambda polls shards in
    your DynamoDB stream for records at a base rate of 4 times per second". The runtime's default
    settings, so an idle stream costs the embedded AWS no more reads than it would cost in AWS."""
    streams, function = TimedStreams(), Function()
    poller = run_poller(streams, function, PollerSettings())
    try:
        assert function.two_records.wait(10.0)
        assert streams.idle_reads.wait(10.0)
    finally:
        poller.stop()

    assert RuntimeConfig().stream_poll_interval == PollerSettings().poll_interval_seconds == 0.25
    idle = [at for at, found in streams.reads if not found]
    # A wait is at least its interval; a loaded machine only makes it longer.
    assert all(later - earlier >= 0.25 - 0.01 for earlier, later in pairwise(idle))


class BackloggedStreams(TimedStreams):
    """A shard holding 25 records: with the source's batch size of 10, two full reads and a part."""

    def __init__(self) -> None:
        super().__init__()
        self.records = [stream_record(f"{n:03d}") for n in range(100, 125)]
        self.read_sizes: list[int] = []
        self.all_read = threading.Event()

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:  # noqa: N803 - boto3's names
        answer = super().get_records(ShardIterator=ShardIterator, Limit=Limit)
        self.read_sizes.append(len(answer["Records"]))
        if sum(self.read_sizes) == len(self.records):
            self.all_read.set()
        return answer


def test_a_full_read_is_followed_at_once_and_a_partial_one_after_the_base_interval():
    """A read that filled its limit leaves more waiting, so the shard is read again without the
    wait; one that did not has drained the shard, and the next read keeps the base rate instead of
    asking the embedded AWS again for the few records written meanwhile."""
    streams, function = BackloggedStreams(), Function()
    # An interval far longer than the wait below: the backlog is read through only if full reads
    # are followed without it.
    poller = run_poller(streams, function, PollerSettings(poll_interval_seconds=30.0))
    try:
        assert streams.all_read.wait(20.0)
        poller.request_stop()
    finally:
        poller.stop()

    assert streams.read_sizes[:3] == [10, 10, 5]
    assert len(streams.read_sizes) == 3  # the partial read was not followed by another one


def test_after_a_read_that_found_records_but_not_a_full_page_the_next_read_waits():
    streams, function = TimedStreams(), Function()  # two records, under the batch size of 10
    poller = run_poller(streams, function, PollerSettings())
    try:
        assert streams.idle_reads.wait(10.0)
    finally:
        poller.stop()

    (first, found), (second, _) = streams.reads[:2]
    assert found
    assert second - first >= 0.25 - 0.01
