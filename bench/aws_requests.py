"""AWS requests per operation: per booking, per list page, per session (batches of 1 and of 100,
schedules included), per email, per schedule firing and per reminder; and per booking end to end.

Run: make bench (or PYTHONPATH=layers/shared:functions:. python bench/aws_requests.py).
Every request any botocore client sends is counted through a `before-send` handler, the event
botocore raises once per HTTP request, against the template's resources in moto (in-process).
Prints `name: value` lines.
"""

from __future__ import annotations

import io
import math
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from botocore.handlers import BUILTIN_HANDLERS

SENT: Counter[str] = Counter()


def _count(event_name: str, **_: Any) -> None:
    # event_name is before-send.<service>.<Operation>
    SENT[event_name.split(".", 1)[1]] += 1


# Registered before any session exists, so every botocore session (pynamodb's too) counts.
BUILTIN_HANDLERS.insert(0, ("before-send", _count))

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench import index_writes, prices  # noqa: E402
from interview_scheduling.aws_clients import reset_clients  # noqa: E402
from interview_scheduling.settings import reset_settings  # noqa: E402
from local_runtime.aws import moto_sesv2, moto_streams, moto_transactions  # noqa: E402
from local_runtime.aws.resources import create_resources, verify_sender_identity  # noqa: E402
from local_runtime.template import LOCAL_REGION, Resolver, StackTemplate  # noqa: E402
from tests.support.api import ApiClient  # noqa: E402
from tests.support.catalog import create_candidate, create_job, create_slot  # noqa: E402
from tests.support.domain_events import DomainEvents  # noqa: E402
from tests.support.pipeline import Pipeline, sent_emails  # noqa: E402

PARAMETERS = {
    "JwtIssuer": "https://issuer.bench",
    "JwtAudience": "bench",
    "SenderEmail": "interviews@hiring.bench",
    "InterviewBaseUrl": "https://interview.hiring.bench",
    # The functions log every booking and email at INFO; only the figures belong in the output.
    "LogLevel": "WARNING",
}
BOOKINGS = 200
# Billed duration per invocation assumed for the cost figure (see print_cost).
LAMBDA_BILLED_MS = 100


@contextmanager
def counted() -> Iterator[Counter[str]]:
    before = Counter(SENT)
    window: Counter[str] = Counter()
    # Powertools prints a metric once it holds 100 values, even with metrics disabled: not figures.
    with redirect_stdout(io.StringIO()):
        yield window
    window.update(SENT - before)


def _per(window: Counter[str], operations: int) -> str:
    detail = ", ".join(f"{name} {count / operations:.2f}" for name, count in sorted(window.items()))
    return f"{sum(window.values()) / operations:.2f} ({detail})"


def slot_start(index: int) -> timedelta:
    """How far ahead the index-th booking's slot starts. A reminder already past is left out, and
    slot times are whole minutes: from two minutes past a day ahead, every 24-hour reminder is
    still ahead when its session is made, so every run counts the same schedules."""
    return timedelta(days=1, minutes=2 + index)


def _time_side(pipeline: Pipeline, interviews: list[str]) -> tuple[Counter[str], Counter[str], int]:
    """Every schedule fires (reminders, then the no-show check), then the reminders are sent."""
    # The scheduler's own reads are not the system's requests: listed before counting.
    schedules = [schedule for interview_id in interviews for schedule in pipeline.schedules(interview_id)]
    # In time order: reminders before the no-show check, as they would fire.
    schedules.sort(key=lambda schedule: "no_show" in schedule["Name"])
    with counted() as firing:
        for schedule in schedules:
            pipeline.fire(schedule, delete=False)
    firing["lambda.Invoke"] = len(pipeline.invokes)
    print(f"schedules_per_booking: {len(schedules) / len(interviews):.2f}")
    print(f"requests_per_schedule_firing: {_per(firing, len(schedules))}")
    reminders = len(pipeline.invokes)
    with counted() as reminding:
        pipeline.deliver_emails()
    print(f"requests_per_reminder_email: {_per(reminding, reminders)}")
    return firing, reminding, len(schedules)


def _events_side(
    pipeline: Pipeline, template: StackTemplate, resolver: Resolver
) -> tuple[Counter[str], EventCounts]:
    """SES's events for every email sent, to email_events; then both streams through
    domain_events, and each event on the bus to webhook_delivery (no webhook is registered: what
    every event costs before any delivery)."""
    ses_events = pipeline.ses_events()
    with counted() as reporting:
        pipeline.report(ses_events)
    print(f"requests_per_ses_event: {_per(reporting, len(ses_events))}")
    streams = {table: resolver.get_att(table, "StreamArn") for table in ("InterviewsTable", "SessionsTable")}
    domain_events = DomainEvents(template, resolver, streams)
    # Reading the streams is Lambda's work, not the function's: done before counting.
    batches = [domain_events.new_records(table) for table in streams]
    records = [record for batch in batches for record in batch]
    with counted() as publishing:
        for batch in batches:
            assert domain_events.run(batch) == {"batchItemFailures": []}
        on_bus = domain_events.bus_events()
        routed = domain_events.route(on_bus)
        for event in routed:
            domain_events.deliver(event)
    shape = (
        f"[{len(records)} stream records, {len(on_bus)} events on the bus, {len(routed)} to webhook_delivery]"
    )
    print(f"requests_per_booking.domain_events: {_per(publishing, BOOKINGS)} {shape}")
    return reporting + publishing, EventCounts(len(ses_events), len(records), len(on_bus), len(routed))


@dataclass(frozen=True)
class EventCounts:
    """What the event side handled: SES's events, stream records for domain_events, bus events."""

    ses_events: int
    stream_records: int
    bus_events: int
    deliveries: int


def print_cost(
    requests: Counter[str],
    bookings: int,
    firings: int,
    template: StackTemplate,
    events: EventCounts,
    *,
    index_units: int,
) -> None:
    """Dollars per 1,000 bookings at list prices (bench/prices.py), from the counted requests.

    Lambda duration uses the functions' memory sizes from the template and a billed duration per
    invocation of LAMBDA_BILLED_MS: the handlers here run in-process, so their time on this
    machine is no measure of Lambda's; the figure is what the requests cost plus that allowance.
    """
    per_thousand = 1000 / bookings
    sessions_and_bookings = requests["dynamodb.TransactWriteItems"]
    writes = (
        bookings * prices.WRITE_UNITS["dynamodb.TransactWriteItems"]
        + (sessions_and_bookings - bookings) * prices.SESSION_TRANSACTION_WRITE_UNITS
        + requests["dynamodb.UpdateItem"] * prices.WRITE_UNITS["dynamodb.UpdateItem"]
        + index_units  # the global secondary indexes' writes (bench/index_writes.py)
    )
    # BatchGetItem reads several items per request: a booking's job, candidate, slot and session.
    reads = bookings * 4 * prices.READ_UNITS_PER_BATCH_GET_ITEM + requests["dynamodb.BatchGetItem"]
    invocations = {
        "BookInterviewFunction": bookings,
        "CreateSessionFunction": math.ceil(bookings / 100),  # a stream batch holds up to 100 records
        "SendEmailFunction": requests["sesv2.SendEmail"],
        "TimeEventsFunction": firings,
        # One SES event per invocation (the rule's target); stream batches of up to 100 records;
        # one webhook_delivery invocation per event on the bus (the rule's target).
        "EmailEventsFunction": events.ses_events,
        "DomainEventsFunction": math.ceil(events.stream_records / 100),
        "WebhookDeliveryFunction": events.deliveries,
    }
    gb_seconds = sum(
        count * template.functions[function_id].memory_mb / 1024 * LAMBDA_BILLED_MS / 1000
        for function_id, count in invocations.items()
    )
    costs = {
        "dynamodb": writes * prices.DYNAMODB_PER_WRITE_UNIT + reads * prices.DYNAMODB_PER_READ_UNIT,
        "ses": requests["sesv2.SendEmail"] * prices.SES_PER_EMAIL,
        "lambda_requests": sum(invocations.values()) * prices.LAMBDA_PER_REQUEST,
        "lambda_duration": gb_seconds * prices.LAMBDA_ARM_PER_GB_SECOND,
        "http_api": bookings * prices.HTTP_API_PER_REQUEST,
        "scheduler": firings * prices.SCHEDULER_PER_INVOCATION,
        "secrets_manager": requests["secrets-manager.GetSecretValue"] * prices.SECRETS_MANAGER_PER_CALL,
        "eventbridge": events.bus_events * prices.EVENTBRIDGE_PER_EVENT,
    }
    total = sum(costs.values()) * per_thousand
    where = ", ".join(
        f"{name} {cost * per_thousand:.4f} ({cost * per_thousand / total:.0%})"
        for name, cost in sorted(costs.items(), key=lambda item: -item[1])
    )
    print(f"dollars_per_1000_bookings: {total:.4f} ({where}; {prices.PRICES_DATE})")


# Each list, and what it is asked: the figure is the requests per page of 25.
LISTS = {
    "job_interviews": ("/jobs/{job}/interviews", {}),
    "job_interviews.status": ("/jobs/{job}/interviews", {"status": "SCHEDULED"}),
    "interviews": ("/interviews", {}),
    "interviews.updated_after": ("/interviews", {"updated_after": "2000-01-01T00:00:00Z"}),
    "slots": ("/jobs/{job}/slots", {}),
    "slots.available": ("/jobs/{job}/slots", {"available": "true"}),
    "candidates": ("/jobs/{job}/candidates", {}),
}


def _pages(api: ApiClient, job_id: str) -> None:
    """Pages of 25 through each list, counted to the last; 30 free slots join the booked ones."""
    for n in range(30):
        create_slot(api, job_id, starts_in=timedelta(days=2, minutes=n))
    for name, (path, query) in LISTS.items():
        pages, items, cursor = 0, 0, None
        with counted() as requests:
            while True:
                page = api.get(
                    path.format(job=job_id), query={**query, **({"cursor": cursor} if cursor else {})}
                )
                assert page.status == 200, page.body
                pages, items = pages + 1, items + len(page.body["items"])
                cursor = page.body["next_cursor"]
                if cursor is None:
                    break
        shape = f"[{pages} pages, {items / pages:.1f} items each]"
        print(f"requests_per_page.{name}: {_per(requests, pages)} {shape}")


def main() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION=LOCAL_REGION,
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    template = StackTemplate()
    moto_transactions.install()
    moto_sesv2.install()
    moto_streams.install()
    with mock_aws():
        session = boto3.Session(region_name=LOCAL_REGION)
        attributes = create_resources(template, session)
        verify_sender_identity(PARAMETERS["SenderEmail"], session)
        resolver = Resolver(template, PARAMETERS, attributes)
        for function_id in template.functions:
            os.environ.update(resolver.environment(function_id))
        reset_settings()
        reset_clients()
        api = ApiClient(template)
        job_id = create_job(api)
        slots = [create_slot(api, job_id, starts_in=slot_start(i)) for i in range(BOOKINGS)]
        candidates = [
            create_candidate(api, job_id, email=f"c{i}@example.com", resume_text="Python, Go, Kafka")
            for i in range(BOOKINGS)
        ]

        interviews = []
        with index_writes.counting(template) as index_units:
            with counted() as booking:
                for candidate_id, slot_id in zip(candidates, slots, strict=True):
                    body = {"candidate_id": candidate_id, "slot_id": slot_id}
                    answer = api.post(f"/jobs/{job_id}/interviews", body)
                    assert answer.status == 201
                    interviews.append(answer.body["interview_id"])
            print(f"requests_per_booking: {_per(booking, BOOKINGS)}")
            before_pages = Counter(index_units)
            _pages(api, job_id)
            index_units.subtract(index_units - before_pages)  # the lists' own 30 slots are not bookings'

            pipeline = Pipeline(template, resolver.get_att("InterviewsTable", "StreamArn"), resolver)
            records = pipeline.new_records()
            half = BOOKINGS // 2
            # The pipeline answers Lambda invokes before they are sent; they are requests all the same.
            with counted() as singles:
                for record in records[:half]:
                    pipeline.run_create_session([record])
            singles["lambda.Invoke"] = len(pipeline.invokes)
            print(f"requests_per_session.batch_1: {_per(singles, half)}")
            with counted() as batch:
                pipeline.run_create_session(records[half:])
            batch["lambda.Invoke"] = len(pipeline.invokes) - half
            print(f"requests_per_session.batch_{BOOKINGS - half}: {_per(batch, BOOKINGS - half)}")

            emails = len(pipeline.invokes)
            with counted() as sending:
                pipeline.deliver_emails()
            assert len(sent_emails()) == emails == BOOKINGS
            print(f"requests_per_email: {_per(sending, emails)}")

            firing, reminding, firings = _time_side(pipeline, interviews)
            event_side, events = _events_side(pipeline, template, resolver)
            end_to_end = booking + singles + batch + sending + firing + reminding + event_side
        print(f"requests_per_booking_end_to_end: {_per(end_to_end, BOOKINGS)}")
        print(f"index_write_units_per_booking: {_per(+index_units, BOOKINGS)}")
        print_cost(end_to_end, BOOKINGS, firings, template, events, index_units=sum(index_units.values()))


if __name__ == "__main__":
    main()
