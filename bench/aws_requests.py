"""AWS requests per operation: per booking, per list page, per session (batches of 1 and of 100),
per email.

Run: make bench (or PYTHONPATH=layers/shared:functions:. python bench/aws_requests.py).
Every request any botocore client sends is counted through a `before-send` handler, the event
botocore raises once per HTTP request, against the template's resources in moto (in-process).
Prints `name: value` lines.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from datetime import timedelta
from typing import Any

from botocore.handlers import BUILTIN_HANDLERS

SENT: Counter[str] = Counter()


def _count(event_name: str, **_: Any) -> None:
    # event_name is before-send.<service>.<Operation>
    SENT[event_name.split(".", 1)[1]] += 1


# Registered before any session exists, so every botocore session (pynamodb's too) counts.
BUILTIN_HANDLERS.insert(0, ("before-send", _count))

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from interview_scheduling.aws_clients import reset_clients  # noqa: E402
from interview_scheduling.settings import reset_settings  # noqa: E402
from local_runtime.aws import moto_transactions  # noqa: E402
from local_runtime.aws.resources import create_resources, verify_sender_identity  # noqa: E402
from local_runtime.template import LOCAL_REGION, Resolver, StackTemplate  # noqa: E402
from tests.support.api import ApiClient  # noqa: E402
from tests.support.catalog import create_candidate, create_job, create_slot  # noqa: E402
from tests.support.pipeline import Pipeline, sent_emails  # noqa: E402

PARAMETERS = {
    "JwtIssuer": "https://issuer.bench",
    "JwtAudience": "bench",
    "SenderEmail": "interviews@hiring.bench",
    "InterviewBaseUrl": "https://interview.hiring.bench",
    # The functions log every booking and email at INFO; only the figures belong in the output.
    "LogLevel": "WARNING",
}
BOOKINGS = 200


@contextmanager
def counted() -> Iterator[Counter[str]]:
    before = Counter(SENT)
    window: Counter[str] = Counter()
    # Powertools prints a metric once it holds 100 values, even with metrics disabled: not figures.
    with redirect_stdout(io.StringIO()):
        yield window
    window.update(SENT - before)


def _per(window: Counter[str], operations: int) -> str:
    detail = ", ".join(f"{name} {count / operations:.2f}" for name, count in sorted(window.items()))
    return f"{sum(window.values()) / operations:.2f} ({detail})"


# Each list, and what it is asked: the figure is the requests per page of 25.
LISTS = {
    "job_interviews": ("/jobs/{job}/interviews", {}),
    "job_interviews.status": ("/jobs/{job}/interviews", {"status": "SCHEDULED"}),
    "interviews": ("/interviews", {}),
    "interviews.updated_after": ("/interviews", {"updated_after": "2000-01-01T00:00:00Z"}),
    "slots": ("/jobs/{job}/slots", {}),
    "slots.available": ("/jobs/{job}/slots", {"available": "true"}),
    "candidates": ("/jobs/{job}/candidates", {}),
}


def _pages(api: ApiClient, job_id: str) -> None:
    """Pages of 25 through each list, counted to the last; 30 free slots join the booked ones."""
    for n in range(30):
        create_slot(api, job_id, starts_in=timedelta(days=2, minutes=n))
    for name, (path, query) in LISTS.items():
        pages, items, cursor = 0, 0, None
        with counted() as requests:
            while True:
                page = api.get(
                    path.format(job=job_id), query={**query, **({"cursor": cursor} if cursor else {})}
                )
                assert page.status == 200, page.body
                pages, items = pages + 1, items + len(page.body["items"])
                cursor = page.body["next_cursor"]
                if cursor is None:
                    break
        shape = f"[{pages} pages, {items / pages:.1f} items each]"
        print(f"requests_per_page.{name}: {_per(requests, pages)} {shape}")


def main() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION=LOCAL_REGION,
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    template = StackTemplate()
    moto_transactions.install()
    with mock_aws():
        session = boto3.Session(region_name=LOCAL_REGION)
        attributes = create_resources(template, session)
        verify_sender_identity(PARAMETERS["SenderEmail"], session)
        resolver = Resolver(template, PARAMETERS, attributes)
        for function_id in template.functions:
            os.environ.update(resolver.environment(function_id))
        reset_settings()
        reset_clients()
        api = ApiClient(template)
        job_id = create_job(api)
        slots = [create_slot(api, job_id, starts_in=timedelta(days=1, minutes=i)) for i in range(BOOKINGS)]
        candidates = [
            create_candidate(api, job_id, email=f"c{i}@example.com", resume_text="Python, Go, Kafka")
            for i in range(BOOKINGS)
        ]

        with counted() as booking:
            for candidate_id, slot_id in zip(candidates, slots, strict=True):
                body = {"candidate_id": candidate_id, "slot_id": slot_id}
                assert api.post(f"/jobs/{job_id}/interviews", body).status == 201
        print(f"requests_per_booking: {_per(booking, BOOKINGS)}")
        _pages(api, job_id)

        pipeline = Pipeline(template, resolver.get_att("InterviewsTable", "StreamArn"))
        records = pipeline.new_records()
        half = BOOKINGS // 2
        # The pipeline answers Lambda invokes before they are sent; they are requests all the same.
        with counted() as singles:
            for record in records[:half]:
                pipeline.run_create_session([record])
        singles["lambda.Invoke"] = len(pipeline.invokes)
        print(f"requests_per_session.batch_1: {_per(singles, half)}")
        with counted() as batch:
            pipeline.run_create_session(records[half:])
        batch["lambda.Invoke"] = len(pipeline.invokes) - half
        print(f"requests_per_session.batch_{BOOKINGS - half}: {_per(batch, BOOKINGS - half)}")

        emails = len(pipeline.invokes)
        with counted() as sending:
            pipeline.deliver_emails()
        assert len(sent_emails()) == emails == BOOKINGS
        print(f"requests_per_email: {_per(sending, emails)}")


if __name__ == "__main__":
    main()
