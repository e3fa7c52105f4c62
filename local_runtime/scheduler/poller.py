"""Fires due schedules of the embedded AWS against their targets, as EventBridge Scheduler does:
a Lambda target is invoked asynchronously with the schedule's Input; a firing the target cannot
take is retried by the target's RetryPolicy, then sent to its DeadLetterConfig queue; a schedule
with ActionAfterCompletion DELETE is deleted once it has fired
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-delete.html,
https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from local_runtime.scheduler.timing import RetryPolicy, SchedulerClock, UnsupportedExpression, fires_at

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("local_runtime.scheduler")

# The wait after a round, as a multiple of how long the round took (when that is over the interval),
# and never more than ROUNDS_LONGEST_WAIT: a schedule due meanwhile (a webhook's retry in 5 s)
# fires that late at most.
ROUNDS_IDLE_SHARE = 9.0
ROUNDS_LONGEST_WAIT = 3.0


def round_wait(interval: float, round_took: float) -> float:
    """How long to wait after a round: the interval, longer after a long round, up to a bound."""
    return min(max(interval, ROUNDS_IDLE_SHARE * round_took), max(interval, ROUNDS_LONGEST_WAIT))


class TargetUnavailable(Exception):
    """The target could not take the firing (no such function, or it is stopping)."""


@dataclass
class _Attempts:
    failures: int = 0


@dataclass
class SchedulePoller:
    scheduler: EventBridgeSchedulerClient
    sqs: SQSClient
    clock: SchedulerClock
    # Hands the schedule's input to the Lambda function with this ARN, as an asynchronous invoke.
    deliver: Callable[[str, bytes], None]
    interval: float = 0.5
    fired: int = 0
    _attempts: dict[str, _Attempts] = field(default_factory=dict)
    # Each schedule as last read, by group/name, with the dates its listing had then: ListSchedules
    # gives no expression, and reading every schedule on every round would keep the embedded AWS
    # (one request at a time) busy with thousands of reads while the system waits behind them.
    _read: dict[str, tuple[tuple[Any, Any], dict[str, Any]]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    # A round from the clock's POST and one of the poller's own would both fire a schedule due in
    # both, and the second one's delete would fail: rounds run one at a time.
    _round: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        wait = self.interval
        while not self._stop.wait(wait):
            began = time.monotonic()
            try:
                self.fire_due()
            except (BotoCoreError, ClientError):
                # The embedded AWS went away or hiccuped: say so, and try again next round.
                log.exception("could not read the schedules; trying again")
            # Listing thousands of schedules takes a while, on the embedded AWS that answers one
            # request at a time too: rounds take about a tenth of the time, however many there are.
            wait = round_wait(self.interval, time.monotonic() - began)

    def fire_due(self) -> int:
        """Fires every schedule due by the clock; returns how many fired."""
        with self._round:
            return self._fire_due()

    def _fire_due(self) -> int:
        now = self.clock.now()
        fired = 0
        for schedule in self._schedules():
            try:
                due = fires_at(schedule)
            except UnsupportedExpression as error:
                log.warning("%s: %s", schedule["Name"], error)
                continue
            if due > now:
                continue
            current = self._current(schedule)  # as it is now, not as it was read rounds ago
            if current is None:
                continue
            try:
                due = fires_at(current)
            except UnsupportedExpression:
                continue  # said when it is listed again
            if due <= now and self._fire(current, due, now):
                fired += 1
        self.fired += fired
        return fired

    def pending(self) -> int:
        """Schedules not yet fired (ENABLED)."""
        with self._round:
            return len(self._schedules())

    def _schedules(self) -> list[dict[str, Any]]:
        """Every ENABLED schedule; one read only for those created or changed since the last round."""
        schedules, listed_now = [], set()
        for group in self.scheduler.list_schedule_groups()["ScheduleGroups"]:
            listed = self.scheduler.list_schedules(GroupName=group["Name"], State="ENABLED")
            for summary in listed["Schedules"]:
                key = f"{group['Name']}/{summary['Name']}"
                version = (summary.get("CreationDate"), summary.get("LastModificationDate"))
                listed_now.add(key)
                known = self._read.get(key)
                if known is None or known[0] != version or version == (None, None):
                    try:
                        found = self.scheduler.get_schedule(Name=summary["Name"], GroupName=group["Name"])
                    except ClientError:
                        continue  # deleted meanwhile
                    known = self._read[key] = (version, dict(found))
                schedules.append(known[1])
        for key in self._read.keys() - listed_now:
            del self._read[key]
        return schedules

    def _current(self, schedule: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return dict(self.scheduler.get_schedule(Name=schedule["Name"], GroupName=schedule["GroupName"]))
        except ClientError:
            return None  # deleted meanwhile

    def _fire(self, schedule: dict[str, Any], due: datetime, now: datetime) -> bool:
        name, target = schedule["Name"], schedule["Target"]
        key = f"{schedule['GroupName']}/{name}"
        try:
            self.deliver(target["Arn"], target.get("Input", "{}").encode())
        except TargetUnavailable as error:
            attempts = self._attempts.setdefault(key, _Attempts())
            attempts.failures += 1
            if not RetryPolicy.of(target).gives_up(attempts.failures, due, now):
                return False
            self._dead_letter(schedule, str(error))
        log.info("fired %s", name)
        self._attempts.pop(key, None)
        if schedule.get("ActionAfterCompletion") == "DELETE":
            self.scheduler.delete_schedule(Name=name, GroupName=schedule["GroupName"])
        else:
            # A one-time schedule without DELETE stays, and does not fire again.
            self.scheduler.update_schedule(**_disabled(schedule))
        return True

    def _dead_letter(self, schedule: dict[str, Any], reason: str) -> None:
        queue_arn = (schedule["Target"].get("DeadLetterConfig") or {}).get("Arn")
        log.warning(
            "%s: gave up (%s)%s", schedule["Name"], reason, " -> dead-letter queue" if queue_arn else ""
        )
        if not queue_arn:
            return
        url = self.sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[1])["QueueUrl"]
        # The target's input, as Scheduler sends it, with its error attributes.
        self.sqs.send_message(
            QueueUrl=url,
            MessageBody=schedule["Target"].get("Input", "{}"),
            MessageAttributes={
                "ERROR_CODE": {"DataType": "String", "StringValue": "TargetUnavailable"},
                "ERROR_MESSAGE": {"DataType": "String", "StringValue": reason},
                "SCHEDULE_ARN": {"DataType": "String", "StringValue": schedule.get("Arn", schedule["Name"])},
                "EXECUTION_ID": {"DataType": "String", "StringValue": str(uuid.uuid4())},
            },
        )


def _disabled(schedule: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "Name",
        "GroupName",
        "ScheduleExpression",
        "ScheduleExpressionTimezone",
        "FlexibleTimeWindow",
        "Target",
    )
    return {**{k: schedule[k] for k in keys if k in schedule}, "State": "DISABLED"}
