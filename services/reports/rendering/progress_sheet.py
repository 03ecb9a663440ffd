"""The сводная ведомость успеваемости as a report: students × subjects for the year and for
each study period, and the class's figures per subject with a chart.

Built from the progress summary projection (``progress_summary.Summary``); the names of the
students come from the caller (the archive freezes them as of the year's closing).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from services.reports.progress_summary import Summary, SummaryMark
from services.reports.rendering.charts import bar_chart
from services.reports.rendering.document import (
    Cell,
    Column,
    ColumnFormat,
    Report,
    Section,
    Signatory,
    Table,
)

YEAR_KINDS = ("year", "final")


@dataclass(frozen=True)
class SubjectFigures:
    """One subject's figures over the marks of one column (DOMAIN.md, «Quality figures»)."""

    subject: str
    n: int  # N: marked students, «н/а» included, «осв» not
    counts: dict[str, int]  # "5", "4", "3", "2", "н/а", "зач", "незач", "осв"
    pass_rate: Decimal | None
    quality_rate: Decimal | None
    learning_level: Decimal | None
    average_mark: Decimal | None


def subject_figures(subject: str, marks: list[SummaryMark]) -> SubjectFigures:
    counts = Counter(m.display for m in marks)
    n5, n4, n3, n2 = (counts[str(v)] for v in (5, 4, 3, 2))
    n_na, passed, failed = counts["н/а"], counts["зач"], counts["незач"]
    n = n5 + n4 + n3 + n2 + n_na + passed + failed
    values = [m.value for m in marks if m.value is not None and m.special is None]

    def pct(numerator: int, denominator: int) -> Decimal | None:
        if denominator == 0:
            return None
        return (Decimal(numerator * 100) / denominator).quantize(Decimal("0.1"), ROUND_HALF_UP)

    graded = n5 + n4 + n3 + n2 + n_na
    return SubjectFigures(
        subject=subject,
        n=n,
        counts=dict(counts),
        pass_rate=pct(n5 + n4 + n3 + passed, n),
        quality_rate=pct(n5 + n4, graded) if graded else None,
        learning_level=(
            (Decimal(100 * n5 + 64 * n4 + 36 * n3 + 16 * n2 + 7 * n_na) / graded).quantize(
                Decimal("0.1"), ROUND_HALF_UP
            )
            if graded
            else None
        ),
        average_mark=(
            (Decimal(sum(values)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if values
            else None
        ),
    )


def progress_sheet_report(
    summary: Summary,
    *,
    class_name: str,
    year_name: str,
    student_names: dict[UUID, str],
    organisation: str | None = None,
    signatories: list[Signatory] = (),  # type: ignore[assignment]
) -> Report:
    subjects = sorted({(m.subject_name, m.subject_id) for r in summary.rows for m in r.marks})
    rows = sorted(
        summary.rows,
        key=lambda r: (student_names.get(r.student_id, "").lower(), str(r.student_id)),
    )

    def name(student_id: UUID) -> str:
        return student_names.get(student_id) or f"Учащийся {str(student_id)[:8]}"

    def grid(pick: list[SummaryMark | None]) -> list[Cell]:
        return [mark_cell(m) for m in pick]

    def year_mark(marks: list[SummaryMark], subject_id: UUID) -> SummaryMark | None:
        found = {m.kind: m for m in marks if m.subject_id == subject_id and m.kind in YEAR_KINDS}
        return found.get("final") or found.get("year")

    columns = [Column("№", ColumnFormat.INTEGER), Column("Учащийся")] + [
        Column(s, ColumnFormat.MARK) for s, _ in subjects
    ]
    sections: list[Section] = []
    year_rows = [
        [n, name(r.student_id), *grid([year_mark(r.marks, sid) for _, sid in subjects])]
        for n, r in enumerate(rows, 1)
    ]
    sections.append(Section("Итоговые отметки за год", [Table(columns, year_rows, key_columns=2)]))
    periods = sorted(
        {
            (m.study_period_name or "", m.study_period_id)
            for r in rows
            for m in r.marks
            if m.kind == "term"
        },
        key=lambda p: p[0],
    )
    for period_name, period_id in periods:
        period_rows = []
        for n, r in enumerate(rows, 1):
            by_subject = {
                m.subject_id: m
                for m in r.marks
                if m.kind == "term" and m.study_period_id == period_id
            }
            period_rows.append(
                [n, name(r.student_id), *grid([by_subject.get(s) for _, s in subjects])]
            )
        sections.append(
            Section(period_name or "Учебный период", [Table(columns, period_rows, key_columns=2)])
        )

    figures = [
        subject_figures(subject, [m for r in rows if (m := year_mark(r.marks, sid)) is not None])
        for subject, sid in subjects
    ]
    sections.append(_figures_section(figures))
    return Report(
        title=f"Сводная ведомость успеваемости {class_name} класса",
        organisation=organisation,
        parameters=[
            ("Учебный год", year_name),
            ("Класс", class_name),
            ("Учащихся", str(len(rows))),
            ("Год закрыт", summary.closed_at.strftime("%d.%m.%Y") if summary.closed_at else "нет"),
        ],
        sections=sections,
        signatories=list(signatories),
    )


def mark_cell(mark: SummaryMark | None) -> Cell:
    if mark is None:
        return None
    if mark.special is None and mark.value is not None:
        return mark.value
    return mark.display


def _figures_section(figures: list[SubjectFigures]) -> Section:
    counted = ("5", "4", "3", "2", "н/а", "зач", "незач", "осв")
    columns = [
        Column("Предмет"),
        Column("N", ColumnFormat.INTEGER),
        *(Column(f"«{c}»", ColumnFormat.INTEGER) for c in counted),
        Column("Успеваемость", ColumnFormat.PERCENT),
        Column("Качество знаний", ColumnFormat.PERCENT),
        Column("СОУ", ColumnFormat.PERCENT),
        Column("Средний балл", ColumnFormat.DECIMAL),
    ]
    rows: list[list[Cell]] = [
        [
            f.subject,
            f.n,
            *(f.counts.get(c, 0) for c in counted),
            f.pass_rate,
            f.quality_rate,
            f.learning_level,
            f.average_mark,
        ]
        for f in figures
    ]
    chart_values = [
        {"subject": f.subject, "figure": label, "value": float(value)}
        for f in figures
        for label, value in (("Успеваемость", f.pass_rate), ("Качество знаний", f.quality_rate))
        if value is not None
    ]
    charts = (
        [
            bar_chart(
                "Успеваемость и качество знаний по предметам, %",
                chart_values,
                category=("subject", "Предмет"),
                measure=("value", "%"),
                series=("figure", "Показатель"),
            )
        ]
        if chart_values
        else []
    )
    return Section("Показатели класса по предметам (год)", [Table(columns, rows)], charts)


def school_progress_report(
    class_reports: list[tuple[str, Report]], *, year_name: str, organisation: str | None
) -> Report:
    """Every class's sheet in one file (a section per class and part), in class order."""
    sections = [
        Section(f"{class_name} — {section.title}", section.tables, section.charts)
        for class_name, report in class_reports
        for section in report.sections
    ]
    return Report(
        title="Сводная ведомость успеваемости школы",
        organisation=organisation,
        parameters=[("Учебный год", year_name), ("Классов", str(len(class_reports)))],
        sections=sections,
    )
