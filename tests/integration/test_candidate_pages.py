"""The candidate's pages in-process against moto: the links in real emails, the job's rules, and
links that are tampered with, truncated, replayed or stale, which never change anything."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from botocore.client import BaseClient

from candidate_pages import app as pages_app
from interview_scheduling.candidate_links import LinkPurpose, form_token, link_token
from interview_scheduling.enums import Actor, InterviewStatus
from interview_scheduling.models import Candidate, Interview, InterviewSlot
from tests.support.candidate_pages import PageResponse, PagesClient, links_of
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot
from tests.support.pipeline import calendar_of, sent_emails

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


@dataclass
class Booked:
    job_id: str
    candidate_id: str
    interview_id: str
    slot_id: str
    others: list[str]  # more slots of the same job and kind
    links: dict[str, str]  # from the invitation


@pytest.fixture
def pages(aws):
    return PagesClient(aws.template)


def book_and_invite(api, pipeline, *, starts_in=timedelta(days=2), others=2, **rules: Any) -> Booked:
    job_id = create_job(api, candidate_self_service=rules) if rules else create_job(api)
    candidate_id = create_candidate(api, job_id)
    slot_id = create_slot(api, job_id, starts_in=starts_in)
    later = [create_slot(api, job_id, starts_in=timedelta(days=3, hours=n)) for n in range(others)]
    interview_id = book_interview(api, job_id, candidate_id, slot_id)
    pipeline.run()
    return Booked(job_id, candidate_id, interview_id, slot_id, later, links_of(sent_emails()[-1]))


def seats(job_id: str, *slot_ids: str) -> list[int]:
    return [int(InterviewSlot.get(job_id, slot_id).booked_count) for slot_id in slot_ids]


def unchanged(booked: Booked) -> bool:
    interview = Interview.get(booked.interview_id)
    return (interview.revision, interview.slot_id, interview.status) == (
        0,
        booked.slot_id,
        InterviewStatus.SCHEDULED,
    ) and seats(booked.job_id, booked.slot_id, *booked.others) == [1] + [0] * len(booked.others)


def confirm_and_move(pages: PagesClient, link: str, slot_id: str) -> PageResponse:
    confirm = pages.get(f"{link}/reschedule", slot_id=slot_id)
    assert confirm.status == 200, confirm.text
    return pages.post(
        f"{link}/reschedule", {"slot_id": confirm.field("slot_id"), "form_token": confirm.field("form_token")}
    )


def cancel_with(pages: PagesClient, link: str, reason: str = "") -> PageResponse:
    page = pages.get(link)
    assert page.status == 200, page.text
    return pages.post(f"{link}/cancel", {"form_token": page.field("form_token"), "reason": reason})


# ---------------------------------------------------------------- the emails and the pages
def test_the_invitation_carries_a_reschedule_and_a_cancel_link(api, pipeline):
    booked = book_and_invite(api, pipeline)

    assert set(booked.links) == {"reschedule", "cancel"}
    html = sent_emails()[-1].get_body(preferencelist=("html",))
    assert html is not None
    assert all(link in html.get_content() for link in booked.links.values())
    # Not in the calendar part: calendars are shared more widely than mail.
    assert "candidate/" not in str(calendar_of(sent_emails()[-1]))


def test_the_reschedule_page_offers_open_slots_of_the_same_kind_in_the_slots_zone_and_utc(
    api, pipeline, pages
):
    booked = book_and_invite(api, pipeline)
    other_kind = create_slot(api, booked.job_id, starts_in=timedelta(days=4), ai_interview_type="technical")
    full = create_slot(api, booked.job_id, starts_in=timedelta(days=4, hours=2))
    book_interview(api, booked.job_id, create_candidate(api, booked.job_id, email="b@example.com"), full)
    zoned = create_slot(api, booked.job_id, starts_in=timedelta(days=5), timezone="Asia/Kolkata")

    page = pages.get(booked.links["reschedule"])

    assert page.status == 200
    assert page.slot_choices() == [*booked.others, zoned]
    assert other_kind not in page.text and full not in page.text
    assert "(Asia/Kolkata)" in page.text and "IST" in page.text
    assert "UTC" in page.text and "Scheduled" in page.text


def test_every_page_is_sent_uncached_unframed_without_referrer_and_with_a_strict_policy(api, pipeline, pages):
    booked = book_and_invite(api, pipeline)

    answers = [
        pages.get(booked.links["reschedule"]),
        pages.get(f"{booked.links['reschedule']}/reschedule", slot_id=booked.others[0]),
        pages.get(booked.links["cancel"]),
        pages.get(booked.links["cancel"] + "x"),
    ]

    for page in answers:
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert {name: page.headers[name] for name in PAGE_HEADERS} == PAGE_HEADERS
        policy = page.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "form-action 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "style-src 'sha256-" in policy
        assert "<script" not in page.text


def test_a_candidate_reschedule_moves_the_seat_sends_the_new_invite_once_and_kills_the_old_links(
    api, pipeline, pages
):
    booked = book_and_invite(api, pipeline)
    target = booked.others[1]

    done = confirm_and_move(pages, booked.links["reschedule"], target)

    assert done.status == 200 and "Your interview is moved" in done.text
    interview = Interview.get(booked.interview_id)
    assert (interview.slot_id, interview.revision, interview.history[-1].by) == (target, 1, Actor.CANDIDATE)
    assert interview.candidate_reschedules == 1
    assert seats(booked.job_id, booked.slot_id, *booked.others) == [0, 0, 1]
    pipeline.run(deliveries=2)
    emails = sent_emails()
    assert len(emails) == 2  # the invitation, then the new time, once however often delivered
    assert emails[1]["Subject"].startswith("Interview rescheduled")
    assert calendar_of(emails[1])["SEQUENCE"] == "1"
    new_links = links_of(emails[1])
    assert new_links.keys() == booked.links.keys() and not set(new_links.values()) & set(
        booked.links.values()
    )
    for link in booked.links.values():
        stale = pages.get(link)
        assert stale.status == 410 and "This interview has changed" in stale.text
    assert pages.get(new_links["reschedule"]).status == 200


def test_a_candidate_cancel_frees_the_seat_keeps_the_reason_and_sends_the_cancellation(api, pipeline, pages):
    booked = book_and_invite(api, pipeline)

    done = cancel_with(pages, booked.links["cancel"], "Accepted\nanother offer")

    assert done.status == 200 and "Your interview is cancelled" in done.text
    interview = Interview.get(booked.interview_id)
    assert interview.status == InterviewStatus.CANCELLED
    assert (interview.history[-1].by, interview.history[-1].reason) == (
        Actor.CANDIDATE,
        "Accepted another offer",
    )
    assert seats(booked.job_id, booked.slot_id) == [0]
    assert Candidate.get(booked.job_id, booked.candidate_id).active_interview_id is None
    pipeline.run(deliveries=2)
    cancellation = sent_emails()[-1]
    assert len(sent_emails()) == 2 and cancellation["Subject"].startswith("Interview cancelled")
    assert links_of(cancellation) == {}
    assert pages.get(booked.links["reschedule"]).status == 410


def test_a_get_never_changes_anything(api, pipeline, pages):
    booked = book_and_invite(api, pipeline)

    pages.get(booked.links["reschedule"])
    pages.get(f"{booked.links['reschedule']}/reschedule", slot_id=booked.others[0])
    pages.get(booked.links["cancel"])

    assert unchanged(booked)


# ---------------------------------------------------------------- the job's rules
def test_past_the_cutoff_the_candidate_can_change_nothing_and_the_recruiter_still_can(api, pipeline, pages):
    booked = book_and_invite(api, pipeline, starts_in=timedelta(hours=3))  # default cutoff: 24 h
    interview_id, job_id = booked.interview_id, booked.job_id

    page = pages.get(booked.links["reschedule"])
    assert page.status == 200 and "within 24 hours of the start" in page.text
    assert "<form" not in page.text
    forms = {"form_token": form_token(booked.links["cancel"].rsplit("/", 1)[1])}
    assert pages.post(f"{booked.links['cancel']}/cancel", forms).status == 403
    move = {
        "slot_id": booked.others[0],
        "form_token": form_token(booked.links["reschedule"].rsplit("/", 1)[1]),
    }
    assert pages.post(f"{booked.links['reschedule']}/reschedule", move).status == 403
    assert unchanged(booked)

    moved = api.post(f"/jobs/{job_id}/interviews/{interview_id}/reschedule", {"slot_id": booked.others[0]})
    assert moved.status == 200


def test_the_candidate_cannot_move_into_a_slot_within_the_cutoff(api, pipeline, pages):
    booked = book_and_invite(api, pipeline, cutoff_minutes=6 * 60)
    soon = create_slot(api, booked.job_id, starts_in=timedelta(hours=3))

    assert soon not in pages.get(booked.links["reschedule"]).slot_choices()
    refused = pages.get(f"{booked.links['reschedule']}/reschedule", slot_id=soon)
    assert refused.status == 409 and "no longer available" in refused.text
    assert unchanged(booked)


def test_after_the_last_allowed_reschedule_the_new_link_says_so(api, pipeline, pages):
    booked = book_and_invite(api, pipeline, max_reschedules=1)
    assert confirm_and_move(pages, booked.links["reschedule"], booked.others[0]).status == 200
    pipeline.run()
    link = links_of(sent_emails()[-1])["reschedule"]

    page = pages.get(link)

    assert page.status == 200 and "as often as this role allows" in page.text
    move = {"slot_id": booked.others[1], "form_token": form_token(link.rsplit("/", 1)[1])}
    assert pages.post(f"{link}/reschedule", move).status == 403
    assert Interview.get(booked.interview_id).slot_id == booked.others[0]
    # Cancelling is still the candidate's to do.
    assert cancel_with(pages, links_of(sent_emails()[-1])["cancel"]).status == 200


def test_with_self_service_off_the_links_show_the_interview_and_change_nothing(api, pipeline, pages):
    booked = book_and_invite(api, pipeline, enabled=False)

    page = pages.get(booked.links["cancel"])

    assert page.status == 200 and "made by the hiring team" in page.text and "<form" not in page.text
    forms = {"form_token": form_token(booked.links["cancel"].rsplit("/", 1)[1])}
    assert pages.post(f"{booked.links['cancel']}/cancel", forms).status == 403
    assert unchanged(booked)


def test_a_required_reason_must_be_given(api, pipeline, pages):
    booked = book_and_invite(api, pipeline, cancellation_reason="required")

    page = pages.get(booked.links["cancel"])
    assert "required" in page.text
    blank = cancel_with(pages, booked.links["cancel"], "   ")
    assert blank.status == 422 and "please say why" in blank.text.lower()
    assert unchanged(booked)
    assert cancel_with(pages, booked.links["cancel"], "Moving abroad").status == 200


def test_a_reason_too_long_is_refused(api, pipeline, pages):
    booked = book_and_invite(api, pipeline)

    assert cancel_with(pages, booked.links["cancel"], "x" * 501).status == 422
    assert unchanged(booked)


def test_an_interview_that_started_can_no_longer_be_changed(api, pipeline, pages):
    booked = book_and_invite(api, pipeline)
    Interview(booked.interview_id).update(actions=[Interview.status.set(InterviewStatus.IN_PROGRESS)])

    page = pages.get(booked.links["reschedule"])

    assert page.status == 200 and "in progress, so it can no longer be changed" in page.text


def test_a_slot_taken_meanwhile_is_refused_and_the_choice_offered_again(api, pipeline, pages):
    booked = book_and_invite(api, pipeline)
    target = booked.others[0]
    confirm = pages.get(f"{booked.links['reschedule']}/reschedule", slot_id=target)
    book_interview(api, booked.job_id, create_candidate(api, booked.job_id, email="b@example.com"), target)

    refused = pages.post(
        f"{booked.links['reschedule']}/reschedule",
        {"slot_id": target, "form_token": confirm.field("form_token")},
    )

    assert refused.status == 409 and "no longer available" in refused.text
    assert refused.slot_choices() == [booked.others[1]]
    interview = Interview.get(booked.interview_id)
    assert (interview.slot_id, interview.revision) == (booked.slot_id, 0)
    assert seats(booked.job_id, booked.slot_id, target) == [1, 1]


# ---------------------------------------------------------------- links and forms that are not ours
def _tampered(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


def _other_interview(token: str) -> str:
    """The same signature on a payload naming another interview."""
    payload, signature = token.split(".")
    text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    forged = text.replace(text.split(".")[2], "0" * 32)
    return base64.urlsafe_b64encode(forged.encode()).rstrip(b"=").decode() + "." + signature


@pytest.mark.parametrize(
    "spoil",
    [
        _tampered,
        _other_interview,
        lambda token: token[:-1],  # truncated
        lambda token: token.split(".")[0],  # no signature
        lambda token: token + token,  # too long
        lambda token: token.replace(".", "%2E"),
        lambda token: "' OR 1=1 --",
    ],
    ids=["tampered", "other-interview", "truncated", "unsigned", "too-long", "encoded", "injection"],
)
def test_a_link_that_is_not_ours_gets_the_one_invalid_page_and_changes_nothing(api, pipeline, pages, spoil):
    booked = book_and_invite(api, pipeline)
    reference = pages.get(f"{booked.links['reschedule'].rsplit('/', 1)[0]}/{'x' * 40}")
    base, token = booked.links["reschedule"].rsplit("/", 1)
    spoilt = f"{base}/{spoil(token)}"

    answers = [
        pages.get(spoilt),
        pages.get(f"{spoilt}/reschedule", slot_id=booked.others[0]),
        pages.post(
            f"{spoilt}/reschedule", {"slot_id": booked.others[0], "form_token": form_token(spoil(token))}
        ),
        pages.post(f"{spoilt}/cancel", {"form_token": form_token(spoil(token))}),
    ]

    for answer in answers:
        assert (answer.status, answer.text, answer.headers) == (
            reference.status,
            reference.text,
            reference.headers,
        )
        assert answer.status == 404 and "This link does not work" in answer.text
    assert unchanged(booked)


def test_a_wrong_signature_and_an_unknown_interview_are_answered_alike(api, pipeline, pages):
    booked = book_and_invite(api, pipeline)
    base = booked.links["reschedule"].rsplit("/", 1)[0]
    unknown = link_token(LinkPurpose.RESCHEDULE, "f" * 32, 0)  # signed, but names no interview
    wrong_signature = _tampered(booked.links["reschedule"].rsplit("/", 1)[1])

    for path in ("", "/reschedule"):
        signed, forged = pages.get(f"{base}/{unknown}{path}"), pages.get(f"{base}/{wrong_signature}{path}")
        assert (signed.status, signed.text, signed.headers) == (forged.status, forged.text, forged.headers)
    posted = [
        pages.post(f"{base}/{token}/cancel", {"form_token": form_token(token)})
        for token in (
            link_token(LinkPurpose.CANCEL, "f" * 32, 0),
            _tampered(booked.links["cancel"].rsplit("/", 1)[1]),
        )
    ]
    assert posted[0].status == posted[1].status == 404 and posted[0].text == posted[1].text


def test_nothing_is_looked_up_for_a_link_until_its_signature_holds(api, pipeline, pages, monkeypatch):
    booked = book_and_invite(api, pipeline)
    pages.get(booked.links["cancel"])  # the secret is fetched and cached, as in a warm function
    calls: list[str] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def recording(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append(f"{client.meta.service_model.signing_name}:{operation}")
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    base, token = booked.links["reschedule"].rsplit("/", 1)

    for spoilt in (_tampered(token), _other_interview(token), token[:-3]):
        assert pages.get(f"{base}/{spoilt}").status == 404
        assert pages.post(f"{base}/{spoilt}/reschedule", {"form_token": form_token(spoilt)}).status == 404

    assert calls == []


def test_a_link_is_good_only_for_its_own_purpose(api, pipeline, pages):
    booked = book_and_invite(api, pipeline)
    cancel_token = booked.links["cancel"].rsplit("/", 1)[1]
    base = booked.links["cancel"].rsplit("/", 1)[0]

    confirm = pages.get(f"{base}/{cancel_token}/reschedule", slot_id=booked.others[0])
    move = pages.post(
        f"{base}/{cancel_token}/reschedule",
        {"slot_id": booked.others[0], "form_token": form_token(cancel_token)},
    )

    assert confirm.status == move.status == 404
    assert unchanged(booked)


def test_a_replayed_change_changes_nothing_more(api, pipeline, pages):
    booked = book_and_invite(api, pipeline)
    link = booked.links["reschedule"]
    confirm = pages.get(f"{link}/reschedule", slot_id=booked.others[0])
    form = {"slot_id": booked.others[0], "form_token": confirm.field("form_token")}
    assert pages.post(f"{link}/reschedule", form).status == 200

    again = pages.post(f"{link}/reschedule", form)
    elsewhere = pages.post(f"{link}/reschedule", {**form, "slot_id": booked.others[1]})

    assert again.status == elsewhere.status == 410
    interview = Interview.get(booked.interview_id)
    assert (interview.slot_id, interview.revision, interview.candidate_reschedules) == (
        booked.others[0],
        1,
        1,
    )
    assert seats(booked.job_id, booked.slot_id, *booked.others) == [0, 1, 0]


def test_a_link_from_before_a_recruiters_change_is_dead(api, pipeline, pages):
    booked = book_and_invite(api, pipeline)
    confirm = pages.get(f"{booked.links['reschedule']}/reschedule", slot_id=booked.others[0])
    cancel_page = pages.get(booked.links["cancel"])
    path = f"/jobs/{booked.job_id}/interviews/{booked.interview_id}/reschedule"
    assert api.post(path, {"slot_id": booked.others[1]}).status == 200

    move = pages.post(
        f"{booked.links['reschedule']}/reschedule",
        {"slot_id": booked.others[0], "form_token": confirm.field("form_token")},
    )
    cancel = pages.post(f"{booked.links['cancel']}/cancel", {"form_token": cancel_page.field("form_token")})

    assert move.status == cancel.status == 410
    assert "This interview has changed" in move.text
    interview = Interview.get(booked.interview_id)
    assert (interview.slot_id, interview.status, interview.revision) == (
        booked.others[1],
        InterviewStatus.SCHEDULED,
        1,
    )


@pytest.mark.parametrize(
    "form_token_value",
    [None, "", "x" * 43, "wrong"],
    ids=["missing", "empty", "forged", "short"],
)
def test_a_post_without_the_links_own_form_token_changes_nothing(api, pipeline, pages, form_token_value):
    booked = book_and_invite(api, pipeline)
    fields = {"slot_id": booked.others[0]}
    if form_token_value is not None:
        fields["form_token"] = form_token_value

    move = pages.post(f"{booked.links['reschedule']}/reschedule", fields)
    cancel = pages.post(
        f"{booked.links['cancel']}/cancel", {k: v for k, v in fields.items() if k != "slot_id"}
    )

    assert move.status == cancel.status == 403
    assert "Nothing was changed" in move.text
    assert unchanged(booked)


def test_another_links_form_token_is_refused(api, pipeline, pages):
    booked = book_and_invite(api, pipeline)
    reschedule_form = pages.get(f"{booked.links['reschedule']}/reschedule", slot_id=booked.others[0])

    cancel = pages.post(
        f"{booked.links['cancel']}/cancel", {"form_token": reschedule_form.field("form_token")}
    )

    assert cancel.status == 403
    assert unchanged(booked)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"slot_id": "x"}', "application/json"),
        (b"slot_id=a&slot_id=b", "application/x-www-form-urlencoded"),
        (b"reason=" + b"x" * 9000, "application/x-www-form-urlencoded"),
        (b"reason=%FF", "application/x-www-form-urlencoded"),
    ],
    ids=["json", "field-twice", "too-large", "not-utf8"],
)
def test_a_body_that_is_not_one_of_our_forms_changes_nothing(api, pipeline, pages, body, content_type):
    booked = book_and_invite(api, pipeline)

    answer = pages.request("POST", f"{booked.links['cancel']}/cancel", body, content_type)

    assert answer.status == 400 and "Nothing was changed" in answer.text
    assert unchanged(booked)


def test_refused_links_are_counted_and_logged_without_the_link(api, pipeline, pages, monkeypatch, caplog):
    booked = book_and_invite(api, pipeline)
    counted: list[str] = []
    monkeypatch.setattr(pages_app.metrics, "add_metric", lambda name, **_: counted.append(name))
    caplog.clear()
    spoilt = _tampered(booked.links["reschedule"])

    pages.get(spoilt)
    pages.get(booked.links["reschedule"])

    assert counted == ["CandidatePagesServed", "CandidateLinkRejected", "CandidatePagesServed"]
    (refused,) = [record for record in caplog.records if record.getMessage() == "candidate link refused"]
    assert (refused.check, refused.status) == ("signature", 404)
    assert spoilt.rsplit("/", 1)[1] not in caplog.text
    assert booked.links["reschedule"].rsplit("/", 1)[1] not in caplog.text


def test_an_erased_candidates_links_get_the_one_invalid_page_at_once(api, pipeline, pages):
    booked = book_and_invite(api, pipeline)
    erased = api.request("DELETE", f"/jobs/{booked.job_id}/candidates/{booked.candidate_id}")
    assert erased.status == 200, erased.body

    for link in booked.links.values():
        answer = pages.get(link)
        assert answer.status == 404 and "This link does not work" in answer.text
