"""The year's сводная ведомость of a 1,000-student school as files: XLSX and PDF/A.

Generated data, written straight into reports' projections: 40 classes of 25 students, 15
subjects, four quarters and the year (75,000 period marks, a few н/а and осв). Each run builds
the school-wide report from the database (the same ``build_report`` a job runs), then renders
it; the targets are XLSX ≤ 10 s and PDF/A ≤ 20 s on the 2-core machine. The baseline is one
hand-written SQL query reading the same rows.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import asyncpg

from services.kernel.db import Database
from services.reports.jobs import ReportKind, ReportParameters, build_report
from services.reports.rendering import render_pdf, render_xlsx
from tests.support import Infra, asyncpg_dsn

RUNS = 3
CLASSES, STUDENTS_PER_CLASS = 40, 25
SUBJECTS = [
    "Русский язык", "Литература", "Иностранный язык", "Алгебра", "Геометрия", "Информатика",
    "История", "Обществознание", "География", "Биология", "Физика", "Химия", "Музыка",
    "Физическая культура", "Основы безопасности и защиты Родины",
]  # fmt: skip
LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов"]
FIRST = ["Александр", "Максим", "Артём", "Михаил", "Иван", "Даниил", "Кирилл", "Егор", "Лев"]


async def _seed(url: str) -> tuple[UUID, UUID]:
    rng = random.Random(7)
    school, year = uuid4(), uuid4()
    starts = (date(2025, 9, 1), date(2025, 11, 5), date(2026, 1, 12), date(2026, 4, 1))
    periods = [(uuid4(), f"{n} четверть", day) for n, day in enumerate(starts, 1)]
    subjects = [(uuid4(), name) for name in SUBJECTS]
    now = datetime.now(UTC)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "INSERT INTO school_name VALUES ($1, 'МАОУ СОШ № 1000 г. Томска')", school
        )
        await conn.execute(
            "INSERT INTO academic_year (academic_year_id, school_id, name, starts_on, ends_on)"
            " VALUES ($1, $2, '2025/2026', '2025-09-01', '2026-05-31')",
            year,
            school,
        )
        await conn.executemany(
            "INSERT INTO study_period (study_period_id, school_id, academic_year_id, name,"
            " starts_on, ends_on) VALUES ($1, $2, $3, $4, $5, $5)",
            [(p, school, year, name, day) for p, name, day in periods],
        )
        classes, persons, marks = [], [], []
        for c in range(CLASSES):
            class_id = uuid4()
            grade, letter = 1 + c // 4, "АБВГ"[c % 4]
            classes.append((class_id, school, year, grade, letter, f"{grade}{letter}"))
            for s in range(STUDENTS_PER_CLASS):
                student = uuid4()
                n = c * STUDENTS_PER_CLASS + s
                persons.append(
                    (student, school, "student", f"{LAST[n % 8]}{n}", FIRST[n % 9], "Петрович")
                )
                strength = rng.choice((3, 4, 4, 5, 5))
                for subject_id, subject_name in subjects:
                    for period_id, period_name, _ in [*periods, (None, None, None)]:
                        value = max(2, min(5, strength + rng.choice((-1, 0, 0, 0, 1))))
                        special = None
                        roll = rng.random()
                        if roll < 0.01:
                            value, special = None, "not_attested"
                        elif roll < 0.02:
                            value, special = None, "exempt"
                        marks.append(
                            (uuid4(), school, year, period_id, period_name,
                             "term" if period_id else "year", class_id, subject_id,
                             subject_name, student, value, special, False, now)
                        )  # fmt: skip
        await conn.copy_records_to_table(
            "school_class",
            records=classes,
            columns=["school_class_id", "school_id", "academic_year_id", "grade_level", "letter",
                     "name"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "person",
            records=persons,
            columns=["person_id", "school_id", "kind", "last_name", "first_name", "middle_name"],
        )
        await conn.copy_records_to_table(
            "progress_summary_mark",
            records=marks,
            columns=["period_mark_id", "school_id", "academic_year_id", "study_period_id",
                     "study_period_name", "kind", "school_class_id", "subject_id",
                     "subject_name", "student_id", "value", "special", "removed", "event_at"],
        )  # fmt: skip
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return school, year


async def run(infra: Infra) -> None:
    url = await infra.fresh_database("reports")
    school, year = await _seed(url)
    db = Database.connect(url)
    params = ReportParameters(year)
    builds, xlsx_times, pdf_times, baselines = [], [], [], []
    # CPU time beside wall time: on a shared machine the wall clock counts the neighbours too.
    xlsx_cpu: list[float] = []
    pdf_cpu: list[float] = []
    loop_stalls: list[float] = []
    xlsx = pdf = b""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for _ in range(RUNS):
            started = time.perf_counter()
            rows = await conn.fetch(
                "SELECT m.school_class_id, m.student_id, p.last_name, m.subject_name, m.kind,"
                " m.study_period_name, m.value, m.special FROM progress_summary_mark m"
                " JOIN person p ON p.person_id = m.student_id"
                " WHERE m.school_id = $1 AND m.academic_year_id = $2 AND NOT m.removed",
                school,
                year,
            )
            baselines.append(time.perf_counter() - started)
            started = time.perf_counter()
            async with db.sessionmaker() as session:
                report, _ = await build_report(
                    session, school, ReportKind.PROGRESS_SUMMARY_SCHOOL, params
                )
            builds.append(time.perf_counter() - started)
            started, cpu = time.perf_counter(), time.process_time()
            xlsx = render_xlsx(report)
            xlsx_times.append(time.perf_counter() - started)
            xlsx_cpu.append(time.process_time() - cpu)
            started, cpu = time.perf_counter(), time.process_time()
            # In a thread, as a job renders: the event loop (the API) keeps its turns.
            ticks = asyncio.create_task(_ticker(stalls := []))
            pdf = await asyncio.to_thread(render_pdf, report, archival=True, tagged=False)
            ticks.cancel()
            pdf_times.append(time.perf_counter() - started)
            pdf_cpu.append(time.process_time() - cpu)
            loop_stalls.append(max(stalls, default=0.0))
    finally:
        await conn.close()
        await db.dispose()
    cells = sum(len(r) for s in report.sections for t in s.tables for r in t.rows)
    print(
        f"school of {CLASSES * STUDENTS_PER_CLASS} students, {len(rows)} period marks; "
        f"report: {len(report.sections)} sections, {cells} cells"
    )
    for label, times in (
        ("one SQL query over the same rows (baseline)", baselines),
        ("build the report from the database", builds),
        ("render XLSX (target ≤ 10 s)", xlsx_times),
        ("render PDF/A-3 (target ≤ 20 s)", pdf_times),
    ):
        print(f"  {label:<46} median {statistics.median(times):7.2f} s  (runs: "
              + ", ".join(f"{t:.2f}" for t in times) + ")")  # fmt: skip
    print(
        f"  CPU of this process: XLSX median {statistics.median(xlsx_cpu):.2f} s, "
        f"PDF/A median {statistics.median(pdf_cpu):.2f} s"
    )
    print(
        "  longest event-loop stall while the PDF rendered in a thread: "
        + ", ".join(f"{s * 1000:.0f} ms" for s in loop_stalls)
    )
    print(f"  XLSX {len(xlsx) / 1e6:.1f} MB, PDF/A {len(pdf) / 1e6:.1f} MB")


async def _ticker(stalls: list[float], every: float = 0.01) -> None:
    last = time.perf_counter()
    while True:
        await asyncio.sleep(every)
        now = time.perf_counter()
        stalls.append(now - last - every)
        last = now
