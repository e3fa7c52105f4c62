"""Redelivery and crashes, in-process against moto: every stream batch and every asynchronous
invoke is delivered twice, and a crash is injected at each step boundary of create_session and
send_email; Lambda's retries (bisect, retry, discard) then run as the template configures them.

Bookings reach the stream in waves of three, as they would between two polls; the first booking
of each wave crashes once at the boundary under test. Whatever the boundary, every booking must
end with one session, one invitation and a recorded outcome. The one documented exception is a
crash after SES accepted the email and before its outcome was written: the retry sends the same
invitation again (same calendar UID and SEQUENCE, same link). That resend is counted, not hidden.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from interview_scheduling import clock as system_clock
from interview_scheduling.enums import EmailStatus
from interview_scheduling.models import EmailEntry, InterviewSession
from tests.reliability.crash_points import CrashPlan, CrashPoint
from tests.reliability.figures import Figures, scales
from tests.support.api import ApiClient
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot
from tests.support.pipeline import EmailRun, Pipeline, StreamRun, calendar_of, sent_emails

# An invocation that crashes before its first metric has none to flush, and Powertools says so.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

WAVE = 3
FINAL = frozenset({EmailStatus.SENT.value, EmailStatus.FAILED.value, EmailStatus.SUPERSEDED.value})


@dataclass
class SendClock:
    """send_email's clock, moved by Lambda's retry delays so claim leases lapse as they would."""

    now: datetime

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass(frozen=True)
class Invitation:
    uid: str
    sequence: str
    link: str

    @classmethod
    def of(cls, message: EmailMessage) -> Invitation:
        calendar = calendar_of(message)
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        link = re.search(r"https?://\S+", body.get_content())
        return cls(calendar["UID"], calendar["SEQUENCE"], link.group(0) if link else "")


@dataclass(frozen=True)
class Tally:
    bookings: int
    sessions: int
    emails_sent: int
    distinct_invitations: int
    resends_differing: int  # resent copies that differ from the first in UID, SEQUENCE or link
    without_outcome: int
    crashes: int
    stream: StreamRun
    email: EmailRun

    @property
    def duplicates(self) -> int:
        return self.emails_sent - self.distinct_invitations

    def line(self) -> str:
        return (
            f"bookings={self.bookings} sessions={self.sessions} emails={self.emails_sent} "
            f"duplicates={self.duplicates} without_outcome={self.without_outcome} crashes={self.crashes} "
            f"create_session_invocations={self.stream.invocations} (failed {self.stream.failed_invocations}, "
            f"discarded batches {len(self.stream.discarded)}) "
            f"send_email_invocations={self.email.invocations} (failed {self.email.failed_invocations}, "
            f"parked {len(self.email.parked)})"
        )


@dataclass
class Harness:
    """The in-process system with one crash point installed, and send_email's clock."""

    api: ApiClient
    pipeline: Pipeline
    plan: CrashPlan
    clock: SendClock


@pytest.fixture
def harness(
    api: ApiClient, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, point: CrashPoint
) -> Harness:
    clock = SendClock(datetime.now(UTC))
    monkeypatch.setattr(system_clock, "now", lambda: clock.now)
    plan = CrashPlan()
    point.install(monkeypatch, plan)
    return Harness(api, pipeline, plan, clock)


def run_waves(harness: Harness, bookings: int) -> Tally:
    api, pipeline, plan, clock = harness.api, harness.pipeline, harness.plan, harness.clock
    job_id = create_job(api)
    slot_id = create_slot(api, job_id, capacity=bookings)
    interviews: list[str] = []
    stream, email = StreamRun(), EmailRun()
    for first in range(0, bookings, WAVE):
        wave = [
            book_interview(api, job_id, create_candidate(api, job_id, email=f"c{n}@example.com"), slot_id)
            for n in range(first, min(first + WAVE, bookings))
        ]
        plan.chosen.add(wave[0])
        interviews += wave
        streamed = pipeline.process_stream_as_lambda(deliveries=2)
        emailed = pipeline.deliver_emails_as_lambda(deliveries=2, before_retry=clock.advance)
        stream.invocations += streamed.invocations
        stream.failed_invocations += streamed.failed_invocations
        stream.discarded += streamed.discarded
        email.invocations += emailed.invocations
        email.failed_invocations += emailed.failed_invocations
        email.parked += emailed.parked

    copies: dict[tuple[str, str], list[Invitation]] = defaultdict(list)
    for message in sent_emails():
        invitation = Invitation.of(message)
        copies[(invitation.uid, invitation.sequence)].append(invitation)
    outcomes = [_status(InterviewSession.get(i).emails.get("invitation-0")) for i in interviews]
    return Tally(
        bookings=len(interviews),
        sessions=InterviewSession.count(),
        emails_sent=sum(len(c) for c in copies.values()),
        distinct_invitations=len(copies),
        resends_differing=sum(1 for c in copies.values() for copy in c[1:] if copy != c[0]),
        without_outcome=sum(status not in FINAL for status in outcomes),
        crashes=len(plan.crashed),
        stream=stream,
        email=email,
    )


@pytest.mark.parametrize("point", list(CrashPoint), ids=lambda point: point.label)
@pytest.mark.parametrize("bookings", scales(quick=3, full=30))
def test_every_booking_ends_with_one_session_one_invitation_and_an_outcome(
    harness: Harness, figures: Figures, point: CrashPoint, bookings: int
) -> None:
    tally = run_waves(harness, bookings)

    figures.record(f"redelivery.{point.label}[{bookings}]", tally.line())
    waves = -(-bookings // WAVE)
    assert tally.crashes == (0 if point is CrashPoint.NONE else waves)
    assert (tally.sessions, tally.distinct_invitations) == (bookings, bookings)
    assert tally.without_outcome == 0
    assert (len(tally.stream.discarded), len(tally.email.parked)) == (0, 0)
    if point is CrashPoint.NONE:
        assert (tally.stream.failed_invocations, tally.email.failed_invocations) == (0, 0)
    # At-least-once at one boundary only: each crash there resends one identical invitation.
    assert tally.duplicates == (tally.crashes if point.resends else 0)
    assert tally.resends_differing == 0


def _status(entry: EmailEntry | None) -> str | None:
    return entry.status if entry is not None else None
