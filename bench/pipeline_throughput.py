"""End-to-end throughput of the local runtime: bookings over HTTP until every invitation is in the
outbox, next to the embedded AWS's floor for the same AWS requests.

Run: make bench (or PYTHONPATH=layers/shared:functions:. python bench/pipeline_throughput.py [-n N]).

Pipeline: `python -m local_runtime --no-demo` in a subprocess (as the e2e tests start it); one job,
N candidates and N/10 slots of 10 seats are created first (not timed); then N bookings are posted
from a thread pool, and the clock stops when N emails are in the outbox.

Floor: a fresh embedded AWS in its own process, as the runtime has it, gets the AWS requests the
pipeline makes for N bookings (bench/aws_requests.py counts them), sent straight from boto3 clients
on as many threads: per booking a consistent GetItem of the slot and one TransactWriteItems; per
session its share of the BatchGetItem requests of its stream batch (up to 100 keys each; batch
sizes from the runtime's log), one TransactWriteItems and one lambda Invoke (moto answers it 404,
as no function is deployed there: the round trip is what is measured) and three CreateSchedule
(two reminders, the no-show check);
per email a consistent GetItem of the candidate (the address may have changed), two UpdateItem
and one SendEmail of an invitation taken from the pipeline's outbox. Then the event side, as many
as the runtime's log says the pipeline made while the clock ran: a PutEvents on the domain bus per
stream record that published events (domain_events), a Query of the organisation's webhooks per
event the bus routed (webhook_delivery) and an UpdateItem of the session per SES event
(email_events). Stream polling, the scheduler's reads, the HTTP gateway, JWT checks and the worker
processes are the pipeline's own cost: in AWS they are Lambda's, Scheduler's and API Gateway's.

Also printed: where the pipeline's time goes (the create_session and send_email invocations, from
the runtime's log) and the CPU time per booking of each side (Linux /proc: this process and its
descendants). Prints `name: value` lines; the run takes about a minute for N=500 on two cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from local_runtime.aws.credentials import DUMMY_CREDENTIALS
from local_runtime.aws.process import AwsProcess
from local_runtime.aws.resources import create_resources, verify_sender_identity
from local_runtime.config import LOCAL_PARAMETERS
from local_runtime.demo.http_client import ApiClient, ApiResponse
from local_runtime.launcher import RuntimeProcess
from local_runtime.template import LOCAL_REGION, Resolver, StackTemplate

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_scheduler.type_defs import TargetTypeDef
    from mypy_boto3_sesv2 import SESV2Client

GOAL_SHARE_OF_FLOOR = 0.85
SEATS_PER_SLOT = 10
RESUME_TEXT = "Python, Go, Kafka; built payment systems for ten years."
MAIL_TIMEOUT_SECONDS = 240.0
BATCH_GET_LIMIT = 100  # keys per BatchGetItem, as DynamoDB allows
BATCH_WRITE_LIMIT = 25  # items per BatchWriteItem
ORG = "org-bench"
SEND_EMAIL_FUNCTION = "SendEmailFunction"
# domain_events logs each record whose events it put, as a line of interview_scheduling's JSON log.
PUBLISHED = re.compile(r'^\S+ DomainEventsFunction \{.*"message":"events published"', re.MULTILINE)


def created(response: ApiResponse) -> dict[str, Any]:
    if response.status != 201:
        raise RuntimeError(f"HTTP {response.status}: {response.text()}")
    return response.json()  # type: ignore[no-any-return]


def slot_body(index: int) -> dict[str, Any]:
    """A one-minute slot, each at its own minute from the day after tomorrow on."""
    day, minute = divmod(index, 1000)
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
        days=2 + day, minutes=minute
    )
    return {
        "interview_date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": (start + timedelta(minutes=1)).strftime("%H:%M"),
        "timezone": "UTC",
        "ai_interview_type": "coding",
        "capacity": SEATS_PER_SLOT,
    }


def candidate_body(index: int) -> dict[str, Any]:
    # The resume text is given, so sessions need no PDF: the figure is the pipeline's, not pypdf's.
    return {
        "full_name": f"Candidate {index}",
        "email": f"candidate{index}@example.com",
        "resume_text": RESUME_TEXT,
    }


def prepare(api: ApiClient, bookings: int, pool: ThreadPoolExecutor) -> tuple[str, list[dict[str, str]]]:
    """One job, a candidate per booking and slots enough for all; returns the booking bodies."""
    job_id = created(api.post("/jobs", {"job_title": "Backend Engineer", "company_name": "Acme"}))["job_id"]
    slot_count = math.ceil(bookings / SEATS_PER_SLOT)
    slots = list(
        pool.map(
            lambda i: created(api.post(f"/jobs/{job_id}/slots", slot_body(i)))["slot_id"], range(slot_count)
        )
    )
    candidates = list(
        pool.map(
            lambda i: created(api.post(f"/jobs/{job_id}/candidates", candidate_body(i)))["candidate_id"],
            range(bookings),
        )
    )
    # Neighbouring bookings take different slots, so concurrent ones rarely meet on one item.
    return job_id, [{"candidate_id": c, "slot_id": slots[i % slot_count]} for i, c in enumerate(candidates)]


def cpu_seconds() -> float:
    """CPU time (user and system) of this process and every live descendant, from Linux's /proc."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        pid = int(stat.parent.name)
        parents[pid], ticks[pid] = int(fields[1]), int(fields[11]) + int(fields[12])
    family, grown = {os.getpid()}, True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                grown = True
    return sum(ticks.get(pid, 0) for pid in family) / os.sysconf("SC_CLK_TCK")


def count_emails(outbox: Path) -> int:
    return sum(1 for _ in outbox.glob("*.eml")) if outbox.exists() else 0


@dataclass(frozen=True)
class PipelineRun:
    bookings: int
    booking_seconds: float
    total_seconds: float
    cpu_seconds: float  # of the bench, the runtime and its workers, while the clock ran
    stages: StageLog
    invitation: bytes
    shapes: ItemShapes


def run_pipeline(bookings: int, concurrency: int, mail_timeout: float = MAIL_TIMEOUT_SECONDS) -> PipelineRun:
    with (
        tempfile.TemporaryDirectory(prefix="bench-pipeline-") as folder,
        RuntimeProcess(Path(folder)) as runtime,
        ThreadPoolExecutor(concurrency) as pool,
    ):
        info = runtime.info
        print(f"runtime_startup_s: {info.startup_seconds:.1f}")
        api = ApiClient(info.api_url, info.dev_token)
        job_id, bodies = prepare(api, bookings, pool)
        outbox = Path(info.outbox_dir)
        log_start = len(runtime.log_text())

        started, cpu_before = time.perf_counter(), cpu_seconds()
        statuses = Counter(pool.map(lambda body: api.post(f"/jobs/{job_id}/interviews", body).status, bodies))
        booked = time.perf_counter()
        if statuses != Counter({201: bookings}):
            raise RuntimeError(f"bookings answered {dict(statuses)}, not 201 each")
        deadline = booked + mail_timeout
        while count_emails(outbox) < bookings:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{count_emails(outbox)} of {bookings} emails after {mail_timeout} s")
            time.sleep(0.05)
        finished, cpu_after = time.perf_counter(), cpu_seconds()
        return PipelineRun(
            bookings=bookings,
            booking_seconds=booked - started,
            total_seconds=finished - started,
            cpu_seconds=cpu_after - cpu_before,
            stages=StageLog.parse(runtime.log_text()[log_start:], StackTemplate()),
            invitation=min(outbox.glob("*.eml")).read_bytes(),
            shapes=ItemShapes.read(info.aws_endpoint),
        )


def table_names() -> dict[str, str]:
    """The tables by their environment names (JOBS_TABLE, ...), as every function gets them."""
    environment = Resolver(StackTemplate(), LOCAL_PARAMETERS).environment("CreateSessionFunction")
    return {name: environment[name] for name in environment if name.endswith("_TABLE")}


@dataclass(frozen=True)
class ItemShapes:
    """One item of each table as the pipeline wrote it: the floor writes items of the same
    attributes and sizes (the embedded AWS's work per write grows with the item: each write's
    stream record carries both images)."""

    job: dict[str, Any]
    candidate: dict[str, Any]
    slot: dict[str, Any]
    interview: dict[str, Any]
    session: dict[str, Any]

    @classmethod
    def read(cls, endpoint: str) -> ItemShapes:
        dynamodb = aws_session().client("dynamodb", endpoint_url=endpoint)
        tables = table_names()

        def one(table: str) -> dict[str, Any]:
            (item,) = dynamodb.scan(TableName=tables[f"{table.upper()}_TABLE"], Limit=1)["Items"]
            return dict(item)

        return cls(one("jobs"), one("candidates"), one("slots"), one("interviews"), one("sessions"))

    @staticmethod
    def without(item: dict[str, Any], *names: str) -> dict[str, Any]:
        return {name: value for name, value in item.items() if name not in names}


@dataclass(frozen=True)
class StageLog:
    """What the runtime's console log says about the stages after booking, during the timed run."""

    session_batches: list[int]  # records per create_session invocation that carried bookings
    session_batch_ms: list[float]  # each of those invocations' duration
    email_ms: list[float]  # each send_email invocation that succeeded
    retries: int  # invocations that failed and were retried
    events_put: int  # stream records domain_events put events on the bus for (one PutEvents each)
    webhook_deliveries: int  # events the bus's rule handed to webhook_delivery
    ses_event_reports: int  # SES events the default bus's rule handed to email_events

    @classmethod
    def parse(cls, log: str, template: StackTemplate) -> StageLog:
        (source,) = [s for s in template.stream_sources() if s.function_id == "CreateSessionFunction"]
        batch = re.compile(
            rf"→ {re.escape(source.function_id)}\s+(\d+) records? \[([A-Z,]+)\].*?(\d+) ms$", re.MULTILINE
        )
        booked = [m for m in batch.finditer(log) if "INSERT" in m.group(2).split(",")]
        email = re.compile(rf"{SEND_EMAIL_FUNCTION}\s+req=\S+\s+attempt \d+ ok\s+(\d+) ms$", re.MULTILINE)

        def succeeded(function_id: str) -> int:
            return len(re.findall(rf"{function_id}\s+req=\S+\s+attempt \d+ ok", log))

        return cls(
            session_batches=[int(m.group(1)) for m in booked],
            session_batch_ms=[float(m.group(3)) for m in booked],
            email_ms=[float(m.group(1)) for m in email.finditer(log)],
            retries=len(re.findall(r"attempt \d+ failed", log)),
            events_put=len(PUBLISHED.findall(log)),
            webhook_deliveries=succeeded("WebhookDeliveryFunction"),
            ses_event_reports=succeeded("EmailEventsFunction"),
        )


# ---------------------------------------------------------------------------------------- floor
def aws_session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=LOCAL_REGION,
    )


def attr(value: str) -> dict[str, str]:
    """A DynamoDB string value."""
    return {"S": value}


class Floor:
    """The pipeline's AWS requests for N bookings, sent straight to an embedded AWS."""

    def __init__(self, endpoint: str, run: PipelineRun, concurrency: int) -> None:
        self.bookings = run.bookings
        self.slots = math.ceil(run.bookings / SEATS_PER_SLOT)
        session = aws_session()
        # As many connections as threads; like the functions, standard retries.
        config = Config(max_pool_connections=concurrency, retries={"mode": "standard", "max_attempts": 3})
        self.dynamodb: DynamoDBClient = session.client("dynamodb", endpoint_url=endpoint, config=config)
        self.lambda_: LambdaClient = session.client("lambda", endpoint_url=endpoint, config=config)
        self.sesv2: SESV2Client = session.client("sesv2", endpoint_url=endpoint, config=config)
        self.scheduler: EventBridgeSchedulerClient = session.client(
            "scheduler", endpoint_url=endpoint, config=config
        )
        self.events: EventBridgeClient = session.client("events", endpoint_url=endpoint, config=config)
        self.sent: Counter[str] = Counter()
        for client in (self.dynamodb, self.lambda_, self.sesv2, self.scheduler, self.events):
            client.meta.events.register("before-send", self._count)
        resolver = Resolver(StackTemplate(), LOCAL_PARAMETERS)
        environment = resolver.environment("CreateSessionFunction")
        self.tables = table_names()
        self.event_bus = resolver.environment("DomainEventsFunction")["EVENT_BUS_NAME"]
        self.schedule_target: TargetTypeDef = {
            "Arn": environment["SCHEDULE_TARGET_ARN"],
            "RoleArn": environment["SCHEDULER_ROLE_ARN"],
            "DeadLetterConfig": {"Arn": environment["SCHEDULE_DEAD_LETTER_ARN"]},
        }
        self.schedule_group = environment["SCHEDULE_GROUP"]
        self.invitation = run.invitation
        self.shapes = run.shapes
        self.now = datetime.now(UTC).isoformat()

    def _count(self, event_name: str, **_: Any) -> None:
        self.sent[event_name.split(".", 1)[1]] += 1

    def table(self, name: str) -> str:
        return self.tables[f"{name.upper()}_TABLE"]

    def prepare(self) -> None:
        """The job, candidates and slots the pipeline created through the API (not timed)."""
        items: list[tuple[str, dict[str, Any]]] = [("jobs", self.job_item())]
        items += [("candidates", self.candidate_item(i)) for i in range(self.bookings)]
        items += [("slots", self.slot_item(i)) for i in range(self.slots)]
        for start in range(0, len(items), BATCH_WRITE_LIMIT):
            chunk = items[start : start + BATCH_WRITE_LIMIT]
            request: dict[str, list[Any]] = {}
            for table, item in chunk:
                request.setdefault(self.table(table), []).append({"PutRequest": {"Item": item}})
            self.dynamodb.batch_write_item(RequestItems=request)
        self.sent.clear()

    def job_item(self) -> dict[str, Any]:
        return {**self.shapes.job, "job_id": attr("job-0"), "org_id": attr(ORG)}

    def candidate_item(self, index: int) -> dict[str, Any]:
        before_booking = ItemShapes.without(self.shapes.candidate, "active_interview_id", "expires_at")
        return {
            **before_booking,
            "job_id": attr("job-0"),
            "candidate_id": attr(f"candidate-{index}"),
            "org_id": attr(ORG),
            "email": attr(f"candidate{index}@example.com"),
        }

    def slot_item(self, index: int) -> dict[str, Any]:
        free = ItemShapes.without(self.shapes.slot, "booked_interview_ids")
        return {
            **free,
            "job_id": attr("job-0"),
            "slot_id": attr(f"slot-{index}"),
            "org_id": attr(ORG),
            "capacity": {"N": str(SEATS_PER_SLOT)},
            "booked_count": {"N": "0"},
            "status": attr("OPEN"),
        }

    def slot_of(self, index: int) -> str:
        return f"slot-{index % self.slots}"

    # -------------------------------------------------------------- the requests, as the functions send them
    def book(self, index: int) -> None:
        self.dynamodb.get_item(
            TableName=self.table("slots"),
            Key={"job_id": attr("job-0"), "slot_id": attr(self.slot_of(index))},
            ConsistentRead=True,
        )
        interview = {
            **ItemShapes.without(self.shapes.interview, "expires_at"),  # set with the session
            "interview_id": attr(f"interview-{index}"),
            "org_id": attr(ORG),
            "job_id": attr("job-0"),
            "candidate_id": attr(f"candidate-{index}"),
            "slot_id": attr(self.slot_of(index)),
            "request_fingerprint": attr(f"{index:064d}"),
            "revision": {"N": "0"},
        }
        self.dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self.table("interviews"),
                        "Item": interview,
                        "ConditionExpression": "attribute_not_exists(interview_id)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                {
                    "Update": {
                        "TableName": self.table("candidates"),
                        "Key": {"job_id": attr("job-0"), "candidate_id": attr(f"candidate-{index}")},
                        "UpdateExpression": "SET active_interview_id = :id",
                        "ConditionExpression": "org_id = :org AND attribute_not_exists(active_interview_id)",
                        "ExpressionAttributeValues": {":id": attr(f"interview-{index}"), ":org": attr(ORG)},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                {
                    "Update": {
                        "TableName": self.table("slots"),
                        "Key": {"job_id": attr("job-0"), "slot_id": attr(self.slot_of(index))},
                        "UpdateExpression": "ADD booked_count :one, booked_interview_ids :interview",
                        "ConditionExpression": "org_id = :org AND booked_count < #capacity "
                        "AND #status = :open AND starts_at > :now",
                        "ExpressionAttributeNames": {"#capacity": "capacity", "#status": "status"},
                        "ExpressionAttributeValues": {
                            ":one": {"N": "1"},
                            ":interview": {"SS": [f"interview-{index}"]},
                            ":org": attr(ORG),
                            ":open": attr("OPEN"),
                            ":now": attr(self.now),
                        },
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )

    def batch_context(self, indexes: Sequence[int]) -> None:
        keys: list[tuple[str, dict[str, Any]]] = [("jobs", {"job_id": attr("job-0")})]
        for i in indexes:
            keys.append(("candidates", {"job_id": attr("job-0"), "candidate_id": attr(f"candidate-{i}")}))
            keys.append(("slots", {"job_id": attr("job-0"), "slot_id": attr(self.slot_of(i))}))
            keys.append(("sessions", {"interview_id": attr(f"interview-{i}")}))
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            request: dict[str, Any] = {}
            for table, key in keys[start : start + BATCH_GET_LIMIT]:
                entry = request.setdefault(self.table(table), {"Keys": [], "ConsistentRead": True})
                if key not in entry["Keys"]:
                    entry["Keys"].append(key)
            self.dynamodb.batch_get_item(RequestItems=request)

    def create_session(self, index: int) -> None:
        session: dict[str, Any] = {
            **self.shapes.session,
            "interview_id": attr(f"interview-{index}"),
            "key_hash": attr(f"{index:064x}"),
            "org_id": attr(ORG),
            "job_id": attr("job-0"),
            "candidate_id": attr(f"candidate-{index}"),
            "candidate_email": attr(f"candidate{index}@example.com"),
            "revision": {"N": "0"},
            "emails": {
                "M": {"invitation-0": {"M": {"status": attr("PENDING"), "updated_at": attr(self.now)}}}
            },
        }
        self.dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self.table("sessions"),
                        "Item": session,
                        "ConditionExpression": "attribute_not_exists(interview_id)",
                    }
                },
                {
                    # The candidate, not being erased, is kept at least as long as the session.
                    "Update": {
                        "TableName": self.table("candidates"),
                        "Key": {"job_id": attr("job-0"), "candidate_id": attr(f"candidate-{index}")},
                        "UpdateExpression": "SET expires_at = :expires",
                        "ConditionExpression": "attribute_not_exists(erasure) "
                        "AND (attribute_not_exists(expires_at) OR expires_at < :expires)",
                        "ExpressionAttributeValues": {":expires": {"N": "4102444800"}},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                {
                    # The interview's retention (TTL) is set with its session, at its revision.
                    "Update": {
                        "TableName": self.table("interviews"),
                        "Key": {"interview_id": attr(f"interview-{index}")},
                        "UpdateExpression": "SET expires_at = :expires",
                        "ConditionExpression": "revision = :revision",
                        "ExpressionAttributeValues": {
                            ":revision": {"N": "0"},
                            ":expires": {"N": "4102444800"},
                        },
                    }
                },
            ]
        )
        # The day-before and hour-before reminders and the no-show check.
        for name in ("reminder-1440", "reminder-60", "no_show"):
            self.scheduler.create_schedule(
                Name=f"interview-{index}-{name}",
                GroupName=self.schedule_group,
                ScheduleExpression="at(2099-01-01T00:00:00)",
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target={**self.schedule_target, "Input": f'{{"interview_id": "interview-{index}"}}'},
            )
        try:
            self.lambda_.invoke(
                FunctionName=SEND_EMAIL_FUNCTION,
                InvocationType="Event",
                Payload=f'{{"interview_id": "interview-{index}", "kind": "invitation", "revision": 0}}',
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise

    def send_email(self, index: int) -> None:
        key = {"interview_id": attr(f"interview-{index}")}
        self.dynamodb.get_item(
            TableName=self.table("candidates"),
            Key={"job_id": attr("job-0"), "candidate_id": attr(f"candidate-{index}")},
            ConsistentRead=True,
        )
        self.dynamodb.update_item(
            TableName=self.table("sessions"),
            Key=key,
            UpdateExpression="SET emails.#message = :entry",
            ConditionExpression="attribute_exists(interview_id) AND emails.#message.#status = :pending",
            ExpressionAttributeNames={"#message": "invitation-0", "#status": "status"},
            ExpressionAttributeValues={
                ":entry": {"M": {"status": attr("SENDING"), "claimed_at": attr(self.now)}},
                ":pending": attr("PENDING"),
            },
            ReturnValues="ALL_NEW",
        )
        sent = self.sesv2.send_email(
            FromEmailAddress=LOCAL_PARAMETERS["SenderEmail"],
            Destination={"ToAddresses": [f"candidate{index}@example.com"]},
            Content={"Raw": {"Data": self.invitation}},
        )
        self.dynamodb.update_item(
            TableName=self.table("sessions"),
            Key=key,
            UpdateExpression="SET emails.#message = :entry",
            ConditionExpression="revision = :revision",
            ExpressionAttributeNames={"#message": "invitation-0"},
            ExpressionAttributeValues={
                ":entry": {"M": {"status": attr("SENT"), "message_id": attr(sent["MessageId"])}},
                ":revision": {"N": "0"},
            },
        )

    def put_event(self, index: int) -> None:
        """domain_events: one stream record's event on the bus (the bus's archive keeps it)."""
        interview = f"interview-{index % self.bookings}"
        detail = {
            "id": f"evt_{index:032x}",
            "type": "session.created",
            "version": 1,
            "org_id": ORG,
            "occurred_at": self.now,
            "data": {"interview_id": interview, "job_id": "job-0", "candidate_id": f"candidate-{index}"},
        }
        self.events.put_events(
            Entries=[
                {
                    "EventBusName": self.event_bus,
                    "Source": "interview-scheduling",
                    "DetailType": "session.created",
                    "Resources": [],
                    "Detail": json.dumps(detail),
                }
            ]
        )

    def find_webhooks(self, _: int) -> None:
        """webhook_delivery: the organisation's subscriptions, for one event (there are none)."""
        self.dynamodb.query(
            TableName=self.table("webhooks"),
            KeyConditionExpression="org_id = :org",
            ExpressionAttributeValues={":org": attr(ORG)},
            Limit=51,
        )

    def report_ses_event(self, index: int) -> None:
        """email_events: SES's report (Send, then Delivery) on the invitation's ledger entry."""
        report = ("SENT", "DELIVERED")[min(index // self.bookings, 1)]
        self.dynamodb.update_item(
            TableName=self.table("sessions"),
            Key={"interview_id": attr(f"interview-{index % self.bookings}")},
            UpdateExpression="SET emails.#message.#status = :status, emails.#message.updated_at = :now",
            ConditionExpression="attribute_exists(emails.#message.#status)",
            ExpressionAttributeNames={"#message": "invitation-0", "#status": "status"},
            ExpressionAttributeValues={":status": attr(report), ":now": attr(self.now)},
            ReturnValues="ALL_NEW",
        )

    def run(self, stages: StageLog, pool: ThreadPoolExecutor) -> tuple[float, float]:
        """Seconds and CPU seconds to send every request, each stage from the pool, in pipeline order."""
        self.prepare()
        everyone = range(self.bookings)
        started, cpu_before = time.perf_counter(), cpu_seconds()
        run_all(pool, self.book, everyone)
        run_all(pool, self.batch_context, in_batches(everyone, stages.session_batches))
        run_all(pool, self.create_session, everyone)
        run_all(pool, self.send_email, everyone)
        run_all(pool, self.put_event, range(stages.events_put))
        run_all(pool, self.find_webhooks, range(stages.webhook_deliveries))
        run_all(pool, self.report_ses_event, range(stages.ses_event_reports))
        return time.perf_counter() - started, cpu_seconds() - cpu_before


def in_batches(indexes: range, sizes: Sequence[int]) -> list[range]:
    """The bookings cut into the pipeline's stream batches; what is left over, in one more."""
    batches, start = [], 0
    for size in sizes:
        if start >= len(indexes):
            break
        batches.append(indexes[start : start + size])
        start += size
    if start < len(indexes):
        batches.append(indexes[start:])
    return batches


def run_all(pool: ThreadPoolExecutor, action: Callable[[Any], None], items: Iterable[Any]) -> None:
    for _ in pool.map(action, items):  # raises the first error
        pass


def run_floor(run: PipelineRun, concurrency: int) -> tuple[float, float, Counter[str]]:
    """The floor's requests to an embedded AWS in a process of its own with the template's
    resources, as the runtime starts it (what it reports of mail and archived events is dropped)."""
    template = StackTemplate()
    aws = AwsProcess(archives=template.event_archives())
    endpoint = aws.start()
    try:
        session = aws_session()
        create_resources(template, session, endpoint_url=endpoint)
        verify_sender_identity(LOCAL_PARAMETERS["SenderEmail"], session, endpoint_url=endpoint)
        floor = Floor(endpoint, run, concurrency)
        with ThreadPoolExecutor(concurrency) as pool:
            seconds, cpu = floor.run(run.stages, pool)
        return seconds, cpu, floor.sent
    finally:
        aws.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--bookings", type=int, default=500, help="bookings to make (default 500)")
    parser.add_argument("-c", "--concurrency", type=int, default=16, help="client threads (default 16)")
    args = parser.parse_args()

    run = run_pipeline(args.bookings, args.concurrency)
    pipeline_rate = run.bookings / run.total_seconds
    print(f"bookings: {run.bookings} over HTTP from {args.concurrency} threads")
    answered = run.bookings / run.booking_seconds
    print(f"pipeline_booking_phase_s: {run.booking_seconds:.1f} ({answered:.1f} bookings/s answered)")
    print(f"pipeline_until_last_email_s: {run.total_seconds:.1f}")
    print(f"pipeline_bookings_per_s: {pipeline_rate:.1f} (booking to email in the outbox)")
    stages = run.stages
    batches = stages.session_batches or [0]
    print(
        f"pipeline_session_batches: {len(stages.session_batches)} carrying bookings "
        f"(records per batch: median {statistics.median(batches):.0f}, max {max(batches)})"
    )
    (source,) = [s for s in StackTemplate().stream_sources() if s.function_id == "CreateSessionFunction"]
    print(
        f"pipeline_create_session_busy_s: {sum(stages.session_batch_ms) / 1000:.1f} "
        f"(summed over {source.parallelization_factor} concurrent batches per shard)"
    )
    print(
        f"pipeline_send_email_busy_s: {sum(stages.email_ms) / 1000:.1f} "
        f"({len(stages.email_ms)} invocations, median {statistics.median(stages.email_ms or [0]):.0f} ms)"
    )
    print(f"pipeline_retried_invocations: {stages.retries}")
    print(
        f"pipeline_event_side: {stages.events_put} records put on the bus, {stages.webhook_deliveries} "
        f"events to webhook_delivery, {stages.ses_event_reports} SES events to email_events "
        "(while the clock ran)"
    )

    cpu_ms = run.cpu_seconds * 1000 / run.bookings
    print(f"pipeline_cpu_ms_per_booking: {cpu_ms:.0f} (HTTP clients, runtime, workers)")
    floor_seconds, floor_cpu, sent = run_floor(run, args.concurrency)
    floor_rate = run.bookings / floor_seconds
    print(f"floor_requests: {sum(sent.values())} ({', '.join(f'{k} {v}' for k, v in sorted(sent.items()))})")
    print(f"floor_s: {floor_seconds:.1f}")
    print(f"floor_cpu_ms_per_booking: {floor_cpu * 1000 / run.bookings:.0f} (clients and embedded AWS)")
    print(f"floor_bookings_per_s: {floor_rate:.1f} (the same AWS requests, straight to an embedded AWS)")
    share = pipeline_rate / floor_rate
    verdict = "met" if share >= GOAL_SHARE_OF_FLOOR else "NOT met"
    print(f"pipeline_share_of_floor: {share:.0%} (goal >= {GOAL_SHARE_OF_FLOOR:.0%}: {verdict})")


if __name__ == "__main__":
    main()
