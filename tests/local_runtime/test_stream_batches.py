"""How a stream batch gets through a function: partial failures, bisection, retries, record age
and the on-failure destination, with a fake function and a fake clock."""

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from local_runtime.lambda_.invocation import InvocationResult, error_result
from local_runtime.streams.batches import (
    FAILED,
    RECORD_AGE_EXCEEDED,
    RETRIES_EXHAUSTED,
    SUCCEEDED,
    BatchVerdict,
    DiscardedBatch,
    ShardBatchProcessor,
    StreamRetryPolicy,
    batch_verdict,
    stream_failure_record,
)
from local_runtime.streams.records import PolledRecord, polled_record

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/InterviewsTable/stream/2030-01-01T00:00:00.000"


def record(sequence: int, age_seconds: float = 0) -> PolledRecord:
    number = str(1000 + sequence)
    event = {"eventID": f"e{sequence}", "eventName": "INSERT", "dynamodb": {"SequenceNumber": number}}
    return PolledRecord(number, NOW - timedelta(seconds=age_seconds), event)


def ok(document: object = None) -> InvocationResult:
    return InvocationResult(json.dumps(document).encode())


def failures(*records: PolledRecord) -> InvocationResult:
    return ok({"batchItemFailures": [{"itemIdentifier": r.sequence_number} for r in records]})


class FakeFunction:
    """Answers each batch with `answer(batch)` and remembers every batch it was given."""

    def __init__(self, answer: Callable[[Sequence[PolledRecord]], InvocationResult]) -> None:
        self.answer = answer
        self.batches: list[list[str]] = []

    def __call__(self, batch: Sequence[PolledRecord]) -> InvocationResult:
        self.batches.append([r.sequence_number for r in batch])
        return self.answer(batch)


def poison(*bad: PolledRecord) -> Callable[[Sequence[PolledRecord]], InvocationResult]:
    """A function that fails outright whenever a bad record is in its batch."""
    bad_numbers = {r.sequence_number for r in bad}

    def answer(batch: Sequence[PolledRecord]) -> InvocationResult:
        if bad_numbers & {r.sequence_number for r in batch}:
            return error_result("ValueError", "poison record")
        return ok(None)

    return answer


def run(
    policy: StreamRetryPolicy, function: FakeFunction, records: list[PolledRecord]
) -> tuple[bool, list[DiscardedBatch]]:
    discarded: list[DiscardedBatch] = []
    processor = ShardBatchProcessor(policy, function, discarded.append, now=lambda: NOW)
    return processor.process(records), discarded


def numbers(records: Sequence[PolledRecord]) -> list[str]:
    return [r.sequence_number for r in records]


class TestBatchVerdict:
    batch = [record(1), record(2), record(3)]

    @pytest.mark.parametrize(
        "response", [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}, "done"]
    )
    def test_no_reported_failure_is_success(self, response):
        assert batch_verdict(ok(response), self.batch, report_batch_item_failures=True) == SUCCEEDED

    def test_function_error_fails_the_whole_batch(self):
        assert batch_verdict(error_result("ValueError", "x"), self.batch, True) == FAILED

    def test_reported_failures_retry_from_the_lowest_sequence_number(self):
        verdict = batch_verdict(failures(self.batch[2], self.batch[1]), self.batch, True)
        assert verdict == BatchVerdict(1)

    @pytest.mark.parametrize(
        "failure",
        [{"itemIdentifier": ""}, {"itemIdentifier": None}, {"itemIdentifier": "999"}, {"id": "1001"}],
    )
    def test_invalid_report_fails_the_whole_batch(self, failure):
        assert batch_verdict(ok({"batchItemFailures": [failure]}), self.batch, True) == FAILED

    def test_report_is_ignored_without_report_batch_item_failures(self):
        assert (
            batch_verdict(failures(self.batch[0]), self.batch, report_batch_item_failures=False) == SUCCEEDED
        )


def test_successful_batch_is_invoked_once():
    function = FakeFunction(lambda batch: ok(None))
    finished, discarded = run(StreamRetryPolicy(), function, [record(1), record(2)])
    assert finished
    assert function.batches == [["1001", "1002"]]
    assert discarded == []


def test_partial_failure_retries_from_the_failed_record_only():
    records = [record(1), record(2), record(3), record(4)]
    answers = iter([failures(records[2]), ok({"batchItemFailures": []})])
    function = FakeFunction(lambda batch: next(answers))
    policy = StreamRetryPolicy(report_batch_item_failures=True, maximum_retry_attempts=3)
    finished, discarded = run(policy, function, records)
    assert finished
    assert function.batches == [["1001", "1002", "1003", "1004"], ["1003", "1004"]]
    assert discarded == []


def test_bisect_isolates_a_poison_record_and_discards_it_after_its_retries():
    records = [record(n) for n in range(1, 5)]
    function = FakeFunction(poison(records[2]))
    policy = StreamRetryPolicy(bisect_on_error=True, maximum_retry_attempts=2)
    finished, discarded = run(policy, function, records)
    assert finished
    assert function.batches == [
        ["1001", "1002", "1003", "1004"],
        ["1001", "1002"],
        ["1003", "1004"],
        ["1003"],
        ["1003"],  # retry 1
        ["1003"],  # retry 2
        ["1004"],
    ]
    assert [(numbers(d.records), d.condition, d.invoke_count) for d in discarded] == [
        (["1003"], RETRIES_EXHAUSTED, 5)
    ]


def test_without_bisect_the_whole_batch_is_retried_then_discarded():
    records = [record(1), record(2)]
    function = FakeFunction(poison(records[1]))
    finished, discarded = run(StreamRetryPolicy(maximum_retry_attempts=1), function, records)
    assert finished
    assert function.batches == [["1001", "1002"], ["1001", "1002"]]
    assert [(numbers(d.records), d.condition) for d in discarded] == [(["1001", "1002"], RETRIES_EXHAUSTED)]
    assert discarded[0].last_result is not None
    assert discarded[0].last_result.function_error == "Unhandled"


def test_zero_retries_discards_after_the_first_failure():
    function = FakeFunction(poison(record(1)))
    _, discarded = run(StreamRetryPolicy(maximum_retry_attempts=0), function, [record(1)])
    assert function.batches == [["1001"]]
    assert len(discarded) == 1


def test_expired_records_are_discarded_without_being_invoked():
    records = [record(1, age_seconds=120), record(2, age_seconds=90), record(3, age_seconds=5)]
    function = FakeFunction(lambda batch: ok(None))
    policy = StreamRetryPolicy(maximum_record_age_seconds=60)
    finished, discarded = run(policy, function, records)
    assert finished
    assert function.batches == [["1003"]]
    assert [(numbers(d.records), d.condition, d.invoke_count) for d in discarded] == [
        (["1001", "1002"], RECORD_AGE_EXCEEDED, 0)
    ]


def test_records_that_expire_while_retrying_are_discarded():
    clock = iter([NOW, NOW + timedelta(seconds=30), NOW + timedelta(seconds=90)])
    records = [record(1)]
    function = FakeFunction(poison(records[0]))
    discarded: list[DiscardedBatch] = []
    policy = StreamRetryPolicy(maximum_record_age_seconds=60)
    processor = ShardBatchProcessor(policy, function, discarded.append, now=lambda: next(clock))
    assert processor.process(records)
    assert len(function.batches) == 2
    assert [(d.condition, d.invoke_count) for d in discarded] == [(RECORD_AGE_EXCEEDED, 2)]


def test_stopping_abandons_the_batch_before_a_retry():
    function = FakeFunction(poison(record(1)))
    processor = ShardBatchProcessor(StreamRetryPolicy(), function, lambda d: None, before_retry=lambda: False)
    assert not processor.process([record(1)])
    assert function.batches == [["1001"]]


def test_failure_record_has_lambdas_shape():
    records = (record(1, age_seconds=10), record(2))
    discarded = DiscardedBatch(records, RETRIES_EXHAUSTED, 6, error_result("ValueError", "boom"))
    document = stream_failure_record(
        discarded,
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:CreateSessionFunction",
        shard_id="shardId-1",
        stream_arn=STREAM_ARN,
        now=NOW,
    )
    assert document["version"] == "1.0"
    assert document["timestamp"] == "2030-01-01T12:00:00.000Z"
    assert document["requestContext"]["condition"] == RETRIES_EXHAUSTED
    assert document["requestContext"]["approximateInvokeCount"] == 6
    assert document["requestContext"]["functionArn"].endswith(":function:CreateSessionFunction")
    assert document["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert document["DDBStreamBatchInfo"] == {
        "shardId": "shardId-1",
        "startSequenceNumber": "1001",
        "endSequenceNumber": "1002",
        "approximateArrivalOfFirstRecord": "2030-01-01T11:59:50Z",
        "approximateArrivalOfLastRecord": "2030-01-01T12:00:00Z",
        "batchSize": 2,
        "streamArn": STREAM_ARN,
    }


def test_streams_json_record_becomes_lambdas_event_record():
    arrival = datetime(2030, 1, 1, 11, 59, 59, 500000, tzinfo=UTC)
    polled = polled_record(
        {
            "eventID": "abc",
            "eventName": "MODIFY",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {
                "ApproximateCreationDateTime": arrival.timestamp(),
                "Keys": {"id": {"S": "1"}},
                "NewImage": {
                    "id": {"S": "1"},
                    "blob": {"B": "AAE="},
                    "nested": {"M": {"b": {"B": "eA=="}}},
                },
                "OldImage": {"id": {"S": "1"}},
                "SequenceNumber": "42",
                "SizeBytes": 30,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        },
        STREAM_ARN,
    )
    assert polled.sequence_number == "42"
    assert polled.arrival == arrival
    assert list(polled.event) == [
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    ]
    assert polled.event["eventSourceARN"] == STREAM_ARN
    change = polled.event["dynamodb"]
    assert change["ApproximateCreationDateTime"] == arrival.replace(microsecond=0).timestamp()
    assert change["NewImage"]["blob"] == {"B": "AAE="}
    assert change["NewImage"]["nested"] == {"M": {"b": {"B": "eA=="}}}
    assert change["OldImage"] == {"id": {"S": "1"}}
    json.dumps(polled.event)  # the event must be plain JSON
