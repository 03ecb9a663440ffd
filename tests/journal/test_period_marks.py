"""Term and year marks through the journal subgraph: sheets, proposals, who sets and who reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select, update

from services.journal.models import (
    Assignment,
    AssignmentType,
    Lesson,
    Mark,
    PeriodMarkHistory,
    Subgroup,
    SubgroupMember,
    TeachingLoad,
)
from tests.journal.periods_world import RECORD, PeriodsWorld, code_of, data, periods_world
from tests.support import Infra, eventually

SHEET = """query($c: ID!, $s: ID!, $p: ID!) {
  periodMarkSheet(schoolClassId: $c, subjectId: $s, studyPeriodId: $p) {
    kind closed thresholds { five four three } subject { name }
    rows { student { id } marksCount average proposed differsFromProposal mark { value display } }
  }
}"""
YEAR_SHEET = """query($c: ID!, $s: ID!, $y: ID!) {
  yearMarkSheet(schoolClassId: $c, subjectId: $s, academicYearId: $y) {
    kind rows { student { id } marksCount average proposed mark { value } }
  }
}"""
OWN = """query($s: ID!, $y: ID!) {
  periodMarks(studentId: $s, academicYearId: $y) { kind value special display subject { name } }
}"""
REMOVE = "mutation($id: ID!) { removePeriodMark(input: {periodMarkId: $id}) }"


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[PeriodsWorld]:
    async with periods_world(infra) as w:
        ids = w.ids
        for lesson, student, value in (
            ("lesson_7b", "student", 5),
            ("lesson_7b_2", "student", 4),
            ("lesson_7b", "classmate", 4),
            ("lesson_7b_2", "classmate", 3),
            ("lesson_7b_cancelled", "student", 2),
        ):
            data(await w.gql(RECORD, "teacher", l=str(ids[lesson]), s=str(ids[student]), v=value))
        async with w.svc.runtime.db.sessionmaker() as s, s.begin():
            # The first lesson's marks were a test (weight 3); the third lesson did not take place.
            test_type = await s.scalar(
                select(AssignmentType.id).where(
                    AssignmentType.school_id == w.roster.school_id,
                    AssignmentType.name == "контрольная работа",
                )
            )
            assignment = await s.scalar(
                select(Mark.assignment_id).where(
                    Mark.lesson_id == ids["lesson_7b"], Mark.student_id == ids["student"]
                )
            )
            await s.execute(
                update(Assignment)
                .where(Assignment.id == assignment)
                .values(assignment_type_id=test_type)
            )
            await s.execute(
                update(Lesson).where(Lesson.id == ids["lesson_7b_cancelled"]).values(cancelled=True)
            )
        yield w


def _sheet(w: PeriodsWorld, as_: str, school_class: str = "7Б") -> Any:
    return w.gql(
        SHEET,
        as_,
        c=str(w.ids[school_class]),
        s=str(w.ids["алгебра"]),
        p=str(w.ids["term1"]),
    )


def _row(sheet: dict[str, Any], student_id: UUID) -> dict[str, Any]:
    [row] = [r for r in sheet["rows"] if r["student"]["id"] == str(student_id)]
    return row


async def test_term_sheet_proposes_from_the_weighted_average_of_held_lessons(
    world: PeriodsWorld,
) -> None:
    sheet = data(await _sheet(world, "teacher"))["periodMarkSheet"]
    assert sheet["kind"] == "TERM" and sheet["subject"]["name"] == "алгебра"
    assert sheet["thresholds"] == {"five": "4.65", "four": "3.65", "three": "2.65"}
    # (5·3 + 4·1) / 4 = 4.75 → 5; the cancelled lesson's 2 does not count.
    student = _row(sheet, world.ids["student"])
    assert (student["marksCount"], student["average"], student["proposed"]) == (2, "4.75", 5)
    # The classmate's 4 is on the same test: (4·3 + 3·1) / 4 = 3.75 → 4 (from 3.65).
    classmate = _row(sheet, world.ids["classmate"])
    assert (classmate["average"], classmate["proposed"]) == ("3.75", 4)


async def test_class_teacher_and_administration_read_the_sheet_another_teacher_does_not(
    world: PeriodsWorld,
) -> None:
    assert data(await _sheet(world, "klassruk"))["periodMarkSheet"]["rows"]
    assert data(await _sheet(world, "quality"))["periodMarkSheet"]["rows"]
    assert code_of(await _sheet(world, "other_teacher")) == "FORBIDDEN"
    assert code_of(await _sheet(world, "teacher", "8А")) == "FORBIDDEN"
    assert code_of(await _sheet(world, "student")) == "FORBIDDEN"


async def test_teacher_sets_a_term_mark_that_keeps_the_proposal_of_that_moment(
    world: PeriodsWorld,
) -> None:
    ids = world.ids
    result = await world.set_mark(
        "teacher",
        studentId=ids["student"],
        subjectId=ids["алгебра"],
        kind="TERM",
        studyPeriodId=ids["term1"],
        value=4,
    )
    mark = data(result)["setPeriodMark"]
    assert (mark["value"], mark["average"], mark["proposed"]) == (4, "4.75", 5)
    assert mark["differsFromProposal"] is True and mark["display"] == "4"
    assert mark["academicYearId"] == str(ids["year"])
    assert mark["schoolClass"] == {"id": str(ids["7Б"])}
    sheet = data(await _sheet(world, "teacher"))["periodMarkSheet"]
    row = _row(sheet, ids["student"])
    assert row["mark"] == {"value": 4, "display": "4"} and row["differsFromProposal"] is True

    async def published() -> list[dict[str, Any]]:
        return [
            e
            for e in world.published("journal.period_mark.set")
            if e["payload"]["period_mark_id"] == mark["id"]
        ]

    [event] = await eventually(published)
    p = event["payload"]
    assert p["kind"] == "term" and p["value"] == 4 and p["special"] is None
    assert p["average"] == "4.75" and p["proposed"] == 5
    assert p["subject_name"] == "алгебра" and p["study_period_name"] == "I полугодие"
    assert p["school_class_id"] == str(ids["7Б"]) and p["set_by"] == str(ids["teacher"])

    # Set again: the same mark changes, and both settings are in its history.
    again = await world.set_mark(
        "teacher",
        studentId=ids["student"],
        subjectId=ids["алгебра"],
        kind="TERM",
        studyPeriodId=ids["term1"],
        value=5,
    )
    assert data(again)["setPeriodMark"]["id"] == mark["id"]
    async with world.svc.runtime.db.sessionmaker() as s:
        history = list(
            await s.scalars(
                select(PeriodMarkHistory)
                .where(PeriodMarkHistory.period_mark_id == UUID(mark["id"]))
                .order_by(PeriodMarkHistory.changed_at)
            )
        )
    assert [(h.value_before, h.value_after) for h in history] == [(None, 4), (4, 5)]


async def test_teacher_cannot_set_a_term_mark_in_a_class_they_do_not_teach(
    world: PeriodsWorld,
) -> None:
    ids = world.ids
    result = await world.set_mark(
        "teacher",
        studentId=ids["other_student"],
        subjectId=ids["алгебра"],
        kind="TERM",
        studyPeriodId=ids["term1"],
        value=4,
    )
    assert code_of(result) == "FORBIDDEN"


async def test_a_term_mark_needs_its_period_and_one_of_value_or_special(
    world: PeriodsWorld,
) -> None:
    ids = world.ids
    common = {"studentId": ids["student"], "subjectId": ids["алгебра"]}
    no_period = await world.set_mark("teacher", **common, kind="TERM", value=4)
    assert code_of(no_period) == "VALIDATION"
    both = await world.set_mark(
        "teacher", **common, kind="TERM", studyPeriodId=ids["term1"], value=4, special="PASS"
    )
    assert code_of(both) == "VALIDATION"
    no_year = await world.set_mark("teacher", **common, kind="YEAR", value=4)
    assert code_of(no_year) == "VALIDATION"


async def test_administration_sets_exam_marks_but_not_term_marks(world: PeriodsWorld) -> None:
    ids = world.ids
    common = {"studentId": ids["student"], "subjectId": ids["алгебра"]}
    exam = await world.set_mark(
        "quality", **common, kind="EXAM", academicYearId=ids["year"], value=5
    )
    assert data(exam)["setPeriodMark"]["kind"] == "EXAM"
    term = await world.set_mark(
        "quality", **common, kind="TERM", studyPeriodId=ids["term1"], value=5
    )
    assert code_of(term) == "FORBIDDEN"


async def test_a_special_result_is_shown_by_its_code(world: PeriodsWorld) -> None:
    ids = world.ids
    result = await world.set_mark(
        "teacher",
        studentId=ids["classmate"],
        subjectId=ids["алгебра"],
        kind="TERM",
        studyPeriodId=ids["term1"],
        special="NOT_ATTESTED",
    )
    mark = data(result)["setPeriodMark"]
    assert mark["special"] == "NOT_ATTESTED" and mark["display"] == "н/а"
    assert mark["value"] is None and mark["differsFromProposal"] is False


async def test_year_sheet_averages_the_term_marks(world: PeriodsWorld) -> None:
    ids = world.ids
    data(
        await world.set_mark(
            "teacher",
            studentId=ids["student"],
            subjectId=ids["алгебра"],
            kind="TERM",
            studyPeriodId=ids["term2"],
            value=4,
        )
    )
    await world.set_mark(
        "teacher",
        studentId=ids["student"],
        subjectId=ids["алгебра"],
        kind="TERM",
        studyPeriodId=ids["term1"],
        value=5,
    )
    sheet = data(
        await world.gql(
            YEAR_SHEET, "teacher", c=str(ids["7Б"]), s=str(ids["алгебра"]), y=str(ids["year"])
        )
    )["yearMarkSheet"]
    row = _row(sheet, ids["student"])
    assert sheet["kind"] == "YEAR"
    assert (row["marksCount"], row["average"], row["proposed"]) == (2, "4.50", 4)
    year = await world.set_mark(
        "teacher",
        studentId=ids["student"],
        subjectId=ids["алгебра"],
        kind="YEAR",
        academicYearId=ids["year"],
        value=5,
    )
    mark = data(year)["setPeriodMark"]
    assert (mark["average"], mark["proposed"], mark["differsFromProposal"]) == ("4.50", 4, True)


async def test_students_and_parents_read_their_own_period_marks_only(world: PeriodsWorld) -> None:
    ids = world.ids
    await world.set_mark(
        "teacher",
        studentId=ids["student"],
        subjectId=ids["алгебра"],
        kind="TERM",
        studyPeriodId=ids["term1"],
        value=5,
    )
    for reader in ("student", "parent", "klassruk", "admin"):
        marks = data(await world.gql(OWN, reader, s=str(ids["student"]), y=str(ids["year"])))
        assert any(m["kind"] == "TERM" for m in marks["periodMarks"]), reader
    for stranger in ("classmate", "other_parent"):
        result = await world.gql(OWN, stranger, s=str(ids["student"]), y=str(ids["year"]))
        assert result == {"data": {"periodMarks": []}}, stranger


async def test_removing_a_period_mark_keeps_its_history_and_is_published(
    world: PeriodsWorld,
) -> None:
    ids = world.ids
    mark = data(
        await world.set_mark(
            "klassruk",
            studentId=ids["classmate"],
            subjectId=ids["русский язык"],
            kind="TERM",
            studyPeriodId=ids["term1"],
            value=3,
        )
    )["setPeriodMark"]
    # Not on a sheet the algebra teacher reads: as if there were no such mark.
    assert code_of(await world.gql(REMOVE, "teacher", id=mark["id"])) == "NOT_FOUND"
    assert (
        data(await world.gql(REMOVE, "klassruk", id=mark["id"]))["removePeriodMark"] == mark["id"]
    )
    assert code_of(await world.gql(REMOVE, "klassruk", id=mark["id"])) == "NOT_FOUND"

    async def removed() -> list[dict[str, Any]]:
        return [
            e
            for e in world.published("journal.period_mark.removed")
            if e["payload"]["period_mark_id"] == mark["id"]
        ]

    [event] = await eventually(removed)
    assert event["payload"]["removed_by"] == str(ids["klassruk"])
    async with world.svc.runtime.db.sessionmaker() as s:
        last = await s.scalar(
            select(PeriodMarkHistory)
            .where(PeriodMarkHistory.period_mark_id == UUID(mark["id"]))
            .order_by(PeriodMarkHistory.changed_at.desc())
            .limit(1)
        )
    assert last is not None and (last.value_before, last.value_after) == (3, None)


async def test_a_subgroup_teacher_sets_period_marks_only_for_their_subgroup(
    world: PeriodsWorld,
) -> None:
    ids = world.ids
    subgroup = uuid4()
    async with world.svc.runtime.db.sessionmaker() as s, s.begin():
        # People's replica of a subgroup and a load for it alone (the load's API is class-wide).
        s.add(
            Subgroup(
                id=subgroup,
                school_id=world.roster.school_id,
                school_class_id=ids["7Б"],
                subject="русский язык",
                name="1 группа",
            )
        )
        await s.flush()
        s.add(SubgroupMember(subgroup_id=subgroup, student_id=ids["student"]))
        s.add(
            TeachingLoad(
                id=uuid4(),
                school_id=world.roster.school_id,
                teacher_id=ids["other_teacher"],
                school_class_id=ids["7Б"],
                subject_id=ids["русский язык"],
                subgroup_id=subgroup,
            )
        )
    common = {"subjectId": ids["русский язык"], "kind": "TERM", "studyPeriodId": ids["term2"]}
    member = await world.set_mark("other_teacher", studentId=ids["student"], value=5, **common)
    assert data(member)["setPeriodMark"]["value"] == 5
    other = await world.set_mark("other_teacher", studentId=ids["classmate"], value=5, **common)
    assert code_of(other) == "FORBIDDEN"
