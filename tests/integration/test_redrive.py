"""scripts/redrive.py against moto, in-process: each failure queue's messages, made the way
Lambda and EventBridge Scheduler make them, go back to their function once the fault is gone,
and are deleted only then."""

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from interview_scheduling.models import Interview, InterviewSession
from interview_scheduling.settings import schedule_settings
from local_runtime.lambda_.async_invoke import RETRIES_EXHAUSTED, QueuedEvent, async_failure_record
from local_runtime.streams.batches import stream_failure_record
from scripts.capture_events import handler_of
from scripts.redrive import (
    EMAIL,
    EVENTS,
    SCHEDULE,
    SESSION,
    WEBHOOK,
    Invocation,
    Invoke,
    Redrive,
    local_targets,
    main,
    stack_targets,
)
from tests.support.api import LambdaContextStub
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot
from tests.support.pipeline import invoked, sent_emails


class Fault(Exception):
    """What went wrong before the fix."""


def failing(what: str) -> Any:
    def fail(*_: Any) -> None:
        raise Fault(what)

    return fail


@pytest.fixture
def redrive_invoke(aws, pipeline, monkeypatch) -> Invoke:
    """Each function invoked in-process with its template environment, as a synchronous invoke."""

    def invoke(function_name: str, payload: dict[str, Any]) -> Invocation:
        aws.use_function_environment(monkeypatch, function_name)
        handler = handler_of(aws.template, function_name)
        result = invoked(lambda: handler(payload, LambdaContextStub()))
        return Invocation(result.ok, result.json(), "" if result.ok else result.error_summary())

    return invoke


@pytest.fixture
def redrive(aws, redrive_invoke) -> Redrive:
    return Redrive(aws.session, local_targets(aws.session, None), redrive_invoke, wait_seconds=0)


def queue_url(aws, queue_id: str) -> str:
    return str(aws.session.client("sqs").get_queue_url(QueueName=queue_id)["QueueUrl"])


def messages_left(aws, queue_id: str) -> int:
    attributes = aws.session.client("sqs").get_queue_attributes(
        QueueUrl=queue_url(aws, queue_id),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def visible(aws, queue_id: str) -> int:
    attributes = aws.session.client("sqs").get_queue_attributes(
        QueueUrl=queue_url(aws, queue_id), AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def send(aws, queue_id: str, body: Any, **attributes: str) -> None:
    aws.session.client("sqs").send_message(
        QueueUrl=queue_url(aws, queue_id),
        MessageBody=json.dumps(body),
        MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
    )


def booked(api) -> str:
    job_id = create_job(api)
    return book_interview(api, job_id, create_candidate(api, job_id), create_slot(api, job_id))


def park_failed_stream_batch(aws, pipeline, monkeypatch) -> None:
    """create_session fails on every record until its retries run out; the mapping sends its
    on-failure record to SessionFailuresQueue, as Lambda does."""
    import create_session.app

    with monkeypatch.context() as patch:
        patch.setattr(create_session.app, "apply_change", failing("DynamoDB was unreachable"))
        run = pipeline.process_stream_as_lambda()
    streams = aws.session.client("dynamodbstreams")
    (shard,) = streams.describe_stream(StreamArn=pipeline.stream_arn)["StreamDescription"]["Shards"]
    for discarded in run.discarded:
        record = stream_failure_record(
            discarded,
            function_arn=aws.resolver.get_att("CreateSessionFunction", "Arn"),
            shard_id=shard["ShardId"],
            stream_arn=pipeline.stream_arn,
        )
        send(aws, "SessionFailuresQueue", record)
    assert run.discarded and InterviewSession.count() == 0


def test_a_stream_batch_is_read_again_and_gets_its_session_and_invitation(
    api, aws, pipeline, redrive, monkeypatch
):
    """services-dynamodb-errors (Lambda developer guide): the on-failure record names the shard
    and sequence numbers; the records, still in the stream, are given to create_session again."""
    interview_id = booked(api)
    park_failed_stream_batch(aws, pipeline, monkeypatch)

    report = redrive.run([SESSION])[SESSION]

    assert (report.redriven, report.kept, report.notes) == (1, [], [])
    assert InterviewSession.get(interview_id)
    assert [(r["interview_id"], r["kind"]) for r in pipeline.invokes] == [(interview_id, "invitation")]
    assert messages_left(aws, "SessionFailuresQueue") == 0
    # Nothing is left to redrive, and a second run changes nothing.
    assert redrive.run([SESSION])[SESSION].redriven == 0
    assert InterviewSession.count() == 1


def test_a_batch_that_fails_again_stays_in_its_queue(api, aws, pipeline, redrive, monkeypatch):
    """Deleted only after the redrive succeeded: a fault not yet fixed keeps the message."""
    import create_session.app

    booked(api)
    park_failed_stream_batch(aws, pipeline, monkeypatch)

    with monkeypatch.context() as patch:
        patch.setattr(create_session.app, "apply_change", failing("still down"))
        report = redrive.run([SESSION])[SESSION]

    assert report.redriven == 0
    (why,) = report.kept
    assert "create_session failed again" in why
    assert visible(aws, "SessionFailuresQueue") == 1  # the alarm still sees it
    assert "Fault" in why or "All records failed" in why
    assert messages_left(aws, "SessionFailuresQueue") == 1


def test_records_the_stream_no_longer_has_are_rebuilt_from_interviews_without_a_session(
    api, aws, pipeline, redrive_invoke
):
    """services-ddb-params (Lambda developer guide): "The data retention limit for DynamoDB
    Streams is 24 hours". Past it, every scheduled interview without a session is given to
    create_session as its booking; a cancelled one, or one with its session, is left alone."""
    with_session = booked(api)
    pipeline.run()
    without = booked(api)
    cancelled_job = create_job(api)
    cancelled = book_interview(
        api, cancelled_job, create_candidate(api, cancelled_job), create_slot(api, cancelled_job)
    )
    assert api.post(f"/jobs/{cancelled_job}/interviews/{cancelled}/cancel").status == 200
    pipeline.invokes.clear()
    lost = {
        "DDBStreamBatchInfo": {
            "shardId": "shardId-00000001700000000000-trimmed",
            "startSequenceNumber": "100000000000000000100",
            "endSequenceNumber": "100000000000000000200",
            "batchSize": 2,
            "streamArn": pipeline.stream_arn,
        },
        "requestContext": {"condition": "RecordAgeExceeded"},
    }
    send(aws, "SessionFailuresQueue", lost)

    # What DynamoDB Streams answers for records past their retention (moto keeps every record).
    def trimmed(**_: Any) -> None:
        error = {"Error": {"Code": "TrimmedDataAccessException", "Message": "trimmed"}}
        raise ClientError(error, "GetShardIterator")  # type: ignore[arg-type]

    hook = "before-call.dynamodbstreams.GetShardIterator"
    aws.session.events.register(hook, trimmed)
    try:
        report = Redrive(aws.session, local_targets(aws.session, None), redrive_invoke, wait_seconds=0).run(
            [SESSION]
        )[SESSION]
    finally:
        aws.session.events.unregister(hook, trimmed)

    assert (report.redriven, report.kept) == (1, [])
    (note,) = report.notes
    assert "1 scheduled interview(s) without a session" in note
    assert {s.interview_id for s in InterviewSession.scan()} == {with_session, without}
    assert Interview.get(cancelled).status.value == "CANCELLED"
    assert [(r["interview_id"], r["kind"]) for r in pipeline.invokes] == [(without, "invitation")]


def test_an_email_whose_every_attempt_failed_is_sent_once(api, aws, pipeline, redrive, monkeypatch):
    """invocation-async-retain-records (Lambda developer guide): the async on-failure record holds
    the event in requestPayload; send_email gets it again and the email goes out once."""
    import send_email.app

    interview_id = booked(api)
    pipeline.process_stream()
    with monkeypatch.context() as patch:
        patch.setattr(send_email.app, "deliver", failing("the host died"))
        run = pipeline.deliver_emails_as_lambda()
    (payload,) = run.parked
    event = QueuedEvent("req-1", json.dumps(payload).encode(), 0.0, attempts=3)
    record = async_failure_record(event, RETRIES_EXHAUSTED, aws.resolver.get_att("SendEmailFunction", "Arn"))
    send(aws, "EmailFailuresQueue", record)
    assert sent_emails() == []

    report = redrive.run([EMAIL])[EMAIL]

    assert (report.redriven, report.kept) == (1, [])
    (message,) = sent_emails()
    assert message["To"].addresses[0].addr_spec == "ada@example.com"
    assert pipeline.invokes == [] and interview_id
    assert messages_left(aws, "EmailFailuresQueue") == 0
    # The same record again (a second operator, a delete that failed) sends nothing more.
    send(aws, "EmailFailuresQueue", record)
    assert redrive.run([EMAIL])[EMAIL].redriven == 1
    assert len(sent_emails()) == 1


def test_both_kinds_of_schedule_failure_are_fired_again(api, aws, pipeline, redrive):
    """configuring-schedule-dlq (EventBridge Scheduler user guide): the dead-letter message is the
    target's input, with ERROR_CODE and the other attributes; invocation-async-retain-records:
    time_events' own on-failure record holds it in requestPayload. Both reach time_events."""
    interview_id = booked(api)
    pipeline.run()
    pipeline.invokes.clear()
    reminders = {
        int(json.loads(s["Target"]["Input"])["reminder_minutes"]): json.loads(s["Target"]["Input"])
        for s in pipeline.schedules(interview_id)
        if "reminder" in s["Name"]
    }
    assert set(reminders) == {1440, 60}
    send(aws, "ScheduleFailuresQueue", reminders[1440], ERROR_CODE="Lambda.TooManyRequestsException")
    event = QueuedEvent("req-2", json.dumps(reminders[60]).encode(), 0.0, attempts=3)
    arn = aws.resolver.get_att("TimeEventsFunction", "Arn")
    send(aws, "ScheduleFailuresQueue", async_failure_record(event, RETRIES_EXHAUSTED, arn))

    report = redrive.run([SCHEDULE])[SCHEDULE]

    assert (report.redriven, report.kept) == (2, [])
    assert sorted((r["kind"], r["reminder_minutes"]) for r in pipeline.invokes) == [
        ("reminder", 60),
        ("reminder", 1440),
    ]
    assert messages_left(aws, "ScheduleFailuresQueue") == 0
    assert schedule_settings().schedule_group


def test_a_dry_run_says_what_it_would_do_and_changes_nothing(api, aws, pipeline, redrive, caplog):
    booked(api)
    pipeline.run()
    send(aws, "ScheduleFailuresQueue", {"action": "no_show", "interview_id": "x", "revision": 0})
    with caplog.at_level("INFO", logger="redrive"):
        reports = redrive.run(dry_run=True)
    assert all(report.redriven == 0 and not report.kept for report in reports.values())
    assert "would redrive" in caplog.text
    assert visible(aws, "ScheduleFailuresQueue") == 1


def test_a_message_that_is_not_a_failure_record_is_kept_and_named(aws, redrive):
    send(aws, "EmailFailuresQueue", {"something": "else"})
    (why,) = redrive.run([EMAIL])[EMAIL].kept
    assert "no requestPayload" in why
    assert messages_left(aws, "EmailFailuresQueue") == 1


class _Paginator:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self._pages = pages

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return self._pages


class _CloudFormation:
    def __init__(self, resources: dict[str, str]) -> None:
        self._resources = resources

    def get_paginator(self, name: str) -> _Paginator:
        assert name == "list_stack_resources"
        summaries = [{"LogicalResourceId": k, "PhysicalResourceId": v} for k, v in self._resources.items()]
        return _Paginator(
            [{"StackResourceSummaries": summaries[:3]}, {"StackResourceSummaries": summaries[3:]}]
        )


class _Session:
    def __init__(self, resources: dict[str, str]) -> None:
        self._resources = resources

    def client(self, service: str) -> _CloudFormation:
        assert service == "cloudformation"
        return _CloudFormation(self._resources)


def test_a_deployed_stack_is_found_by_its_logical_ids():
    resources = {
        "SessionFailuresQueue": "https://sqs.eu-west-1.amazonaws.com/1/prod-SessionFailuresQueue-A",
        "EmailFailuresQueue": "https://sqs.eu-west-1.amazonaws.com/1/prod-EmailFailuresQueue-B",
        "ScheduleFailuresQueue": "https://sqs.eu-west-1.amazonaws.com/1/prod-ScheduleFailuresQueue-C",
        "CreateSessionFunction": "prod-create-session",
        "SendEmailFunction": "prod-send-email",
        "TimeEventsFunction": "prod-time-events",
        "DomainEventFailuresQueue": "https://sqs.eu-west-1.amazonaws.com/1/prod-DomainEventFailuresQueue-F",
        "WebhookFailuresQueue": "https://sqs.eu-west-1.amazonaws.com/1/prod-WebhookFailuresQueue-G",
        "DomainEventsFunction": "prod-domain-events",
        "WebhookDeliveryFunction": "prod-webhook-delivery",
        "InterviewsTable": "prod-InterviewsTable-D",
        "SessionsTable": "prod-SessionsTable-E",
    }
    targets = stack_targets(_Session(resources), "prod")  # type: ignore[arg-type]
    assert targets.queue_urls[SESSION].endswith("SessionFailuresQueue-A")
    assert targets.function_names == {
        SESSION: "prod-create-session",
        EMAIL: "prod-send-email",
        SCHEDULE: "prod-time-events",
        EVENTS: "prod-domain-events",
        WEBHOOK: "prod-webhook-delivery",
    }
    assert (targets.interviews_table, targets.sessions_table) == (
        "prod-InterviewsTable-D",
        "prod-SessionsTable-E",
    )
    del resources["TimeEventsFunction"]
    with pytest.raises(LookupError, match="TimeEventsFunction"):
        stack_targets(_Session(resources), "prod")  # type: ignore[arg-type]


def test_the_command_redrives_the_local_stack_and_fails_while_messages_stay(aws, capsys):
    send(aws, "EmailFailuresQueue", {"something": "else"})
    assert main(["--local", "--queue", "email", "--dry-run"]) == 0
    assert main(["--local", "--queue", "email"]) == 1
