"""Resume text extraction on real PDFs, including hostile ones that must end within the limits."""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from interview_scheduling import resume_text
from interview_scheduling.resume_text import (
    ExtractionLimits,
    ExtractionOutcome,
    ResumeExtraction,
    extract_resume_text,
)
from tests.pdf_factory import (
    contents_referencing_themselves,
    encrypted,
    flate_bomb,
    form_that_draws_itself,
    make_image_only_pdf,
    make_resume_pdf,
    make_text_pdf,
    page_tree_containing_itself,
    page_tree_cycle,
    pdf_from_contents,
    pdf_from_streams,
    slow_content,
    stream,
    text_content,
    wide_page_tree,
)

# Slack for fork, imports and a loaded CI machine; a bound on hanging, not a benchmark.
SLACK_SECONDS = 3.0
DEFAULT = ExtractionLimits()
SHORT = ExtractionLimits(max_seconds=0.5)


def timed(pdf: bytes, limits: ExtractionLimits = DEFAULT) -> tuple[ResumeExtraction, float]:
    started = time.monotonic()
    result = extract_resume_text(pdf, limits)
    return result, time.monotonic() - started


def assert_bounded(pdf: bytes, limits: ExtractionLimits, outcome: ExtractionOutcome) -> ResumeExtraction:
    result, elapsed = timed(pdf, limits)
    assert result.outcome is outcome, result
    assert elapsed < limits.max_seconds + SLACK_SECONDS
    return result


def test_one_page_resume() -> None:
    pdf = make_text_pdf([["Jane Doe", "Senior Engineer at Acme Corp", "Python, AWS, DynamoDB"]])

    result = extract_resume_text(pdf)

    assert result == ResumeExtraction(
        text="Jane Doe\nSenior Engineer at Acme Corp\nPython, AWS, DynamoDB",
        outcome=ExtractionOutcome.EXTRACTED,
        reason="ok",
        pages=1,
    )


def test_multi_page_resume_keeps_page_order() -> None:
    pdf = make_text_pdf([["Jane Doe", "Experience"], ["Acme Corp 2019-2024"], ["Education", "BSc Physics"]])

    result = extract_resume_text(pdf)

    assert result.outcome is ExtractionOutcome.EXTRACTED
    assert result.pages == 3
    assert result.text == "Jane Doe\nExperience\n\nAcme Corp 2019-2024\n\nEducation\nBSc Physics"


def test_text_is_normalised() -> None:
    pdf = make_text_pdf([["Skills   ", "   ", "   ", "   ", "Go\tRust \x07", "  "], [], ["Languages"]])

    result = extract_resume_text(pdf)

    assert result.text == "Skills\n\nGo\tRust\n\nLanguages"
    assert result.pages == 3


def test_more_pages_than_the_limit_keeps_the_first_pages() -> None:
    pdf = make_text_pdf([[f"Section {n} heading"] for n in range(1, 6)])

    result = extract_resume_text(pdf, ExtractionLimits(max_pages=3))

    assert result.outcome is ExtractionOutcome.TRUNCATED
    assert result.pages == 3
    assert result.text == "Section 1 heading\n\nSection 2 heading\n\nSection 3 heading"
    assert result.reason == "5 pages, over the limit of 3"


def test_text_is_cut_at_max_chars() -> None:
    pdf = make_resume_pdf(3)
    full = extract_resume_text(pdf)

    result = extract_resume_text(pdf, ExtractionLimits(max_chars=1000))

    assert full.outcome is ExtractionOutcome.EXTRACTED
    assert len(full.text) > 3000
    assert result.outcome is ExtractionOutcome.TRUNCATED
    assert result.text == full.text[:1000]


def test_text_exactly_at_max_chars_is_not_truncated() -> None:
    pdf = make_text_pdf([["abcde"], ["fghij"]])

    result = extract_resume_text(pdf, ExtractionLimits(max_chars=12))

    assert (result.outcome, result.text) == (ExtractionOutcome.EXTRACTED, "abcde\n\nfghij")


@pytest.mark.parametrize("data", [b"", b"hello, this is my resume", b"\x89PNG\r\n\x1a\n" + bytes(2000)])
def test_not_a_pdf(data: bytes) -> None:
    result = extract_resume_text(data)

    assert (result.outcome, result.text, result.pages) == (ExtractionOutcome.NOT_PDF, "", 0)


def test_file_over_max_bytes_is_not_parsed() -> None:
    pdf = make_resume_pdf(2)

    result = extract_resume_text(pdf, ExtractionLimits(max_bytes=len(pdf) - 1))

    assert (result.outcome, result.text) == (ExtractionOutcome.TOO_LARGE, "")


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.97])
def test_truncated_file(keep: float) -> None:
    pdf = make_resume_pdf(2)

    result = assert_bounded(pdf[: int(len(pdf) * keep)], DEFAULT, ExtractionOutcome.MALFORMED)

    assert result.text == ""
    assert "Jane" not in result.reason


def test_password_protected_pdf() -> None:
    pdf = encrypted(make_text_pdf([["Jane Doe", "Confidential"]]), user_password="open-sesame")

    result = extract_resume_text(pdf)

    assert (result.outcome, result.text) == (ExtractionOutcome.ENCRYPTED, "")


def test_pdf_with_only_an_owner_password_is_read() -> None:
    pdf = encrypted(make_text_pdf([["Jane Doe", "Printing disabled"]]), user_password="")

    result = extract_resume_text(pdf)

    assert (result.outcome, result.text) == (ExtractionOutcome.EXTRACTED, "Jane Doe\nPrinting disabled")


def test_image_only_pdf_is_empty() -> None:
    result = extract_resume_text(make_image_only_pdf())

    assert (result.outcome, result.text, result.pages) == (ExtractionOutcome.EMPTY, "", 1)


def test_decompression_bomb_page_is_skipped_at_the_stream_limit() -> None:
    bomb = flate_bomb(256 << 20)
    pdf = pdf_from_streams(
        [stream(text_content(["Jane Doe"])), bomb, stream(text_content(["References on request"]))]
    )
    assert len(pdf) < 1 << 20

    result = assert_bounded(pdf, DEFAULT, ExtractionOutcome.TRUNCATED)

    assert result.text == "Jane Doe\n\nReferences on request"
    assert result.reason == "page 2 skipped: over parser limits"


@pytest.mark.parametrize(
    ("limit", "outcome"), [(2 << 20, ExtractionOutcome.TRUNCATED), (8 << 20, ExtractionOutcome.EMPTY)]
)
def test_max_decompressed_bytes_applies_per_stream(limit: int, outcome: ExtractionOutcome) -> None:
    pdf = pdf_from_streams([flate_bomb(4 << 20)])

    assert_bounded(pdf, ExtractionLimits(max_decompressed_bytes=limit), outcome)


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is only enforced on Linux")
def test_decompression_bomb_stops_at_the_memory_limit() -> None:
    pdf = pdf_from_streams([stream(text_content(["Jane Doe"])), flate_bomb(256 << 20)])
    # Lift pypdf's own stream limit so that only the address-space limit can stop the bomb.
    limits = ExtractionLimits(max_decompressed_bytes=1 << 30, max_memory_bytes=64 << 20)

    result = assert_bounded(pdf, limits, ExtractionOutcome.TOO_MUCH_MEMORY)

    assert (result.text, result.pages) == ("Jane Doe", 1)


def test_page_tree_that_contains_itself() -> None:
    assert_bounded(page_tree_containing_itself(), DEFAULT, ExtractionOutcome.MALFORMED)


def test_page_tree_cycle_through_two_nodes() -> None:
    assert_bounded(page_tree_cycle(), DEFAULT, ExtractionOutcome.MALFORMED)


def test_form_that_draws_itself_keeps_the_page_text() -> None:
    result = assert_bounded(form_that_draws_itself("Jane Doe"), DEFAULT, ExtractionOutcome.EXTRACTED)

    assert result.text.startswith("Jane Doe")


def test_contents_that_reference_themselves() -> None:
    assert_bounded(contents_referencing_themselves(), DEFAULT, ExtractionOutcome.EMPTY)


def test_huge_page_tree() -> None:
    # Twice pypdf's page-tree limit here (10,000 entries): over it, and small enough to parse well
    # inside the 2 s wall limit on a busy machine.
    result = assert_bounded(wide_page_tree(20_000), DEFAULT, ExtractionOutcome.TOO_LARGE)

    assert result.text == ""


def test_slow_content_stream_times_out_with_the_pages_read_so_far() -> None:
    pdf = pdf_from_contents([text_content(["Jane Doe", "Staff Engineer"]), slow_content(200_000)])

    result, elapsed = timed(pdf, SHORT)

    assert result.outcome is ExtractionOutcome.TIMED_OUT
    assert SHORT.max_seconds <= elapsed < SHORT.max_seconds + SLACK_SECONDS
    assert (result.text, result.pages) == ("Jane Doe\nStaff Engineer", 1)


# Python 3.12+ warns on any fork from a threaded process; a worker that deadlocks is killed anyway.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_runs_from_a_worker_thread() -> None:
    slow = pdf_from_contents([slow_content(200_000)])
    with ThreadPoolExecutor(max_workers=2) as pool:
        normal = pool.submit(extract_resume_text, make_text_pdf([["Jane Doe"]]))
        hostile = pool.submit(timed, slow, SHORT)

        assert normal.result().text == "Jane Doe"
        result, elapsed = hostile.result()

    assert result.outcome is ExtractionOutcome.TIMED_OUT
    assert elapsed < SHORT.max_seconds + SLACK_SECONDS


def test_worker_that_hangs_without_using_cpu_is_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    def hang(*_: object) -> None:
        time.sleep(60)

    # Only the forked worker calls this, and it sees the patch; a sleep is invisible to CPU limits.
    monkeypatch.setattr(resume_text, "_restrict_resources", hang)

    assert_bounded(make_text_pdf([["Jane Doe"]]), SHORT, ExtractionOutcome.TIMED_OUT)


def test_worker_that_dies_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def die(*_: object) -> None:
        os._exit(3)

    monkeypatch.setattr(resume_text, "_restrict_resources", die)

    result = assert_bounded(make_text_pdf([["Jane Doe"]]), SHORT, ExtractionOutcome.MALFORMED)

    assert result.reason == "parser exited unexpectedly (exit code 3)"


def test_importing_the_module_does_not_load_pypdf() -> None:
    # Every function imports the shared layer; only the one reading resumes should pay for pypdf.
    code = "import sys, interview_scheduling.resume_text; sys.exit('pypdf' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


def test_outcome_values_are_stable() -> None:
    # Stored in DynamoDB and used as metric names: renaming one is a data migration.
    assert [outcome.value for outcome in ExtractionOutcome] == [
        "extracted",
        "truncated",
        "empty",
        "encrypted",
        "not_pdf",
        "too_large",
        "timed_out",
        "too_much_memory",
        "malformed",
        "missing",
    ]
