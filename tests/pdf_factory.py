"""Hand-written PDF builders for tests: real, minimal PDF files without extra dependencies."""

import functools
import zlib
from collections.abc import Sequence

_HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
_MEDIA_BOX = b"[0 0 612 792]"

_RESUME_SECTIONS = (
    "Experience",
    "Senior Software Engineer, Example Corp, 2019 - present",
    "Led the migration of a payments platform to event-driven services on AWS.",
    "Reduced p99 latency of the checkout API from 900 ms to 180 ms.",
    "Mentored six engineers and ran the weekly architecture review.",
    "Software Engineer, Sample Systems, 2015 - 2019",
    "Built data pipelines processing two billion events per day with Kafka and Spark.",
    "Designed the internal feature-flag service used by forty product teams.",
    "Education",
    "BSc Computer Science, University of Somewhere, 2015",
    "Skills",
    "Python, Go, TypeScript, PostgreSQL, DynamoDB, Terraform, Kubernetes, observability",
)


def pdf_string(text: str) -> bytes:
    """Encode text as a PDF literal string (WinAnsi is close enough to Latin-1 for tests)."""
    raw = text.encode("latin-1")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def stream(content: bytes, *, compress: bool = False, extra: bytes = b"") -> bytes:
    """Return a stream object body; compress=True applies /FlateDecode at level 9."""
    if compress:
        content = zlib.compress(content, 9)
        extra += b" /Filter /FlateDecode"
    header = b"<< /Length " + str(len(content)).encode() + extra + b" >>"
    return header + b"\nstream\n" + content + b"\nendstream"


def build_pdf(objects: Sequence[bytes]) -> bytes:
    """Assemble objects numbered 1..n (1 is the catalog) into a PDF with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    size = str(len(objects) + 1).encode()
    out += b"trailer\n<< /Size " + size + b" /Root 1 0 R >>\n"
    out += b"startxref\n" + str(xref_at).encode() + b"\n%%EOF\n"
    return bytes(out)


def text_content(lines: Sequence[str], *, font_size: int = 11, leading: int = 14) -> bytes:
    """Content stream drawing one line of Helvetica text per entry, top to bottom."""
    ops = [b"BT /F1 %d Tf %d TL 72 740 Td" % (font_size, leading)]
    ops += [pdf_string(line) + b" '" for line in lines]
    ops.append(b"ET")
    return b"\n".join(ops)


def pdf_from_streams(content_streams: Sequence[bytes]) -> bytes:
    """One page per content stream object (see `stream`), all sharing a Helvetica font resource."""
    count = len(content_streams)
    # 1 catalog, 2 page tree, 3 font, then a (page, contents) pair per page.
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
        _HELVETICA,
    ]
    for i, content in enumerate(content_streams):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox "
            + _MEDIA_BOX
            + b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(content)
    return build_pdf(objects)


def pdf_from_contents(contents: Sequence[bytes]) -> bytes:
    """One page per (uncompressed) content stream; the streams are stored with /FlateDecode."""
    return pdf_from_streams([stream(content, compress=True) for content in contents])


@functools.cache
def flate_bomb(inflated_bytes: int) -> bytes:
    """A /FlateDecode stream object of spaces that inflates to `inflated_bytes` (about 1000:1)."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    deflated = bytearray()
    for _ in range(inflated_bytes // len(chunk)):
        deflated += compressor.compress(chunk)
    deflated += compressor.flush()
    return stream(bytes(deflated), extra=b" /Filter /FlateDecode")


def make_text_pdf(lines_per_page: Sequence[Sequence[str]]) -> bytes:
    """A text PDF with one page per entry, each page drawing its lines in Helvetica."""
    return pdf_from_contents([text_content(lines) for lines in lines_per_page])


def resume_lines(page: int, lines: int = 48) -> list[str]:
    """Deterministic, realistic-looking resume lines for page number `page` (0-based)."""
    header = [f"Jane Candidate - page {page + 1}", "jane.candidate@example.com | +1 555 0100 | Springfield"]
    body = [_RESUME_SECTIONS[i % len(_RESUME_SECTIONS)] for i in range(lines - len(header))]
    return header + body


def make_resume_pdf(pages: int) -> bytes:
    """A dense text resume of `pages` pages (48 lines, about 2,500 characters per page)."""
    return make_text_pdf([resume_lines(i) for i in range(pages)])


def make_image_only_pdf() -> bytes:
    """A page that paints a small grey image and has no text, like a scanned resume."""
    pixels = bytes(range(256)) * 64  # 128x128, 8-bit grey
    image_dict = b" /Type /XObject /Subtype /Image /Width 128 /Height 128 /ColorSpace /DeviceGray"
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox "
            + _MEDIA_BOX
            + b" /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
            stream(b"q 468 0 0 648 72 72 cm /Im1 Do Q"),
            stream(pixels, compress=True, extra=image_dict + b" /BitsPerComponent 8"),
        ]
    )
