"""Writes events/ (one real event per function, as AWS delivers it) and env.json, for
`sam local invoke` and `sam local start-api` against the local runtime's embedded AWS.

`python -m scripts.capture_events` books an interview in-process against moto, with the
template's resources, and keeps what each function receives, made by the local runtime's own
event builders: API Gateway HTTP API payload 2.0 events (`local_runtime.apigw.events`), the
DynamoDB stream batch as Lambda delivers it (`local_runtime.streams.records`), the asynchronous
invoke create_session makes of send_email, and the input of the reminder schedule it creates for
time_events. Ids, the clock and the link-signing secret are fixed (`deterministic`), so the files
replayed in order in an empty stack make the same items, keys and events again:
tests/integration/test_events.py does that with every handler, so the files cannot rot.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module
from pathlib import Path
from typing import Any, Final
from unittest import mock

import boto3

from local_runtime.apigw.events import HttpRequest, JwtContext, RouteTable, build_event
from local_runtime.config import LOCAL_PARAMETERS
from local_runtime.streams.records import polled_record, streams_client
from local_runtime.template import LOCAL_REGION, REPO_ROOT, Resolver, StackTemplate, import_environment

EVENTS_DIR: Final = REPO_ROOT / "events"
ENV_FILE: Final = REPO_ROOT / "env.json"
# When the interview was booked, and its slot: within the booking horizon of today's clock too,
# so the files also work by hand against a runtime on the real clock until then.
BOOKED_AT: Final = datetime(2028, 9, 10, 9, 0, tzinfo=UTC)
SLOT_START: Final = datetime(2028, 9, 12, 9, 0, tzinfo=UTC)  # 10:00 in London (BST)
# The link-signing secret of the replay: a fixed value for local stacks only.
LOCAL_LINK_SECRET: Final = "local-events-only-not-a-secret-of-any-deployed-stack"  # noqa: S105
ORG_ID: Final = "demo-org"
IDEMPOTENCY_KEY: Final = "events-booking-1"
# A receiver on the machine that runs the local runtime (none listens there in the replay).
WEBHOOK_URL: Final = "http://127.0.0.1:9/hooks"
# What the local runtime gives the functions that declare it: webhooks to loopback receivers.
LOCAL_OVERRIDES: Final = {"WEBHOOK_ALLOW_LOOPBACK": "true"}
# The endpoints a function in sam local's container reaches the local runtime on (Docker Desktop).
LOCAL_ENDPOINTS: Final = {
    "AWS_ENDPOINT_URL": "http://host.docker.internal:4566",
    "AWS_ENDPOINT_URL_LAMBDA": "http://host.docker.internal:3001",
}


@dataclass(frozen=True)
class Step:
    """One event file: which function takes it, and when (the clock of the replay)."""

    function_id: str
    name: str
    at: datetime

    @property
    def path(self) -> Path:
        return EVENTS_DIR / self.function_id / f"{self.name}.json"


# In the order they happen; each needs what the ones before it made.
STEPS: Final = (
    Step("CatalogFunction", "create-job", BOOKED_AT),
    Step("CatalogFunction", "create-candidate", BOOKED_AT),
    Step("CatalogFunction", "create-slot", BOOKED_AT),
    Step("WebhooksFunction", "create-webhook", BOOKED_AT),
    Step("BookInterviewFunction", "book-interview", BOOKED_AT),
    Step("CreateSessionFunction", "interview-booked", BOOKED_AT),
    Step("DomainEventsFunction", "booking-events", BOOKED_AT),
    Step("WebhookDeliveryFunction", "webhook-delivered", BOOKED_AT),
    Step("SendEmailFunction", "invitation", BOOKED_AT),
    Step("EmailEventsFunction", "invitation-delivered", BOOKED_AT),
    Step("CandidatePagesFunction", "reschedule-page", BOOKED_AT),
    Step("TimeEventsFunction", "reminder", SLOT_START - timedelta(days=1)),
    Step("CandidateSessionFunction", "get-session", SLOT_START - timedelta(minutes=10)),
    Step("CandidateDataFunction", "export-candidate", SLOT_START - timedelta(minutes=10)),
)


class Clock:
    """The replay's clock, moved step by step."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def fixed_id(counter: Iterator[int]) -> Callable[[], str]:
    """Ids shaped like `new_id`'s (32 hex digits), the same sequence on every run."""
    return lambda: hashlib.sha256(f"events-{next(counter)}".encode()).hexdigest()[:32]


@contextmanager
def deterministic(session: boto3.Session) -> Iterator[Clock]:
    """Fixed ids, a clock the caller moves, and the fixed link-signing secret, in the stack that
    `session` reaches; restored on exit."""
    from interview_scheduling import catalog, clock, session_keys, webhooks  # noqa: PLC0415 - after the environment

    moments = Clock(BOOKED_AT)
    secrets = session.client("secretsmanager")
    secrets.put_secret_value(SecretId="LinkSigningSecret", SecretString=LOCAL_LINK_SECRET)
    session_keys.reset()
    with (
        mock.patch.object(clock, "now", moments.now),
        mock.patch.object(catalog, "new_id", fixed_id(itertools.count(1))),
        mock.patch.object(webhooks, "new_id", fixed_id(itertools.count(1001))),
    ):
        yield moments
    session_keys.reset()


class LocalContext:
    """What a handler reads of Lambda's context."""

    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-4000-8000-000000000000"

    def __init__(self, function_id: str) -> None:
        self.function_name = function_id
        self.invoked_function_arn = f"arn:aws:lambda:{LOCAL_REGION}:123456789012:function:{function_id}"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def handler_of(template: StackTemplate, function_id: str) -> Callable[[dict[str, Any], Any], Any]:
    module_name, attribute = template.functions[function_id].handler.rsplit(".", 1)
    handler: Callable[[dict[str, Any], Any], Any] = getattr(import_module(module_name), attribute)
    return handler


def http_event(
    template: StackTemplate,
    method: str,
    path: str,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The payload 2.0 event API Gateway sends for this request, with the claims its JWT
    authorizer passes on for routes that have one."""
    match = RouteTable(template.http_routes()).match(method, path)
    if match is None:
        raise LookupError(f"the template routes no {method} {path}")
    request = HttpRequest(
        method=method,
        raw_path=path,
        raw_query="",
        headers=[
            ("host", "localhost:3000"),
            ("user-agent", "curl/8.5.0"),
            ("content-type", "application/json"),
            *(headers or {}).items(),
        ],
        body=json.dumps(body).encode() if body is not None else b"",
        source_ip="127.0.0.1",
        received_at=BOOKED_AT,
    )
    jwt = None
    if match.route.authorizer is not None:
        scopes = ["interviews/read", "interviews/write"]
        claims = {
            "iss": LOCAL_PARAMETERS["JwtIssuer"],
            "aud": LOCAL_PARAMETERS["JwtAudience"],
            "sub": f"recruiter@{ORG_ID}",
            "iat": int(BOOKED_AT.timestamp()),
            "exp": int((BOOKED_AT + timedelta(hours=12)).timestamp()),
            "scope": " ".join(scopes),
            "org_id": ORG_ID,
        }
        jwt = JwtContext(claims, scopes if match.route.scopes else None)
    request_id = base64.b64encode(hashlib.sha256(f"{method} {path}".encode()).digest()[:11]).decode()
    return build_event(request, match, request_id, jwt)


class InvokeCatcher:
    """Keeps the asynchronous invokes a function makes instead of sending them."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    def install(self) -> None:
        from botocore.awsrequest import AWSResponse  # noqa: PLC0415
        from botocore.awsrequest import HTTPHeaders as Headers  # noqa: PLC0415

        from interview_scheduling import aws_clients  # noqa: PLC0415

        def catch(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
            self.payloads.append(json.loads(params["body"]))
            return AWSResponse("", 202, Headers(), None), {"StatusCode": 202, "ResponseMetadata": {}}

        aws_clients.lambda_().meta.events.register("before-call.lambda.Invoke", catch)  # type: ignore[arg-type]


def stream_batch(session: boto3.Session, stream_arn: str, event_name: str) -> dict[str, Any]:
    """The stream's records of one kind, as the batch Lambda gives create_session."""
    streams = streams_client(session)
    records = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator)["Records"]:
            if record["eventName"] == event_name:
                event = polled_record(record, stream_arn).event
                # moto stamps the host's time; DynamoDB stamps the write's, which the replay's clock set.
                event["dynamodb"]["ApproximateCreationDateTime"] = float(int(BOOKED_AT.timestamp()))
                records.append(event)
    return {"Records": records}


def delivery_event(template: StackTemplate) -> dict[str, Any]:
    """SES's Delivery event for the email just sent, as the template's rule hands it to
    email_events (the local runtime's SES event publishing and EventBridge rule make it)."""
    from local_runtime.aws.outbox import MotoSesWatcher  # noqa: PLC0415
    from local_runtime.eventbridge.bus import DefaultEventBus, bind_rules  # noqa: PLC0415
    from local_runtime.ses.publisher import SesEventPublisher, published_event_types  # noqa: PLC0415

    resolver = Resolver(template, LOCAL_PARAMETERS, {})
    caught: list[dict[str, Any]] = []
    bus = DefaultEventBus(
        bind_rules(template, resolver), lambda _, payload, __: caught.append(json.loads(payload))
    )
    publisher = SesEventPublisher(
        published_event_types(template, resolver), bus.put_events, lambda: BOOKED_AT
    )
    MotoSesWatcher([publisher])()
    return next(event for event in caught if event["detail-type"] == "Email Delivered")


def bus_event(template: StackTemplate) -> dict[str, Any]:
    """The interview.booked event domain_events just put on the bus, as the template's rule hands
    it to webhook_delivery (read from the bus's archive, as the local runtime does)."""
    from local_runtime.eventbridge.archive_watcher import ArchiveWatcher  # noqa: PLC0415

    (archive_id,) = template.event_archives()
    events = ArchiveWatcher({archive_id: lambda _events: None}).new_events()[archive_id]
    event = next(e for e in events if e["detail"]["type"] == "interview.booked")
    # EventBridge's own id is random; the file's is fixed, from the event's (stable) id.
    event["id"] = str(uuid.UUID(hashlib.sha256(event["detail"]["id"].encode()).hexdigest()[:32]))
    return event


def reminder_input(session: boto3.Session, group: str, interview_id: str) -> dict[str, Any]:
    """The input of the interview's first reminder schedule, as EventBridge Scheduler sends it."""
    scheduler = session.client("scheduler")
    listed = scheduler.list_schedules(GroupName=group, NamePrefix=f"{interview_id}-reminder-")["Schedules"]
    names = sorted(summary["Name"] for summary in listed)
    schedule = scheduler.get_schedule(Name=names[0], GroupName=group)
    document: dict[str, Any] = json.loads(schedule["Target"]["Input"])
    return document


def capture(
    template: StackTemplate,
    session: boto3.Session,
    stream_arn: str,
    use_environment: Callable[[str], None],
    clock: Clock,
) -> dict[Step, dict[str, Any]]:
    """Runs the booking through every function, in-process; returns each step's event.

    `use_environment` gives the process a function's template environment before it runs.
    """
    from interview_scheduling.settings import schedule_settings  # noqa: PLC0415

    catcher = InvokeCatcher()
    events: dict[Step, dict[str, Any]] = {}
    results: dict[str, Any] = {}

    def run(step: Step, event: dict[str, Any]) -> Any:
        clock.moment = step.at
        use_environment(step.function_id)
        events[step] = event
        answer = handler_of(template, step.function_id)(event, LocalContext(step.function_id))
        body = answer.get("body") if isinstance(answer, dict) else None
        is_json = isinstance(answer, dict) and "json" in answer.get("headers", {}).get("Content-Type", "")
        results[step.name] = json.loads(body) if body and is_json else answer
        return results[step.name]

    (
        create_job,
        create_candidate,
        create_slot,
        create_webhook,
        book,
        booked,
        published,
        webhook,
        invitation,
        delivered,
        reschedule_page,
        reminder,
        get_session,
        export,
    ) = STEPS
    job_id = run(create_job, http_event(template, "POST", "/jobs", JOB))["job_id"]
    candidate = run(create_candidate, http_event(template, "POST", f"/jobs/{job_id}/candidates", CANDIDATE))
    slot = run(create_slot, http_event(template, "POST", f"/jobs/{job_id}/slots", SLOT))
    run(
        create_webhook,
        http_event(template, "POST", "/webhooks", {"url": WEBHOOK_URL, "event_types": ["interview.booked"]}),
    )
    booking = {"candidate_id": candidate["candidate_id"], "slot_id": slot["slot_id"]}
    headers = {"idempotency-key": IDEMPOTENCY_KEY}
    interview_id = run(book, http_event(template, "POST", f"/jobs/{job_id}/interviews", booking, headers))[
        "interview_id"
    ]
    catcher.install()
    run(booked, stream_batch(session, stream_arn, "INSERT"))
    run(published, stream_batch(session, stream_arn, "INSERT"))
    run(webhook, bus_event(template))
    (email_request,) = catcher.payloads
    run(invitation, email_request)
    run(delivered, delivery_event(template))
    use_environment(reschedule_page.function_id)  # the link is signed with its secret
    from interview_scheduling.candidate_links import LinkPurpose, link_token  # noqa: PLC0415

    token = link_token(LinkPurpose.RESCHEDULE, interview_id, 0)
    run(reschedule_page, http_event(template, "GET", f"/candidate/{token}"))
    run(reminder, reminder_input(session, schedule_settings().schedule_group, interview_id))
    from interview_scheduling.session_keys import session_key  # noqa: PLC0415

    run(get_session, http_event(template, "GET", f"/sessions/{session_key(interview_id, 0)}"))
    export_path = f"/jobs/{job_id}/candidates/{candidate['candidate_id']}/export"
    run(export, http_event(template, "GET", export_path))
    return events


JOB: Final = {
    "job_title": "Platform Engineer",
    "company_name": "Acme",
    "job_description": "Build and run the payments platform.",
    "domain": "payments",
    "coding_language": "PYTHON",
}
CANDIDATE: Final = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "resume_text": "Built Kafka pipelines at scale.",
}
SLOT: Final = {
    "interview_date": "2028-09-12",
    "start_time": "10:00",
    "end_time": "10:45",
    "timezone": "Europe/London",
    "ai_interview_type": "coding",
}


def local_environment(template: StackTemplate) -> dict[str, dict[str, str]]:
    """env.json: each function's variables as the local runtime names its resources, and the
    endpoints of the local runtime, for `sam local ... --env-vars env.json`."""
    resolver = Resolver(template, LOCAL_PARAMETERS, {"LinkSigningSecret": {"Ref": "LinkSigningSecret"}})
    environments = {}
    for function_id in template.functions:
        declared = resolver.environment(function_id)
        overrides = {name: value for name, value in LOCAL_OVERRIDES.items() if name in declared}
        environments[function_id] = {**declared, **overrides, **LOCAL_ENDPOINTS}
    return environments


def write_json(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def main() -> None:
    from moto import mock_aws  # noqa: PLC0415

    from local_runtime.aws import moto_sesv2, moto_streams, moto_transactions  # noqa: PLC0415
    from local_runtime.aws.resources import create_resources, verify_sender_identity  # noqa: PLC0415

    template = StackTemplate()
    for name, value in {
        **import_environment(template, LOCAL_PARAMETERS),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }.items():
        os.environ[name] = value
    os.environ.pop("AWS_ENDPOINT_URL", None)
    moto_transactions.install()
    moto_sesv2.install()  # keeps each send's configuration set and tags, as SES's events carry them
    moto_streams.install()  # the same stream records, sooner
    with mock_aws():
        from interview_scheduling.settings import reset_settings  # noqa: PLC0415

        session = boto3.Session(region_name=LOCAL_REGION)
        attributes = create_resources(template, session)
        resolver = Resolver(template, LOCAL_PARAMETERS, attributes)
        verify_sender_identity(LOCAL_PARAMETERS["SenderEmail"], session)

        def use_environment(function_id: str) -> None:
            environment = resolver.environment(function_id)
            os.environ.update(environment)
            os.environ.update({name: value for name, value in LOCAL_OVERRIDES.items() if name in environment})
            reset_settings()

        with deterministic(session) as clock:
            events = capture(
                template, session, attributes["InterviewsTable"]["StreamArn"], use_environment, clock
            )
    for step, event in events.items():
        write_json(step.path, event)
    write_json(ENV_FILE, local_environment(template))
    print(f"wrote {len(events)} events under {EVENTS_DIR.relative_to(REPO_ROOT)}/ and {ENV_FILE.name}")


if __name__ == "__main__":
    main()
