"""Names, titles and notes carrying CR/LF, markup and maximum lengths, through the in-process
pipeline: each invitation still has only its own headers, one recipient, no markup but the
template's in its HTML part, and one attendee in its calendar invite.
"""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from interview_scheduling.candidate_links import LINK_PATH
from local_runtime.template import LOCAL_REGION, Resolver, StackTemplate
from tests.conftest import TEST_PARAMETERS
from tests.reliability.figures import Figures, scales
from tests.support.api import ApiClient
from tests.support.catalog import create_candidate, create_job, create_slot
from tests.support.pipeline import Pipeline

INJECTED_ADDRESS = "evil@attacker.test"
SENDER = TEST_PARAMETERS["SenderEmail"]
HEADERS = {"subject", "from", "to", "date", "mime-version", "content-type"}
TEMPLATE_TAGS = {"html", "head", "meta", "title", "body", "p", "strong", "table", "tr", "th", "td", "a", "br"}
# The interview link, and the candidate's reschedule and cancel links to the API's own pages.
TEMPLATE_LINKS = 3
PAGES_URL = Resolver(StackTemplate(), TEST_PARAMETERS).environment("SendEmailFunction")["CANDIDATE_PAGES_URL"]
LINK_PREFIXES = (TEST_PARAMETERS["InterviewBaseUrl"], PAGES_URL + LINK_PATH)
EVENT_PROPERTIES = {
    "BEGIN", "END", "VERSION", "PRODID", "CALSCALE", "METHOD", "UID", "SEQUENCE", "DTSTAMP", "DTSTART",
    "DTEND", "SUMMARY", "DESCRIPTION", "URL", "LOCATION", "ORGANIZER", "ATTENDEE", "STATUS", "TRANSP",
}  # fmt: skip


@dataclass(frozen=True)
class Hostile:
    name: str
    full_name: str
    job_title: str = "Engineer"
    company_name: str = "Acme"
    notes: str = "ordinary notes"


HOSTILE = [
    Hostile("crlf_bcc_in_name", f"Ada\r\nBcc: {INJECTED_ADDRESS}"),
    Hostile("html_in_name", "<script>alert(1)</script><img src=x onerror=alert(1)>"),
    Hostile("crlf_headers_in_title", "Ada", job_title=f"Eng\r\nCc: {INJECTED_ADDRESS}\r\n\r\n<b>body</b>"),
    Hostile("lf_only_in_company", "Ada", company_name=f"Acme\nReply-To: {INJECTED_ADDRESS}"),
    Hostile("encoded_word_in_name", "=?utf-8?b?QmNjOiBldmlsQGF0dGFja2VyLnRlc3Q=?="),
    Hostile("quoted_address_in_name", f'"Ada" <{INJECTED_ADDRESS}>, Bob'),
    Hostile("calendar_lines_in_name", f"Ada\r\nATTENDEE:mailto:{INJECTED_ADDRESS}\r\nBEGIN:VALARM"),
    Hostile("calendar_params_in_title", "Ada", job_title=f'x";CN=evil:mailto:{INJECTED_ADDRESS};X="'),
    Hostile("markup_in_title", "Ada", job_title='"><a href="javascript:alert(1)">x</a>', company_name="<b>"),
    Hostile("bidi_and_controls", "Ada\u202e\u0000\u0007\u2028evil"),
    Hostile("longest_values", "N" * 199 + "\n", job_title="T\r\n" * 66 + "TT", company_name="<" * 200),
    Hostile("crlf_and_html_in_notes", "Ada", notes=f"\r\nBcc: {INJECTED_ADDRESS}\r\n<script>x</script>" * 40),
]
QUICK = {"crlf_bcc_in_name", "html_in_name", "crlf_and_html_in_notes"}


class MarkupCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attributes += attrs


def raw_messages() -> list[bytes]:
    backend = ses_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION]
    return [m.raw_data.encode() if isinstance(m.raw_data, str) else m.raw_data for m in backend.sent_messages]


def property_name(line: str) -> str:
    """`ATTENDEE` of `ATTENDEE;CN="…":mailto:…`, `ORGANIZER` of `ORGANIZER:mailto:…`."""
    return line.split(":", 1)[0].split(";", 1)[0]


def problems_in(raw: bytes, recipient: str) -> list[str]:
    """Everything in one sent invitation that a hostile value could have put there."""
    found = []
    head = raw.split(b"\r\n\r\n", 1)[0]
    fields = [line for line in head.split(b"\r\n") if line[:1] not in b" \t"]  # not continuations
    names = {line.split(b":", 1)[0].decode().lower() for line in fields}
    if names - HEADERS:
        found.append(f"unexpected headers {sorted(names - HEADERS)}")
    if b"\r" in head.replace(b"\r\n", b"") or b"\n" in head.replace(b"\r\n", b""):
        found.append("a bare CR or LF in the header section")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    addresses = [a.addr_spec for a in message["To"].addresses + message["From"].addresses]
    if addresses != [recipient, SENDER]:
        found.append(f"To and From {addresses}")
    parts = [p.get_content_type() for p in message.walk() if not p.is_multipart()]
    if parts != ["text/plain", "text/html", "text/calendar", "application/ics"]:
        found.append(f"parts {parts}")
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    markup = MarkupCollector()
    markup.feed(html_part.get_content())
    if set(markup.tags) - TEMPLATE_TAGS or markup.tags["a"] > TEMPLATE_LINKS:
        found.append(f"markup {dict(markup.tags)}")
    hrefs = [value or "" for name, value in markup.attributes if name == "href"]
    if any(name.startswith("on") for name, _ in markup.attributes) or any(
        not href.startswith(LINK_PREFIXES) for href in hrefs
    ):
        found.append(f"attributes {markup.attributes}")
    text = next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_content()
    events = text.replace("\r\n ", "").splitlines()
    properties = Counter(property_name(line) for line in events)
    if set(properties) - EVENT_PROPERTIES or properties["ATTENDEE"] != 1 or properties["BEGIN"] != 2:
        found.append(f"calendar properties {dict(properties)}")
    # Text may show up escaped in SUMMARY or quoted in CN="…"; a calendar acts on these addresses.
    addressed = [line for line in events if property_name(line) in {"ORGANIZER", "ATTENDEE"}]
    mailto = {property_name(line): line.rpartition(":mailto:")[2] for line in addressed}
    if mailto != {"ORGANIZER": SENDER, "ATTENDEE": recipient}:
        found.append(f"calendar addresses {mailto}")
    return found


@pytest.mark.parametrize("scale", scales(quick="quick", full="full"))
def test_hostile_values_put_nothing_into_the_invitation(
    api: ApiClient, pipeline: Pipeline, figures: Figures, scale: str
) -> None:
    cases = [h for h in HOSTILE if scale == "full" or h.name in QUICK]
    booked: dict[str, tuple[str, str, str]] = {}
    for n, case in enumerate(cases):
        job_id = create_job(api, job_title=case.job_title, company_name=case.company_name)
        recipient = f"c{n}@example.com"
        candidate_id = create_candidate(api, job_id, full_name=case.full_name, email=recipient)
        slot_id = create_slot(api, job_id)
        response = api.post(
            f"/jobs/{job_id}/interviews",
            {"candidate_id": candidate_id, "slot_id": slot_id, "booking_notes": case.notes},
        )
        assert response.status == 201, response.body
        booked[case.name] = (job_id, str(response.body["interview_id"]), recipient)

    pipeline.run()

    by_recipient = {}
    for raw in raw_messages():
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        by_recipient[parsed["To"].addresses[0].addr_spec] = raw
    problems = {}
    for name, (job_id, interview_id, recipient) in booked.items():
        (invitation,) = api.get(f"/jobs/{job_id}/interviews/{interview_id}").body["emails"]
        assert invitation["status"] == "SENT", (name, invitation)
        problems[name] = problems_in(by_recipient[recipient], recipient)
        assert b"ordinary notes" not in by_recipient[recipient]  # notes are the recruiter's, never mailed
    figures.record(
        f"bad_input.email_injection[{scale}]",
        f"hostile_profiles={len(cases)} invitations_sent={len(by_recipient)} "
        f"invitations_with_problems={sum(bool(p) for p in problems.values())}",
    )
    assert {name: p for name, p in problems.items() if p} == {}


def test_the_check_sees_an_injected_header_markup_and_attendee() -> None:
    # The oracle itself: a message built without the invitation's defences must not pass it.
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = "Interview invitation"
    message["From"] = SENDER
    message["To"] = "ada@example.com"
    message["Bcc"] = INJECTED_ADDRESS
    message.set_content("Hello Ada")
    message.add_alternative("<p>Hello <script>alert(1)</script></p>", subtype="html")
    lines = [
        "BEGIN:VCALENDAR",
        "BEGIN:VEVENT",
        f"ORGANIZER:mailto:{SENDER}",
        "ATTENDEE:mailto:ada@example.com",
    ]
    lines += [f"ATTENDEE:mailto:{INJECTED_ADDRESS}", "END:VEVENT", "END:VCALENDAR"]
    calendar = "\r\n".join(lines) + "\r\n"
    message.add_alternative(calendar.encode(), "text", "calendar")
    message.add_attachment(calendar.encode(), "application", "ics", filename="invite.ics")

    found = problems_in(message.as_bytes(), "ada@example.com")

    assert {problem.split(" ", 1)[0] for problem in found} == {"unexpected", "markup", "calendar"}
