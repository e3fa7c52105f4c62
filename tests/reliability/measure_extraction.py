"""Extracts the text of one PDF (stdin) in a fresh process and prints what it cost, as JSON.

A fresh process per file, so one file's memory is not another's: the extraction's worker is the
process's only child besides a warm-up worker, whose peak is the baseline the parse adds to.
Run by tests/reliability/test_hostile_resumes.py.
"""

from __future__ import annotations

import json
import resource
import sys
import time

from interview_scheduling.resume_text import extract_resume_text
from tests.pdf_factory import make_text_pdf


def main() -> None:
    pdf = sys.stdin.buffer.read()
    # Loads pypdf and forks a worker for a one-line file: its peak is what any worker starts from.
    extract_resume_text(make_text_pdf([["warm up"]]))
    baseline_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    result = extract_resume_text(pdf)
    seconds = time.monotonic() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    document = {
        "outcome": result.outcome.value,
        "reason": result.reason,
        "seconds": seconds,
        "worker_peak_kib": peak_kib,
        "worker_baseline_kib": baseline_kib,
    }
    sys.stdout.write(json.dumps(document) + "\n")


if __name__ == "__main__":
    main()
