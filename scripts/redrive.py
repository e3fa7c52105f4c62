"""Takes what the failure queues hold back to where it came from, once the cause is fixed.

    python -m scripts.redrive --stack-name interview-scheduling-prod     # or: make redrive STACK=...
    python -m scripts.redrive --local                                    # the local runtime

Each message is redriven by invoking its function synchronously, and deleted only once that
invocation succeeded; one that fails again stays in its queue, visible again when the run ends,
and is named (the command then exits 1). Every function is idempotent, so a message redriven
twice (a delete that failed, two people at once) changes nothing more. `--dry-run` only lists.

- SessionFailuresQueue: Lambda's on-failure record of a stream batch names the shard and the
  sequence numbers, not the records (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html).
  The records are read again from the stream while it still has them (24 hours) and given to
  create_session as Lambda would. Past that, the interviews they named can no longer be told
  apart, so every scheduled interview without a session is given to create_session as a
  booking: it gets its session and invitation (a cancellation or reschedule notice lost with
  the records is not sent again; the run says so).
- EmailFailuresQueue: Lambda's async on-failure record holds the original event in
  `requestPayload` (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html);
  send_email is invoked with it.
- ScheduleFailuresQueue: EventBridge Scheduler's dead-letter messages are the schedule's input
  itself (https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html);
  time_events' async on-failure records hold it in `requestPayload`. time_events is invoked with it.
- DomainEventFailuresQueue: domain_events' stream batches, as SessionFailuresQueue's; the records
  are read again from their stream (interviews or sessions) while it has them and given to
  domain_events, which puts their events with the ids they had. Past the stream's 24 hours the
  message is kept and named: those events cannot be made again (the history still shows them).
- WebhookFailuresQueue: a delivery that ran out of attempts (webhook_delivery's own message) gets
  one more attempt, not parked again if it fails (the message stays); the bus's dead letter (the
  event itself) and Lambda's on-failure record (`requestPayload`) are given to webhook_delivery,
  which sends the event to every webhook that wants it again (a receiver drops the repeat by id).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from local_runtime.streams.records import polled_record, streams_client

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import ChangeMessageVisibilityBatchRequestEntryTypeDef, MessageTypeDef

log = logging.getLogger("redrive")

SESSION: Final = "session"
EMAIL: Final = "email"
SCHEDULE: Final = "schedule"
EVENTS: Final = "events"
WEBHOOK: Final = "webhook"
KINDS: Final = (SESSION, EMAIL, SCHEDULE, EVENTS, WEBHOOK)
# Logical ids in template.yaml of each kind's queue and the function it redrives to.
LOGICAL_IDS: Final = {
    SESSION: ("SessionFailuresQueue", "CreateSessionFunction"),
    EMAIL: ("EmailFailuresQueue", "SendEmailFunction"),
    SCHEDULE: ("ScheduleFailuresQueue", "TimeEventsFunction"),
    EVENTS: ("DomainEventFailuresQueue", "DomainEventsFunction"),
    WEBHOOK: ("WebhookFailuresQueue", "WebhookDeliveryFunction"),
}
# A parked delivery's one more attempt is the last one (interview_scheduling.webhook_delivery).
WEBHOOK_LAST_ATTEMPT: Final = 8
INTERVIEWS_TABLE: Final = "InterviewsTable"
SESSIONS_TABLE: Final = "SessionsTable"
BATCH_SIZE: Final = 100  # the mapping's BatchSize: create_session takes at most this many records
# Long enough for one invocation (create_session's timeout is 60 s) before a kept message shows again.
VISIBILITY_SECONDS: Final = 300
_TRIMMED: Final = {"TrimmedDataAccessException", "ResourceNotFoundException", "ExpiredIteratorException"}


@dataclass(frozen=True)
class Targets:
    """Where each kind's messages are and where they go back to, and the tables a lost stream
    batch is rebuilt from."""

    queue_urls: Mapping[str, str]
    function_names: Mapping[str, str]
    interviews_table: str
    sessions_table: str


@dataclass(frozen=True)
class Invocation:
    ok: bool
    answer: Any = None
    error: str = ""


Invoke = Callable[[str, dict[str, Any]], Invocation]


@dataclass
class QueueReport:
    redriven: int = 0
    kept: list[str] = field(default_factory=list)  # why each message that stays, stays
    notes: list[str] = field(default_factory=list)

    def line(self, kind: str) -> str:
        parts = [f"{kind}: {self.redriven} redriven, {len(self.kept)} kept"]
        parts += [f"kept: {reason}" for reason in self.kept]
        parts += self.notes
        return "; ".join(parts)


class Redrive:
    def __init__(
        self,
        session: boto3.Session,
        targets: Targets,
        invoke: Invoke,
        *,
        endpoint_url: str | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        wait_seconds: int = 1,
    ) -> None:
        self._sqs = session.client("sqs", endpoint_url=endpoint_url)
        self._streams = streams_client(session, endpoint_url)
        self._dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
        self._region = session.region_name or "us-east-1"
        self._targets = targets
        self._invoke = invoke
        self._now = now
        # How long an empty receive waits before the queue counts as drained.
        self._wait_seconds = wait_seconds

    def run(self, kinds: Sequence[str] = KINDS, *, dry_run: bool = False) -> dict[str, QueueReport]:
        return {kind: self._drain(kind, dry_run=dry_run) for kind in kinds}

    def _drain(self, kind: str, *, dry_run: bool) -> QueueReport:
        report = QueueReport()
        handle = {
            SESSION: self._session_batch,
            EMAIL: self._email,
            SCHEDULE: self._schedule,
            EVENTS: self._events_batch,
            WEBHOOK: self._webhook,
        }[kind]
        url = self._targets.queue_urls[kind]
        kept: list[str] = []  # receipt handles of the messages that stay
        for message in self._messages(url):
            try:
                body = json.loads(message.get("Body", ""))
            except ValueError:
                report.kept.append(f"message {message['MessageId']} is not JSON")
                kept.append(message["ReceiptHandle"])
                continue
            if dry_run:
                log.info("%s: would redrive %s", kind, _summary(body))
                kept.append(message["ReceiptHandle"])
                continue
            failure = handle(body, report)
            if failure:
                report.kept.append(f"message {message['MessageId']}: {failure}")
                kept.append(message["ReceiptHandle"])
                continue
            # Deleted only now: a crash before this line leaves the message to be redriven again.
            self._sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            report.redriven += 1
        self._release(url, kept)
        return report

    def _release(self, url: str, receipt_handles: Sequence[str]) -> None:
        """Makes the messages that stay visible again at once: the queue-depth alarm counts
        visible messages, and the next run should see them."""
        for start in range(0, len(receipt_handles), 10):
            entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
                {"Id": str(number), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for number, handle in enumerate(receipt_handles[start : start + 10])
            ]
            self._sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)

    def _messages(self, url: str) -> Iterator[MessageTypeDef]:
        """Every message visible now, each once: received, it stays invisible until released."""
        while True:
            received = self._sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=self._wait_seconds,
                VisibilityTimeout=VISIBILITY_SECONDS,
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not received:
                return
            yield from received

    # ------------------------------------------------------------------ the kinds
    def _session_batch(self, body: dict[str, Any], report: QueueReport) -> str:
        info = body.get("DDBStreamBatchInfo")
        if not isinstance(info, dict):
            return "not a stream batch on-failure record (no DDBStreamBatchInfo)"
        records = self._stream_records(info)
        if records is None:
            records = self._sessionless_interviews(str(info.get("streamArn", "")))
            report.notes.append(
                f"records {info.get('startSequenceNumber')}..{info.get('endSequenceNumber')} are no "
                f"longer in the stream: {len(records)} scheduled interview(s) without a session given "
                "to create_session as bookings (a lost cancellation or reschedule notice is not resent)"
            )
        for start in range(0, len(records), BATCH_SIZE):
            batch = records[start : start + BATCH_SIZE]
            result = self._invoke(self._targets.function_names[SESSION], {"Records": batch})
            if not result.ok:
                return f"create_session failed again: {result.error}"
            failures = result.answer.get("batchItemFailures") if isinstance(result.answer, dict) else None
            if failures:
                return f"create_session failed again on {len(failures)} record(s)"
        return ""

    def _email(self, body: dict[str, Any], report: QueueReport) -> str:
        if "requestPayload" not in body:
            return "not an async on-failure record (no requestPayload)"
        result = self._invoke(self._targets.function_names[EMAIL], body["requestPayload"])
        return "" if result.ok else f"send_email failed again: {result.error}"

    def _schedule(self, body: dict[str, Any], report: QueueReport) -> str:
        # The scheduler's dead letter is the input itself; Lambda's on-failure record wraps it.
        payload = body["requestPayload"] if "requestContext" in body and "requestPayload" in body else body
        result = self._invoke(self._targets.function_names[SCHEDULE], payload)
        return "" if result.ok else f"time_events failed again: {result.error}"

    def _events_batch(self, body: dict[str, Any], report: QueueReport) -> str:
        info = body.get("DDBStreamBatchInfo")
        if not isinstance(info, dict):
            return "not a stream batch on-failure record (no DDBStreamBatchInfo)"
        records = self._stream_records(info)
        if records is None:
            return (
                f"records {info.get('startSequenceNumber')}..{info.get('endSequenceNumber')} are no longer "
                "in the stream: their domain events cannot be made again"
            )
        for start in range(0, len(records), BATCH_SIZE):
            result = self._invoke(
                self._targets.function_names[EVENTS], {"Records": records[start : start + BATCH_SIZE]}
            )
            if not result.ok:
                return f"domain_events failed again: {result.error}"
            failures = result.answer.get("batchItemFailures") if isinstance(result.answer, dict) else None
            if failures:
                return f"domain_events failed again on {len(failures)} record(s)"
        return ""

    def _webhook(self, body: dict[str, Any], report: QueueReport) -> str:
        if "requestContext" in body and "requestPayload" in body:
            payload = body["requestPayload"]  # Lambda's on-failure record: the event, or a retry
        elif {"webhook_id", "org_id", "event"} <= set(body):
            # A delivery that ran out of attempts: one more, which parks nothing if it fails.
            payload = {
                "action": "webhook_retry",
                "org_id": body["org_id"],
                "webhook_id": body["webhook_id"],
                "attempt": WEBHOOK_LAST_ATTEMPT,
                "event": body["event"],
                "redrive": True,
            }
        elif "detail" in body:
            payload = body  # the rule's dead letter: the event as the bus had it
        else:
            return "not a webhook delivery, a bus event or an on-failure record"
        result = self._invoke(self._targets.function_names[WEBHOOK], payload)
        if not result.ok:
            return f"webhook_delivery failed again: {result.error}"
        attempted = result.answer.get("attempted", []) if isinstance(result.answer, dict) else []
        refused = [a["webhook_id"] for a in attempted if a.get("result") == "failed"]
        return f"webhook {', '.join(refused)} refused it again" if refused else ""

    # ------------------------------------------------------------------ stream batches
    def _stream_records(self, info: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        """The batch's records as Lambda delivered them, read again; None once the stream lost any."""
        stream_arn, shard_id = str(info.get("streamArn")), str(info.get("shardId"))
        first, last = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
        try:
            iterator: str | None = self._streams.get_shard_iterator(
                StreamArn=stream_arn,
                ShardId=shard_id,
                ShardIteratorType="AT_SEQUENCE_NUMBER",
                SequenceNumber=str(first),
            )["ShardIterator"]
            records: list[dict[str, Any]] = []
            while iterator:
                response = self._streams.get_records(ShardIterator=iterator, Limit=1000)
                page = response.get("Records", [])
                for record in page:
                    number = int(record["dynamodb"]["SequenceNumber"])
                    if first <= number <= last:
                        records.append(polled_record(record, stream_arn).event)
                past_the_end = page and int(page[-1]["dynamodb"]["SequenceNumber"]) >= last
                if past_the_end or not page:
                    break
                iterator = response.get("NextShardIterator")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _TRIMMED:
                return None
            raise
        found = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
        if not found or found[0] != first or found[-1] != last:
            return None
        return records

    def _sessionless_interviews(self, stream_arn: str) -> list[dict[str, Any]]:
        """Every scheduled interview without a session, as the INSERT record its booking made."""
        scheduled: list[dict[str, Any]] = []
        pages = self._dynamodb.get_paginator("scan").paginate(
            TableName=self._targets.interviews_table,
            FilterExpression="#status = :scheduled",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":scheduled": {"S": "SCHEDULED"}},
        )
        for page in pages:
            scheduled += page.get("Items", [])
        with_session = self._with_session([item["interview_id"]["S"] for item in scheduled])
        created = float(int(self._now().timestamp()))
        return [
            {
                "eventID": f"redrive-{item['interview_id']['S']}",
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": self._region,
                "dynamodb": {
                    "ApproximateCreationDateTime": created,
                    "Keys": {"interview_id": item["interview_id"]},
                    "NewImage": item,
                    # create_session names failed records by this; unique within the batch is enough.
                    "SequenceNumber": f"{number:021d}",
                    "SizeBytes": len(json.dumps(item)),
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": stream_arn,
            }
            for number, item in enumerate(scheduled, start=1)
            if item["interview_id"]["S"] not in with_session
        ]

    def _with_session(self, interview_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(interview_ids), 100):
            keys = [{"interview_id": {"S": i}} for i in interview_ids[start : start + 100]]
            pending: Mapping[str, Any] = {
                self._targets.sessions_table: {"Keys": keys, "ProjectionExpression": "interview_id"}
            }
            while pending:
                response = self._dynamodb.batch_get_item(RequestItems=pending)
                for item in response.get("Responses", {}).get(self._targets.sessions_table, []):
                    found.add(item["interview_id"]["S"])
                pending = response.get("UnprocessedKeys", {})
        return found


def _summary(body: Any) -> str:
    if isinstance(body, dict) and "DDBStreamBatchInfo" in body:
        info = body["DDBStreamBatchInfo"]
        span = f"{info.get('startSequenceNumber')}..{info.get('endSequenceNumber')}"
        return f"{info.get('batchSize')} stream record(s) {span}"
    if isinstance(body, dict) and "requestPayload" in body:
        return json.dumps(body["requestPayload"])
    return json.dumps(body)


# ---------------------------------------------------------------------- where things are
def stack_targets(session: boto3.Session, stack_name: str) -> Targets:
    """The deployed stack's queues, functions and tables, by their logical ids."""
    cloudformation = session.client("cloudformation")
    physical: dict[str, str] = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for resource in page["StackResourceSummaries"]:
            physical[resource["LogicalResourceId"]] = resource.get("PhysicalResourceId", "")
    return _targets(physical)


def local_targets(session: boto3.Session, endpoint_url: str | None) -> Targets:
    """The local runtime's, which creates every resource under its logical id."""
    sqs = session.client("sqs", endpoint_url=endpoint_url)
    physical = {queue: sqs.get_queue_url(QueueName=queue)["QueueUrl"] for queue, _ in LOGICAL_IDS.values()}
    physical |= {function: function for _, function in LOGICAL_IDS.values()}
    physical |= {INTERVIEWS_TABLE: INTERVIEWS_TABLE, SESSIONS_TABLE: SESSIONS_TABLE}
    return _targets(physical)


def _targets(physical: Mapping[str, str]) -> Targets:
    needed = [*(logical_id for pair in LOGICAL_IDS.values() for logical_id in pair), INTERVIEWS_TABLE]
    missing = [logical_id for logical_id in [*needed, SESSIONS_TABLE] if not physical.get(logical_id)]
    if missing:
        raise LookupError(f"the stack has no {', '.join(missing)}")
    return Targets(
        queue_urls={kind: physical[queue] for kind, (queue, _) in LOGICAL_IDS.items()},
        function_names={kind: physical[function] for kind, (_, function) in LOGICAL_IDS.items()},
        interviews_table=physical[INTERVIEWS_TABLE],
        sessions_table=physical[SESSIONS_TABLE],
    )


def lambda_invoke(session: boto3.Session, endpoint_url: str | None = None) -> Invoke:
    """Invokes a function and waits for its answer (RequestResponse), as the redrive's success test."""
    client = session.client(
        "lambda",
        endpoint_url=endpoint_url,
        # create_session may take its whole 60 s timeout; throttling is retried, then it counts as a failure.
        config=Config(read_timeout=120, retries={"mode": "standard", "max_attempts": 3}),
    )

    def invoke(function_name: str, payload: dict[str, Any]) -> Invocation:
        try:
            response = client.invoke(FunctionName=function_name, Payload=json.dumps(payload).encode())
        except (BotoCoreError, ClientError) as error:
            return Invocation(False, error=f"{type(error).__name__}: {error}")
        text = response["Payload"].read()
        answer = json.loads(text) if text else None
        if "FunctionError" in response:
            detail = answer.get("errorMessage", "") if isinstance(answer, dict) else ""
            return Invocation(False, answer, f"{response['FunctionError']}: {detail}")
        return Invocation(True, answer)

    return invoke


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.redrive", description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack-name", help="the deployed stack (its resources are looked up by logical id)")
    where.add_argument(
        "--local",
        action="store_true",
        help="the local runtime: AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_LAMBDA name its endpoints",
    )
    parser.add_argument("--region", help="the stack's region (default: the configured one)")
    parser.add_argument("--queue", choices=KINDS, action="append", help="only this queue (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="say what would be redriven; change nothing")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    session = boto3.Session(region_name=args.region)
    targets = local_targets(session, None) if args.local else stack_targets(session, args.stack_name)
    redrive = Redrive(session, targets, lambda_invoke(session))
    reports = redrive.run(args.queue or KINDS, dry_run=args.dry_run)
    for kind, report in reports.items():
        log.info("%s", report.line(kind))
    return 1 if any(report.kept for report in reports.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
