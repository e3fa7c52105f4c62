"""The email a candidate receives about an AI interview: invitation, reschedule, reminder or cancellation."""

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from interview_scheduling.enums import MessageKind
from interview_scheduling.time_rules import InvalidLocalTime, format_moment, zone

__all__ = ["InvitationDetails", "MessageKind", "UnsendableMessage", "build_message"]


class UnsendableMessage(ValueError):
    """The details cannot make a safe, well-formed email (a bad address, time or link)."""


@dataclass(frozen=True)
class InvitationDetails:
    interview_id: str
    sequence: int
    candidate_name: str
    candidate_email: str
    job_title: str
    company_name: str
    scheduled_at: datetime
    duration: timedelta
    time_zone: str
    interview_link: str | None
    sender: str  # "name@domain" or "Display Name <name@domain>"
    # The candidate's own links (interview_scheduling.candidate_links); never in a cancellation.
    reschedule_link: str | None = None
    cancel_link: str | None = None


@dataclass(frozen=True)
class _Wording:
    subject: str
    intro: str
    when_label: str
    closing: str
    method: str
    status: str


_WORDING = {
    MessageKind.INVITATION: _Wording(
        subject="Interview invitation",
        intro="You are invited to an AI interview for the {job} role at {company}.",
        when_label="When",
        closing="Please join on time from a quiet place with a stable connection.",
        method="REQUEST",
        status="CONFIRMED",
    ),
    MessageKind.RESCHEDULE: _Wording(
        subject="Interview rescheduled",
        intro="Your AI interview for the {job} role at {company} has been rescheduled.",
        when_label="New time",
        closing="Please join on time from a quiet place with a stable connection.",
        method="REQUEST",
        status="CONFIRMED",
    ),
    MessageKind.REMINDER: _Wording(
        subject="Interview reminder",
        intro="A reminder of your AI interview for the {job} role at {company}.",
        when_label="When",
        closing="Please join on time from a quiet place with a stable connection.",
        method="REQUEST",
        status="CONFIRMED",
    ),
    MessageKind.CANCELLATION: _Wording(
        subject="Interview cancelled",
        intro="Your AI interview for the {job} role at {company} has been cancelled.",
        when_label="Cancelled time",
        closing="No action is needed on your part.",
        method="CANCEL",
        status="CANCELLED",
    ),
}
# A resend is the current invitation again, word for word.
_WORDING[MessageKind.RESEND] = _WORDING[MessageKind.INVITATION]

# SMTP policy: CRLF line endings throughout, as raw SES content requires.
_POLICY = SMTP
_PRODID = "-//Interview Scheduling//AI Interview Invitation//EN"
_HEADER_TEXT_LIMIT = 100

# Zero-width (non-)joiners are format characters that some scripts need to spell names.
_JOINERS = frozenset({"\u200c", "\u200d"})
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_RFC5322_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TOP_LABEL = r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDR_SPEC = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+{_TOP_LABEL}")
_NAMED_ADDRESS = re.compile(r"(?P<name>[^<>]*)<(?P<address>[^<>]*)>")


@dataclass(frozen=True)
class _Facts:
    """InvitationDetails checked and sanitised, ready for any output format."""

    wording: _Wording
    name: str
    job: str
    company: str
    recipient: str
    organizer_name: str
    organizer: str
    uid: str
    sequence: int
    start: datetime
    end: datetime
    local_time: str
    utc_time: str
    duration: str
    link: str | None
    reschedule_link: str | None
    cancel_link: str | None


def build_message(kind: MessageKind, details: InvitationDetails) -> EmailMessage:
    """Build the complete email; `.as_bytes()` is the raw content for SES SendEmail."""
    facts = _facts(MessageKind(kind), details)
    now = datetime.now(UTC)
    message = EmailMessage(policy=_POLICY)
    message["Subject"] = _subject(facts)
    message["From"] = _mailbox(facts.organizer_name, facts.organizer)
    message["To"] = _mailbox(facts.name, facts.recipient)
    message["Date"] = format_datetime(now)
    _add_parts(message, facts, _calendar(facts, now))
    return message


def _add_parts(message: EmailMessage, facts: _Facts, calendar: bytes) -> None:
    # base64 bodies keep every raw line opaque, so no value can ever start a line on the wire.
    message.set_content(_text_body(facts), cte="base64")
    message.add_alternative(_html_body(facts), subtype="html", cte="base64")
    # Google Calendar's layout: Gmail/Outlook act on this part, invite.ics serves the rest.
    params = {"method": facts.wording.method, "charset": "utf-8"}
    message.add_alternative(calendar, "text", "calendar", params=params)
    message.add_attachment(calendar, "application", "ics", filename="invite.ics")
    # EmailMessage stamps MIME-Version on each part it creates; only the top level needs it.
    for part in message.iter_parts():
        for inner in part.walk():
            del inner["MIME-Version"]


def _facts(kind: MessageKind, details: InvitationDetails) -> _Facts:
    zone = _zone(details.time_zone)
    start = _utc(details.scheduled_at)
    organizer_name, organizer = _split_sender(details.sender)
    return _Facts(
        wording=_WORDING[kind],
        name=_single_line(details.candidate_name),
        job=_single_line(details.job_title),
        company=_single_line(details.company_name),
        recipient=_checked_address(details.candidate_email, "candidate_email"),
        organizer_name=organizer_name,
        organizer=organizer,
        uid=_uid(details.interview_id, organizer),
        sequence=_sequence(details.sequence),
        start=start,
        end=start + _positive(details.duration),
        local_time=f"{format_moment(start.astimezone(zone))} ({zone.key})",
        utc_time=format_moment(start),
        duration=_format_duration(details.duration),
        link=None if kind is MessageKind.CANCELLATION else _safe_link(details.interview_link),
        reschedule_link=None if kind is MessageKind.CANCELLATION else _safe_link(details.reschedule_link),
        cancel_link=None if kind is MessageKind.CANCELLATION else _safe_link(details.cancel_link),
    )


# --- validation -----------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return zone(name)
    except InvalidLocalTime as error:
        raise UnsendableMessage(str(error)) from error


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise UnsendableMessage("scheduled_at must be timezone-aware")
    return moment.astimezone(UTC)


def _positive(duration: timedelta) -> timedelta:
    if duration <= timedelta(0):
        raise UnsendableMessage("duration must be positive")
    return duration


def _sequence(sequence: int) -> int:
    if sequence < 0:
        raise UnsendableMessage("sequence must not be negative")
    return sequence


def _uid(interview_id: str, organizer: str) -> str:
    """The calendar UID: the interview, at the sender's domain (from its checked address)."""
    interview = _single_line(interview_id)
    if not interview:
        raise UnsendableMessage("interview_id is required for the calendar UID")
    return f"{interview}@{organizer.rpartition('@')[2]}"


def _checked_address(value: str, field: str) -> str:
    # Defence in depth: one plain ASCII addr-spec, so no CR/LF, comma or second mailbox gets through.
    local_part = value.partition("@")[0]
    if len(value) > 254 or len(local_part) > 64 or not _ADDR_SPEC.fullmatch(value):
        raise UnsendableMessage(f"{field} is not a single plausible email address")
    return value


def _split_sender(sender: str) -> tuple[str, str]:
    match = _NAMED_ADDRESS.fullmatch(sender.strip())
    if match is None:
        return "", _checked_address(sender.strip(), "sender")
    name = _single_line(match["name"]).strip('"')
    return name, _checked_address(match["address"].strip(), "sender")


def _safe_link(link: str | None) -> str | None:
    # Only absolute http(s) links are rendered; javascript:, data: and the like are dropped.
    if link is None or any(char.isspace() or _is_unsafe(char) for char in link):
        return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return link


# --- text helpers ------------------------------------------------------------


def _is_unsafe(char: str) -> bool:
    return unicodedata.category(char) in _UNSAFE_CATEGORIES and char not in _JOINERS


def _single_line(value: str) -> str:
    # Control/format characters become spaces so no value can end a line or reorder the text around it.
    cleaned = "".join(" " if _is_unsafe(char) else char for char in value)
    return " ".join(cleaned.split())


def _header_text(value: str) -> str:
    # No "=" means no RFC 2047 encoded-word, which the email package would decode into raw header text.
    text = _single_line(value.replace("=", " "))
    if len(text) <= _HEADER_TEXT_LIMIT:
        return text
    return text[: _HEADER_TEXT_LIMIT - 1].rstrip() + "…"


def _header_phrase(value: str) -> str:
    # No specials means no quoted-string, which older email packages fold without its quotes.
    return _header_text(_RFC5322_SPECIALS.sub(" ", value))


def _mailbox(name: str, address: str) -> Address:
    return Address(display_name=_header_phrase(name), addr_spec=address)


def _format_duration(duration: timedelta) -> str:
    hours, minutes = divmod(max(1, round(duration.total_seconds() / 60)), 60)
    parts = [f"{hours} hour{'s' * (hours != 1)}"] if hours else []
    if minutes:
        parts.append(f"{minutes} minute{'s' * (minutes != 1)}")
    return " ".join(parts)


# --- bodies -------------------------------------------------------------------


def _subject(facts: _Facts) -> str:
    job, company = _header_text(facts.job), _header_text(facts.company)
    return f"{facts.wording.subject}: {job} at {company}"


def _greeting(name: str) -> str:
    return f"Hello {name}," if name else "Hello,"


def _intro(facts: _Facts) -> str:
    return facts.wording.intro.format(job=facts.job, company=facts.company)


def _detail_lines(facts: _Facts) -> list[str]:
    lines = [
        f"{facts.wording.when_label}: {facts.local_time}",
        f"UTC: {facts.utc_time}",
        f"Duration: {facts.duration}",
    ]
    if facts.link:
        lines.append(f"Join the interview: {facts.link}")
    return lines


def _change_lines(facts: _Facts) -> list[str]:
    lines = []
    if facts.reschedule_link:
        lines.append(f"Need another time? Reschedule: {facts.reschedule_link}")
    if facts.cancel_link:
        lines.append(f"Cannot attend? Cancel: {facts.cancel_link}")
    return lines


def _text_body(facts: _Facts) -> str:
    paragraphs = [
        _greeting(facts.name),
        _intro(facts),
        "\n".join(_detail_lines(facts)),
        "\n".join(_change_lines(facts)),
        facts.wording.closing,
        f"{facts.company} hiring team",
    ]
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph) + "\n"


def _html_body(facts: _Facts) -> str:
    esc = html.escape
    intro = facts.wording.intro.format(
        job=f"<strong>{esc(facts.job)}</strong>", company=f"<strong>{esc(facts.company)}</strong>"
    )
    rows = [
        (facts.wording.when_label, facts.local_time),
        ("UTC", facts.utc_time),
        ("Duration", facts.duration),
    ]
    table = "\n".join(
        f'<tr><th align="left">{esc(label)}</th><td>{esc(value)}</td></tr>' for label, value in rows
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            f'<head><meta charset="utf-8"><title>{esc(_subject(facts))}</title></head>',
            "<body>",
            f"<p>{esc(_greeting(facts.name))}</p>",
            f"<p>{intro}</p>",
            f'<table role="presentation">\n{table}\n</table>',
            _html_link(facts.link),
            _html_change_links(facts),
            f"<p>{esc(facts.wording.closing)}</p>",
            f"<p>{esc(facts.company)} hiring team</p>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _html_link(link: str | None) -> str:
    if link is None:
        return ""
    href = html.escape(link, quote=True)
    return (
        f'<p><a href="{href}">Join the interview</a></p>\n'
        f"<p>If the button does not work, open this link: {href}</p>"
    )


def _html_change_links(facts: _Facts) -> str:
    links = [
        (question, label, html.escape(link, quote=True))
        for question, label, link in (
            ("Need another time?", "Reschedule", facts.reschedule_link),
            ("Cannot attend?", "Cancel the interview", facts.cancel_link),
        )
        if link
    ]
    if not links:
        return ""
    lines = "<br>\n".join(f'{question} <a href="{href}">{label}</a>' for question, label, href in links)
    return f"<p>{lines}</p>"


# --- iCalendar (RFC 5545) ---------------------------------------------------


def _calendar(facts: _Facts, now: datetime) -> bytes:
    # Imported here: only the function that sends mail pays for loading it.
    from icalendar import Calendar, Event, vCalAddress, vText, vUri  # noqa: PLC0415

    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", _PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", facts.wording.method)
    event = Event()
    event.add("uid", facts.uid)
    event.add("sequence", facts.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", facts.start)
    event.add("dtend", facts.end)
    event.add("summary", vText(f"AI interview: {facts.job} at {facts.company}"))
    event.add("description", vText(_description(facts)))
    if facts.link:
        event.add("url", vUri(facts.link))
        # LOCATION repeats the link because Outlook and Google Calendar do not display URL.
        event.add("location", vText(facts.link))
    event.add("organizer", _cal_address(vCalAddress, facts.organizer_name, facts.organizer))
    # RSVP=FALSE: replies would go to a no-reply organizer that nobody reads.
    attendee = _cal_address(vCalAddress, facts.name, facts.recipient)
    attendee.params.update({"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "FALSE"})
    event.add("attendee", attendee)
    event.add("status", facts.wording.status)
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def _description(facts: _Facts) -> str:
    # Not the reschedule and cancel links: calendars are shared and synced more widely than mail.
    return "\n".join([_intro(facts), "", *_detail_lines(facts)])


def _cal_address(address_type: Any, name: str, address: str) -> Any:
    cal_address = address_type(f"mailto:{address}")
    # A parameter value may hold neither DQUOTE nor control characters (RFC 5545 QSAFE-CHAR).
    common_name = _single_line(name).replace('"', "")
    if common_name:
        cal_address.params["CN"] = common_name
    return cal_address
