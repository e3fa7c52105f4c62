"""Extract the text of an untrusted resume PDF under hard time and memory limits.

pypdf is pure Python and one ``extract_text()`` call on a hostile page can run for minutes, so
the parse runs in a forked child that is killed at the deadline: only a process can be stopped
mid-call, get its own ``RLIMIT_AS`` and crash without taking the handler with it. Fork, not spawn,
because the child inherits the loaded pypdf and starts in milliseconds; no long-lived worker,
because it would carry state from one hostile file to the next. A ``Pipe``, because Lambda has no
``/dev/shm`` for ``Queue`` or ``Pool``; a polled deadline, not a signal, so worker threads can call.
"""

import functools
import io
import json
import logging
import math
import multiprocessing
import os
import re
import resource
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

__all__ = ["ExtractionLimits", "ExtractionOutcome", "ResumeExtraction", "extract_resume_text"]

# A page tree this large is not a resume, and pypdf walks the whole tree before reading page one.
_MAX_PAGE_TREE_ENTRIES = 10_000
# The PDF specification lets the header start anywhere in the first 1024 bytes.
_HEADER_WINDOW = 1024
_PAGE_MESSAGE = b"P"
_STATUS_MESSAGE = b"S"

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING_SPACE = re.compile(r"[^\S\n]+$", re.MULTILINE)
_BLANK_LINE_RUNS = re.compile(r"\n{3,}")

# A tiny valid text PDF, parsed once in the caller so that forked workers inherit pypdf's lazy
# imports and caches instead of redoing them (and copying the pages they touch) on every call.
_WARM_UP_PDF = (
    b"%PDF-1.7\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n"
    b"2 0 obj\n<</Type/Pages/Kids[3 0 R]/Count 1>>\nendobj\n"
    b"3 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 50]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>\nendobj\n"
    b"4 0 obj\n<</Length 37>>stream\nBT /F1 12 Tf 10 20 Td (warm up) Tj ET\nendstream\nendobj\n"
    b"5 0 obj\n<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>\nendobj\n"
    b"xref\n0 6\n0000000000 65535 f \n0000000009 00000 n \n0000000054 00000 n \n"
    b"0000000105 00000 n \n0000000216 00000 n \n0000000300 00000 n \n"
    b"trailer\n<</Size 6/Root 1 0 R>>\nstartxref\n363\n%%EOF\n"
)


@dataclass(frozen=True)
class ExtractionLimits:
    """Hard limits for one extraction; memory is what the parse may add on top of the caller."""

    max_bytes: int = 10 * 1024 * 1024
    max_pages: int = 50
    max_chars: int = 100_000
    max_seconds: float = 2.0
    max_memory_bytes: int = 256 * 1024 * 1024
    max_decompressed_bytes: int = 16 * 1024 * 1024


class ExtractionOutcome(StrEnum):
    """How an extraction ended; values are stored and used as metric names."""

    EXTRACTED = "extracted"
    TRUNCATED = "truncated"
    EMPTY = "empty"
    ENCRYPTED = "encrypted"
    NOT_PDF = "not_pdf"
    TOO_LARGE = "too_large"
    TIMED_OUT = "timed_out"
    TOO_MUCH_MEMORY = "too_much_memory"
    MALFORMED = "malformed"
    # Set by the caller: the resume was never uploaded, or its object is gone.
    MISSING = "missing"


@dataclass(frozen=True)
class ResumeExtraction:
    """The text recovered (partial unless EXTRACTED), why it ended, and how many pages were read."""

    text: str
    outcome: ExtractionOutcome
    reason: str
    pages: int


_Status = tuple[ExtractionOutcome, str]
_DEFAULT_LIMITS = ExtractionLimits()


def extract_resume_text(pdf: bytes, limits: ExtractionLimits = _DEFAULT_LIMITS) -> ResumeExtraction:
    """Extract normalised text from ``pdf``; never raises for bad input.

    Returns within about ``limits.max_seconds``, plus the one-off pypdf import on first use.
    Raises ``OSError`` only if no worker process can be started, which says nothing about the file.
    """
    if len(pdf) > limits.max_bytes:
        return ResumeExtraction("", ExtractionOutcome.TOO_LARGE, f"file over {limits.max_bytes} bytes", 0)
    if b"%PDF-" not in pdf[:_HEADER_WINDOW]:
        return ResumeExtraction("", ExtractionOutcome.NOT_PDF, "no PDF header", 0)
    _warm_up()
    pages, status = _run_worker(pdf, limits)
    return _finish(pages, status, limits)


@functools.cache
def _warm_up() -> None:
    """Load pypdf on first use only, so functions that never read a resume do not pay for it."""
    _extract_pages(_WARM_UP_PDF, _DEFAULT_LIMITS, lambda _text: None)


def _run_worker(pdf: bytes, limits: ExtractionLimits) -> tuple[list[str], _Status]:
    """Run the extraction in a forked child and collect its pages until it ends or time runs out."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_worker_main, args=(sender, pdf, limits))
    pages: list[str] = []
    status: _Status | None = None
    # A page message holds at most max_chars + 1 characters of up to four UTF-8 bytes each.
    max_message = 4 * (limits.max_chars + 1) + 1024
    deadline = time.monotonic() + limits.max_seconds
    try:
        worker.start()
        # Without the parent's copy of the write end, a dead worker reads as EOF instead of a hang.
        sender.close()
        while status is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not receiver.poll(remaining):
                status = ExtractionOutcome.TIMED_OUT, f"parsing took over {limits.max_seconds:g} s"
                break
            try:
                message = receiver.recv_bytes(max_message)
            except (EOFError, OSError):
                break
            if message.startswith(_PAGE_MESSAGE):
                pages.append(message[1:].decode("utf-8", "replace"))
            else:
                status = _parse_status(message)
    finally:
        sender.close()
        if worker.pid is not None:
            # Killing even a finished worker spares waiting for it to free a large heap.
            worker.kill()
            worker.join()
        receiver.close()
    if status is None:
        status = ExtractionOutcome.MALFORMED, f"parser exited unexpectedly (exit code {worker.exitcode})"
    worker.close()
    return pages, status


def _parse_status(message: bytes) -> _Status:
    try:
        fields = json.loads(message[1:])
        return ExtractionOutcome(fields["outcome"]), str(fields["reason"])
    except (ValueError, KeyError, TypeError):
        return ExtractionOutcome.MALFORMED, "parser sent an unreadable status"


def _finish(pages: list[str], status: _Status, limits: ExtractionLimits) -> ResumeExtraction:
    outcome, reason = status
    text = "\n\n".join(page for page in pages if page)
    if len(text) > limits.max_chars:
        text = text[: limits.max_chars]
        if outcome is ExtractionOutcome.EXTRACTED:
            outcome, reason = ExtractionOutcome.TRUNCATED, f"text cut at {limits.max_chars} characters"
    if outcome is ExtractionOutcome.EXTRACTED and not text:
        outcome, reason = ExtractionOutcome.EMPTY, "no text layer (image-only or scanned)"
    return ResumeExtraction(text, outcome, reason, len(pages))


def _worker_main(sender: Connection, pdf: bytes, limits: ExtractionLimits) -> None:
    _restrict_resources(limits)
    # Hostile files cause floods of warnings that may quote their content; keep the logs clean.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")

    def emit(text: str) -> None:
        sender.send_bytes(_PAGE_MESSAGE + text.encode())

    try:
        try:
            outcome, reason = _extract_pages(pdf, limits, emit)
        except MemoryError:
            outcome, reason = ExtractionOutcome.TOO_MUCH_MEMORY, "parsing needed more than max_memory_bytes"
        sender.send_bytes(_STATUS_MESSAGE + json.dumps({"outcome": outcome, "reason": reason}).encode())
    except (OSError, MemoryError):
        # The parent stopped listening or memory ran out again; the parent reports the missing status.
        pass
    finally:
        sender.close()


def _restrict_resources(limits: ExtractionLimits) -> None:
    # The forked image already counts towards the address space, so the budget goes on top of it.
    mapped_pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[0])
    _lower_limit(resource.RLIMIT_AS, mapped_pages * os.sysconf("SC_PAGE_SIZE") + limits.max_memory_bytes)
    # Backstop for a worker whose parent is gone; the parent's wall-clock deadline fires first.
    _lower_limit(resource.RLIMIT_CPU, math.ceil(limits.max_seconds) + 1)


def _lower_limit(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def _extract_pages(pdf: bytes, limits: ExtractionLimits, emit: Callable[[str], None]) -> _Status:
    """Emit each page's normalised text; return EXTRACTED unless something cut the text short."""
    from pypdf import apply_configuration  # noqa: PLC0415 - see _warm_up

    # Scoped, so that the warm-up in the caller's process leaves its pypdf settings as they were.
    with apply_configuration(**_pypdf_limits(limits)):
        return _read_pages(pdf, limits, emit)


def _read_pages(pdf: bytes, limits: ExtractionLimits, emit: Callable[[str], None]) -> _Status:
    from pypdf import PasswordType, PdfReader  # noqa: PLC0415 - see _warm_up
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError  # noqa: PLC0415

    try:
        reader = PdfReader(io.BytesIO(pdf))
        # pypdf already tried the empty password, which opens owner-password-only files.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            return ExtractionOutcome.ENCRYPTED, "needs a password"
        pages = reader.pages
        total = len(pages)
    except (FileNotDecryptedError, DependencyError):
        return ExtractionOutcome.ENCRYPTED, "encryption not supported"
    except LimitReachedError:
        return ExtractionOutcome.TOO_LARGE, "document structure over parser limits"
    except MemoryError:
        raise
    except Exception as error:
        return ExtractionOutcome.MALFORMED, f"unreadable document ({type(error).__name__})"

    problem: _Status | None = None
    if total > limits.max_pages:
        problem = ExtractionOutcome.TRUNCATED, f"{total} pages, over the limit of {limits.max_pages}"
    emitted = 0
    for number in range(1, min(total, limits.max_pages) + 1):
        try:
            text = _normalise(pages[number - 1].extract_text())
        except (FileNotDecryptedError, DependencyError):
            return ExtractionOutcome.ENCRYPTED, "encryption not supported"
        except LimitReachedError:
            problem = problem or (ExtractionOutcome.TRUNCATED, f"page {number} skipped: over parser limits")
            continue
        except MemoryError:
            raise
        except Exception as error:
            unreadable = f"page {number} unreadable ({type(error).__name__})"
            problem = problem or (ExtractionOutcome.MALFORMED, unreadable)
            continue
        # The parent joins non-empty pages with a blank line; one character past max_chars shows the cut.
        separator = 2 if text and emitted else 0
        chunk = text[: max(limits.max_chars + 1 - emitted - separator, 1)]
        emit(chunk)
        emitted += separator + len(chunk)
        if emitted > limits.max_chars:
            break
    return problem or (ExtractionOutcome.EXTRACTED, "ok")


def _pypdf_limits(limits: ExtractionLimits) -> dict[str, Any]:
    per_stream = limits.max_decompressed_bytes
    return {
        "zlib_maximum_output_length": per_stream,
        "lzw_maximum_output_length": per_stream,
        "run_length_maximum_output_length": per_stream,
        "brotli_maximum_output_length": per_stream,
        "jbig2_maximum_output_length": per_stream,
        "array_based_stream_maximum_output_length": per_stream,
        "image_maximum_buffer_size": per_stream,
        # Every filter in a chain counts its input, so allow a few stages per stream.
        "stream_decoding_work_maximum_length": 4 * per_stream,
        "page_tree_maximum_entries": _MAX_PAGE_TREE_ENTRIES,
        # Never hand untrusted bytes to an external decoder binary.
        "jbig2dec_binary": None,
    }


def _normalise(text: str) -> str:
    # Lone surrogates from broken font maps cannot be encoded as UTF-8 for the pipe or for storage.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_CHARS.sub("", text)
    text = _TRAILING_SPACE.sub("", text)
    return _BLANK_LINE_RUNS.sub("\n\n", text).strip("\n")
