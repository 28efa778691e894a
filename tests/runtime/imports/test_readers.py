"""Readers: Chinese Excel's CSV encodings and delimiters, XLSX sheets, dates and numbers, and clear
errors for files that cannot be imported. Rows are streamed, never loaded all at once."""
from __future__ import annotations

import datetime as dt
import inspect
from decimal import Decimal

import pytest

from runtime.imports.readers import FileProblem, TableFile, sniff_kind
from tests.runtime.imports.conftest import csv_bytes, xlsx_bytes

ROWS = [["张三", "13800138000", "zs@example.com", "1200.5"], ["李四", "", "ls@example.com", ""]]
HEAD = ["姓名", "手机号", "邮箱", "预算"]

pytestmark = pytest.mark.usefixtures("babel_context")  # messages in a request, untranslated


def table(tmp_path, content: bytes, name="leads.csv", sheet=None) -> TableFile:
    path = tmp_path / "upload"
    path.write_bytes(content)
    return TableFile(path, sniff_kind(path, name), sheet)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_csv_in_the_encodings_chinese_excel_writes_reads_the_same(tmp_path, encoding):
    t = table(tmp_path, csv_bytes(ROWS, HEAD, encoding=encoding))
    assert t.kind == "csv"
    assert t.headers() == HEAD
    rows = list(t.rows())
    assert [r.cells for r in rows] == [("张三", "13800138000", "zs@example.com", "1200.5"),
                                       ("李四", None, "ls@example.com", None)]
    assert [r.number for r in rows] == [2, 3]


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_the_delimiter_is_sniffed(tmp_path, delimiter):
    t = table(tmp_path, csv_bytes(ROWS, HEAD, delimiter=delimiter))
    assert t.headers() == HEAD and next(t.rows()).cells[0] == "张三"


def test_blank_rows_are_skipped_but_keep_their_numbers_and_short_rows_are_padded(tmp_path):
    content = "姓名,手机号\n张三,1\n,\n\n李四\n".encode()
    rows = list(table(tmp_path, content).rows())
    assert [(r.number, r.cells) for r in rows] == [(2, ("张三", "1")), (5, ("李四", None))]


def test_rows_are_a_stream_not_a_list(tmp_path):
    t = table(tmp_path, csv_bytes(ROWS, HEAD))
    assert inspect.isgenerator(t.rows())


def test_xlsx_reads_the_first_sheet_or_the_chosen_one_with_dates_and_numbers(tmp_path):
    content = xlsx_bytes([["张三", 13800138000, "zs@example.com", 1200.5, dt.datetime(2026, 3, 1)]],
                         headers=HEAD + ["首次拜访"],
                         sheets={"第二页": (["姓名"], [["王五"]])})
    first = table(tmp_path, content, "leads.xlsx")
    assert first.kind == "xlsx" and first.headers() == HEAD + ["首次拜访"]
    (row,) = list(first.rows())
    assert row.cells == ("张三", 13800138000, "zs@example.com", Decimal("1200.5"), dt.date(2026, 3, 1))
    second = TableFile(first.path, "xlsx", "第二页")
    assert [r.cells for r in second.rows()] == [("王五",)]
    with pytest.raises(FileProblem) as missing:
        TableFile(first.path, "xlsx", "没有").headers()
    assert missing.value.code == "no_sheet" and "第二页" in missing.value.message


def test_the_kind_is_judged_by_the_bytes_not_the_name(tmp_path):
    assert table(tmp_path, xlsx_bytes(ROWS, HEAD), name="leads.csv").kind == "xlsx"
    with pytest.raises(FileProblem) as png:
        table(tmp_path, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, name="leads.csv")
    assert png.value.code == "wrong_format" and "leads.csv" in png.value.message
    with pytest.raises(FileProblem) as xls:
        table(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, name="leads.xls")
    assert xls.value.code == "old_excel"


@pytest.mark.parametrize("content, code", [
    (b"", "empty"),
    (b",,,\n1,2,3\n", "no_header"),
    (("," .join(f"c{i}" for i in range(201)) + "\n").encode(), "too_many_columns"),
    ("姓名,电话,姓名\n".encode(), "duplicate_header"),
])
def test_files_that_cannot_be_imported_say_why(tmp_path, content, code):
    with pytest.raises(FileProblem) as problem:
        table(tmp_path, content).headers()
    assert problem.value.code == code and problem.value.message


def test_text_that_is_neither_utf8_nor_gb18030_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes("姓名\n".encode() + b"\x84\x30\xff\xfe\n")
    with pytest.raises(FileProblem) as problem:
        list(TableFile(path, "csv").rows())
    assert problem.value.code == "encoding" and "CSV UTF-8" in problem.value.message


def test_a_gbk_file_whose_first_megabyte_is_ascii_is_still_read_as_gbk(tmp_path):
    content = ("name,note\n" + "a,b\n" * 400_000 + "张三,备注\n").encode("gbk")
    rows = list(table(tmp_path, content).rows())
    assert rows[-1].cells == ("张三", "备注") and len(rows) == 400_001


def test_excels_sep_hint_line_sets_the_delimiter_and_is_not_a_row(tmp_path):
    t = table(tmp_path, "sep=;\n姓名;手机号\n张三;138\n".encode("utf-8-sig"))
    assert t.headers() == ["姓名", "手机号"]
    assert [(r.number, r.cells) for r in t.rows()] == [(2, ("张三", "138"))]
