"""An event source mapping for a DynamoDB stream: reads the shards through the DynamoDB Streams
API and takes each batch through the function (`batches` decides retries and discards).

Shards are read in order, one batch at a time: a shard does not move past a batch until every
record in it has succeeded or been discarded. A child shard is read once its parent is done.
"""

from __future__ import annotations

import json
import logging
import threading
import time
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
from local_runtime.streams.records import PolledRecord, polled_record
from local_runtime.template import StreamSource

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("local_runtime.stream")

# How often the shard list is read again, to find new or closed shards.
SHARD_REFRESH_SECONDS = 5.0


@dataclass
class _Shard:
    shard_id: str
    parent_id: str | None
    iterator: str | None = None
    last_sequence: str | None = None
    closed: bool = False  # read to its end
    pending: list[PolledRecord] = field(default_factory=list)


@dataclass(frozen=True)
class PollerSettings:
    poll_interval_seconds: float = 0.15
    retry_delay_seconds: float = 0.2
    # After a polling pass that failed, the wait before the next: doubled each time, up to the
    # maximum, and back to the first once a pass gets through.
    error_backoff_seconds: float = 1.0
    max_error_backoff_seconds: float = 30.0


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
        self._stream_arn = stream_arn
        self._function_arn = function_arn
        self._streams = streams
        self._invoke = invoke
        self._send_to_destination = send_to_destination
        self._settings = settings
        self._policy = StreamRetryPolicy.of(source)
        self._shards: dict[str, _Shard] = {}
        self._refreshed_at = 0.0
        self._stop = threading.Event()
        # Polling passes completed, and the last one that found nothing to read.
        self._progress = threading.Condition()
        self._passes = 0
        self._last_idle_pass = 0
        self.batches_handled = 0
        self._thread = threading.Thread(target=self._run, name=f"stream-{source.function_id}", daemon=True)

    @property
    def label(self) -> str:
        return f"{self.source.table_id} → {self.source.function_id}"

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def wait_caught_up(self, timeout: float) -> bool:
        """Waits for a polling pass that began after this call and found no record to read."""
        with self._progress:
            began_after = self._passes + 1  # the pass under way may have begun before the call
            return self._progress.wait_for(lambda: self._last_idle_pass > began_after, max(0.0, timeout))

    def backlog(self) -> int:
        """Records the mapping has not taken through the function (read once polling has stopped)."""
        self._refresh_shards()
        count = 0
        for shard in self._shards.values():
            count += sum(matches_any(self.source.filter_patterns, r.event) for r in shard.pending)
            shard.iterator = None
            while not shard.closed:
                records = self._read(shard, 1000)
                if not records:
                    break
                count += sum(matches_any(self.source.filter_patterns, r.event) for r in records)
        return count

    def _run(self) -> None:
        backoff = self._settings.error_backoff_seconds
        while not self._stop.is_set():
            idle = False
            try:
                busy = self._poll_once()
                idle = not busy
                backoff = self._settings.error_backoff_seconds
            except (BotoCoreError, ClientError) as error:
                if self._stop.is_set():
                    return
                log.warning("%s  polling failed (%s); retrying in %g s", self.label, error, backoff)
                busy = False
                backoff = self._back_off(backoff)
            except Exception:
                # A bug or a surprise must not end the mapping: the shard would stop being read
                # for the rest of the run, silently. Say what happened, wait, and read on.
                if self._stop.is_set():
                    return
                log.exception("%s  polling failed unexpectedly; retrying in %g s", self.label, backoff)
                busy = False
                backoff = self._back_off(backoff)
            with self._progress:
                self._passes += 1
                if idle:
                    self._last_idle_pass = self._passes
                self._progress.notify_all()
            if not busy:
                self._stop.wait(self._settings.poll_interval_seconds)

    def _back_off(self, seconds: float) -> float:
        """Waits `seconds` (less if stopping); returns the wait after the next failure."""
        self._stop.wait(seconds)
        return min(seconds * 2, self._settings.max_error_backoff_seconds)

    def _poll_once(self) -> bool:
        """Reads each readable shard once; True if any batch was handled."""
        if time.monotonic() - self._refreshed_at > SHARD_REFRESH_SECONDS or not self._shards:
            self._refresh_shards()
        busy = False
        for shard in list(self._shards.values()):
            if self._stop.is_set():
                break
            parent = self._shards.get(shard.parent_id or "")
            if shard.closed or (parent is not None and not parent.closed):
                continue
            batch = self._gather_batch(shard)
            if batch:
                busy = True
                try:
                    through = self._handle_batch(shard, batch)
                except PoolStoppedError:
                    through = False
                except Exception:
                    shard.pending = batch  # taken through again after the back-off, never skipped
                    raise
                if not through:
                    shard.pending = batch  # abandoned because stopping: counted in the backlog
                    return busy
        return busy

    def _refresh_shards(self) -> None:
        description = self._streams.describe_stream(StreamArn=self._stream_arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            if shard["ShardId"] not in self._shards:
                self._shards[shard["ShardId"]] = _Shard(shard["ShardId"], shard.get("ParentShardId"))
        self._refreshed_at = time.monotonic()

    def _gather_batch(self, shard: _Shard) -> list[PolledRecord]:
        """Up to BatchSize records, waiting at most MaximumBatchingWindowInSeconds to fill up."""
        batch, shard.pending = shard.pending, []
        window_ends: float | None = None
        while len(batch) < self.source.batch_size and not shard.closed and not self._stop.is_set():
            try:
                records = self._read(shard, self.source.batch_size - len(batch))
            except Exception:
                shard.pending = batch  # what was read stays the start of the next batch
                raise
            batch.extend(records)
            if not batch or self.source.batching_window_seconds <= 0:
                break
            window_ends = window_ends or time.monotonic() + self.source.batching_window_seconds
            remaining = window_ends - time.monotonic()
            if remaining <= 0:
                break
            if not records:
                self._stop.wait(min(self._settings.poll_interval_seconds, remaining))
        return batch

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

    def _handle_batch(self, shard: _Shard, batch: list[PolledRecord]) -> bool:
        self.batches_handled += 1
        selected = [r for r in batch if matches_any(self.source.filter_patterns, r.event)]
        if not selected:
            log.debug("%s  %d records filtered out", self.label, len(batch))
            return True
        processor = ShardBatchProcessor(
            self._policy,
            invoke=self._invoke_batch,
            discard=lambda discarded: self._discard(shard, discarded),
            before_retry=lambda: not self._stop.wait(self._settings.retry_delay_seconds),
        )
        return processor.process(selected)

    def _invoke_batch(self, records: Sequence[PolledRecord]) -> InvocationResult:
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
            "%s  %d record%s [%s] seq %s  %s  %.0f ms",
            self.label,
            len(records),
            "" if len(records) == 1 else "s",
            names,
            span,
            outcome,
            result.duration_ms,
        )
        return result

    def _discard(self, shard: _Shard, discarded: DiscardedBatch) -> None:
        count = len(discarded.records)
        if self._send_to_destination is None:
            log.warning("%s  %d record(s) dropped: %s", self.label, count, discarded.condition)
            return
        record = stream_failure_record(
            discarded, function_arn=self._function_arn, shard_id=shard.shard_id, stream_arn=self._stream_arn
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
