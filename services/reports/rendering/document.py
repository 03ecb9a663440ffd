"""A report as data, before it is a file: a title, parameters, sections of tables and charts.

Every renderer (XLSX, PDF, PDF/A) reads this one shape, so a report is described once and a
new format never touches the reports themselves. Cells stay typed (numbers are numbers) and
each column says how its values read; the renderers decide how that looks in their format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

Cell = str | int | float | Decimal | None


class ColumnFormat(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"  # two places: средний балл
    PERCENT = "percent"  # a percentage 0–100, one place: успеваемость, качество, СОУ
    MARK = "mark"  # 5 … 2 as numbers, «н/а», «осв», «зач» as text; centred


@dataclass(frozen=True)
class Column:
    header: str
    format: ColumnFormat = ColumnFormat.TEXT
    # Width in characters; None sizes the column to its contents.
    width: float | None = None


@dataclass(frozen=True)
class Table:
    columns: list[Column]
    rows: list[list[Cell]]
    title: str | None = None
    # The first columns that name the row (the student): kept in view while scrolling.
    key_columns: int = 1


@dataclass(frozen=True)
class Chart:
    """A Vega-Lite specification: the web client draws it, the PDF embeds its SVG."""

    title: str
    spec: dict[str, Any]


@dataclass(frozen=True)
class Section:
    title: str
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass(frozen=True)
class Signatory:
    position: str  # «Директор», «Классный руководитель»
    name: str


@dataclass(frozen=True)
class Report:
    title: str
    parameters: list[tuple[str, str]] = field(default_factory=list)  # label, value
    sections: list[Section] = field(default_factory=list)
    signatories: list[Signatory] = field(default_factory=list)
    # The school's name in the header of every page.
    organisation: str | None = None


def report_to_json(report: Report) -> dict[str, Any]:
    """The document as plain JSON (decimals as strings): what the archive keeps and attaches."""

    def cell(value: Cell) -> Any:
        return str(value) if isinstance(value, Decimal) else value

    return {
        "title": report.title,
        "organisation": report.organisation,
        "parameters": [[k, v] for k, v in report.parameters],
        "sections": [
            {
                "title": s.title,
                "tables": [
                    {
                        "title": t.title,
                        "key_columns": t.key_columns,
                        "columns": [
                            {"header": c.header, "format": c.format.value, "width": c.width}
                            for c in t.columns
                        ],
                        "rows": [[cell(v) for v in row] for row in t.rows],
                    }
                    for t in s.tables
                ],
                "charts": [{"title": c.title, "spec": c.spec} for c in s.charts],
            }
            for s in report.sections
        ],
        "signatories": [{"position": s.position, "name": s.name} for s in report.signatories],
    }


def report_from_json(data: dict[str, Any]) -> Report:
    numeric = (ColumnFormat.DECIMAL, ColumnFormat.PERCENT)

    def cell(value: Any, fmt: ColumnFormat) -> Cell:
        return Decimal(value) if fmt in numeric and isinstance(value, str) else value

    sections = []
    for s in data["sections"]:
        tables = []
        for t in s["tables"]:
            columns = [
                Column(c["header"], ColumnFormat(c["format"]), c.get("width")) for c in t["columns"]
            ]
            rows = [[cell(v, columns[i].format) for i, v in enumerate(row)] for row in t["rows"]]
            tables.append(Table(columns, rows, t.get("title"), t.get("key_columns", 1)))
        charts = [Chart(c["title"], c["spec"]) for c in s["charts"]]
        sections.append(Section(s["title"], tables, charts))
    return Report(
        title=data["title"],
        parameters=[(k, v) for k, v in data["parameters"]],
        sections=sections,
        signatories=[Signatory(s["position"], s["name"]) for s in data["signatories"]],
        organisation=data.get("organisation"),
    )


def display(value: Cell, fmt: ColumnFormat) -> str:
    """A cell as a person reads it in Russian: decimal comma, «—» for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return plain(value)
    if fmt is ColumnFormat.DECIMAL:
        return _comma(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if fmt is ColumnFormat.PERCENT:
        number = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"{_comma(number)} %"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _comma(value)


_CONTROL = str.maketrans({chr(c): None for c in range(32) if c not in (9, 10)} | {0x7F: None})


def plain(value: str) -> str:
    """Text without control characters (a NUL in a name), which no file format keeps."""
    return value.translate(_CONTROL)


def _comma(value: object) -> str:
    return str(value).replace(".", ",")
