"""Helpers for the checks that drive the local runtime over HTTP and read its embedded AWS."""

from __future__ import annotations

import itertools
from typing import Any

import boto3

from local_runtime.demo.http_client import ApiClient
from local_runtime.launcher import RuntimeProcess
from local_runtime.template import LOCAL_REGION
from tests.support.booking_race import created, slot_body

_slot_minutes = itertools.count(1)


def embedded_aws(runtime: RuntimeProcess, service: str) -> Any:
    """A boto3 client for the runtime's embedded AWS, as a tool next to the system would use."""
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=LOCAL_REGION
    )
    return session.client(service, endpoint_url=runtime.info.aws_endpoint)  # type: ignore[call-overload]


def new_job(api: ApiClient) -> str:
    return str(created(api.post("/jobs", {"job_title": "Reliability", "company_name": "Acme"}))["job_id"])


def new_candidate(api: ApiClient, job_id: str, email: str = "ada@example.com") -> str:
    body = {"full_name": "Ada Lovelace", "email": email}
    return str(created(api.post(f"/jobs/{job_id}/candidates", body))["candidate_id"])


def new_slot(api: ApiClient, job_id: str, capacity: int = 1) -> str:
    # Each slot its own minute, so the suite's slots never share a start time.
    body = slot_body(capacity, next(_slot_minutes) % 1200)
    return str(created(api.post(f"/jobs/{job_id}/slots", body))["slot_id"])


def new_interview(api: ApiClient, job_id: str, candidate_id: str, slot_id: str) -> str:
    body = {"candidate_id": candidate_id, "slot_id": slot_id}
    return str(created(api.post(f"/jobs/{job_id}/interviews", body))["interview_id"])
