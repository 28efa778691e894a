"""Streaming readers for uploaded tables: CSV (encoding and delimiter detected) and XLSX (openpyxl
in read-only mode). A reader yields one row at a time, so a 100,000-row file is never held in
memory as objects all at once.

CSV encodings: UTF-8 with or without a BOM, UTF-16 with a BOM (Excel's "Unicode text"), and
GB18030 (a superset of GBK/GB2312, what Chinese Excel writes as "CSV"). Delimiters: comma,
semicolon, tab or bar, sniffed from the first lines.

Problems with the file itself raise :class:`FileProblem` with a stable code and a localized message.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from flask_babel import gettext as _

MAX_COLUMNS = 200
MAX_HEADER_LENGTH = 200
SAMPLE = 64 * 1024
CHUNK = 1024 * 1024
DELIMITERS = ",;\t|"
csv.field_size_limit(1024 * 1024)


class FileProblem(Exception):
    """The file cannot be imported as it is (empty, wrong format, no header ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class SheetRow:
    """One data row: its number in the file as a spreadsheet shows it (the header is row 1) and its
    cells (text from CSV; numbers, dates and text from XLSX; None for empty cells)."""

    number: int
    cells: tuple[Any, ...]

    @property
    def blank(self) -> bool:
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in self.cells)


@dataclass(frozen=True)
class TableFile:
    """An uploaded table on disk: ``kind`` is ``csv`` or ``xlsx``."""

    path: Path
    kind: str
    sheet: str | None = None

    def headers(self) -> list[str]:
        for _number, cells in self._raw_rows():
            return _check_headers(cells)
        raise FileProblem("empty", _("The file is empty."))

    def rows(self) -> Iterator[SheetRow]:
        """The data rows after the header, blank rows left out (their numbers are skipped)."""
        raw = self._raw_rows()
        first = next(raw, None)
        if first is None:
            raise FileProblem("empty", _("The file is empty."))
        width = len(_check_headers(first[1]))
        for number, cells in raw:
            row = SheetRow(number, tuple(cells[:width]) + (None,) * (width - len(cells)))
            if not row.blank:
                yield row

    def count_rows(self) -> int:
        return sum(1 for _row in self.rows())

    def _raw_rows(self) -> Iterator[tuple[int, list[Any]]]:
        if self.kind == "xlsx":
            return _xlsx_rows(self.path, self.sheet)
        return _csv_rows(self.path)


def _check_headers(cells: list[Any]) -> list[str]:
    headers = [_cell_text(c) for c in cells]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise FileProblem("no_header", _("The first row must name the columns; it is empty."))
    if len(headers) > MAX_COLUMNS:
        raise FileProblem("too_many_columns", _("The file has %(n)s columns; at most %(max)s are allowed.",
                                                n=len(headers), max=MAX_COLUMNS))
    seen: dict[str, int] = {}
    for index, header in enumerate(headers):
        if len(header) > MAX_HEADER_LENGTH:
            raise FileProblem("bad_header", _("The header of column %(n)s is longer than %(max)s characters.",
                                              n=index + 1, max=MAX_HEADER_LENGTH))
        if header and header in seen:
            raise FileProblem("duplicate_header", _("Columns %(a)s and %(b)s are both called \"%(name)s\".",
                                                    a=seen[header] + 1, b=index + 1, name=header))
        seen[header] = index
    return headers


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace("\ufeff", "").strip()


# -- CSV ------------------------------------------------------------------------------------------
def detect_encoding(path: Path) -> str:
    """The encoding of a CSV file: a BOM decides; otherwise UTF-8 when the whole file decodes as
    UTF-8 (checked in chunks, so a GBK character after the first megabyte is not missed), else
    GB18030 (which covers GBK and GB2312)."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        for name in ("utf-8", "gb18030"):
            decoder = codecs.getincrementaldecoder(name)()
            try:
                while chunk := fh.read(CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
                return name
            except UnicodeDecodeError:
                fh.seek(0)
    raise FileProblem("encoding", _("The file is not text in UTF-8 or GB18030/GBK; save it as "
                                    "\"CSV UTF-8\" and try again."))


def sniff_delimiter(text: str) -> str:
    lines = text.splitlines()[:20]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    encoding = detect_encoding(path)
    with path.open("r", encoding=encoding, newline="", errors="strict") as text:
        head = text.read(SAMPLE)
        text.seek(0)
        first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
        skip = 0
        if first.lower().startswith("sep=") and len(first) == 5:  # Excel's hint line: "sep=;"
            delimiter, skip = first[4], 1
        else:
            delimiter = sniff_delimiter(head.lstrip("\ufeff"))
        reader = csv.reader(text, delimiter=delimiter)
        try:
            for number, cells in enumerate(reader, start=1):
                if number > skip:
                    yield number - skip, [c if c != "" else None for c in cells]
        except csv.Error as exc:
            raise FileProblem("bad_csv", _("Row %(n)s cannot be read as CSV (%(error)s).",
                                           n=reader.line_num, error=str(exc))) from None


# -- XLSX -----------------------------------------------------------------------------------------
def sheet_names(path: Path) -> list[str]:
    with _open_workbook(path) as workbook:
        return list(workbook.sheetnames)


@contextlib.contextmanager
def _open_workbook(path: Path) -> Iterator[Any]:
    """The workbook read-only from an open file (the stored upload has no .xlsx name)."""
    import zipfile

    import openpyxl
    with path.open("rb") as fh:
        try:
            workbook = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise FileProblem("bad_xlsx", _("The Excel file cannot be read (%(error)s).", error=str(exc))) from None
        try:
            yield workbook
        finally:
            workbook.close()


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[tuple[int, list[Any]]]:
    with _open_workbook(path) as workbook:
        if sheet:
            if sheet not in workbook.sheetnames:
                raise FileProblem("no_sheet", _("There is no sheet called \"%(name)s\"; sheets: %(names)s.",
                                                name=sheet, names=", ".join(workbook.sheetnames)))
            worksheet = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            yield number, [xlsx_value(v) for v in values]


def xlsx_value(value: Any) -> Any:
    """Cells as the row converter expects them: whole floats as int, other floats as Decimal (so
    0.1 stays 0.1), midnight datetimes as dates, blank strings as None."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else Decimal(repr(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0) and value.tzinfo is None:
        return value.date()
    if isinstance(value, str) and not value.strip():
        return None
    return value


def sniff_kind(path: Path, filename: str) -> str:
    """``csv`` or ``xlsx`` judged by the bytes (the name only breaks the tie for text files)."""
    from runtime.files.sniff import detect
    with path.open("rb") as fh:
        if not fh.read(1):
            raise FileProblem("empty", _("The file is empty."))
    kind = detect(path)
    if kind is not None and kind.name == "xlsx":
        return "xlsx"
    if kind is not None and kind.name == "text":
        return "csv"
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("old_excel", _("Old Excel files (.xls) cannot be read; save the sheet as .xlsx "
                                         "or CSV and try again."))
    raise FileProblem("wrong_format", _("\"%(name)s\" is neither a CSV nor an Excel (.xlsx) file.",
                                        name=filename or "?"))


def text_sample(rows: Iterator[SheetRow], limit: int) -> list[SheetRow]:
    out = []
    for row in rows:
        out.append(row)
        if len(out) >= limit:
            break
    return out


__all__ = ["FileProblem", "MAX_COLUMNS", "SheetRow", "TableFile", "detect_encoding", "sheet_names",
           "sniff_delimiter", "sniff_kind", "text_sample", "xlsx_value"]
