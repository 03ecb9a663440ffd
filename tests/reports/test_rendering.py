"""Reports as files: the same report read back from its XLSX and its PDF/A."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import openpyxl
import pikepdf
import pytest

from services.reports.progress_summary import Summary, SummaryMark, SummaryRow
from services.reports.rendering import (
    Attachment,
    Column,
    ColumnFormat,
    Report,
    Section,
    Signatory,
    Table,
    render_pdf,
    render_xlsx,
)
from services.reports.rendering.charts import bar_chart, chart_svg
from services.reports.rendering.progress_sheet import progress_sheet_report, subject_figures

MATHS, RUSSIAN, PE = uuid4(), uuid4(), uuid4()
TERM1, TERM2 = uuid4(), uuid4()
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def mark(
    subject: UUID, name: str, kind: str, value: int | None, special: str | None = None, period=None
) -> SummaryMark:
    period_name = {TERM1: "1 четверть", TERM2: "2 четверть"}.get(period)
    return SummaryMark(subject, name, kind, period, period_name, value, special, None, None)


def sample_summary() -> tuple[Summary, dict[UUID, str]]:
    """Four students; year marks in maths 5, 4, 3, н/а; Russian 5, 5, 2, 4; PE зач, зач, осв."""
    ids = [uuid4() for _ in range(4)]
    maths = [(5, None), (4, None), (3, None), (None, "not_attested")]
    russian = [(5, None), (5, None), (2, None), (4, None)]
    pe = [(None, "pass"), (None, "pass"), (None, "exempt"), None]
    rows = []
    for i, student in enumerate(ids):
        marks = [
            mark(MATHS, "Математика", "year", *maths[i]),
            mark(MATHS, "Математика", "term", 4, period=TERM1),
            mark(RUSSIAN, "Русский язык", "year", *russian[i]),
            mark(RUSSIAN, "Русский язык", "term", 3, period=TERM2),
        ]
        if pe[i] is not None:
            marks.append(mark(PE, "Физическая культура", "year", *pe[i]))
        rows.append(SummaryRow(student, marks))
    names = dict(
        zip(ids, ["Яковлев Ян", "Абрамова Анна", "=СУММ(A1:A9)", "Борисов\x00 Борис"], strict=True)
    )
    closed = datetime(2026, 6, 20, 9, 0, tzinfo=UTC)
    return Summary(uuid4(), uuid4(), closed, rows), names


def sheet_report() -> Report:
    summary, names = sample_summary()
    return progress_sheet_report(
        summary,
        class_name="7Б",
        year_name="2025/2026",
        student_names=names,
        organisation="МАОУ СОШ № 1 г. Томска",
        signatories=[Signatory("Директор", "Петров П. П.")],
    )


def test_class_figures_follow_the_sgo_formulas_with_na_in_n_and_exempt_out() -> None:
    summary, _ = sample_summary()
    maths = [m for r in summary.rows for m in r.marks if m.subject_id == MATHS and m.kind == "year"]
    f = subject_figures("Математика", maths)
    # N = 4 (н/а counted); 5, 4, 3 pass; 5, 4 are quality; СОУ = (100+64+36+7)/4.
    assert f.n == 4
    assert f.pass_rate == Decimal("75.0")
    assert f.quality_rate == Decimal("50.0")
    assert f.learning_level == Decimal("51.8")
    assert f.average_mark == Decimal("4.00")
    pe = [m for r in summary.rows for m in r.marks if m.subject_id == PE]
    f = subject_figures("Физическая культура", pe)
    assert f.n == 2 and f.pass_rate == Decimal("100.0")  # «осв» leaves N
    assert f.quality_rate is None and f.learning_level is None


def test_xlsx_keeps_the_header_in_view_numbers_as_numbers_and_text_as_text() -> None:
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(sheet_report())))
    assert book.sheetnames == [
        "Итоговые отметки за год",
        "1 четверть",
        "2 четверть",
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
    quality = figures.cell(maths, 12)
    assert figures.cell(head, 12).value == "Качество знаний"
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
    chart = bar_chart(
        "Качество знаний",
        [{"s": "Математика", "v": 50.0}, {"s": "Русский язык", "v": 75.0}],
        category=("s", "Предмет"),
        measure=("v", "%"),
    )
    svg = chart_svg(chart)
    assert svg.startswith("<svg") and "Математика" in svg
    with_chart = render_pdf(Report("Отчёт", sections=[Section("Графики", charts=[chart])]))
    without = render_pdf(Report("Отчёт", sections=[Section("Графики")]))
    assert _drawn(with_chart) > _drawn(without) + 10  # bars, axes and ticks are vector paths


def _drawn(pdf: bytes) -> int:
    """Path fills and strokes on the first page, its forms included."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        ops = [op for _, op in pikepdf.parse_content_stream(doc.pages[0])]
        for xobject in (doc.pages[0].Resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form":
                ops += [op for _, op in pikepdf.parse_content_stream(xobject)]
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
