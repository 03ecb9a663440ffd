"""The сводная ведомость успеваемости as a document: the year's sheet, each study period's,
then the class's figures per subject (with a chart), from the report builders'
``ProgressSheet`` (``services.reports.progress_sheet``)."""

from __future__ import annotations

from services.reports import charts
from services.reports.domain.metrics import Figures, Standing
from services.reports.progress_sheet import ProgressSheet
from services.reports.rendering.document import (
    Cell,
    Chart,
    Column,
    ColumnFormat,
    Report,
    Section,
    Signatory,
    Table,
)

STANDINGS = {
    Standing.EXCELLENT: "отличник",
    Standing.GOOD: "хорошист",
    Standing.ONE_FOUR: "одна «4»",
    Standing.ONE_THREE: "одна «3»",
    Standing.FAILING: "неуспевающий",
    Standing.OTHER: "",
}
FIGURE_COLUMNS = [
    Column("N", ColumnFormat.INTEGER),
    Column("«5»", ColumnFormat.INTEGER),
    Column("«4»", ColumnFormat.INTEGER),
    Column("«3»", ColumnFormat.INTEGER),
    Column("«2»", ColumnFormat.INTEGER),
    Column("н/а", ColumnFormat.INTEGER),
    Column("осв", ColumnFormat.INTEGER),
    Column("Успеваемость", ColumnFormat.PERCENT),
    Column("Качество знаний", ColumnFormat.PERCENT),
    Column("СОУ", ColumnFormat.PERCENT),
    Column("Средний балл", ColumnFormat.DECIMAL),
]


def figure_cells(f: Figures) -> list[Cell]:
    return [
        f.n,
        f.n5,
        f.n4,
        f.n3,
        f.n2,
        f.not_attested,
        f.exempt,
        f.pass_rate,
        f.quality_rate,
        f.learning_level,
        f.average_mark,
    ]


def sheet_section(sheet: ProgressSheet, title: str | None = None) -> Section:
    """Students × subjects: each period mark as the sheet prints it (5, н/а, осв, зач)."""
    columns = [
        Column("№", ColumnFormat.INTEGER),
        Column("Учащийся"),
        *(Column(s.subject_name, ColumnFormat.MARK) for s in sheet.subjects),
        Column("Средний балл", ColumnFormat.DECIMAL),
        Column("Итог"),
    ]
    rows: list[list[Cell]] = []
    for n, row in enumerate(sheet.rows, 1):
        marks: list[Cell] = [
            None if c is None else (c.value if c.special is None and c.value else c.display)
            for c in row.cells
        ]
        rows.append([n, row.student_name, *marks, row.average_mark, STANDINGS[row.standing]])
    return Section(title or sheet.period_name, [Table(columns, rows, key_columns=2)])


def figures_section(sheet: ProgressSheet, title: str) -> Section:
    columns = [Column("Предмет"), *FIGURE_COLUMNS]
    rows: list[list[Cell]] = [
        [f.subject.subject_name, *figure_cells(f.figures)] for f in sheet.figures
    ]
    rows.append(["Все предметы", *figure_cells(sheet.total)])
    chart = Chart(
        f"Успеваемость и качество знаний, {sheet.period_name}",
        charts.rates_by_subject(
            f"{sheet.class_name}: {sheet.period_name}",
            (
                (f.subject.subject_name, f.figures.pass_rate, f.figures.quality_rate)
                for f in sheet.figures
            ),
        ),
    )
    return Section(title, [Table(columns, rows)], [chart] if sheet.figures else [])


def progress_sheet_report(
    year: ProgressSheet,
    terms: list[ProgressSheet],
    *,
    year_name: str,
    organisation: str | None = None,
    signatories: list[Signatory] = (),  # type: ignore[assignment]
) -> Report:
    sections = [sheet_section(year, "Итоговые отметки за год")]
    sections += [sheet_section(term) for term in terms if term.rows]
    sections.append(figures_section(year, "Показатели класса по предметам за год"))
    return Report(
        title=f"Сводная ведомость успеваемости {year.class_name} класса",
        organisation=organisation,
        parameters=[
            ("Учебный год", year_name),
            ("Класс", year.class_name),
            ("Учащихся", str(len(year.rows))),
            ("Год закрыт", year.closed_at.strftime("%d.%m.%Y") if year.closed_at else "нет"),
        ],
        sections=sections,
        signatories=list(signatories),
    )


def school_progress_report(
    classes: list[tuple[ProgressSheet, Report]], *, year_name: str, organisation: str | None
) -> Report:
    """Every class's sheet in one file, in class order, after the school's figures by class
    and their one chart (a chart per class would cost more than the pages it adds)."""
    columns = [Column("Класс"), *FIGURE_COLUMNS]
    rows: list[list[Cell]] = [[year.class_name, *figure_cells(year.total)] for year, _ in classes]
    chart = Chart(
        "Успеваемость и качество знаний по классам, год",
        charts.rates_by_subject(
            "Успеваемость и качество знаний по классам, год",
            ((y.class_name, y.total.pass_rate, y.total.quality_rate) for y, _ in classes),
        ),
    )
    overview = Section("Показатели школы по классам за год", [Table(columns, rows)], [chart])
    sections = [
        Section(f"{year.class_name} — {section.title}", section.tables)
        for year, report in classes
        for section in report.sections
    ]
    return Report(
        title="Сводная ведомость успеваемости школы",
        organisation=organisation,
        parameters=[("Учебный год", year_name), ("Классов", str(len(classes)))],
        sections=[overview, *sections],
    )
