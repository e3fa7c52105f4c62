"""An event source mapping for a DynamoDB stream: reads the shards through the DynamoDB Streams
API and takes each batch through the function (`batches` decides retries and discards).

One reader per mapping reads each shard in order and hands every record to one of the shard's
consumers, ParallelizationFactor of them, by its partition key (`parallelization`). Each
consumer takes its own records through the function one batch at a time, in stream order, and
does not move past a batch until every record in it has succeeded or been discarded: a failing
batch holds up its own key range only, and no key is ever in two batches at once. A child shard
is read once its parent has been read to its end and every consumer of the parent is done.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from local_runtime.lambda_.function_pool import PoolStoppedError
from local_runtime.lambda_.invocation import InvocationResult
from local_runtime.streams.batches import (
    DiscardedBatch,
    ShardBatchProcessor,
    StreamRetryPolicy,
    stream_failure_record,
)
from local_runtime.streams.event_filter import matches_any
from local_runtime.streams.parallelization import HELD_BATCHES_PER_CONSUMER, consumer_index
from local_runtime.streams.records import PolledRecord, polled_record
from local_runtime.template import StreamSource

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("local_runtime.stream")

# How often the shard list is read again, to find new or closed shards.
SHARD_REFRESH_SECONDS = 5.0
# GetRecords returns at most this many records.
GET_RECORDS_LIMIT = 1000
# "Lambda polls shards in your DynamoDB stream for records at a base rate of 4 times per second"
# (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html, "Polling and batching streams"); a
# shard whose read came back full is read again at once, as more is waiting. Polling faster only
# costs the embedded AWS reads: reading again after every read that found records made 1,348 to
# 2,382 of a 500-booking run's 10,700 to 12,900 requests GetRecords, each returning a few records.
POLL_INTERVAL_SECONDS = 0.25


@dataclass(frozen=True)
class PollerSettings:
    poll_interval_seconds: float = POLL_INTERVAL_SECONDS
    retry_delay_seconds: float = 0.2
    # After a polling pass that failed, the wait before the next: doubled each time, up to the
    # maximum, and back to the first once a pass gets through.
    error_backoff_seconds: float = 1.0
    max_error_backoff_seconds: float = 30.0
    held_batches_per_consumer: int = HELD_BATCHES_PER_CONSUMER


class _Consumer:
    """One of a shard's concurrent consumers: its key range's records, one batch at a time."""

    def __init__(self, poller: StreamPoller, shard_id: str, index: int) -> None:
        self._poller = poller
        self.shard_id = shard_id
        self.index = index
        self._records: deque[PolledRecord] = deque()
        self._filling_since: float | None = None  # when the records waiting began to gather
        self._in_flight = 0  # records of the batch being taken through
        self._changed = threading.Condition()
        self.batches_handled = 0
        factor = poller.source.parallelization_factor
        name = f"stream-{poller.source.function_id}" + (f"-{index + 1}" if factor > 1 else "")
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def label(self) -> str:
        factor = self._poller.source.parallelization_factor
        return f"consumer {self.index + 1} of {factor}" if factor > 1 else ""

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def add(self, records: Sequence[PolledRecord]) -> None:
        with self._changed:
            if not self._records:
                self._filling_since = time.monotonic()
            self._records.extend(records)
            self._changed.notify_all()

    @property
    def held(self) -> int:
        """Records given to this consumer and not yet through the function."""
        with self._changed:
            return len(self._records) + self._in_flight

    def unhandled(self) -> list[PolledRecord]:
        with self._changed:
            return list(self._records)

    def _run(self) -> None:
        poller = self._poller
        backoff = poller.settings.error_backoff_seconds
        while not poller.stopping:
            batch = self._take_batch()
            if not batch:
                continue
            through = False
            try:
                through = poller.handle_batch(self, batch)
                backoff = poller.settings.error_backoff_seconds
            except PoolStoppedError:
                # The runtime is stopping: the batch stays, counted in the backlog.
                poller.wait(poller.settings.poll_interval_seconds)
            except Exception:
                # A bug or a surprise must not end the consumer: its key range would stop being
                # taken through for the rest of the run, silently. Say so, wait, and go on.
                if not poller.stopping:
                    log.exception("%s  polling failed unexpectedly; retrying in %g s", poller.label, backoff)
                    poller.wait(backoff)
                    backoff = min(backoff * 2, poller.settings.max_error_backoff_seconds)
            finally:
                self._finish(batch, through)

    def _take_batch(self) -> list[PolledRecord]:
        """Up to BatchSize records, waiting at most MaximumBatchingWindowInSeconds to fill up."""
        poller = self._poller
        size, window = poller.source.batch_size, poller.source.batching_window_seconds
        with self._changed:
            while not self._records and not poller.stopping:
                self._changed.wait(poller.settings.poll_interval_seconds)
            while len(self._records) < size and window > 0 and not poller.stopping:
                remaining = (self._filling_since or 0.0) + window - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            if poller.stopping:
                return []
            batch = [self._records.popleft() for _ in range(min(size, len(self._records)))]
            self._in_flight = len(batch)
            self._filling_since = time.monotonic() if self._records else None
            return batch

    def _finish(self, batch: list[PolledRecord], through: bool) -> None:
        with self._changed:
            if not through:
                # Taken through again (after the back-off, or after a restart's count): never skipped.
                self._records.extendleft(reversed(batch))
                self._filling_since = self._filling_since or time.monotonic()
            self._in_flight = 0
            self.batches_handled += 1 if through else 0
            self._changed.notify_all()
        self._poller.consumer_progressed()


@dataclass
class _Shard:
    shard_id: str
    parent_id: str | None
    iterator: str | None = None
    last_sequence: str | None = None
    closed: bool = False  # read to its end
    consumers: list[_Consumer] = field(default_factory=list)

    @property
    def done(self) -> bool:
        """Read to its end, and every record read is through its consumer."""
        return self.closed and all(consumer.held == 0 for consumer in self.consumers)


class StreamPoller:
    def __init__(
        self,
        source: StreamSource,
        *,
        stream_arn: str,
        function_arn: str,
        streams: DynamoDBStreamsClient,
        invoke: Callable[[dict[str, Any]], InvocationResult],
        send_to_destination: Callable[[dict[str, Any]], None] | None,
        settings: PollerSettings = PollerSettings(),
    ) -> None:
        self.source = source
        self.settings = settings
        self._stream_arn = stream_arn
        self._function_arn = function_arn
        self._streams = streams
        self._invoke = invoke
        self._send_to_destination = send_to_destination
        self._policy = StreamRetryPolicy.of(source)
        self._shards: dict[str, _Shard] = {}
        self._refreshed_at = 0.0
        self._stop = threading.Event()
        # Reading passes completed, and the last one that found nothing to read and nothing held.
        self._progress = threading.Condition()
        self._passes = 0
        self._last_idle_pass = 0
        self._thread = threading.Thread(target=self._run, name=f"stream-{source.function_id}", daemon=True)

    @property
    def label(self) -> str:
        return f"{self.source.table_id} → {self.source.function_id}"

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def batches_handled(self) -> int:
        return sum(c.batches_handled for shard in list(self._shards.values()) for c in shard.consumers)

    def wait(self, seconds: float) -> bool:
        """Waits `seconds`, less if stopping; True if stopping."""
        return self._stop.wait(seconds)

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()
        for consumer in self._consumers():
            consumer.wake()

    def stop(self, timeout: float = 3.0) -> None:
        self.request_stop()
        if self._thread.is_alive():
            self._thread.join(timeout)
        for consumer in self._consumers():
            consumer.join(timeout)

    def wait_caught_up(self, timeout: float) -> bool:
        """Waits for a reading pass that began after this call, found no record to read and
        found every consumer's records through the function."""
        with self._progress:
            began_after = self._passes + 1  # the pass under way may have begun before the call
            return self._progress.wait_for(lambda: self._last_idle_pass > began_after, max(0.0, timeout))

    def consumer_progressed(self) -> None:
        with self._progress:
            self._progress.notify_all()

    def backlog(self) -> int:
        """Records the mapping has not taken through the function (read once polling has stopped)."""
        self._refresh_shards()
        count = 0
        for shard in self._shards.values():
            for consumer in shard.consumers:
                count += sum(matches_any(self.source.filter_patterns, r.event) for r in consumer.unhandled())
            shard.iterator = None
            while not shard.closed:
                records = self._read(shard, GET_RECORDS_LIMIT)
                if not records:
                    break
                count += sum(matches_any(self.source.filter_patterns, r.event) for r in records)
        return count

    def _consumers(self) -> list[_Consumer]:
        return [consumer for shard in list(self._shards.values()) for consumer in shard.consumers]

    def _run(self) -> None:
        backoff = self.settings.error_backoff_seconds
        while not self._stop.is_set():
            idle = False
            try:
                read, more_waiting = self._poll_once()
                idle = not read and all(consumer.held == 0 for consumer in self._consumers())
                backoff = self.settings.error_backoff_seconds
            except (BotoCoreError, ClientError) as error:
                if self._stop.is_set():
                    return
                log.warning("%s  polling failed (%s); retrying in %g s", self.label, error, backoff)
                more_waiting = False
                backoff = self._back_off(backoff)
            except Exception:
                # A bug or a surprise must not end the mapping: the shard would stop being read
                # for the rest of the run, silently. Say what happened, wait, and read on.
                if self._stop.is_set():
                    return
                log.exception("%s  polling failed unexpectedly; retrying in %g s", self.label, backoff)
                more_waiting = False
                backoff = self._back_off(backoff)
            with self._progress:
                self._passes += 1
                if idle:
                    self._last_idle_pass = self._passes
                self._progress.notify_all()
            if not more_waiting:
                self._stop.wait(self.settings.poll_interval_seconds)

    def _back_off(self, seconds: float) -> float:
        """Waits `seconds` (less if stopping); returns the wait after the next failure."""
        self._stop.wait(seconds)
        return min(seconds * 2, self.settings.max_error_backoff_seconds)

    def _poll_once(self) -> tuple[bool, bool]:
        """Reads each readable shard once, handing the records to its consumers. Returns whether
        any were read, and whether a read came back full (more are waiting)."""
        if time.monotonic() - self._refreshed_at > SHARD_REFRESH_SECONDS or not self._shards:
            self._refresh_shards()
        read = full = False
        factor = self.source.parallelization_factor
        held_limit = self.settings.held_batches_per_consumer * self.source.batch_size
        for shard in list(self._shards.values()):
            if self._stop.is_set():
                break
            parent = self._shards.get(shard.parent_id or "")
            if shard.closed or (parent is not None and not parent.done):
                continue
            if not shard.consumers:
                shard.consumers = [_Consumer(self, shard.shard_id, i) for i in range(factor)]
                for consumer in shard.consumers:
                    consumer.start()
            if any(consumer.held >= held_limit for consumer in shard.consumers):
                continue  # read on once the consumers have caught up
            limit = min(GET_RECORDS_LIMIT, self.source.batch_size * factor)
            records = self._read(shard, limit)
            if not records:
                continue
            read, full = True, full or len(records) == limit
            shares: list[list[PolledRecord]] = [[] for _ in range(factor)]
            for record in records:
                shares[consumer_index(record.event, self.source.partition_key, factor)].append(record)
            for consumer, share in zip(shard.consumers, shares, strict=True):
                if share:
                    consumer.add(share)
        return read, full

    def _refresh_shards(self) -> None:
        description = self._streams.describe_stream(StreamArn=self._stream_arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            if shard["ShardId"] not in self._shards:
                self._shards[shard["ShardId"]] = _Shard(shard["ShardId"], shard.get("ParentShardId"))
        self._refreshed_at = time.monotonic()

    def _read(self, shard: _Shard, limit: int) -> list[PolledRecord]:
        if shard.iterator is None:
            shard.iterator = self._iterator(shard)
        try:
            response = self._streams.get_records(ShardIterator=shard.iterator, Limit=limit)
        except ClientError as error:
            # An expired or forgotten iterator: start again just after the last record read.
            log.debug("%s  shard iterator refused (%s); renewing", self.label, error)
            shard.iterator = None
            return []
        shard.iterator = response.get("NextShardIterator")
        if shard.iterator is None:
            shard.closed = True
        records = [polled_record(r, self._stream_arn) for r in response.get("Records", [])]
        if records:
            shard.last_sequence = records[-1].sequence_number
        return records

    def _iterator(self, shard: _Shard) -> str:
        if shard.last_sequence is not None:
            response = self._streams.get_shard_iterator(
                StreamArn=self._stream_arn,
                ShardId=shard.shard_id,
                ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                SequenceNumber=shard.last_sequence,
            )
        else:
            response = self._streams.get_shard_iterator(
                StreamArn=self._stream_arn,
                ShardId=shard.shard_id,
                ShardIteratorType=self.source.starting_position,  # type: ignore[arg-type]
            )
        return response["ShardIterator"]

    def handle_batch(self, consumer: _Consumer, batch: list[PolledRecord]) -> bool:
        """Takes a consumer's batch through the function; False if abandoned because stopping."""
        selected = [r for r in batch if matches_any(self.source.filter_patterns, r.event)]
        if not selected:
            log.debug("%s  %d records filtered out", self.label, len(batch))
            return True
        processor = ShardBatchProcessor(
            self._policy,
            invoke=lambda records: self._invoke_batch(consumer, records),
            discard=lambda discarded: self._discard(consumer.shard_id, discarded),
            before_retry=lambda: not self._stop.wait(self.settings.retry_delay_seconds),
        )
        return processor.process(selected)

    def _invoke_batch(self, consumer: _Consumer, records: Sequence[PolledRecord]) -> InvocationResult:
        result = self._invoke({"Records": [r.event for r in records]})
        names = ",".join(sorted({str(r.event["eventName"]) for r in records}))
        span = records[0].sequence_number[-6:] + (
            f"…{records[-1].sequence_number[-6:]}" if len(records) > 1 else ""
        )
        outcome = "ok" if result.ok else f"failed ({result.error_summary()})"
        if result.ok and self._policy.report_batch_item_failures:
            reported = result.json()
            failures = reported.get("batchItemFailures") if isinstance(reported, dict) else None
            if failures:
                outcome = f"partial ({len(failures)} failed)"
        log.info(
            "%s  %d record%s [%s] seq %s%s  %s  %.0f ms",
            self.label,
            len(records),
            "" if len(records) == 1 else "s",
            names,
            span,
            f"  {consumer.label}" if consumer.label else "",
            outcome,
            result.duration_ms,
        )
        return result

    def _discard(self, shard_id: str, discarded: DiscardedBatch) -> None:
        count = len(discarded.records)
        if self._send_to_destination is None:
            log.warning("%s  %d record(s) dropped: %s", self.label, count, discarded.condition)
            return
        record = stream_failure_record(
            discarded, function_arn=self._function_arn, shard_id=shard_id, stream_arn=self._stream_arn
        )
        log.warning(
            "%s  %d record(s) discarded (%s) to %s",
            self.label,
            count,
            discarded.condition,
            self.source.on_failure_queue_id,
        )
        try:
            self._send_to_destination(record)
        except (BotoCoreError, ClientError):
            log.exception("%s  could not send to the on-failure destination", self.label)


def sqs_destination(sqs: SQSClient, queue_url: str) -> Callable[[dict[str, Any]], None]:
    """Sends an on-failure record to an SQS queue, as Lambda's destinations do."""

    def send(record: dict[str, Any]) -> None:
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))

    return send
