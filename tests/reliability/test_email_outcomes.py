"""SES's events delivered twice and shuffled, in-process against moto: EventBridge and Lambda's
asynchronous retries deliver at least once and in no order, so every event of every email is
handed to email_events twice, in a random order. The events are the local runtime's SES's, as
the mailbox simulator answers ("Using the mailbox simulator manually",
https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator),
routed by the template's rule. Whatever the order, every invitation ends in the state its
address calls for, and only the addresses SES said take no mail are marked.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from interview_scheduling.models import Candidate, InterviewSession
from tests.reliability.figures import Figures, scales
from tests.support.api import ApiClient
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot
from tests.support.pipeline import Pipeline

# A repeated event counts no metric, and Powertools says so.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

SLOT_CAPACITY = 50  # the API takes up to 100 seats a slot
# Address → the invitation's final status, and whether the address ends marked unreachable.
EXPECTED = {
    "success@simulator.amazonses.com": ("DELIVERED", False),
    "ooto@simulator.amazonses.com": ("DELIVERED", False),
    "bounce@simulator.amazonses.com": ("BOUNCED", True),
    "suppressionlist@simulator.amazonses.com": ("BOUNCED", True),
    "complaint@simulator.amazonses.com": ("COMPLAINED", True),
    "ada@example.com": ("DELIVERED", False),
}


@pytest.mark.parametrize("bookings", scales(quick=12, full=120))
def test_every_event_twice_and_shuffled_ends_each_email_as_its_address_calls_for(
    api: ApiClient, pipeline: Pipeline, figures: Figures, bookings: int
) -> None:
    job_id = create_job(api)
    addresses = list(EXPECTED)
    booked = []
    for n in range(bookings):
        if n % SLOT_CAPACITY == 0:
            slot_id = create_slot(api, job_id, capacity=min(SLOT_CAPACITY, bookings - n))
        address = addresses[n % len(addresses)]
        local, _, domain = address.partition("@")
        labelled = f"{local}+{n}@{domain}"  # each candidate its own address; labels keep the scenario
        candidate_id = create_candidate(api, job_id, email=labelled)
        booked.append((address, candidate_id, book_interview(api, job_id, candidate_id, slot_id)))
    pipeline.run()
    events = pipeline.ses_events()
    deliveries = [*events, *events]
    random.Random(bookings).shuffle(deliveries)

    answers = pipeline.report(deliveries)

    effects = Counter(answer["effect"] for answer in answers)
    wrong = []
    for address, candidate_id, interview_id in booked:
        status, marked = EXPECTED[address]
        entry = InterviewSession.get(interview_id).emails["invitation-0"]
        is_marked = Candidate.get(job_id, candidate_id).email_unreachable is not None
        if (entry.status, is_marked) != (status, marked):
            wrong.append((address, entry.status, is_marked))
    figures.record(
        f"email_outcomes.shuffled_twice[{bookings}]",
        f"emails={bookings} events={len(events)} deliveries={len(deliveries)} "
        f"moved={effects['moved']} known={effects['known']} ignored={effects['ignored']} wrong={len(wrong)}",
    )
    assert wrong == []
    assert effects["ignored"] == 0
    # Each event moved its entry at most once; its repeat, and any overtaken report, moved nothing.
    assert effects["moved"] <= len(events)
    assert effects["moved"] + effects["known"] == len(deliveries)
