"""The candidate's resume text: stored text if any, else the PDF from S3, parsed once."""

import threading
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from interview_scheduling import aws_clients
from interview_scheduling.conditional_writes import update_if
from interview_scheduling.models import Candidate
from interview_scheduling.resume_text import (
    ExtractionLimits,
    ExtractionOutcome,
    ResumeExtraction,
    extract_resume_text,
)
from interview_scheduling.settings import data_settings

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import GetObjectOutputTypeDef

LIMITS = ExtractionLimits()
# Each extraction forks a parser with its own memory limit: at most this many at once, so the
# function's memory setting holds while records are handled concurrently.
MAX_CONCURRENT_EXTRACTIONS = 2
_EXTRACTIONS = threading.BoundedSemaphore(MAX_CONCURRENT_EXTRACTIONS)
PROVIDED = "provided"  # the recruiter gave the text; nothing was parsed


def resume_text(candidate: Candidate) -> tuple[str, str]:
    """The resume's text and how it was obtained (an ExtractionOutcome value or `provided`)."""
    if candidate.resume_text is not None:
        return candidate.resume_text, candidate.resume_extraction or PROVIDED
    if candidate.resume_key is None:
        return "", ExtractionOutcome.MISSING.value
    extraction = _extract_from_s3(candidate.resume_key)
    if extraction.outcome != ExtractionOutcome.MISSING:
        _store(candidate, candidate.resume_key, extraction)
    return extraction.text, extraction.outcome.value


def _extract_from_s3(key: str) -> ResumeExtraction:
    try:
        found: GetObjectOutputTypeDef = aws_clients.s3().get_object(
            Bucket=data_settings().resumes_bucket, Key=key
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            return ResumeExtraction("", ExtractionOutcome.MISSING, "no resume was uploaded", 0)
        raise
    body = found["Body"]
    try:
        if found.get("ContentLength", 0) > LIMITS.max_bytes:
            return ResumeExtraction("", ExtractionOutcome.TOO_LARGE, f"file over {LIMITS.max_bytes} bytes", 0)
        # One byte more than allowed is enough to know it is too large.
        pdf = body.read(LIMITS.max_bytes + 1)
    finally:
        body.close()
    with _EXTRACTIONS:
        return extract_resume_text(pdf, LIMITS)


def _store(candidate: Candidate, key: str, extraction: ResumeExtraction) -> None:
    """Keeps the text, so the PDF is parsed once; unless a newer upload replaced the file meanwhile."""
    update_if(
        candidate,
        [
            Candidate.resume_text.set(extraction.text),
            Candidate.resume_extraction.set(extraction.outcome.value),
        ],
        condition=Candidate.resume_key == key,
    )
