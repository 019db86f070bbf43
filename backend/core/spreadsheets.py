"""Spreadsheet files for downloads: XLSX (openpyxl) and CSV that Excel opens as UTF-8."""

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
UTF8_BOM = "\ufeff"
# Text a spreadsheet program may take for a formula (OWASP "CSV injection"), full-width forms
# included: user text starting with one of these is written so that it stays text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _text_in_csv(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _append(sheet, values: Sequence) -> None:
    """Append a row. openpyxl stores a string starting with "=" as a formula: store it as the
    text it is."""
    sheet.append(list(values))
    if values:
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"


def add_table_sheet(
    workbook: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    preamble: Sequence[Sequence] = (),
    footer: Sequence[Sequence] = (),
) -> None:
    """One sheet: optional lines above, a bold header row (frozen), the rows, lines below."""
    sheet = workbook.create_sheet(title[:31])
    for line in preamble:
        _append(sheet, line)
    sheet.append(list(headers))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [max(8, len(str(header)) * 2 + 2) for header in headers]
    for row in rows:
        _append(sheet, row)
        for index, value in enumerate(row):
            widths[index] = min(60, max(widths[index], len(str(value)) + 2))
    for line in footer:
        _append(sheet, line)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)


def new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence], **lines) -> bytes:
    workbook = new_workbook()
    add_table_sheet(workbook, title, headers, rows, **lines)
    return workbook_bytes(workbook)


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte-order mark: without it Excel reads Chinese text as the local code page."""
    buffer = io.StringIO()
    buffer.write(UTF8_BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_text_in_csv(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")
