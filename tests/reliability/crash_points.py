"""Crashes injected at the step boundaries of create_session and send_email.

A crash point wraps the function a step ends or starts with, and raises `Crash` (the process
died) there, once for each interview chosen in its plan. What ran before the crash stays done;
nothing after it runs; Lambda's retries (tests/support/pipeline.py) take it from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pytest

from create_session import app as create_session_app
from interview_scheduling import email_delivery as delivery
from interview_scheduling import email_ledger
from interview_scheduling.batch_context import load_batch_context
from interview_scheduling.enums import EmailStatus
from interview_scheduling.models import Interview
from interview_scheduling.notifications import EmailRequest, request_email
from tests.support.pipeline import Crash


@dataclass
class CrashPlan:
    """Crashes the first time the boundary is reached for each chosen interview."""

    chosen: set[str] = field(default_factory=set)
    crashed: list[str] = field(default_factory=list)

    def reached(self, interview_id: str) -> None:
        if interview_id in self.chosen:
            self.chosen.discard(interview_id)
            self.crashed.append(interview_id)
            raise Crash(f"crashed at this boundary for {interview_id}")


def _before_batch_read(monkeypatch: pytest.MonkeyPatch, plan: CrashPlan) -> None:
    real = load_batch_context

    def load(interviews: Iterable[Interview]) -> Any:
        # A batch-wide step: it crashes for the interview at the head of the batch.
        batch = list(interviews)
        if batch:
            plan.reached(batch[0].interview_id)
        return real(batch)

    monkeypatch.setattr(create_session_app, "load_batch_context", load)


def _after_batch_read(monkeypatch: pytest.MonkeyPatch, plan: CrashPlan) -> None:
    real = load_batch_context

    def load(interviews: Iterable[Interview]) -> Any:
        batch = list(interviews)
        context = real(batch)
        if batch:
            plan.reached(batch[0].interview_id)
        return context

    monkeypatch.setattr(create_session_app, "load_batch_context", load)


def _after_session_transaction(monkeypatch: pytest.MonkeyPatch, plan: CrashPlan) -> None:
    real = request_email

    # The email is requested right after the session's transaction: crashing here loses the request.
    def request(email: EmailRequest) -> None:
        plan.reached(email.interview_id)
        real(email)

    monkeypatch.setattr(create_session_app, "request_email", request)


def _after_invoke(monkeypatch: pytest.MonkeyPatch, plan: CrashPlan) -> None:
    real = request_email

    def request(email: EmailRequest) -> None:
        real(email)
        plan.reached(email.interview_id)

    monkeypatch.setattr(create_session_app, "request_email", request)


def _after_claim(monkeypatch: pytest.MonkeyPatch, plan: CrashPlan) -> None:
    real = email_ledger.claim

    def claim(interview_id: str, *args: Any) -> Any:
        session = real(interview_id, *args)
        if session is not None:
            plan.reached(interview_id)
        return session

    monkeypatch.setattr(email_ledger, "claim", claim)


def _after_ses_accepted(monkeypatch: pytest.MonkeyPatch, plan: CrashPlan) -> None:
    real = delivery._record

    # `_record` writes the outcome; reaching it with SENT means SES has accepted the email.
    def record(request: EmailRequest, session: Any, outcome: Any) -> Any:
        if outcome.status == EmailStatus.SENT:
            plan.reached(request.interview_id)
        return real(request, session, outcome)

    monkeypatch.setattr(delivery, "_record", record)


def _after_outcome_write(monkeypatch: pytest.MonkeyPatch, plan: CrashPlan) -> None:
    real = delivery._record

    def record(request: EmailRequest, session: Any, outcome: Any) -> Any:
        written = real(request, session, outcome)
        plan.reached(request.interview_id)
        return written

    monkeypatch.setattr(delivery, "_record", record)


def _nowhere(monkeypatch: pytest.MonkeyPatch, plan: CrashPlan) -> None:
    """Redelivery alone: every batch and invoke twice, no crash."""


class CrashPoint(Enum):
    """Where a crash is injected, and whether a retry after it sends the email again."""

    NONE = ("none", _nowhere, False)
    BEFORE_BATCH_READ = ("create_session.before_batch_read", _before_batch_read, False)
    AFTER_BATCH_READ = ("create_session.after_batch_read", _after_batch_read, False)
    AFTER_SESSION_TRANSACTION = (
        "create_session.after_session_transaction",
        _after_session_transaction,
        False,
    )
    AFTER_INVOKE = ("create_session.after_invoke", _after_invoke, False)
    AFTER_CLAIM = ("send_email.after_claim", _after_claim, False)
    # The documented window: SES accepted, the outcome is not written, the retry sends it again.
    AFTER_SES_ACCEPTED = ("send_email.after_ses_accepted", _after_ses_accepted, True)
    AFTER_OUTCOME_WRITE = ("send_email.after_outcome_write", _after_outcome_write, False)

    def __init__(
        self, label: str, install: Callable[[pytest.MonkeyPatch, CrashPlan], None], resends: bool
    ) -> None:
        self.label = label
        self.install = install
        self.resends = resends
