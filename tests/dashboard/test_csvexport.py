"""The one CSV writer (core.csvexport): formulas neutralised, numbers kept, UTF-8 with a BOM."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from core.csvexport import csv_cell, csv_response, csv_rows


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-1.5", "-1.5"),  # a plain negative number stays a number
        ("-3", "-3"),
        ("1e-3", "1e-3"),
        ("王小明", "王小明"),
        ("a=b", "a=b"),  # only the first character matters
        ("", ""),
    ],
)
def test_csv_cell_neutralises_text_that_a_spreadsheet_would_run(value: str, written: str) -> None:
    assert csv_cell(value) == written


def test_csv_cell_keeps_numbers_and_none() -> None:
    assert csv_cell(-2) == -2 and csv_cell(Decimal("-3.83")) == Decimal("-3.83") and csv_cell(-0.5) == -0.5
    assert csv_cell(None) == "" and csv_cell(True) == "true"


def test_csv_rows_round_trip_with_bom_and_chinese() -> None:
    text = csv_rows([["name", "score"], ["=cmd", Decimal("-1.25")], ["李雷", 3]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [["name", "score"], ["'=cmd", "-1.25"], ["李雷", "3"]]


def test_csv_response_is_an_attachment_with_a_safe_filename() -> None:
    response = csv_response([["a"]], filename='x"; y.csv')
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x___y.csv"'
    assert response.content.decode("utf-8-sig") == "a\r\n"
