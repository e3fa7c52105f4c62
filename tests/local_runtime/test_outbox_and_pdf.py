"""The outbox files sent mail in time order and finds the interview link; the demo resume is a
real PDF whose text pypdf extracts."""

import email
import email.policy
import io
import logging
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from types import SimpleNamespace

from pypdf import PdfReader

from local_runtime.aws.outbox import MailHandOff, MotoSesWatcher, Outbox, SentEmail, find_interview_link
from local_runtime.demo.data import demo_slots
from local_runtime.demo.pdf import text_pdf

LINK = "https://interview.example.com/?session_key=k3y_-AbC.9"


def invitation(link: str = LINK) -> bytes:
    message = EmailMessage()
    message["From"] = "interviews@hiring.example.com"
    message["To"] = "Priya <priya@example.com>"
    message["Subject"] = "Your interview"
    message.set_content(f"Join here: {link}\n" + "long line " * 20)  # long enough to be quoted-printable
    message.add_alternative(f'<p><a href="{link.replace("?", "?x=1&amp;")}">Join</a></p>', subtype="html")
    return bytes(message)


def test_interview_link_is_found_in_the_text_part():
    assert find_interview_link(invitation()) == LINK


def test_interview_link_is_found_in_html_only_mail():
    message = EmailMessage()
    message.set_content('<a href="https://i.example.com/?session_key=abc&amp;x=1">Join</a>', subtype="html")
    assert find_interview_link(bytes(message)) == "https://i.example.com/?session_key=abc&x=1"


def test_interview_link_is_found_in_a_base64_part_in_another_charset():
    message = EmailMessage()
    message.set_content(f"Entretien à 10 h : {LINK}", charset="iso-8859-1", cte="base64")
    assert b"session_key" not in bytes(message)  # only found by undoing the transfer encoding
    assert find_interview_link(bytes(message)) == LINK


def test_a_part_in_a_charset_python_does_not_know_is_skipped_not_fatal():
    raw = (
        b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain; charset=x-unknown\r\n\r\nhttps://i.example.com/?session_key=no\r\n--b\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<a href='https://i.example.com/?session_key=yes'>\r\n--b--\r\n"
    )
    assert find_interview_link(raw) == "https://i.example.com/?session_key=yes"


def test_the_console_line_shows_the_decoded_subject_and_the_link(tmp_path, caplog):
    message = email.message_from_bytes(invitation(), policy=email.policy.default)
    message.replace_header("Subject", "Votre entretien — Acme")  # sent as an RFC 2047 encoded word
    raw = bytes(message)
    assert b"=?utf-8?" in raw
    with caplog.at_level(logging.INFO, logger="local_runtime.outbox"):
        Outbox(tmp_path).deliver(SentEmail("id-1", "from@example.com", ("to@example.com",), raw))
    (line,) = [r.getMessage() for r in caplog.records]
    assert "'Votre entretien — Acme'" in line
    assert f"link {LINK}" in line


def test_mail_without_a_link_has_none():
    message = EmailMessage()
    message.set_content("Your interview was cancelled.")
    assert find_interview_link(bytes(message)) is None


def test_outbox_files_sort_in_sending_order_and_hold_the_exact_bytes(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    raws = [invitation(f"https://i.example.com/?session_key=k{n}") for n in range(3)]
    paths = [
        outbox.deliver(SentEmail(f"id-{n}", "from@example.com", ("to@example.com",), raw))
        for n, raw in enumerate(raws)
    ]
    listed = sorted((tmp_path / "outbox").iterdir())
    assert listed == paths
    assert [p.read_bytes() for p in listed] == raws
    assert all(p.suffix == ".eml" for p in listed)


def test_watcher_delivers_each_stored_message_once(tmp_path, monkeypatch):
    raw = SimpleNamespace(
        id="m-1",
        source="from@example.com",
        destinations=["a@example.com", "a@example.com"],
        raw_data=invitation().decode(),
    )
    simple = SimpleNamespace(
        id="m-2",
        source="from@example.com",
        destinations={"ToAddresses": ["b@example.com"]},
        subject="Hi",
        body="Hello",
    )
    backend = SimpleNamespace(sent_messages=[raw])
    monkeypatch.setattr("local_runtime.aws.outbox.ses_backends", {"123456789012": {"us-east-1": backend}})
    outbox = Outbox(tmp_path)
    watcher = MotoSesWatcher([outbox.deliver])

    watcher()
    backend.sent_messages.append(simple)
    watcher()
    watcher()

    files = sorted(tmp_path.iterdir())
    assert len(files) == 2
    assert files[0].read_bytes() == raw.raw_data.encode()
    rebuilt = email.message_from_bytes(files[1].read_bytes(), policy=email.policy.default)
    assert rebuilt["To"] == "b@example.com"
    assert rebuilt.get_content().strip() == "Hello"


def test_text_pdf_is_extractable():
    pdf = text_pdf(["Jane Doe", "Kubernetes (CKA) & Go", "Café"], title="CV")
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "Jane Doe" in text
    assert "Kubernetes (CKA) & Go" in text
    assert "Café" in text


def test_long_text_pdf_has_several_pages():
    reader = PdfReader(io.BytesIO(text_pdf([f"line {n}" for n in range(120)])))
    assert len(reader.pages) == 3
    assert "line 119" in reader.pages[2].extract_text()


def test_demo_slots_are_in_the_future_and_within_one_day():
    for now in (datetime(2030, 1, 1, 18, 40, tzinfo=UTC), datetime(2030, 1, 1, 3, 0, tzinfo=UTC)):
        slots = demo_slots(now)
        assert len(slots) == 4
        for slot in slots:
            assert slot.start_time < slot.end_time
            assert slot.timezone == "Asia/Kolkata"
        first = datetime.fromisoformat(f"{slots[0].interview_date}T{slots[0].start_time}+05:30")
        assert first > now


def test_the_hand_off_gives_each_email_to_every_listener_in_order_off_the_callers_thread():
    """The watcher runs under the embedded AWS's lock; the hand-off returns at once and the
    listeners see the mail on a thread of their own, in the order it was sent, one failing
    listener stopping none of the others."""
    caller = threading.get_ident()
    release = threading.Event()
    seen: list[tuple[str, str, bool]] = []

    def first(sent: SentEmail) -> None:
        release.wait(10.0)  # nothing is handed on until the test lets it
        seen.append(("first", sent.message_id, threading.get_ident() != caller))

    def broken(sent: SentEmail) -> None:
        raise RuntimeError("listener broke")

    def last(sent: SentEmail) -> None:
        seen.append(("last", sent.message_id, threading.get_ident() != caller))

    hand_off = MailHandOff([first, broken, last])
    for n in range(3):
        hand_off(SentEmail(f"m{n}", "from@example.com", ("to@example.com",), invitation()))
    assert hand_off.accepted == 3 and hand_off.pending == 3 and seen == []

    release.set()
    assert hand_off.wait_idle(10.0)
    hand_off.stop()
    assert seen == [(name, f"m{n}", True) for n in range(3) for name in ("first", "last")]
    assert hand_off.pending == 0
