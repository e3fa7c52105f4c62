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


# --- hostile files: shared by the resume extraction unit tests and the reliability suite ---------

_CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
_ONE_KID = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def _page(extra: bytes = b"") -> bytes:
    return b"<< /Type /Page /Parent 2 0 R /MediaBox " + _MEDIA_BOX + extra + b" >>"


def encrypted(pdf: bytes, user_password: str) -> bytes:
    """`pdf` encrypted with RC4, which needs no optional crypto package, so it runs wherever pypdf does."""
    # Imported here: the benchmarks import this module and must not load pypdf before they measure it.
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def slow_content(operations: int) -> bytes:
    """A valid content stream of many tiny text operations: cheap to store, slow for pypdf."""
    return b"BT /F1 12 Tf 72 720 Td\n" + b"(x) Tj 1 0 Td\n" * operations + b"ET"


def page_tree_containing_itself() -> bytes:
    return build_pdf([_CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"])


def page_tree_cycle() -> bytes:
    """Two page-tree nodes, each the other's only kid."""
    return build_pdf([_CATALOG, _ONE_KID, b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"])


def contents_referencing_themselves() -> bytes:
    return build_pdf([_CATALOG, _ONE_KID, _page(b" /Contents 4 0 R"), b"4 0 R"])


def length_referencing_itself() -> bytes:
    """A content stream whose /Length is an object that only refers to itself."""
    contents = b"<< /Length 5 0 R >>\nstream\nBT ET\nendstream"
    return build_pdf([_CATALOG, _ONE_KID, _page(b" /Contents 4 0 R"), contents, b"5 0 R"])


def form_that_draws_itself(text: str) -> bytes:
    """A page showing `text`, then a form XObject whose content draws the form again."""
    form = stream(
        b"/Me Do (Looped) Tj",
        extra=b" /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /Me 4 0 R >> >>",
    )
    return build_pdf(
        [
            _CATALOG,
            _ONE_KID,
            _page(b" /Contents 5 0 R /Resources << /XObject << /Me 4 0 R >> /Font << /F1 6 0 R >> >>"),
            form,
            stream(text_content([text]) + b"\n/Me Do"),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def wide_page_tree(kids: int, text: str = "Jane Doe") -> bytes:
    """One page-tree node listing the same page `kids` times: tiny file, huge tree."""
    return build_pdf(
        [
            _CATALOG,
            b"<< /Type /Pages /Kids [" + b"3 0 R " * kids + b"] /Count %d >>" % kids,
            _page(b" /Contents 4 0 R"),
            stream(text_content([text])),
        ]
    )


def deep_page_tree(depth: int) -> bytes:
    """A chain of `depth` page-tree nodes, each the only kid of the one before, then one page."""
    nodes = [b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (number + 1) for number in range(2, depth + 2)]
    return build_pdf([_CATALOG, *nodes, b"<< /Type /Page /MediaBox " + _MEDIA_BOX + b" >>"])


def nested_arrays(depth: int) -> bytes:
    """A page whose dictionary holds an array nested `depth` levels deep."""
    return build_pdf([_CATALOG, _ONE_KID, _page(b" /Deep " + b"[" * depth + b"]" * depth)])


def nested_dictionaries(depth: int) -> bytes:
    """A page whose dictionary holds a dictionary nested `depth` levels deep."""
    return build_pdf([_CATALOG, _ONE_KID, _page(b" /Deep " + b"<< /A " * depth + b"1" + b" >>" * depth)])


def nested_content_arrays(depth: int) -> bytes:
    """A content stream whose text operand is an array nested `depth` levels deep."""
    return pdf_from_contents([b"BT /F1 12 Tf 72 720 Td " + b"[" * depth + b"(x)" + b"]" * depth + b" TJ ET"])


def double_flate_bomb(inflated_bytes: int) -> bytes:
    """One page whose content is compressed twice (/FlateDecode twice): a tiny file, a large inflation."""
    twice = zlib.compress(zlib.compress(b" " * inflated_bytes, 9), 9)
    contents = stream(twice, extra=b" /Filter [/FlateDecode /FlateDecode]")
    return build_pdf([_CATALOG, _ONE_KID, _page(b" /Contents 4 0 R"), contents])
