"""Resume text extraction speed: extract_resume_text (pypdf in a forked worker) next to pdftotext.

Run from anywhere: python bench/resume_extraction.py. Prints `name: value` lines; times are the
median of several runs. pdftotext times include starting its process, as a caller would pay.
"""

import functools
import io
import multiprocessing
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "shared")]

import pypdf  # noqa: E402

from interview_scheduling.resume_text import ExtractionOutcome, extract_resume_text  # noqa: E402
from tests.pdf_factory import make_resume_pdf  # noqa: E402

PAGE_COUNTS = (1, 2, 30)
RUNS = 15


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    action()  # warm-up: imports, caches, first fork
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def _reply(sender: Connection) -> None:
    sender.send_bytes(b"ok")


def fork_round_trip() -> None:
    """The isolation machinery alone: fork a worker, read one message over a Pipe, reap it."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_reply, args=(sender,))
    worker.start()
    sender.close()
    receiver.recv_bytes()
    worker.kill()
    worker.join()
    receiver.close()
    worker.close()


def isolated(pdf: bytes) -> None:
    result = extract_resume_text(pdf)
    assert result.outcome is ExtractionOutcome.EXTRACTED, result.reason


def in_process(pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Jane Candidate" in text


def pdftotext(path: Path) -> None:
    done = subprocess.run(
        ["pdftotext", "-q", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    assert b"Jane Candidate" in done.stdout


def main() -> None:
    print(f"python: {sys.version.split()[0]}")
    print(f"pypdf: {pypdf.__version__}")
    print(f"runs_per_figure: {RUNS} (median)")
    print(f"fork_round_trip_ms: {median_ms(fork_round_trip):.2f}")
    tool = shutil.which("pdftotext")
    if tool is None:
        print("pdftotext: skipped, not on PATH (install poppler-utils)")
    with tempfile.TemporaryDirectory() as folder:
        for pages in PAGE_COUNTS:
            pdf = make_resume_pdf(pages)
            path = Path(folder) / f"resume_{pages}.pdf"
            path.write_bytes(pdf)
            ours = median_ms(functools.partial(isolated, pdf)) / pages
            bare = median_ms(functools.partial(in_process, pdf)) / pages
            print(f"pages_{pages}_extract_resume_text_ms_per_page: {ours:.2f}")
            print(f"pages_{pages}_pypdf_in_process_ms_per_page: {bare:.2f}")
            if pages == 1:
                print(f"isolation_overhead_ms_per_call: {ours - bare:.2f}")
            if tool is not None:
                poppler = median_ms(functools.partial(pdftotext, path)) / pages
                print(f"pages_{pages}_pdftotext_ms_per_page: {poppler:.2f}")
                print(f"pages_{pages}_ratio_extract_resume_text_to_pdftotext: {ours / poppler:.1f}")


if __name__ == "__main__":
    main()
