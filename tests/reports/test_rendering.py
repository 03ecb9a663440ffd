"""Reports as files: the same report read back from its XLSX and its PDF/A."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from types import SimpleNamespace
from uuid import UUID, uuid4

import openpyxl
import pikepdf
import pytest

from services.reports import charts
from services.reports.domain import metrics
from services.reports.periods import Period
from services.reports.progress_sheet import (
    ProgressSheet,
    SheetCell,
    SheetRow,
    SheetSubject,
    SubjectFigures,
    cell,
    result_of,
)
from services.reports.rendering import (
    Attachment,
    Chart,
    Column,
    ColumnFormat,
    Report,
    Section,
    Signatory,
    Table,
    render_pdf,
    render_xlsx,
)
from services.reports.rendering.charts import chart_svg
from services.reports.rendering.document import report_from_json, report_to_json
from services.reports.rendering.progress_sheet import progress_sheet_report

MATHS, RUSSIAN, PE = uuid4(), uuid4(), uuid4()
SUBJECTS = [
    SheetSubject(MATHS, "Математика"),
    SheetSubject(RUSSIAN, "Русский язык"),
    SheetSubject(PE, "Физическая культура"),
]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def mark(subject: UUID, value: int | None, special: str | None = None) -> SheetCell:
    row = SimpleNamespace(
        subject_id=subject, value=value, special=special, average=None, proposed=None
    )
    return cell(row)  # type: ignore[arg-type]


def sheet(period: Period, name: str, grid: dict[str, list[SheetCell | None]]) -> ProgressSheet:
    rows = [
        SheetRow(
            student_id=uuid4(),
            student_name=student,
            cells=cells,
            standing=metrics.standing(result_of(c) for c in cells),
            average_mark=metrics.simple_average(
                c.value for c in cells if c is not None and c.value is not None
            ),
        )
        for student, cells in sorted(grid.items())
    ]
    return ProgressSheet(
        school_id=uuid4(),
        school_class_id=uuid4(),
        class_name="7Б",
        period=period,
        period_name=name,
        closed_at=datetime(2026, 6, 20, 9, 0, tzinfo=UTC),
        subjects=SUBJECTS,
        rows=rows,
        figures=[
            SubjectFigures(s, metrics.figures(result_of(r.cells[i]) for r in rows))
            for i, s in enumerate(SUBJECTS)
        ],
        total=metrics.figures(result_of(c) for r in rows for c in r.cells),
    )


def sheet_report() -> Report:
    """Four students; year marks in maths 5, 4, 3, н/а; Russian 5, 5, 2, 4; PE зач, зач, осв."""
    year = Period(uuid4())
    year_sheet = sheet(
        year,
        "2025/2026 учебный год",
        {
            "Яковлев Ян": [mark(MATHS, 5), mark(RUSSIAN, 5), mark(PE, None, "pass")],
            "Абрамова Анна": [mark(MATHS, 4), mark(RUSSIAN, 5), mark(PE, None, "pass")],
            "=СУММ(A1:A9)": [mark(MATHS, 3), mark(RUSSIAN, 2), mark(PE, None, "exempt")],
            "Борисов\x00 Борис": [mark(MATHS, None, "not_attested"), mark(RUSSIAN, 4), None],
        },
    )
    term = sheet(
        Period(year.academic_year_id, uuid4()),
        "1 четверть",
        {"Яковлев Ян": [mark(MATHS, 4), None, None]},
    )
    return progress_sheet_report(
        year_sheet,
        [term],
        year_name="2025/2026",
        organisation="МАОУ СОШ № 1 г. Томска",
        signatories=[Signatory("Директор", "Петров П. П.")],
    )


def test_xlsx_keeps_the_header_in_view_numbers_as_numbers_and_text_as_text() -> None:
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(sheet_report())))
    assert book.sheetnames == [
        "Итоговые отметки за год",
        "1 четверть",
        "Показатели класса по предмет",
    ]
    year = book["Итоговые отметки за год"]
    header = next(r for r in range(1, 12) if year.cell(r, 2).value == "Учащийся")
    assert year.freeze_panes == f"C{header + 1}"  # the header row and № + name stay in view
    headers = [year.cell(header, c).value for c in range(1, 6)]
    assert headers == ["№", "Учащийся", "Математика", "Русский язык", "Физическая культура"]
    rows = {
        year.cell(r, 2).value: [year.cell(r, c) for c in range(3, 6)]
        for r in range(header + 1, header + 5)
    }
    # Sorted by name; a formula-looking name is a string, not a formula.
    assert list(rows) == ["=СУММ(A1:A9)", "Абрамова Анна", "Борисов Борис", "Яковлев Ян"]
    formula = rows["=СУММ(A1:A9)"]
    assert year.cell(header + 1, 2).data_type == "s"
    assert formula[0].value == 3 and formula[0].data_type == "n"
    assert formula[1].value == 2 and formula[2].value == "осв"
    assert rows["Борисов Борис"][0].value == "н/а"
    assert year.column_dimensions["B"].width >= len("Абрамова Анна")
    figures = book["Показатели класса по предмет"]
    head = next(r for r in range(1, 12) if figures.cell(r, 1).value == "Предмет")
    maths = next(r for r in range(head, head + 4) if figures.cell(r, 1).value == "Математика")
    quality = figures.cell(maths, 10)
    assert figures.cell(head, 10).value == "Качество знаний"
    # N = 4 (н/а counted), «5» and «4» make quality: 50 %, a number shown as a percentage.
    assert figures.cell(maths, 2).value == 4
    assert quality.value == pytest.approx(0.5) and quality.number_format == "0.0%"


def test_pdf_a_is_identified_embeds_its_fonts_and_carries_its_attachments() -> None:
    report = sheet_report()
    workbook = render_xlsx(report)
    data = b'{"class": "7\xd0\x91"}'
    pdf = render_pdf(
        report,
        archival=True,
        attachments=[
            Attachment("sheet.xlsx", workbook, XLSX_MIME, "Ведомость в XLSX"),
            Attachment("data.json", data, "application/json", "Данные ведомости"),
        ],
    )
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        meta = doc.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "U")
        attached = {name: spec.get_file().read_bytes() for name, spec in doc.attachments.items()}
        assert attached == {"sheet.xlsx": workbook, "data.json": data}
        fonts = list(_fonts(doc))
        assert fonts, "the sheet has text, so it has fonts"
        for name, font in fonts:
            assert _embedded(font), f"{name} is not embedded"


def test_pdf_renders_control_characters_and_markup_like_names_as_plain_text() -> None:
    report = Report(
        title="Проверка #strong[x] $y$ \\ [z]",
        sections=[
            Section(
                "Раздел",
                [
                    Table(
                        [Column("Имя"), Column("Балл", ColumnFormat.DECIMAL)], [["a\x00b #x", 4.5]]
                    )
                ],
            )
        ],
    )
    pdf = render_pdf(report)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == 1
        assert str(doc.docinfo.get("/Title")) == "Проверка #strong[x] $y$ \\ [z]"


def test_a_chart_is_drawn_server_side_and_lands_in_the_pdf() -> None:
    chart = Chart(
        "Качество знаний",
        charts.counts("Качество знаний", "предмет", {"Математика": 50, "Русский язык": 75}),
    )
    svg = chart_svg(chart)
    assert svg.startswith("<svg") and "Математика" in svg
    with_chart = render_pdf(Report("Отчёт", sections=[Section("Графики", charts=[chart])]))
    without = render_pdf(Report("Отчёт", sections=[Section("Графики")]))
    assert _drawn(with_chart) > _drawn(without) + 10  # bars, axes and ticks are vector paths


def _drawn(pdf: bytes) -> int:
    """Path fills and strokes on every page, their forms included; the pages must be one."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == 1, "a chart fits on the page it starts"
        ops = [op for _, op in pikepdf.parse_content_stream(doc.pages[0])]
        forms = list((doc.pages[0].Resources.get("/XObject") or {}).values())
        while forms:
            form = forms.pop()
            if form.get("/Subtype") == "/Form":
                ops += [op for _, op in pikepdf.parse_content_stream(form)]
                forms += list((form.get("/Resources", {}).get("/XObject") or {}).values())
    return sum(str(op) in ("f", "f*", "S", "B", "re") for op in ops)


def _fonts(doc: pikepdf.Pdf):  # type: ignore[no-untyped-def]
    seen: set[tuple[int, int]] = set()

    def walk(resources):  # type: ignore[no-untyped-def]
        for name, font in (resources.get("/Font") or {}).items():
            if font.objgen not in seen:
                seen.add(font.objgen)
                yield name, font
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Resources") is not None:
                yield from walk(xobject.Resources)

    for page in doc.pages:
        yield from walk(page.Resources)


def _embedded(font: pikepdf.Dictionary) -> bool:
    descriptor = (
        font.DescendantFonts[0].get("/FontDescriptor")
        if "/DescendantFonts" in font
        else font.get("/FontDescriptor")
    )
    return descriptor is not None and any(
        k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def test_a_document_read_back_from_its_json_renders_the_same_workbook() -> None:
    report = sheet_report()
    again = report_from_json(json.loads(json.dumps(report_to_json(report))))
    assert again == report
    created = datetime(2026, 6, 20, 9, 0)
    assert render_xlsx(again, created=created) == render_xlsx(report, created=created)
