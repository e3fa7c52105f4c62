"""Hostile resume PDFs: each is parsed within the limits (2 s, 256 MB), and the booking still
becomes a session with the extraction's outcome recorded, and an invitation.

Time and memory are measured in a fresh process per file (tests/reliability/measure_extraction.py):
wall time of the extraction call, and the peak resident size of its worker process over that of a
worker that parsed a one-line file (the memory the parse added to what the worker inherits).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from interview_scheduling.models import InterviewSession
from interview_scheduling.resume_text import ExtractionOutcome
from local_runtime.template import REPO_ROOT
from tests.conftest import LocalStack
from tests.pdf_factory import (
    contents_referencing_themselves,
    deep_page_tree,
    double_flate_bomb,
    encrypted,
    flate_bomb,
    form_that_draws_itself,
    length_referencing_itself,
    make_image_only_pdf,
    make_resume_pdf,
    make_text_pdf,
    nested_arrays,
    nested_content_arrays,
    nested_dictionaries,
    page_tree_containing_itself,
    page_tree_cycle,
    pdf_from_contents,
    pdf_from_streams,
    slow_content,
    stream,
    text_content,
    wide_page_tree,
)
from tests.reliability.figures import Figures, full_param, quick_param
from tests.support.api import ApiClient
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot
from tests.support.pipeline import Pipeline, sent_emails

MAX_SECONDS = 2.0
MAX_ADDED_BYTES = 256 * 1024 * 1024
# The parse is stopped at its 2 s deadline; killing and reaping the worker comes on top of that.
STOP_ALLOWANCE_SECONDS = 0.5


@dataclass(frozen=True)
class HostileResume:
    name: str
    build: Callable[[], bytes]
    outcomes: frozenset[ExtractionOutcome]  # how its extraction may end (some depend on machine load)


def hostile(name: str, build: Callable[[], bytes], *outcomes: ExtractionOutcome) -> HostileResume:
    return HostileResume(name, build, frozenset(outcomes))


CORPUS = [
    # Decompression bombs
    hostile(
        "flate_bomb_256mb_page",
        lambda: pdf_from_streams([stream(text_content(["Jane Doe"])), flate_bomb(256 << 20)]),
        ExtractionOutcome.TRUNCATED,
    ),
    hostile(
        "fifty_streams_just_under_the_limit",
        lambda: pdf_from_streams([flate_bomb(15 << 20)] * 50),
        ExtractionOutcome.TOO_MUCH_MEMORY,
        ExtractionOutcome.TIMED_OUT,
    ),
    hostile(
        "flate_inside_flate_64mb",
        lambda: double_flate_bomb(64 << 20),
        ExtractionOutcome.EMPTY,
        ExtractionOutcome.TRUNCATED,
    ),
    # Reference loops
    hostile("page_tree_containing_itself", page_tree_containing_itself, ExtractionOutcome.MALFORMED),
    hostile("page_tree_cycle", page_tree_cycle, ExtractionOutcome.MALFORMED),
    hostile("contents_referencing_themselves", contents_referencing_themselves, ExtractionOutcome.EMPTY),
    hostile("length_referencing_itself", length_referencing_itself, ExtractionOutcome.EMPTY),
    hostile(
        "form_that_draws_itself", lambda: form_that_draws_itself("Jane Doe"), ExtractionOutcome.EXTRACTED
    ),
    # Encrypted
    hostile(
        "user_password",
        lambda: encrypted(make_text_pdf([["Jane Doe"]]), "secret"),
        ExtractionOutcome.ENCRYPTED,
    ),
    # Scanned
    hostile("image_only", make_image_only_pdf, ExtractionOutcome.EMPTY),
    # Truncated
    hostile(
        "cut_in_half", lambda: make_resume_pdf(2)[: len(make_resume_pdf(2)) // 2], ExtractionOutcome.MALFORMED
    ),
    hostile("header_only", lambda: b"%PDF-1.7\n", ExtractionOutcome.MALFORMED),
    # Huge page trees
    hostile("hundred_thousand_kids", lambda: wide_page_tree(100_000), ExtractionOutcome.TOO_LARGE),
    hostile("five_thousand_levels_of_pages", lambda: deep_page_tree(5_000), ExtractionOutcome.TOO_LARGE),
    hostile("thousand_real_pages", lambda: make_resume_pdf(1_000), ExtractionOutcome.TRUNCATED),
    # Not a PDF
    hostile("png", lambda: b"\x89PNG\r\n\x1a\n" + bytes(2_000), ExtractionOutcome.NOT_PDF),
    hostile("html", lambda: b"<!DOCTYPE html><html><body>My resume</body></html>", ExtractionOutcome.NOT_PDF),
    hostile("empty", lambda: b"", ExtractionOutcome.NOT_PDF),
    # Deeply nested objects
    hostile("arrays_nested_100k_deep", lambda: nested_arrays(100_000), ExtractionOutcome.MALFORMED),
    hostile(
        "dictionaries_nested_50k_deep",
        lambda: nested_dictionaries(50_000),
        ExtractionOutcome.EMPTY,
        ExtractionOutcome.MALFORMED,
    ),
    hostile(
        "content_arrays_nested_100k_deep", lambda: nested_content_arrays(100_000), ExtractionOutcome.MALFORMED
    ),
    # Too large, and too slow
    hostile("eleven_megabytes", lambda: b"%PDF-1.7\n" + bytes(11 << 20), ExtractionOutcome.TOO_LARGE),
    hostile(
        "slow_content_stream",
        lambda: pdf_from_contents([text_content(["Jane Doe"]), slow_content(200_000)]),
        ExtractionOutcome.TIMED_OUT,
    ),
]
QUICK = {"flate_bomb_256mb_page", "page_tree_cycle", "user_password", "png"}


def corpus_params() -> list[Any]:
    quick = [quick_param(r, f"quick-{r.name}") for r in CORPUS if r.name in QUICK]
    return quick + [full_param(r, f"full-{r.name}") for r in CORPUS]


def measured(pdf: bytes) -> dict[str, Any]:
    """What extracting `pdf` cost in a fresh process (see measure_extraction.py)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.reliability.measure_extraction"],
        input=pdf,
        capture_output=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=60,
        check=True,
    )
    return dict(json.loads(done.stdout))


@pytest.mark.parametrize("resume", corpus_params())
def test_a_hostile_resume_is_parsed_within_the_limits_and_the_session_still_made(
    api: ApiClient, aws: LocalStack, pipeline: Pipeline, figures: Figures, resume: HostileResume
) -> None:
    pdf = resume.build()
    cost = measured(pdf)
    added = max(0, cost["worker_peak_kib"] - cost["worker_baseline_kib"]) * 1024

    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id)
    upload = api.post(f"/jobs/{job_id}/candidates/{candidate_id}/resume").body
    aws.session.client("s3").put_object(
        Bucket=aws.resolver.ref("ResumesBucket"), Key=upload["resume_key"], Body=pdf
    )
    interview_id = book_interview(api, job_id, candidate_id, create_slot(api, job_id))
    pipeline.run()
    session = InterviewSession.get(interview_id)

    figures.record(
        f"hostile_resume.{resume.name}",
        f"bytes={len(pdf)} outcome={cost['outcome']} seconds={cost['seconds']:.3f} "
        f"worker_peak_rss={cost['worker_peak_kib'] / 1024:.0f}MiB added={added / 2**20:.0f}MiB "
        f"session_outcome={session.resume_extraction}",
    )
    assert ExtractionOutcome(cost["outcome"]) in resume.outcomes, cost
    assert cost["seconds"] <= MAX_SECONDS + STOP_ALLOWANCE_SECONDS, cost
    assert added <= MAX_ADDED_BYTES, cost
    # The session exists whatever the file, with the outcome recorded, and the invitation went out.
    assert ExtractionOutcome(session.resume_extraction) in resume.outcomes
    assert len(sent_emails()) == 1
