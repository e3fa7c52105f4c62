"""The candidate's interview emails, read back the way a mail client would: MIME, HTML and iCalendar."""

import email
import email.policy
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

import pytest

from interview_scheduling.enums import MessageKind
from interview_scheduling.invitation import InvitationDetails, build_message

LINK = "https://interview.example.com/?session_key=k3y-0f-the-session"
INVITATION_TIME = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)
RESCHEDULED_TIME = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
KOLKATA_TIME = "Tue 1 Dec 2026, 10:00 IST (Asia/Kolkata)"
UTC_TIME = "Tue 1 Dec 2026, 04:30 UTC"
EXPECTED_HEADERS = {"Subject", "From", "To", "Date", "MIME-Version", "Content-Type"}
BCC_INJECTIONS = [
    "Ada\r\nBcc: evil@example.com",
    "Ada\nBcc: evil@example.com",
    "Ada\rBcc: evil@example.com",
    "Ada\u2028Bcc: evil@example.com",
    # An RFC 2047 encoded-word whose decoded text is a CRLF and a Bcc header.
    "=?utf-8?q?=0D=0ABcc=3A_evil=40example=2Ecom?=",
    "Ada =?utf-8?b?DQpCY2M6IGV2aWxAZXhhbXBsZS5jb20=?= Lovelace",
]


def details(**changes: object) -> InvitationDetails:
    base = InvitationDetails(
        interview_id="int-7f3a",
        sequence=0,
        candidate_name="Ada Lovelace",
        candidate_email="ada@example.com",
        job_title="Platform Engineer",
        company_name="Example Labs",
        scheduled_at=INVITATION_TIME,
        duration=timedelta(minutes=45),
        time_zone="Asia/Kolkata",
        interview_link=LINK,
        sender="Hiring Team <no-reply@example.com>",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Sent:
    """One built email: the bytes SES would send and the message a client parses from them."""

    raw: bytes
    message: EmailMessage

    @property
    def text(self) -> str:
        return body(self.message, "plain")

    @property
    def html(self) -> str:
        return body(self.message, "html")

    @property
    def calendar_bytes(self) -> bytes:
        return payload(part_of(self.message, "text/calendar"))

    @property
    def calendar(self) -> "Calendar":
        return Calendar.parse(self.calendar_bytes)


def send(kind: MessageKind, invitation: InvitationDetails) -> Sent:
    raw = build_message(kind, invitation).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert not parsed.defects
    return Sent(raw, parsed)


def part_of(message: EmailMessage, content_type: str) -> EmailMessage:
    (part,) = [p for p in message.walk() if p.get_content_type() == content_type]
    return part


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def payload(part: EmailMessage) -> bytes:
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data


# --- a small RFC 5545 reader, independent of the code under test --------------


@dataclass(frozen=True)
class Property:
    name: str
    params: dict[str, str]
    value: str


def split_outside_quotes(text: str, separator: str, limit: int = -1) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted and limit != 0:
            parts.append("".join(current))
            current, limit = [], limit - 1
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def unescape_text(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


@dataclass(frozen=True)
class Calendar:
    properties: list[Property]

    @staticmethod
    def unfold(data: bytes) -> list[str]:
        assert data.endswith(b"\r\n")
        physical = data.split(b"\r\n")[:-1]
        logical: list[bytes] = []
        for line in physical:
            if line.startswith((b" ", b"\t")):
                logical[-1] += line[1:]
            else:
                logical.append(line)
        return [line.decode("utf-8") for line in logical]

    @classmethod
    def parse(cls, data: bytes) -> "Calendar":
        properties = []
        for line in cls.unfold(data):
            head, value = split_outside_quotes(line, ":", limit=1)
            name, *raw_params = split_outside_quotes(head, ";")
            params = dict(p.split("=", 1) for p in raw_params)
            properties.append(Property(name.upper(), params, value))
        return cls(properties)

    def all(self, name: str) -> list[Property]:
        return [p for p in self.properties if p.name == name]

    def one(self, name: str) -> Property:
        (found,) = self.all(name)
        return found

    def value(self, name: str) -> str:
        return self.one(name).value

    def text(self, name: str) -> str:
        return unescape_text(self.value(name))


class HtmlReader(HTMLParser):
    """Collects what a browser would see: tags, link targets and visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [value or "" for name, value in attrs if name == "href"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read_html(markup: str) -> HtmlReader:
    reader = HtmlReader()
    reader.feed(markup)
    reader.close()
    return reader


# --- MIME structure and headers ---------------------------------------------


def test_invitation_is_mixed_alternative_with_inline_calendar_and_ics_attachment() -> None:
    sent = send(MessageKind.INVITATION, details())

    assert [p.get_content_type() for p in sent.message.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]
    inline = part_of(sent.message, "text/calendar")
    assert inline.get_param("method") == "REQUEST"
    assert inline.get_content_charset() == "utf-8"
    assert inline.get_content_disposition() is None
    attachment = part_of(sent.message, "application/ics")
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"
    assert payload(attachment) == sent.calendar_bytes
    assert [p for p in sent.message.walk() if "MIME-Version" in p] == [sent.message]


def test_headers_address_the_candidate_from_the_sender_and_leave_message_id_to_ses() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    sent = send(MessageKind.INVITATION, details())
    after = datetime.now(UTC)

    assert set(sent.message.keys()) == EXPECTED_HEADERS
    assert sent.message["Subject"] == "Interview invitation: Platform Engineer at Example Labs"
    (to,) = sent.message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Ada Lovelace", "ada@example.com")
    (sender,) = sent.message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Hiring Team", "no-reply@example.com")
    assert before <= parsedate_to_datetime(sent.message["Date"]) <= after
    assert b"\r\n" in sent.raw and b"\n" not in sent.raw.replace(b"\r\n", b"")


def test_bare_sender_address_is_used_as_is() -> None:
    sent = send(MessageKind.INVITATION, details(sender="no-reply@example.com"))

    (sender,) = sent.message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("", "no-reply@example.com")
    organizer = sent.calendar.one("ORGANIZER")
    assert organizer.value == "mailto:no-reply@example.com"
    assert "CN" not in organizer.params


# --- what the candidate reads ------------------------------------------------


def test_invitation_text_and_html_say_who_what_when_and_where() -> None:
    sent = send(MessageKind.INVITATION, details())

    for content in (sent.text, " ".join(read_html(sent.html).text)):
        assert "Ada Lovelace" in content
        assert "invited" in content
        assert "Platform Engineer" in content
        assert "Example Labs" in content
        assert KOLKATA_TIME in content
        assert UTC_TIME in content
        assert "45 minutes" in content
    assert LINK in sent.text
    assert read_html(sent.html).hrefs == [LINK]


def test_invitation_calendar_is_a_request_for_one_utc_event_between_sender_and_candidate() -> None:
    sent = send(MessageKind.INVITATION, details())
    calendar = sent.calendar

    names = [p.name for p in calendar.properties]
    assert names[:2] == ["BEGIN", "VERSION"]
    assert [p.value for p in calendar.all("BEGIN")] == ["VCALENDAR", "VEVENT"]
    assert [p.value for p in calendar.all("END")] == ["VEVENT", "VCALENDAR"]
    assert calendar.value("VERSION") == "2.0"
    assert calendar.value("PRODID")
    assert calendar.value("METHOD") == "REQUEST"
    assert calendar.value("UID") == "int-7f3a@example.com"
    assert calendar.value("SEQUENCE") == "0"
    assert calendar.value("DTSTART") == "20261201T043000Z"
    assert calendar.value("DTEND") == "20261201T051500Z"
    date_header = parsedate_to_datetime(sent.message["Date"])
    assert calendar.value("DTSTAMP") == date_header.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert calendar.value("STATUS") == "CONFIRMED"
    assert calendar.value("URL") == LINK
    assert LINK in calendar.text("DESCRIPTION")
    assert "Platform Engineer" in calendar.text("SUMMARY")
    organizer = calendar.one("ORGANIZER")
    assert organizer.value == "mailto:no-reply@example.com"
    assert organizer.params["CN"] == '"Hiring Team"'
    attendee = calendar.one("ATTENDEE")
    assert attendee.value == "mailto:ada@example.com"
    assert attendee.params["CN"] == '"Ada Lovelace"'


def test_reschedule_announces_the_new_time_with_a_higher_sequence_and_the_same_uid() -> None:
    first = send(MessageKind.INVITATION, details()).calendar
    sent = send(MessageKind.RESCHEDULE, details(sequence=1, scheduled_at=RESCHEDULED_TIME))
    calendar = sent.calendar

    assert "rescheduled" in sent.message["Subject"]
    for content in (sent.text, sent.html):
        assert "rescheduled" in content
        assert "Thu 3 Dec 2026, 14:30 IST (Asia/Kolkata)" in content
        assert "Thu 3 Dec 2026, 09:00 UTC" in content
        assert KOLKATA_TIME not in content
    assert LINK in sent.text
    assert read_html(sent.html).hrefs == [LINK]
    assert calendar.value("METHOD") == "REQUEST"
    assert calendar.value("UID") == first.value("UID")
    assert int(calendar.value("SEQUENCE")) > int(first.value("SEQUENCE"))
    assert (calendar.value("DTSTART"), calendar.value("DTEND")) == ("20261203T090000Z", "20261203T094500Z")


# A cancellation carries no link even when a caller passes one.
@pytest.mark.parametrize("link", [None, LINK])
def test_cancellation_cancels_the_same_event_and_carries_no_link(link: str | None) -> None:
    first = send(MessageKind.INVITATION, details()).calendar
    sent = send(MessageKind.CANCELLATION, details(sequence=2, interview_link=link))
    calendar = sent.calendar

    assert "cancelled" in sent.message["Subject"]
    assert part_of(sent.message, "text/calendar").get_param("method") == "CANCEL"
    assert calendar.value("METHOD") == "CANCEL"
    assert calendar.value("STATUS") == "CANCELLED"
    assert calendar.value("UID") == first.value("UID")
    assert int(calendar.value("SEQUENCE")) > int(first.value("SEQUENCE"))
    assert calendar.value("DTSTART") == first.value("DTSTART")
    assert calendar.one("ATTENDEE").value == "mailto:ada@example.com"
    assert calendar.all("URL") == []
    assert calendar.all("LOCATION") == []
    for content in (sent.text, sent.html, sent.calendar_bytes.decode()):
        assert "session_key" not in content
        assert "interview.example.com" not in content
    assert read_html(sent.html).hrefs == []
    assert "cancelled" in sent.text
    assert KOLKATA_TIME in sent.text


RESCHEDULE_LINK = "https://api.example.com/candidate/cmVzY2hlZHVsZQ.c2lnbmVk"
CANCEL_LINK = "https://api.example.com/candidate/Y2FuY2Vs.c2lnbmVk"


@pytest.mark.parametrize("kind", [MessageKind.INVITATION, MessageKind.RESCHEDULE, MessageKind.REMINDER])
def test_emails_about_the_interview_carry_the_reschedule_and_cancel_links_outside_the_calendar(
    kind: MessageKind,
) -> None:
    sent = send(kind, details(reschedule_link=RESCHEDULE_LINK, cancel_link=CANCEL_LINK))

    assert f"Reschedule: {RESCHEDULE_LINK}" in sent.text
    assert f"Cancel: {CANCEL_LINK}" in sent.text
    assert read_html(sent.html).hrefs == [LINK, RESCHEDULE_LINK, CANCEL_LINK]
    assert "api.example.com" not in sent.calendar_bytes.decode()


def test_a_cancellation_carries_no_reschedule_or_cancel_link() -> None:
    sent = send(MessageKind.CANCELLATION, details(reschedule_link=RESCHEDULE_LINK, cancel_link=CANCEL_LINK))

    for content in (sent.text, sent.html, sent.calendar_bytes.decode()):
        assert "api.example.com" not in content
    assert read_html(sent.html).hrefs == []


def test_reschedule_and_cancel_links_other_than_http_or_https_are_never_rendered() -> None:
    sent = send(MessageKind.INVITATION, details(reschedule_link="javascript:alert(1)", cancel_link=""))

    assert "javascript" not in sent.html.lower() and "javascript" not in sent.text.lower()
    assert read_html(sent.html).hrefs == [LINK]


# --- time zones --------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheduled_at", "local", "utc"),
    [
        (
            datetime(2026, 1, 15, 15, 0, tzinfo=UTC),
            "Thu 15 Jan 2026, 10:00 EST",
            "Thu 15 Jan 2026, 15:00 UTC",
        ),
        (
            datetime(2026, 7, 15, 14, 0, tzinfo=UTC),
            "Wed 15 Jul 2026, 10:00 EDT",
            "Wed 15 Jul 2026, 14:00 UTC",
        ),
    ],
)
def test_daylight_saving_zone_shows_the_local_time_and_abbreviation_of_that_date(
    scheduled_at: datetime, local: str, utc: str
) -> None:
    sent = send(MessageKind.INVITATION, details(scheduled_at=scheduled_at, time_zone="America/New_York"))

    for content in (sent.text, sent.html):
        assert f"{local} (America/New_York)" in content
        assert utc in content
    assert sent.calendar.value("DTSTART") == scheduled_at.strftime("%Y%m%dT%H%M%SZ")


def test_an_aware_non_utc_start_is_converted_to_utc() -> None:
    start = INVITATION_TIME.astimezone(timezone(timedelta(hours=-3)))
    sent = send(MessageKind.INVITATION, details(scheduled_at=start))

    assert sent.calendar.value("DTSTART") == "20261201T043000Z"
    assert UTC_TIME in sent.text
    assert KOLKATA_TIME in sent.text


# --- hostile values ------------------------------------------------------------


@pytest.mark.parametrize("field", ["candidate_name", "job_title", "company_name"])
@pytest.mark.parametrize("hostile", BCC_INJECTIONS)
def test_line_breaks_in_any_value_cannot_add_a_header(field: str, hostile: str) -> None:
    sent = send(MessageKind.INVITATION, details(**{field: hostile}))

    assert sent.message["Bcc"] is None
    assert set(sent.message.keys()) == EXPECTED_HEADERS
    assert re.search(rb"(?mi)^bcc:", sent.raw) is None
    (to,) = sent.message["To"].addresses
    assert to.addr_spec == "ada@example.com"
    for part in sent.message.walk():
        assert part["Bcc"] is None
    for line in Calendar.unfold(sent.calendar_bytes):
        assert not line.lower().startswith("bcc")


@pytest.mark.parametrize("hostile", BCC_INJECTIONS)
def test_line_breaks_in_the_sender_name_cannot_add_a_header(hostile: str) -> None:
    sent = send(MessageKind.INVITATION, details(sender=f"{hostile} <no-reply@example.com>"))

    assert set(sent.message.keys()) == EXPECTED_HEADERS
    assert re.search(rb"(?mi)^bcc:", sent.raw) is None
    (sender,) = sent.message["From"].addresses
    assert sender.addr_spec == "no-reply@example.com"


@pytest.mark.parametrize(
    "name",
    [
        'Lovelace, Ada "The Countess" <admin@evil.example>',
        "Ada (admin@evil.example); Bob <bob@evil.example>, Carol",
        "A" * 70 + ', "quoted, comma" ' + "B" * 70,
    ],
)
def test_a_name_with_address_syntax_stays_one_recipient(name: str) -> None:
    sent = send(MessageKind.INVITATION, details(candidate_name=name))

    (to,) = sent.message["To"].addresses
    assert to.addr_spec == "ada@example.com"
    assert not set('<>@,;"') & set(to.display_name)
    attendee = sent.calendar.one("ATTENDEE")
    assert attendee.value == "mailto:ada@example.com"
    assert attendee.params["CN"].count('"') == 2
    assert name.replace('"', "") == attendee.params["CN"].strip('"')


def test_markup_in_values_is_shown_as_text_never_rendered() -> None:
    script = "<script>alert(1)</script>"
    image = '<img src=x onerror="alert(2)">'
    sent = send(MessageKind.INVITATION, details(candidate_name=script, job_title=image, company_name="A & B"))

    assert script not in sent.html
    assert image not in sent.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in sent.html
    page = read_html(sent.html)
    assert "script" not in page.tags
    assert "img" not in page.tags
    visible = "".join(page.text)
    assert script in visible
    assert image in visible
    assert "A & B" in visible
    assert f"Hello {script}," in sent.text


def test_commas_semicolons_backslashes_and_newlines_are_escaped_in_the_calendar() -> None:
    title = "Engineer, Backend; Payments\nTeam \\ Ops"
    sent = send(MessageKind.INVITATION, details(job_title=title))
    calendar = sent.calendar

    raw_summary = calendar.value("SUMMARY")
    assert "Engineer\\, Backend\\; Payments Team \\\\ Ops" in raw_summary
    assert re.search(r"(?<!\\)[,;]", raw_summary.replace("\\\\", "")) is None
    # A value is one line everywhere, so the title's line break reads as a space.
    assert calendar.text("SUMMARY") == "AI interview: Engineer, Backend; Payments Team \\ Ops at Example Labs"
    description = calendar.text("DESCRIPTION")
    assert "Engineer, Backend; Payments Team \\ Ops" in description
    assert f"Join the interview: {LINK}" in description.split("\n")
    assert "\\n" in calendar.value("DESCRIPTION")
    assert "Engineer, Backend; Payments Team \\ Ops" in sent.message["Subject"]


def test_quotes_are_removed_from_calendar_parameter_values() -> None:
    sent = send(MessageKind.INVITATION, details(candidate_name='Ada "Countess" Lovelace; role=CHAIR:x'))

    attendee = sent.calendar.one("ATTENDEE")
    assert attendee.params["CN"] == '"Ada Countess Lovelace; role=CHAIR:x"'
    assert "ROLE" in attendee.params
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.value == "mailto:ada@example.com"


def test_very_long_values_fold_within_75_octets_and_round_trip() -> None:
    long_title = ("Staff Engineer, Платформа; 数据平台 😀 é " * 200)[:5000]
    long_name = "Ada " + "Lovelace-Byron-" * 333
    long_company = "C" * 5000
    sent = send(
        MessageKind.INVITATION,
        details(job_title=long_title, candidate_name=long_name, company_name=long_company),
    )
    data = sent.calendar_bytes

    physical = data.split(b"\r\n")[:-1]
    assert len(physical) > 100
    for line in physical:
        assert len(line) <= 75
        line.decode("utf-8")  # folding never splits a character
    assert b"\n" not in data.replace(b"\r\n", b"")
    calendar = sent.calendar
    expected_title = " ".join(long_title.split())
    assert calendar.text("SUMMARY") == f"AI interview: {expected_title} at {long_company}"
    assert calendar.one("ATTENDEE").params["CN"] == f'"{long_name.strip()}"'
    assert expected_title in sent.text
    for line in sent.raw.split(b"\r\n"):
        assert len(line) <= 998
    assert len(sent.message["Subject"]) < 250
    (to,) = sent.message["To"].addresses
    assert to.addr_spec == "ada@example.com"


def test_ics_lines_end_in_crlf_and_stay_within_75_octets() -> None:
    for kind in MessageKind:
        data = send(kind, details(sequence=1)).calendar_bytes
        assert data.endswith(b"\r\n")
        assert b"\n" not in data.replace(b"\r\n", b"")
        assert all(len(line) <= 75 for line in data.split(b"\r\n"))


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)//https://interview.example.com/",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example.com/?session_key=x",
        "ftp://interview.example.com/?session_key=x",
        "https:/?session_key=x",
        "https://interview.example.com/?session_key=x\r\nBcc: evil@example.com",
        "",
    ],
)
def test_links_other_than_http_or_https_are_never_rendered(link: str) -> None:
    sent = send(MessageKind.INVITATION, details(interview_link=link))

    assert read_html(sent.html).hrefs == []
    assert sent.calendar.all("URL") == []
    assert sent.calendar.all("LOCATION") == []
    for content in (sent.text, sent.html, sent.calendar_bytes.decode()):
        assert "javascript" not in content.lower()
        assert "session_key" not in content
        assert "data:" not in content


def test_http_link_is_quoted_and_escaped_in_the_href() -> None:
    link = 'https://interview.example.com/?session_key=a&next="><script>alert(1)</script>'
    sent = send(MessageKind.INVITATION, details(interview_link=link))

    assert 'href="https://interview.example.com/?session_key=a&amp;next=&quot;&gt;&lt;script&gt;' in sent.html
    page = read_html(sent.html)
    assert page.hrefs == [link]
    assert "script" not in page.tags
    assert sent.calendar.value("URL") == link


def test_non_ascii_names_survive_headers_html_and_calendar() -> None:
    name = "Zoë Ångström 山田太郎"
    sent = send(MessageKind.INVITATION, details(candidate_name=name, company_name="Société Générale"))

    (to,) = sent.message["To"].addresses
    assert to.display_name == name
    assert "Société Générale" in sent.message["Subject"]
    assert name in sent.html
    assert sent.calendar.one("ATTENDEE").params["CN"] == f'"{name}"'
    assert sent.raw.isascii()


# --- refusals ------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "ada@example.com\r\nBcc: evil@example.com",
        "ada@example.com\n",
        "ada@example.com, eve@example.com",
        "Ada <ada@example.com>",
        "ada@example.com eve@example.com",
        "ada",
        "ada@",
        "@example.com",
        "ada@@example.com",
        "ada@localhost",
        "",
        "ada@exa\u0000mple.com",
    ],
)
def test_an_implausible_candidate_address_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="candidate_email"):
        build_message(MessageKind.INVITATION, details(candidate_email=address))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scheduled_at": datetime(2026, 12, 1, 4, 30)}, "timezone-aware"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time zone"),
        ({"time_zone": "../../etc/passwd"}, "time zone"),
        ({"duration": timedelta(0)}, "duration"),
        ({"sequence": -1}, "sequence"),
        ({"sender": "Hiring Team <no-reply@example.com\r\nBcc: evil@example.com>"}, "sender"),
        ({"sender": "a@example.com, b@example.com"}, "sender"),
        ({"interview_id": "\r\n"}, "interview_id"),
    ],
)
def test_unusable_details_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_message(MessageKind.INVITATION, details(**changes))
