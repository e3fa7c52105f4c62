"""Runs the asynchronous half of the system in-process: stream → create_session → send_email,
and SES's events → email_events.

Stream records are read from moto's DynamoDB Streams and shaped as Lambda delivers them, and
filtered and batched by the template's event source mapping. The one boundary faked here is the
Lambda Invoke API: create_session's asynchronous invokes are caught and kept, so a test decides
when (and how often) send_email receives them. The local runtime serves the real Invoke API.

SES's events for the emails moto accepted are made by the local runtime's SES (the mailbox
simulator and the configuration set's event destination in the template) and routed by the
template's EventBridge rule, as `make run` does; a test decides when and how often email_events
receives them.

`process_stream_as_lambda` and `deliver_emails_as_lambda` add Lambda's retry rules (the local
runtime's own, from `local_runtime.streams.batches` and `local_runtime.lambda_.async_invoke`), so a test
can make an invocation fail or crash and see what Lambda's retries make of it.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import partial
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from interview_scheduling import aws_clients
from interview_scheduling.settings import schedule_settings
from local_runtime.aws.moto_sesv2 import SentWith, sent_with
from local_runtime.aws.outbox import MotoSesWatcher
from local_runtime.eventbridge.bus import DefaultEventBus, bind_rules
from local_runtime.lambda_.async_invoke import LAMBDA_RETRY_DELAYS, Discard, QueuedEvent, Retry, next_step
from local_runtime.lambda_.invocation import InvocationResult, error_result
from local_runtime.ses.publisher import SesEventPublisher, published_event_types
from local_runtime.streams.batches import DiscardedBatch, ShardBatchProcessor, StreamRetryPolicy
from local_runtime.streams.event_filter import matches_any
from local_runtime.streams.records import PolledRecord, polled_record, streams_client
from local_runtime.template import LOCAL_REGION, Resolver, StackTemplate
from tests.support.api import LambdaContextStub

SEND_EMAIL_FUNCTION = "SendEmailFunction"
EMAIL_EVENTS_FUNCTION = "EmailEventsFunction"


class Crash(BaseException):
    """The function's process died mid-invocation (timeout, out of memory, lost host).

    A BaseException, so that no `except Exception` in the code under test can catch it: nothing
    after the crash point runs, and Lambda sees the invocation fail.
    """


@dataclass
class StreamRun:
    """How create_session's invocations went for one `process_stream_as_lambda`."""

    invocations: int = 0
    failed_invocations: int = 0
    discarded: list[DiscardedBatch] = field(default_factory=list)  # sent to the on-failure queue


@dataclass
class EmailRun:
    """How send_email's invocations went for one `deliver_emails_as_lambda`."""

    invocations: int = 0
    failed_invocations: int = 0
    parked: list[dict[str, Any]] = field(default_factory=list)  # sent to the on-failure queue


def decisive(results: Sequence[InvocationResult]) -> InvocationResult:
    """What Lambda acts on when one attempt was delivered several times: any failure, else the last."""
    return next((result for result in results if not result.ok), results[-1])


def invoked(call: Callable[[], Any]) -> InvocationResult:
    """One invocation as Lambda reports it: the handler's answer, or an error for an exception or crash."""
    try:
        answer = call()
    except (Exception, Crash) as error:
        return error_result(type(error).__name__, str(error))
    return InvocationResult(json.dumps(answer).encode())


@dataclass
class Pipeline:
    template: StackTemplate
    stream_arn: str
    resolver: Resolver
    invokes: list[dict[str, Any]] = field(default_factory=list)
    _iterators: dict[str, str] = field(default_factory=dict)
    _ses_events: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        (source,) = [s for s in self.template.stream_sources() if s.function_id == "CreateSessionFunction"]
        self.source = source
        aws_clients.lambda_().meta.events.register("before-call.lambda.Invoke", self._capture_invoke)  # type: ignore[arg-type]
        bus = DefaultEventBus(bind_rules(self.template, self.resolver), self._capture_event)
        publisher = SesEventPublisher(published_event_types(self.template, self.resolver), bus.put_events)
        self._ses_watcher = MotoSesWatcher([publisher])

    def _capture_event(self, function_id: str, payload: bytes, request_id: str) -> None:
        assert function_id == EMAIL_EVENTS_FUNCTION, function_id
        self._ses_events.append(json.loads(payload))

    def _capture_invoke(self, params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        self.invokes.append(json.loads(params["body"]))
        reply = {"StatusCode": 202, "ResponseMetadata": {"HTTPStatusCode": 202}}
        return AWSResponse("", 202, HTTPHeaders(), None), reply

    # ------------------------------------------------------------------ stream side
    def new_records(self) -> list[dict[str, Any]]:
        """Records added to the stream since the last call, as Lambda's event records."""
        return [record.event for record in self.new_polled_records()]

    def new_polled_records(self) -> list[PolledRecord]:
        """Records added to the stream since the last call that the mapping's filter lets through."""
        streams = streams_client(boto3.Session(region_name=LOCAL_REGION))
        records: list[PolledRecord] = []
        for shard in streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            iterator = (
                self._iterators.get(shard_id)
                or streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            response = streams.get_records(ShardIterator=iterator)
            self._iterators[shard_id] = response["NextShardIterator"]
            records += [polled_record(r, self.stream_arn) for r in response["Records"]]
        return [r for r in records if matches_any(self.source.filter_patterns, r.event)]

    def run_create_session(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        from create_session.app import handler

        result: dict[str, Any] = handler({"Records": records}, LambdaContextStub())
        return result

    def process_stream(self, deliveries: int = 1) -> list[dict[str, Any]]:
        """Feeds new records to create_session in template-sized batches, each batch `deliveries` times."""
        records = self.new_records()
        results = []
        for start in range(0, len(records), self.source.batch_size):
            batch = records[start : start + self.source.batch_size]
            for _ in range(deliveries):
                results.append(self.run_create_session(batch))
        return results

    def process_stream_as_lambda(self, deliveries: int = 1) -> StreamRun:
        """New records through create_session by the mapping's rules: a failed batch is bisected or
        retried, and discarded once its retries run out. Each attempt is delivered `deliveries` times
        in a row (a duplicate delivery); if any of them failed, the attempt failed.
        """
        run = StreamRun()

        def invoke(records: Sequence[PolledRecord]) -> InvocationResult:
            events = [record.event for record in records]
            results = [invoked(lambda: self.run_create_session(events)) for _ in range(deliveries)]
            run.invocations += deliveries
            run.failed_invocations += sum(not result.ok for result in results)
            return decisive(results)

        processor = ShardBatchProcessor(StreamRetryPolicy.of(self.source), invoke, run.discarded.append)
        records = self.new_polled_records()
        for start in range(0, len(records), self.source.batch_size):
            processor.process(records[start : start + self.source.batch_size])
        return run

    # ------------------------------------------------------------------ email side
    def deliver_emails(self, deliveries: int = 1) -> list[Any]:
        """Hands every caught invoke to send_email, each `deliveries` times; returns what each returned."""
        from send_email.app import handler

        pending, self.invokes = self.invokes, []
        return [handler(payload, LambdaContextStub()) for payload in pending for _ in range(deliveries)]

    def deliver_emails_as_lambda(
        self, deliveries: int = 1, before_retry: Callable[[float], None] = lambda _seconds: None
    ) -> EmailRun:
        """Every caught invoke through send_email with the function's asynchronous retries: a failed
        attempt is retried after AWS's delays (`before_retry` is told each, e.g. to move a clock) until
        it succeeds or its retries run out. Each attempt is delivered `deliveries` times in a row; if
        any of them failed, the attempt failed.
        """
        from send_email.app import handler

        config = self.template.functions[SEND_EMAIL_FUNCTION].async_config
        run = EmailRun()
        pending = [QueuedEvent(str(n), json.dumps(p).encode(), 0.0) for n, p in enumerate(self.invokes)]
        self.invokes = []
        while pending:
            retrying: list[QueuedEvent] = []
            delay = 0.0
            for event in pending:
                payload = json.loads(event.payload)
                results = [invoked(partial(handler, payload, LambdaContextStub())) for _ in range(deliveries)]
                run.invocations += deliveries
                run.failed_invocations += sum(not result.ok for result in results)
                event.attempts += 1
                event.last_result = decisive(results)
                # The event's age is not what ends retries here; its attempts are.
                step = next_step(event, event.received_at, config, LAMBDA_RETRY_DELAYS)
                if isinstance(step, Retry):
                    retrying.append(event)
                    delay = max(delay, step.delay_seconds)
                elif isinstance(step, Discard):
                    run.parked.append(payload)
            if retrying:
                before_retry(delay)
            pending = retrying
        return run

    def run(self, deliveries: int = 1) -> None:
        self.process_stream(deliveries)
        self.deliver_emails(deliveries)

    # ------------------------------------------------------------------ SES's events
    def ses_events(self) -> list[dict[str, Any]]:
        """SES's events about the emails sent since the last call, as the template's rule hands
        them to email_events (EventBridge events, as AWS shapes them)."""
        self._ses_watcher()
        events, self._ses_events = self._ses_events, []
        return events

    def report(self, events: Sequence[dict[str, Any]], deliveries: int = 1) -> list[dict[str, Any]]:
        """Hands each event to email_events, `deliveries` times; returns what each returned."""
        from email_events.app import handler

        return [handler(event, LambdaContextStub()) for event in events for _ in range(deliveries)]

    def run_with_outcomes(self, deliveries: int = 1) -> list[dict[str, Any]]:
        """The pipeline, then what SES reports about each email it sent."""
        self.run(deliveries)
        return self.report(self.ses_events(), deliveries)

    # ------------------------------------------------------------------ time side
    def schedules(self, interview_id: str) -> list[dict[str, Any]]:
        """The interview's schedules as EventBridge Scheduler holds them (GetSchedule answers)."""
        scheduler = boto3.client("scheduler", region_name=LOCAL_REGION)
        group = schedule_settings().schedule_group
        listed = scheduler.list_schedules(GroupName=group, NamePrefix=f"{interview_id}-")["Schedules"]
        return [dict(scheduler.get_schedule(Name=s["Name"], GroupName=group)) for s in listed]

    def fire(self, schedule: dict[str, Any], *, delete: bool = True) -> Any:
        """What the scheduler does with a due schedule: invoke its target with its input, then,
        as ActionAfterCompletion DELETE asks, delete it (`delete=False` fires it again later)."""
        from time_events import app

        result = app.handler(json.loads(schedule["Target"]["Input"]), LambdaContextStub())
        if delete and schedule.get("ActionAfterCompletion") == "DELETE":
            scheduler = boto3.client("scheduler", region_name=LOCAL_REGION)
            scheduler.delete_schedule(Name=schedule["Name"], GroupName=schedule["GroupName"])
        return result


def session_key_of(message: EmailMessage) -> str:
    """The session key in the interview link of an email."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"session_key=([A-Za-z0-9_-]+)", body.get_content())
    assert found, "the email carries no interview link"
    return found.group(1)


def sent_emails() -> list[EmailMessage]:
    """Every email moto's SES accepted, parsed back with the standard library."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION]
    return [email.message_from_string(m.raw_data, policy=email.policy.default) for m in backend.sent_messages]


def sent_emails_with() -> list[tuple[EmailMessage, SentWith]]:
    """Every email moto's SES accepted, with the configuration set and tags its send named."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION]
    return [
        (email.message_from_string(m.raw_data, policy=email.policy.default), sent_with(m))
        for m in backend.sent_messages
    ]


def calendar_of(message: EmailMessage) -> dict[str, str]:
    """The VEVENT/VCALENDAR properties of the message's calendar part, unfolded."""
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    text = part.get_content()
    unfolded = text.replace("\r\n ", "").replace("\n ", "")
    properties: dict[str, str] = {}
    for line in unfolded.splitlines():
        name, _, value = line.partition(":")
        properties.setdefault(name.split(";")[0], value)
    return properties
