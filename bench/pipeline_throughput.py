"""End-to-end throughput of the local runtime: bookings over HTTP until every invitation is in the
outbox, next to the embedded AWS's floor for the same AWS requests.

Run: make bench (or PYTHONPATH=layers/shared:functions:. python bench/pipeline_throughput.py [-n N]).

Pipeline: `python -m local_runtime --no-demo` in a subprocess (as the e2e tests start it); one job,
N candidates and N/10 slots of 10 seats are created first (not timed); then N bookings are posted
from a thread pool, and the clock stops when N emails are in the outbox.

Floor: the runtime writes every request its embedded AWS serves to a log (--aws-request-log). The
functions' requests (their SDKs' user agents carry exec-env/AWS_Lambda_) made while the clock ran
are replayed, bodies and expressions as sent, in the order they were served, to a fresh embedded
AWS in its own process, from as many threads; a request waits until every request served before it
arrived has been answered, as its client may have waited for one of them. The functions' requests
before the clock (the job, the candidates, the slots) are replayed first, one at a time and
untimed, so each timed request meets the state its original met; `floor_answered_as_in_pipeline`
says how many got the same status.
Then the pipeline runs a second time, as the first did. The machine's speed moves over minutes, so
`pipeline_share_of_floor` is the floor's time over the mean of the two pipelines' times: with the
floor timed between them, a steady drift weighs on both sides alike. Each pipeline's own share is
printed beside it.
Stream polling, the scheduler's reads, SES's event publishing, the HTTP gateway, JWT checks, the
Invoke API and the worker processes are the pipeline's own cost: in AWS they are Lambda's,
Scheduler's, SES's and API Gateway's.

Also printed: where the pipeline's time goes (the create_session and send_email invocations, from
the runtime's log), the CPU time per booking of each side (Linux /proc: this process and its
descendants), the share the pipeline's CPU time alone would allow on this machine's cores, and what
the embedded AWS's moto thread did on each side while the clock ran: on a CPU, runnable but waiting
for one (Linux's scheduler statistics), or neither. The ratio of that thread's CPU time on the two
sides, which serve the same requests, gauges how the machine's speed moved between them: the share
scaled by it is printed beside the share as measured.
Prints `name: value` lines; the run takes about three minutes for N=500 on two cores.
"""

from __future__ import annotations

import argparse
import bisect
import http.client
import math
import os
import re
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local_runtime.aws.credentials import local_session
from local_runtime.aws.embedded import MOTO_THREAD_NAME
from local_runtime.aws.process import AwsProcess
from local_runtime.aws.request_log import RecordedRequest, read_closed_request_log
from local_runtime.aws.resources import create_resources, verify_sender_identity
from local_runtime.config import LOCAL_PARAMETERS
from local_runtime.demo.http_client import ApiClient, ApiResponse
from local_runtime.launcher import RuntimeProcess
from local_runtime.template import LOCAL_REGION, StackTemplate

GOAL_SHARE_OF_FLOOR = 0.85
SEATS_PER_SLOT = 10
RESUME_TEXT = "Python, Go, Kafka; built payment systems for ten years."
MAIL_TIMEOUT_SECONDS = 240.0
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


def _processes() -> dict[int, list[str]]:
    """Each live process's fields of /proc/<pid>/stat after its command name, by pid."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            found[int(stat.parent.name)] = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
    return found


def _family(processes: dict[int, list[str]]) -> set[int]:
    """This process and every live descendant."""
    family, grown = {os.getpid()}, True
    while grown:
        grown = False
        for pid, fields in processes.items():
            if int(fields[1]) in family and pid not in family:
                family.add(pid)
                grown = True
    return family


def cpu_seconds() -> float:
    """CPU time (user and system) of this process and every live descendant, from Linux's /proc."""
    processes = _processes()
    ticks = sum(
        int(processes[pid][11]) + int(processes[pid][12]) for pid in _family(processes) if pid in processes
    )
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ThreadTimes:
    """Seconds one thread spent on a CPU and runnable but waiting for one, as Linux's scheduler
    counts them (/proc/<pid>/task/<tid>/schedstat)."""

    on_cpu: float
    waiting_for_cpu: float

    def __sub__(self, other: ThreadTimes) -> ThreadTimes:
        return ThreadTimes(self.on_cpu - other.on_cpu, self.waiting_for_cpu - other.waiting_for_cpu)


class ServingThread:
    """The embedded AWS's one moto thread (aws/embedded.py's SerialisedApp), the pipeline's and the
    floor's bottleneck: the descendants' thread the operating system knows by MOTO_THREAD_NAME. Where
    the pipeline loses time against the floor, this says whether that thread was waiting for a CPU
    (other processes on the cores) or for work."""

    def __init__(self, task: Path) -> None:
        self._task = task

    @classmethod
    def find(cls) -> ServingThread | None:
        descendants = _family(_processes()) - {os.getpid()}
        tasks = [task for pid in descendants for task in Path(f"/proc/{pid}/task").glob("[0-9]*")]
        found = [task for task in tasks if _comm(task) == MOTO_THREAD_NAME and cls._read(task) is not None]
        return cls(found[0]) if len(found) == 1 else None

    @staticmethod
    def _read(task: Path) -> ThreadTimes | None:
        try:
            on_cpu, waiting, _slices = (task / "schedstat").read_text().split()
        except (OSError, ValueError):
            return None  # gone, or a kernel without scheduler statistics
        return ThreadTimes(int(on_cpu) / 1e9, int(waiting) / 1e9)

    def times(self) -> ThreadTimes | None:
        return self._read(self._task)

    def policy(self) -> str:
        """How Linux schedules the thread: SCHED_FIFO where the embedded AWS runs ahead of the
        functions (local_runtime/aws/priority.py), SCHED_OTHER where it could not."""
        names = {os.SCHED_OTHER: "SCHED_OTHER", os.SCHED_FIFO: "SCHED_FIFO"}
        try:
            policy = os.sched_getscheduler(int(self._task.name))
        except OSError:
            return "not known (the thread has ended)"
        return names.get(policy, f"policy {policy}")


def serving_policy(serving: ServingThread | None) -> str:
    return serving.policy() if serving else "not known (no moto thread found)"


def spent_between(before: ThreadTimes | None, after: ThreadTimes | None) -> ThreadTimes | None:
    return None if before is None or after is None else after - before


def _comm(task: Path) -> str | None:
    try:
        return (task / "comm").read_text().strip()
    except OSError:
        return None  # the thread ended while we looked


def serving_thread_report(spent: ThreadTimes | None, seconds: float) -> str:
    if spent is None:
        return "not available (no /proc/<pid>/task/<tid>/schedstat)"
    neither = seconds - spent.on_cpu - spent.waiting_for_cpu
    return (
        f"on a CPU {spent.on_cpu:.1f}, waiting for a CPU {spent.waiting_for_cpu:.1f}, "
        f"neither (waiting for requests, or for the interpreter) {neither:.1f}, of {seconds:.1f}"
    )


def count_emails(outbox: Path) -> int:
    return sum(1 for _ in outbox.glob("*.eml")) if outbox.exists() else 0


@dataclass(frozen=True)
class PipelineRun:
    startup_seconds: float  # of the runtime, before the job, the candidates and the slots are made
    bookings: int
    booking_seconds: float
    total_seconds: float
    cpu_seconds: float  # of the bench, the runtime and its workers, while the clock ran
    serving_thread: ThreadTimes | None  # what the embedded AWS's moto thread did while the clock ran
    serving_policy: str  # how the operating system scheduled that thread
    stages: StageLog
    setup_requests: list[RecordedRequest]  # the functions' requests to the embedded AWS before the clock
    timed_requests: list[RecordedRequest]  # and while it ran


def run_pipeline(bookings: int, concurrency: int, mail_timeout: float = MAIL_TIMEOUT_SECONDS) -> PipelineRun:
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as folder:
        request_log = Path(folder) / "aws-requests.jsonl"
        with (
            RuntimeProcess(Path(folder), extra_args=["--aws-request-log", str(request_log)]) as runtime,
            ThreadPoolExecutor(concurrency) as pool,
        ):
            info = runtime.info
            api = ApiClient(info.api_url, info.dev_token)
            job_id, bodies = prepare(api, bookings, pool)
            outbox = Path(info.outbox_dir)
            log_start = len(runtime.log_text())
            serving = ServingThread.find()
            policy = serving_policy(serving)  # now: the thread ends with the runtime

            serving_before = serving.times() if serving else None
            started_at, started, cpu_before = time.time(), time.perf_counter(), cpu_seconds()
            answers = pool.map(lambda body: api.post(f"/jobs/{job_id}/interviews", body).status, bodies)
            statuses = Counter(answers)
            booked = time.perf_counter()
            if statuses != Counter({201: bookings}):
                raise RuntimeError(f"bookings answered {dict(statuses)}, not 201 each")
            deadline = booked + mail_timeout
            while count_emails(outbox) < bookings:
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"{count_emails(outbox)} of {bookings} emails after {mail_timeout} s")
                time.sleep(0.05)
            finished_at, finished, cpu_after = time.time(), time.perf_counter(), cpu_seconds()
            serving_after = serving.times() if serving else None
            stages = StageLog.parse(runtime.log_text()[log_start:], StackTemplate())
        # The runtime has stopped, so the log is closed; a short one raises here.
        functions = [
            r for r in read_closed_request_log(request_log) if r.from_function and r.at <= finished_at
        ]
        return PipelineRun(
            startup_seconds=info.startup_seconds,
            bookings=bookings,
            booking_seconds=booked - started,
            total_seconds=finished - started,
            cpu_seconds=cpu_after - cpu_before,
            serving_thread=spent_between(serving_before, serving_after),
            serving_policy=policy,
            stages=stages,
            setup_requests=[r for r in functions if r.at < started_at],
            timed_requests=[r for r in functions if r.at >= started_at],
        )


@dataclass(frozen=True)
class StageLog:
    """What the runtime's console log says about the stages after booking, during the timed run."""

    session_batches: list[int]  # records per create_session invocation that carried bookings
    session_batch_ms: list[float]  # each of those invocations' duration
    email_ms: list[float]  # each send_email invocation that succeeded
    retries: int  # invocations that failed and were retried
    events_put: int  # stream records whose events domain_events put on the bus
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
@dataclass(frozen=True)
class FloorRun:
    seconds: float
    cpu_seconds: float  # of this process (the replay's clients) and the embedded AWS
    serving_thread: ThreadTimes | None  # what its moto thread did while the clock ran
    serving_policy: str
    sent: Counter[str]  # requests by action
    mismatched: Counter[str]  # requests answered with another status than in the pipeline, by action


class Replay:
    """Sends recorded requests to another embedded AWS, as recorded, over one keep-alive
    connection per thread. Only the host differs, and a secret's ARN: Secrets Manager ends it with
    six random characters, so the same secret has another ARN here."""

    # Hop-by-hop, or answered by http.client itself.
    DROPPED_HEADERS = frozenset({"Host", "Connection", "Content-Length", "Transfer-Encoding", "Expect"})
    SECRET_ARN = re.compile(rb"arn:aws:secretsmanager:[^:\"]+:\d+:secret:(?P<name>[\w/+=.@-]+?)-\w{6}")

    def __init__(self, endpoint: str, secret_arns: dict[str, str]) -> None:
        url = urlsplit(endpoint)
        self._host, self._port = url.hostname or "127.0.0.1", url.port or 80
        self._secret_arns = {name.encode(): arn.encode() for name, arn in secret_arns.items()}
        self._local = threading.local()

    def _body(self, request: RecordedRequest) -> bytes:
        if not request.action.startswith("secretsmanager."):
            return request.body
        return self.SECRET_ARN.sub(lambda m: self._secret_arns.get(m["name"], m[0]), request.body)

    def send(self, request: RecordedRequest) -> int:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = http.client.HTTPConnection(self._host, self._port)
        headers = {k: v for k, v in request.headers.items() if k not in self.DROPPED_HEADERS}
        connection.request(request.method, request.path, body=self._body(request), headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status

    def run(self, requests: Sequence[RecordedRequest], pool: ThreadPoolExecutor) -> Counter[str]:
        """Sends them from the pool in their order. A request waits until every request served
        before it arrived has been answered here: its client may have sent it because of one of
        their answers. Returns the mismatched answers by action."""
        served = [request.at for request in requests]
        done = Completed(len(requests))

        def step(index: int) -> str | None:
            request = requests[index]
            done.wait_for_first(bisect.bisect_left(served, request.arrived, hi=index))
            try:
                return None if self.send(request) == request.status else request.action
            finally:
                done.add(index)

        return Counter(action for action in pool.map(step, range(len(requests))) if action is not None)


class Completed:
    """Which of n numbered steps are done, and how many of the first are all done."""

    def __init__(self, steps: int) -> None:
        self._done = [False] * steps
        self._prefix = 0
        self._changed = threading.Condition()

    def add(self, index: int) -> None:
        with self._changed:
            self._done[index] = True
            while self._prefix < len(self._done) and self._done[self._prefix]:
                self._prefix += 1
            self._changed.notify_all()

    def wait_for_first(self, count: int) -> None:
        """Steps are taken from a first-in, first-out pool in order, so the first `count` run or
        have run: this cannot wait forever."""
        with self._changed:
            self._changed.wait_for(lambda: self._prefix >= count)


def run_floor(run: PipelineRun, concurrency: int) -> FloorRun:
    """The functions' requests of the timed run, replayed to an embedded AWS in a process of its
    own with the template's resources, as the runtime starts it (what it reports of mail and
    archived events is dropped). The functions' requests before the clock started (the job, the
    candidates, the slots) are replayed first, one at a time and not timed, so every timed request
    meets the state its original met."""
    template = StackTemplate()
    aws = AwsProcess(archives=template.event_archives())
    endpoint = aws.start()
    try:
        session = local_session(LOCAL_REGION)
        resources = create_resources(template, session, endpoint_url=endpoint)
        verify_sender_identity(LOCAL_PARAMETERS["SenderEmail"], session, endpoint_url=endpoint)
        secrets = template.of_type("AWS::SecretsManager::Secret")
        replay = Replay(endpoint, {secret_id: resources[secret_id]["Ref"] for secret_id in secrets})
        with ThreadPoolExecutor(1) as one:
            replay.run(run.setup_requests, one)
        serving = ServingThread.find()
        with ThreadPoolExecutor(concurrency) as pool:
            serving_before = serving.times() if serving else None
            started, cpu_before = time.perf_counter(), cpu_seconds()
            mismatched = replay.run(run.timed_requests, pool)
            seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_before
            serving_after = serving.times() if serving else None
        return FloorRun(
            seconds,
            cpu,
            spent_between(serving_before, serving_after),
            serving_policy(serving),
            Counter(r.action for r in run.timed_requests),
            mismatched,
        )
    finally:
        aws.stop()


def by_action(counts: Counter[str]) -> str:
    return ", ".join(f"{action} {count}" for action, count in sorted(counts.items()))


def report_pipeline(run: PipelineRun, concurrency: int) -> None:
    print(f"runtime_startup_s: {run.startup_seconds:.1f}")
    pipeline_rate = run.bookings / run.total_seconds
    print(f"bookings: {run.bookings} over HTTP from {concurrency} threads")
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
    serving = serving_thread_report(run.serving_thread, run.total_seconds)
    print(f"pipeline_aws_thread_s: {serving} (the embedded AWS's moto thread)")
    print(f"pipeline_aws_thread_policy: {run.serving_policy}")


def report_floor(run: PipelineRun, floor: FloorRun) -> None:
    floor_rate = run.bookings / floor.seconds
    print(f"floor_requests: {sum(floor.sent.values())} ({by_action(floor.sent)})")
    sent, mismatched = sum(floor.sent.values()), sum(floor.mismatched.values())
    print(
        f"floor_answered_as_in_pipeline: {sent - mismatched} of {sent}"
        + (f" (another status: {by_action(floor.mismatched)})" if mismatched else "")
    )
    print(f"floor_s: {floor.seconds:.1f}")
    floor_cpu_ms = floor.cpu_seconds * 1000 / run.bookings
    print(f"floor_cpu_ms_per_booking: {floor_cpu_ms:.0f} (replay and embedded AWS)")
    floor_serving = serving_thread_report(floor.serving_thread, floor.seconds)
    print(f"floor_aws_thread_s: {floor_serving} (its moto thread)")
    print(f"floor_aws_thread_policy: {floor.serving_policy}")
    print(f"floor_bookings_per_s: {floor_rate:.1f} (the functions' requests, replayed to an embedded AWS)")


def report_second_pipeline(run: PipelineRun, second: PipelineRun) -> None:
    print(f"second_pipeline_until_last_email_s: {second.total_seconds:.1f}")
    print(
        f"second_pipeline_requests: {len(second.timed_requests)} by the functions while the clock ran "
        f"(the first: {len(run.timed_requests)})"
    )
    print(f"second_pipeline_cpu_ms_per_booking: {second.cpu_seconds * 1000 / second.bookings:.0f}")
    second_serving = serving_thread_report(second.serving_thread, second.total_seconds)
    print(f"second_pipeline_aws_thread_s: {second_serving}")


def report_shares(run: PipelineRun, floor: FloorRun, second: PipelineRun) -> None:
    pipelines = (run, second)
    pipeline_seconds = statistics.mean(p.total_seconds for p in pipelines)
    print(f"first_pipeline_share_of_floor: {floor.seconds / run.total_seconds:.0%} (timed before the floor)")
    print(f"second_pipeline_share_of_floor: {floor.seconds / second.total_seconds:.0%} (timed after it)")
    # Whatever the scheduling, a run cannot take less than its CPU time spread over every core.
    cores = len(os.sched_getaffinity(0))
    cpu_bound = statistics.mean(p.cpu_seconds for p in pipelines) / cores
    print(f"pipeline_cpu_bound_s: {cpu_bound:.1f} (its CPU time over {cores} cores: the least it could take)")
    print(f"pipeline_share_bound: {floor.seconds / cpu_bound:.0%} (the share if the pipeline took only that)")
    share = floor.seconds / pipeline_seconds
    verdict = "met" if share >= GOAL_SHARE_OF_FLOOR else "NOT met"
    print(
        f"pipeline_share_of_floor: {share:.0%} (the floor's time over the two pipelines' mean, "
        f"{pipeline_seconds:.1f} s; goal >= {GOAL_SHARE_OF_FLOOR:.0%}: {verdict})"
    )
    serving_threads = [p.serving_thread for p in pipelines if p.serving_thread is not None]
    if floor.serving_thread is not None and len(serving_threads) == len(pipelines):
        # Both sides serve the same requests, the pipeline also its runtime's stream and schedule
        # reads (about 1.2 s of the thread's CPU in 500 bookings): well above 1, the machine was slower
        # while the pipelines ran than while the floor did; below it, faster.
        ratio = statistics.mean(t.on_cpu for t in serving_threads) / floor.serving_thread.on_cpu
        print(
            f"pipeline_aws_cpu_over_floor: {ratio:.2f} (the moto thread's CPU time for the same requests, "
            "the pipelines' mean over the floor's, the runtime's own reads included)"
        )
        # An estimate, not the goal's figure: the floor's time scaled to the machine's speed while the
        # pipelines ran. A few points high, as the ratio also counts those reads, and whatever sharing
        # the cores with the workers costs the moto thread (its caches), as slowness.
        at_one_speed = share * ratio
        print(f"pipeline_share_at_one_speed: {at_one_speed:.0%} (the share, had the machine's speed held)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--bookings", type=int, default=500, help="bookings to make (default 500)")
    parser.add_argument("-c", "--concurrency", type=int, default=16, help="client threads (default 16)")
    args = parser.parse_args()

    run = run_pipeline(args.bookings, args.concurrency)
    report_pipeline(run, args.concurrency)
    floor = run_floor(run, args.concurrency)
    report_floor(run, floor)
    # The floor is timed between two pipelines; the module's docstring says why.
    second = run_pipeline(args.bookings, args.concurrency)
    report_second_pipeline(run, second)
    report_shares(run, floor, second)


if __name__ == "__main__":
    main()
