"""A small, valid text PDF written by hand: one Helvetica page per ~50 lines, text extractable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

_LINES_PER_PAGE: Final = 50
_FONT_SIZE: Final = 11
_LEADING: Final = 14

DEMO_RESUME: Final = (
    "Priya Raman",
    "Senior Backend Engineer - priya.raman@example.com",
    "",
    "Experience",
    "Staff Engineer, Example Payments, 2020 - present",
    "Built an event-driven settlement pipeline on AWS Lambda, DynamoDB and SQS.",
    "Cut the p99 latency of the ledger API from 800 ms to 120 ms.",
    "Software Engineer, Sample Logistics, 2016 - 2020",
    "Designed route-planning services in Python and Go serving forty warehouses.",
    "",
    "Skills",
    "Python, Go, TypeScript, PostgreSQL, DynamoDB, Kafka, Terraform, Kubernetes",
)


def _literal(text: str) -> bytes:
    """A PDF literal string; Helvetica with WinAnsiEncoding covers Latin-1."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _page_content(lines: Sequence[str]) -> bytes:
    commands = [b"BT", b"/F1 %d Tf" % _FONT_SIZE, b"%d TL" % _LEADING, b"72 740 Td"]
    for line in lines:
        commands.append(_literal(line) + b" Tj T*")
    commands.append(b"ET")
    return b"\n".join(commands)


def text_pdf(lines: Sequence[str] = DEMO_RESUME, title: str = "Resume") -> bytes:
    """A PDF whose pages show `lines` in order."""
    pages = [lines[i : i + _LINES_PER_PAGE] for i in range(0, len(lines), _LINES_PER_PAGE)] or [[]]
    # Objects: 1 catalog, 2 page tree, 3 font, 4 info, then a page and its content per page.
    page_ids = [5 + 2 * n for n in range(len(pages))]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % i for i in page_ids)
        + b"] /Count %d >>" % len(pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _literal(title) + b" /Producer (local_runtime) >>",
    ]
    for page_id, page_lines in zip(page_ids, pages, strict=True):
        content = _page_content(page_lines)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    return _assemble(objects, info=4)


def _assemble(objects: Sequence[bytes], info: int) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        info,
        xref,
    )
    return bytes(out)
