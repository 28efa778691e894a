"""A PNG of one page of a stored PDF, rendered server-side with pypdfium2 and kept on disk next to
the PDF (``<sha256>.p<page>.png``), so each page of each content is rendered once."""
from __future__ import annotations

import os
import struct
import tempfile
import threading
import zlib
from pathlib import Path

from flask_babel import gettext as _

from runtime.files.storage import FileStore
from runtime.records import Invalid, NotFound

PDF = "application/pdf"
MAX_PAGE = 1000            # the page parameter is bounded; past the document's end is a 404
WIDTH = 800                # pixels, whatever the page size
MAX_HEIGHT = 4000          # pixels: a very tall page is narrower instead
_LOCK = threading.Lock()   # pdfium is not thread-safe


class UnreadablePdf(Invalid):
    status, code = 422, "unreadable_pdf"


def render(store: FileStore, sha256: str, page: int) -> Path:
    """The cached PNG of ``page`` (1-based) of the PDF kept under ``sha256``; renders it when missing.

    NotFound when the page is out of range, UnreadablePdf when pdfium cannot open the file.
    """
    if not 1 <= page <= MAX_PAGE:
        raise NotFound(_("Not found."))
    target = store.preview_path(sha256, page)
    if target.exists():
        return target
    import pypdfium2 as pdfium

    source = store.path(sha256)
    with _LOCK:
        try:
            pdf = pdfium.PdfDocument(str(source))
        except (pdfium.PdfiumError, OSError, ValueError):
            msg = _("This PDF cannot be read, so it has no preview. Download it to check the file.")
            raise UnreadablePdf(msg) from None
        try:
            if page > len(pdf):
                raise NotFound(_("Not found."))
            pdf_page = pdf[page - 1]
            try:
                width, height = pdf_page.get_size()
                # a hair under the target so pdfium's rounding up lands on it; very tall pages capped
                scale = min((WIDTH - 0.01) / max(width, 1), (MAX_HEIGHT - 0.01) / max(height, 1))
                bitmap = pdf_page.render(scale=scale, fill_color=(255, 255, 255, 255),
                                         rev_byteorder=True)           # RGB, no alpha
                png = encode_png(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                                 bitmap.n_channels)
                bitmap.close()
            except pdfium.PdfiumError:
                msg = _("This PDF cannot be read, so it has no preview. Download it to check the file.")
                raise UnreadablePdf(msg) from None
            finally:
                pdf_page.close()
        finally:
            pdf.close()
    fd, name = tempfile.mkstemp(prefix=".preview-", suffix=".png", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(png)
        os.chmod(name, 0o640)
        os.replace(name, target)           # atomic: several workers may render the same page
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return target


def encode_png(buffer: bytes, width: int, height: int, stride: int, channels: int) -> bytes:
    """An 8-bit RGB PNG of a pdfium bitmap (RGB or RGBx rows, ``stride`` bytes apart)."""
    rows = bytearray()
    for y in range(height):
        row = buffer[y * stride: y * stride + width * channels]
        if channels == 4:                   # drop the unused fourth byte
            rgb = bytearray(width * 3)
            rgb[0::3], rgb[1::3], rgb[2::3] = row[0::4], row[1::4], row[2::4]
            row = bytes(rgb)
        rows += b"\x00" + row              # filter type 0
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 6))
            + chunk(b"IEND", b""))
