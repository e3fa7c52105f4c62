"""How a stream event source mapping gets a batch through a function, with no I/O of its own.

Lambda's rules for DynamoDB streams, as this module applies them:

- A batch succeeds when the function returns normally and, with ReportBatchItemFailures, names
  no failed record. Records are never skipped silently: each one succeeds or is discarded.
- A reported failure retries from the lowest failed sequence number; the records before it are
  done. An invalid report (unknown or empty identifier) fails the whole batch.
- A function error with BisectBatchOnFunctionError splits the batch in halves, retried in
  order; a split does not count as a retry. Otherwise the batch is retried as it is.
- A batch retried more than MaximumRetryAttempts times, or records older than
  MaximumRecordAgeInSeconds, are discarded: handed to the on-failure destination, if any.
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from local_runtime.lambda_.invocation import InvocationResult
from local_runtime.streams.records import PolledRecord
from local_runtime.template import StreamSource

RETRIES_EXHAUSTED: Final = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED: Final = "RecordAgeExceeded"
UNLIMITED: Final = -1

log = logging.getLogger("local_runtime.stream")


@dataclass(frozen=True)
class StreamRetryPolicy:
    bisect_on_error: bool = False
    maximum_retry_attempts: int = UNLIMITED
    maximum_record_age_seconds: int = UNLIMITED
    report_batch_item_failures: bool = False

    @classmethod
    def of(cls, source: StreamSource) -> StreamRetryPolicy:
        return cls(
            bisect_on_error=source.bisect_on_error,
            maximum_retry_attempts=source.maximum_retry_attempts,
            maximum_record_age_seconds=source.maximum_record_age_seconds,
            report_batch_item_failures=source.report_batch_item_failures,
        )

    def retries_exhausted(self, retries: int) -> bool:
        return self.maximum_retry_attempts != UNLIMITED and retries > self.maximum_retry_attempts

    def expired(self, record: PolledRecord, now: datetime) -> bool:
        limit = self.maximum_record_age_seconds
        return limit != UNLIMITED and now - record.arrival > timedelta(seconds=limit)


@dataclass(frozen=True)
class BatchVerdict:
    first_failed: int | None  # index of the first record to retry; None when the batch succeeded
    whole_batch: bool = False  # the function failed outright, or its failure report was invalid

    @property
    def succeeded(self) -> bool:
        return self.first_failed is None


SUCCEEDED: Final = BatchVerdict(None)
FAILED: Final = BatchVerdict(0, whole_batch=True)


def batch_verdict(
    result: InvocationResult, records: Sequence[PolledRecord], report_batch_item_failures: bool
) -> BatchVerdict:
    """Reads a function's answer to one batch the way Lambda does."""
    if not result.ok:
        return FAILED
    if not report_batch_item_failures:
        return SUCCEEDED
    response = result.json()
    failures = response.get("batchItemFailures") if isinstance(response, dict) else None
    if not failures:
        return SUCCEEDED
    if not isinstance(failures, list):
        return FAILED
    positions = {record.sequence_number: index for index, record in enumerate(records)}
    failed = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in positions:
            return FAILED
        failed.append(positions[identifier])
    return BatchVerdict(min(failed))


@dataclass(frozen=True)
class DiscardedBatch:
    records: tuple[PolledRecord, ...]
    condition: str  # RETRIES_EXHAUSTED or RECORD_AGE_EXCEEDED
    invoke_count: int
    last_result: InvocationResult | None


@dataclass(frozen=True)
class _Attempt:
    records: tuple[PolledRecord, ...]
    retries: int = 0
    invokes: int = 0
    last_result: InvocationResult | None = None


class ShardBatchProcessor:
    """Takes one batch of a shard to completion: every record succeeds or is discarded."""

    def __init__(
        self,
        policy: StreamRetryPolicy,
        invoke: Callable[[Sequence[PolledRecord]], InvocationResult],
        discard: Callable[[DiscardedBatch], None],
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        before_retry: Callable[[], bool] = lambda: True,
    ) -> None:
        self._policy = policy
        self._invoke = invoke
        self._discard = discard
        self._now = now
        # Waits between attempts; False means the runtime is stopping and the batch is abandoned.
        self._before_retry = before_retry

    def process(self, records: Sequence[PolledRecord]) -> bool:
        """True once the batch is through; False if abandoned because the runtime is stopping."""
        work = deque([_Attempt(tuple(records))])
        while work:
            attempt = self._without_expired(work.popleft())
            if not attempt.records:
                continue
            result = self._invoke(attempt.records)
            invokes = attempt.invokes + 1
            verdict = batch_verdict(result, attempt.records, self._policy.report_batch_item_failures)
            if verdict.succeeded:
                continue
            failed = attempt.records[verdict.first_failed :]
            if verdict.whole_batch and self._policy.bisect_on_error and len(failed) > 1:
                half = len(failed) // 2
                log.info("batch of %d failed (%s): bisecting", len(failed), result.error_summary())
                # extendleft reverses: the first half ends up first in line.
                work.extendleft(
                    [
                        _Attempt(failed[half:], attempt.retries, invokes, result),
                        _Attempt(failed[:half], attempt.retries, invokes, result),
                    ]
                )
            elif self._policy.retries_exhausted(attempt.retries + 1):
                self._discard(DiscardedBatch(failed, RETRIES_EXHAUSTED, invokes, result))
                continue
            else:
                work.appendleft(_Attempt(failed, attempt.retries + 1, invokes, result))
            if not self._before_retry():
                return False
        return True

    def _without_expired(self, attempt: _Attempt) -> _Attempt:
        now = self._now()
        expired = 0
        # A shard's records are in time order, so the expired ones are a prefix.
        while expired < len(attempt.records) and self._policy.expired(attempt.records[expired], now):
            expired += 1
        if not expired:
            return attempt
        self._discard(
            DiscardedBatch(
                attempt.records[:expired], RECORD_AGE_EXCEEDED, attempt.invokes, attempt.last_result
            )
        )
        return _Attempt(attempt.records[expired:], attempt.retries, attempt.invokes, attempt.last_result)


def stream_failure_record(
    discarded: DiscardedBatch,
    *,
    function_arn: str,
    shard_id: str,
    stream_arn: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The document Lambda sends to a stream mapping's on-failure destination."""
    first, last = discarded.records[0], discarded.records[-1]
    record: dict[str, Any] = {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": discarded.condition,
            "approximateInvokeCount": discarded.invoke_count,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": (discarded.last_result.function_error if discarded.last_result else None),
        },
        "version": "1.0",
        "timestamp": _iso_millis(now or datetime.now(UTC)),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": first.sequence_number,
            "endSequenceNumber": last.sequence_number,
            "approximateArrivalOfFirstRecord": _iso_seconds(first.arrival),
            "approximateArrivalOfLastRecord": _iso_seconds(last.arrival),
            "batchSize": len(discarded.records),
            "streamArn": stream_arn,
        },
    }
    if discarded.last_result is None or discarded.last_result.function_error is None:
        del record["responseContext"]["functionError"]
    return record


def _iso_millis(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _iso_seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
