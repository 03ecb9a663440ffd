"""A report as an XLSX workbook (XlsxWriter): one sheet per section, Russian labels.

Each table's header row and key columns stay frozen, columns are sized to their contents,
numbers stay numbers (with the column's number format) and text is always written as text,
so a student named «=СУММ(…)» is never a formula.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from services.reports.rendering.charts import chart_png
from services.reports.rendering.document import Cell, ColumnFormat, Report, Table, display, plain

MAX_WIDTH = 48
MIN_WIDTH = 4
NUMBER_FORMATS = {
    ColumnFormat.INTEGER: "0",
    ColumnFormat.DECIMAL: "0.00",
    ColumnFormat.PERCENT: "0.0%",
    ColumnFormat.MARK: "0",
}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def render_xlsx(report: Report, *, created: datetime | None = None, charts: bool = True) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    properties: dict[str, Any] = {"title": report.title[:255]}
    if created is not None:  # a fixed date makes the same data the same bytes
        properties["created"] = created
    workbook.set_properties(properties)
    styles = _Styles(workbook)
    used: set[str] = set()
    for index, section in enumerate(report.sections or [None]):
        sheet = workbook.add_worksheet(_sheet_name(section.title if section else "", index, used))
        row = _heading(sheet, styles, report, section.title if section else None)
        if section is None:
            continue
        first = True
        for table in section.tables:
            row = _table(sheet, styles, table, row, freeze=first)
            first = False
        if charts:
            for chart in section.charts:
                sheet.write_string(row, 0, plain(chart.title), styles.bold)
                sheet.insert_image(
                    row + 1, 0, f"{chart.title}.png", {"image_data": io.BytesIO(chart_png(chart))}
                )
                row += 24
    workbook.close()
    return buffer.getvalue()


class _Styles:
    def __init__(self, workbook: Workbook) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.bold = workbook.add_format({"bold": True})
        self.header = workbook.add_format(
            {
                "bold": True,
                "text_wrap": True,
                "valign": "vcenter",
                "align": "center",
                "border": 1,
                "bg_color": "#E8EEF7",
            }
        )
        self.text = workbook.add_format({"border": 1})
        self.mark_text = workbook.add_format({"border": 1, "align": "center"})
        self.numbers = {
            fmt: workbook.add_format(
                {"border": 1, "num_format": num, **({"align": "center"} if fmt == "mark" else {})}
            )
            for fmt, num in NUMBER_FORMATS.items()
        }


def _heading(sheet: Worksheet, styles: _Styles, report: Report, section: str | None) -> int:
    row = 0
    if report.organisation:
        sheet.write_string(row, 0, plain(report.organisation))
        row += 1
    sheet.write_string(row, 0, plain(report.title), styles.title)
    row += 1
    if section:
        sheet.write_string(row, 0, plain(section), styles.bold)
        row += 1
    for label, value in report.parameters:
        sheet.write_string(row, 0, plain(f"{label}: {value}"))
        row += 1
    return row + 1


def _table(sheet: Worksheet, styles: _Styles, table: Table, row: int, *, freeze: bool) -> int:
    if table.title:
        sheet.write_string(row, 0, plain(table.title), styles.bold)
        row += 1
    header_row = row
    for col, column in enumerate(table.columns):
        sheet.write_string(row, col, plain(column.header), styles.header)
    row += 1
    for values in table.rows:
        for col, column in enumerate(table.columns):
            _cell(
                sheet, styles, row, col, values[col] if col < len(values) else None, column.format
            )
        row += 1
    for col, column in enumerate(table.columns):
        sheet.set_column(col, col, column.width or _fit(table, col))
    if freeze:
        sheet.freeze_panes(header_row + 1, min(table.key_columns, len(table.columns)))
    return row + 1


def _cell(sheet: Worksheet, styles: _Styles, row: int, col: int, value: Cell, fmt: ColumnFormat):  # type: ignore[no-untyped-def]
    if isinstance(value, bool):
        value = "да" if value else "нет"
    if value is None or isinstance(value, str) or fmt is ColumnFormat.TEXT:
        text = "" if value is None else display(value, fmt)
        style = styles.mark_text if fmt is ColumnFormat.MARK else styles.text
        sheet.write_string(row, col, text, style)
        return
    number = float(value) if isinstance(value, Decimal) else value
    if fmt is ColumnFormat.PERCENT:
        number = number / 100
    sheet.write_number(row, col, number, styles.numbers[fmt])


def _fit(table: Table, col: int) -> float:
    column = table.columns[col]
    longest = max((len(w) for w in column.header.split()), default=0)
    for values in table.rows:
        if col < len(values):
            longest = max(longest, len(display(values[col], column.format)))
    return float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2)))


def _sheet_name(title: str, index: int, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    base = _SHEET_FORBIDDEN.sub(" ", title).strip().strip("'")[:28] or f"Лист {index + 1}"
    name, n = base, 2
    while name.lower() in used:
        name = f"{base[:27]} {n}"
        n += 1
    used.add(name.lower())
    return name
