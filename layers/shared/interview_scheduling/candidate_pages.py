"""The candidate's pages: what a reschedule or cancel link shows, and what its forms do.

Rendered on the server with Jinja2 (autoescape on; the templates are files in this package),
plain HTML and a little inline CSS, no JavaScript. A GET never changes anything; a change is a
form POST that carries the form token of its link (interview_scheduling.candidate_links).

Every way a link can fail to be one of ours (its shape, its signature, its purpose, an
interview that is not there) gets the one same page and status, so an answer never tells a
guessed id from a forged signature. A link the interview has moved on from says so and shows
the interview as it is now. Each page says which check refused it, for the failure metric only.
"""

import base64
import binascii
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from jinja2 import Environment, PackageLoader, StrictUndefined

from interview_scheduling import clock, self_service
from interview_scheduling.candidate_links import (
    InvalidLink,
    LinkClaim,
    LinkPurpose,
    form_token,
    form_token_matches,
    verify,
)
from interview_scheduling.enums import InterviewStatus, ReasonRule
from interview_scheduling.errors import DomainError, StaleRevision
from interview_scheduling.models import InterviewSlot
from interview_scheduling.self_service import (
    ChangeRefused,
    InvalidReason,
    LinkedInterview,
    LinkOutdated,
    Refusal,
    SlotUnavailable,
)
from interview_scheduling.time_rules import format_moment, zone

# The largest form a page posts is a reason of MAX_REASON_CHARS, percent-encoded, and two tokens.
MAX_FORM_BYTES = 8 * 1024
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
STATUS_WORDS = {
    InterviewStatus.SCHEDULED: "Scheduled",
    InterviewStatus.IN_PROGRESS: "In progress",
    InterviewStatus.COMPLETED: "Completed",
    InterviewStatus.CANCELLED: "Cancelled",
    InterviewStatus.NO_SHOW: "Missed",
}


@dataclass(frozen=True)
class Page:
    status: int
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    # Which check refused the request (a link or form not ours), for the failure metric; else None.
    rejected: str | None = None
    # What the candidate changed, for the metrics: "rescheduled", "cancelled"; else None.
    changed: str | None = None


@dataclass(frozen=True)
class Moment:
    local: str  # in the slot's zone, with the zone's name
    utc: str


@dataclass(frozen=True)
class InterviewSummary:
    job_title: str
    company_name: str
    status: str
    starts: Moment
    duration_minutes: int


@dataclass(frozen=True)
class SlotChoice:
    slot_id: str
    starts: Moment


@dataclass(frozen=True)
class PostedForm:
    """A POST's body as API Gateway passes it on (base64 for a form), read only once the link holds."""

    body: str | None
    is_base64: bool
    content_type: str | None


class InvalidForm(Exception):
    """The body is not a form a page of ours could have posted."""


# ---------------------------------------------------------------- rendering
@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("interview_scheduling", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache(maxsize=1)
def _style() -> str:
    environment = _environment()
    assert environment.loader is not None
    source, _, _ = environment.loader.get_source(environment, "style.css")
    return source


@lru_cache(maxsize=1)
def page_headers() -> dict[str, str]:
    """What every page is sent with: never cached or framed, no referrer, nothing run or loaded
    but its own inline style (allowed by its hash), and forms that post only to this site."""
    style_hash = base64.b64encode(hashlib.sha256(_style().encode()).digest()).decode()
    policy = (
        f"default-src 'none'; style-src 'sha256-{style_hash}'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
    }


def render(page: Page) -> str:
    template = _environment().get_template(page.template)
    return template.render(style=_style(), **page.context)


# ---------------------------------------------------------------- what each request gets
def link_page(token: str) -> Page:
    """GET the link: the interview, and the one thing the link is for, if it may be done now."""
    return _answer(lambda: _link_page(token))


def reschedule_confirmation(token: str, slot_id: str | None) -> Page:
    """GET, with a chosen slot: the move to confirm."""
    return _answer(lambda: _confirmation(token, slot_id))


def reschedule(token: str, posted: PostedForm) -> Page:
    """POST: the move itself."""
    return _answer(lambda: _reschedule(token, posted))


def cancel(token: str, posted: PostedForm) -> Page:
    """POST: the cancel itself."""
    return _answer(lambda: _cancel(token, posted))


def not_a_link() -> Page:
    """A path no link of ours has: the same page as any other link that is not valid."""
    return Page(404, "link_invalid.html", rejected="format")


def read_form(posted: PostedForm) -> dict[str, str]:
    """A posted form's fields, each once; InvalidForm for anything a page of ours would not send."""
    if (posted.content_type or "").split(";")[0].strip().lower() != FORM_CONTENT_TYPE:
        raise InvalidForm("not a form")
    text = posted.body or ""
    if len(text) > MAX_FORM_BYTES * 2:
        raise InvalidForm("too large")
    try:
        raw = base64.b64decode(text, validate=True) if posted.is_base64 else text.encode()
        if len(raw) > MAX_FORM_BYTES:
            raise InvalidForm("too large")
        pairs = parse_qsl(raw.decode("ascii"), keep_blank_values=True, max_num_fields=8, errors="strict")
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise InvalidForm("unreadable") from error
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise InvalidForm("a field given twice")
        fields[name] = value
    return fields


def _answer(make: Callable[[], Page]) -> Page:
    """The page for each way a request can end: the one place outcomes become pages."""
    try:
        return make()
    except InvalidLink as invalid:
        return Page(404, "link_invalid.html", rejected=invalid.check)
    except InvalidForm:
        return Page(400, "form_refused.html", {"expired": False}, rejected="form")
    except LinkOutdated as outdated:
        return _outdated(outdated.current)


def _link_page(token: str) -> Page:
    claim = verify(token)
    linked = self_service.current_for(claim)
    now = clock.now()
    refusal = self_service.refusal(linked, claim.purpose, now)
    if refusal is not None:
        return _refused(200, refusal, linked)
    if claim.purpose == LinkPurpose.RESCHEDULE:
        return _slot_choice(200, linked, now, action=f"{token}/reschedule")
    return _cancel_form(200, token, linked, action=f"{token}/cancel")


def _confirmation(token: str, slot_id: str | None) -> Page:
    claim = verify(token, LinkPurpose.RESCHEDULE)
    linked = self_service.current_for(claim)
    now = clock.now()
    refusal = self_service.refusal(linked, claim.purpose, now)
    if refusal is not None:
        return _refused(200, refusal, linked)
    try:
        slot = self_service.slot_to_move_to(linked, slot_id, now)
    except SlotUnavailable:
        return _slot_choice(409, linked, now, action="reschedule", taken=True)
    context = {
        "interview": summary(linked),
        "new_time": _moment(slot.starts_at, slot.time_zone),
        "slot_id": slot.slot_id,
        "form_token": form_token(token),
        "back": f"../{token}",
    }
    return Page(200, "reschedule_confirm.html", context)


def _reschedule(token: str, posted: PostedForm) -> Page:
    claim = verify(token, LinkPurpose.RESCHEDULE)
    form = read_form(posted)
    if not _form_is_ours(token, form):
        return Page(403, "form_refused.html", {"expired": True}, rejected="form")
    try:
        self_service.reschedule(claim, form.get("slot_id"))
    except ChangeRefused as refused:
        return _refused(403, refused.refusal, refused.current)
    except StaleRevision:
        return _outdated(self_service.linked_interview(claim))
    except (SlotUnavailable, DomainError):
        # Taken, closed or started meanwhile, or the interview began: say why, as it is now.
        return _after_failed_change(claim, token, action="reschedule")
    return _done(claim, "rescheduled")


def _cancel(token: str, posted: PostedForm) -> Page:
    claim = verify(token, LinkPurpose.CANCEL)
    form = read_form(posted)
    if not _form_is_ours(token, form):
        return Page(403, "form_refused.html", {"expired": True}, rejected="form")
    try:
        self_service.cancel(claim, form.get("reason"))
    except ChangeRefused as refused:
        return _refused(403, refused.refusal, refused.current)
    except InvalidReason as invalid:
        linked = self_service.current_for(claim)
        return _cancel_form(
            422, token, linked, action="cancel", error=str(invalid), reason=form.get("reason")
        )
    except StaleRevision:
        return _outdated(self_service.linked_interview(claim))
    except DomainError:
        return _after_failed_change(claim, token, action="cancel")
    return _done(claim, "cancelled")


def _form_is_ours(token: str, form: dict[str, str]) -> bool:
    return form_token_matches(token, form.get("form_token"))


def _after_failed_change(claim: LinkClaim, token: str, action: str) -> Page:
    linked = self_service.current_for(claim)  # LinkOutdated if it changed meanwhile
    now = clock.now()
    refusal = self_service.refusal(linked, claim.purpose, now)
    if refusal is not None:
        return _refused(409, refusal, linked)
    if claim.purpose == LinkPurpose.RESCHEDULE:
        return _slot_choice(409, linked, now, action=action, taken=True)
    return _cancel_form(409, token, linked, action=action, error="Please try again in a moment.")


# ---------------------------------------------------------------- pages
def _done(claim: LinkClaim, what: str) -> Page:
    """The change is made: the interview as it is now; its new email has the new links."""
    current = self_service.linked_interview(claim)
    return Page(200, "done.html", {"interview": summary(current), "what": what}, changed=what)


def _outdated(linked: LinkedInterview) -> Page:
    return Page(410, "link_outdated.html", {"interview": summary(linked)})


def _refused(status: int, refusal: Refusal, linked: LinkedInterview) -> Page:
    context = {
        "interview": summary(linked),
        "refusal": str(refusal),
        "cutoff": _duration(int(linked.rules.cutoff_minutes)),
        "max_reschedules": int(linked.rules.max_reschedules),
    }
    return Page(status, "change_refused.html", context)


def _slot_choice(
    status: int, linked: LinkedInterview, now: datetime, *, action: str, taken: bool = False
) -> Page:
    choices = [_choice(slot) for slot in self_service.open_slots(linked, now)]
    context = {
        "interview": summary(linked),
        "choices": choices,
        "action": action,
        "taken": taken,
        "left": int(linked.rules.max_reschedules) - int(linked.interview.candidate_reschedules),
    }
    return Page(status, "reschedule.html", context)


def _cancel_form(
    status: int,
    token: str,
    linked: LinkedInterview,
    *,
    action: str,
    error: str | None = None,
    reason: str | None = None,
) -> Page:
    context = {
        "interview": summary(linked),
        "action": action,
        "form_token": form_token(token),
        "reason_required": linked.rules.cancellation_reason == ReasonRule.REQUIRED,
        "max_reason": self_service.MAX_REASON_CHARS,
        "error": error,
        "reason": reason or "",
    }
    return Page(status, "cancel.html", context)


def summary(linked: LinkedInterview) -> InterviewSummary:
    slot = linked.slot
    return InterviewSummary(
        job_title=linked.job.job_title,
        company_name=linked.job.company_name,
        status=STATUS_WORDS[linked.interview.status],
        starts=_moment(slot.starts_at, slot.time_zone),
        duration_minutes=round((slot.ends_at - slot.starts_at).total_seconds() / 60),
    )


def _choice(slot: InterviewSlot) -> SlotChoice:
    return SlotChoice(slot.slot_id, _moment(slot.starts_at, slot.time_zone))


def _moment(instant: datetime, zone_name: str) -> Moment:
    local = instant.astimezone(zone(zone_name))
    return Moment(local=f"{format_moment(local)} ({zone_name})", utc=format_moment(instant.astimezone(UTC)))


def _duration(minutes: int) -> str:
    """ "24 hours", "90 minutes"; "" for none."""
    if minutes % 60:
        return f"{minutes} minute{'s' * (minutes != 1)}"
    hours = minutes // 60
    return f"{hours} hour{'s' * (hours != 1)}" if hours else ""
