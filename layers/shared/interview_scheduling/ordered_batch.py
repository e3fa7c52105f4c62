"""A batch of stream records handled concurrently, each partition key's records in stream order.

Hand-written because Powertools' BatchProcessor handles records one at a time and its async
processor needs async handlers, while the work here is blocking I/O (DynamoDB, S3, Lambda
through boto3). A thread pool takes the batch's keys; one key's records run one after another,
and once one fails the later ones of that key are not run. Work that goes faster together (one
request for many records) takes the batch a round at a time instead: the first record of each
key, then the second, with the same holding back. Only records that failed are
reported: Lambda retries a stream batch from the lowest failed sequence number, so the held-back
records (always later in the shard) come again, after the one they waited for
(https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html).
Records of other keys are not held back.
"""

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

Record = dict[str, Any]


@dataclass(frozen=True)
class Failure:
    record: Record
    error: Exception


def by_key(records: Iterable[Record], key_of: Callable[[Record], str]) -> dict[str, list[Record]]:
    """The records of each key, in stream order; the keys in order of their first record."""
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(key_of(record), []).append(record)
    return groups


def _in_order(records: list[Record], handle: Callable[[Record], None]) -> list[Failure]:
    for record in records:
        try:
            handle(record)
        except Exception as error:  # a failing record fails alone; its key's later records wait
            return [Failure(record, error)]
    return []


def process(
    records: list[Record], key_of: Callable[[Record], str], handle: Callable[[Record], None], workers: int
) -> list[Failure]:
    """Handles the records; returns those that failed, in stream order."""
    groups = list(by_key(records, key_of).values())
    if workers <= 1 or len(groups) <= 1:
        failures = [failure for group in groups for failure in _in_order(group, handle)]
    else:
        with ThreadPoolExecutor(max_workers=min(workers, len(groups))) as pool:
            failures = [
                failure for found in pool.map(lambda g: _in_order(g, handle), groups) for failure in found
            ]
    return _in_stream_order(records, failures)


def in_rounds(
    records: list[Record],
    key_of: Callable[[Record], str],
    handle_round: Callable[[list[Record]], list[Exception | None]],
) -> list[Failure]:
    """Handles the records a round at a time, for work that goes faster together (one request for
    many records): round n is the n-th record of each key whose earlier records all succeeded, and
    `handle_round` answers with each one's error, or None. A key's records keep their stream
    order, and a failed one holds back its key's later records, as in `process`. Returns the
    records that failed, in stream order."""
    groups = list(by_key(records, key_of).values())
    failures: list[Failure] = []
    depth = 0
    while groups:
        taken = [group[depth] for group in groups]
        errors = handle_round(taken)
        failures += [Failure(r, error) for r, error in zip(taken, errors, strict=True) if error is not None]
        depth += 1
        groups = [g for g, error in zip(groups, errors, strict=True) if error is None and depth < len(g)]
    return _in_stream_order(records, failures)


def _in_stream_order(records: list[Record], failures: list[Failure]) -> list[Failure]:
    order = {id(record): n for n, record in enumerate(records)}
    return sorted(failures, key=lambda failure: order[id(failure.record)])


def interview_of(record: Record) -> str:
    """A stream record's partition key: both streams' tables are keyed by the interview."""
    keys = record.get("dynamodb", {}).get("Keys", {})
    return str(keys.get("interview_id", {}).get("S") or record.get("eventID", ""))


def stream_batch(
    records: list[Record], handle: Callable[[Record], None], workers: int, logger: Logger
) -> dict[str, Any]:
    """A DynamoDB stream batch by interview: the partial batch response Lambda reads, each failed
    record logged with its interview (ids only). A batch whose every record failed fails the
    invocation, as Powertools' BatchProcessor words it, so Lambda bisects and retries it."""
    return _batch_response(records, process(records, interview_of, handle, workers), logger)


def stream_batch_in_rounds(
    records: list[Record], handle_round: Callable[[list[Record]], list[Exception | None]], logger: Logger
) -> dict[str, Any]:
    """As `stream_batch`, a round of records at a time (`in_rounds`)."""
    return _batch_response(records, in_rounds(records, interview_of, handle_round), logger)


def _batch_response(records: list[Record], failures: list[Failure], logger: Logger) -> dict[str, Any]:
    for failure in failures:
        logger.warning(
            "record failed",
            extra={"interview_id": interview_of(failure.record), "error": type(failure.error).__name__},
        )
    if failures and len(failures) == len(records):
        raise BatchProcessingError(
            "All records failed processing: every record of the batch failed",
            [(type(f.error), f.error, f.error.__traceback__) for f in failures],
        )
    return {
        "batchItemFailures": [
            {"itemIdentifier": failure.record.get("dynamodb", {}).get("SequenceNumber", "")}
            for failure in failures
        ]
    }
