"""Subjects, hours a week per class or parallel, and the teaching load with subgroups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.journal.school import (
    LOAD,
    TODAY,
    YEAR_ENDS,
    YEAR_STARTS,
    School,
    code_of,
    data,
    message_of,
    open_school,
)
from tests.support import Infra

RENAME = """mutation($id: ID!, $n: String!) {
  renameSubject(input: {subjectId: $id, name: $n}) { id name }
}"""
SUBJECTS = "{ subjects { id name } }"
HOURS = """mutation($y: ID!, $s: ID!, $c: ID, $g: Int, $h: Float!) {
  setCurriculumHours(input: {academicYearId: $y, subjectId: $s, schoolClassId: $c,
                             gradeLevel: $g, hoursPerWeek: $h}) {
    id gradeLevel schoolClass { id } hoursPerWeek subject { name }
  }
}"""
CURRICULUM = """query($y: ID!, $c: ID, $g: Int) {
  curriculum(academicYearId: $y, schoolClassId: $c, gradeLevel: $g) {
    schoolClass { id } subject { name } hoursPerWeek fromParallel
  }
}"""
WITHDRAW = "mutation($id: ID!) { withdrawTeachingLoad(id: $id) }"
TEACHING_LOAD = """query($t: ID) {
  teachingLoad(teacherId: $t) { id subgroupId hoursPerWeek subject { name } schoolClass { id } }
}"""
ENTRY = """mutation($c: ID!, $s: ID!, $t: ID!, $from: Date!, $to: Date!) {
  setTimetableEntry(input: {schoolClassId: $c, weekday: 6, number: 6, subjectId: $s,
                            teacherId: $t, validFrom: $from, validTo: $to}) { id }
}"""
REMOVE_ENTRY = "mutation($id: ID!) { removeTimetableEntry(id: $id) }"


@pytest.fixture(scope="module")
async def school(infra: Infra) -> AsyncIterator[School]:
    async with open_school(infra) as s:
        yield s


async def hours(school: School, as_: str, subject: str, h: float, **target: Any) -> dict[str, Any]:
    return await school.gql(
        HOURS, as_, y=str(school.ids["year"]), s=str(school.ids[subject]), h=h, **target
    )


def by_class_and_subject(school: School, rows: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    names = {str(school.ids["7Б"]): "7Б", str(school.ids["8А"]): "8А"}
    return {(names[r["schoolClass"]["id"]], r["subject"]["name"]): r for r in rows}


# --- subjects --------------------------------------------------------------------------------


async def test_the_deputy_director_renames_a_subject_by_the_name_rule(school: School) -> None:
    subject = data(
        await school.gql('mutation { createSubject(input: {name: "черчение"}) { id } }', "deputy")
    )
    subject_id = subject["createSubject"]["id"]
    renamed = data(await school.gql(RENAME, "deputy", id=subject_id, n="  черчение  и  графика "))
    assert renamed["renameSubject"] == {"id": subject_id, "name": "черчение и графика"}
    event = await school.event("journal.subject.renamed", subject_id=subject_id)
    assert event["payload"]["name_before"] == "черчение"
    assert event["payload"]["name"] == "черчение и графика"
    abbreviated = await school.gql(RENAME, "deputy", id=subject_id, n="Черч.")
    assert code_of(abbreviated) == "VALIDATION"
    taken = await school.gql(RENAME, "deputy", id=subject_id, n="алгебра")
    assert code_of(taken) == "CONFLICT"


async def test_a_teacher_cannot_rename_a_subject(school: School) -> None:
    result = await school.gql(RENAME, "teacher", id=str(school.ids["алгебра"]), n="математика")
    assert code_of(result) == "FORBIDDEN"


async def test_another_schools_subject_is_not_found(school: School) -> None:
    create = 'mutation { createSubject(input: {name: "история"}) { id } }'
    theirs = data(await school.gql(create, "alien_deputy"))["createSubject"]["id"]
    result = await school.gql(RENAME, "deputy", id=theirs, n="история россии")
    assert code_of(result) == "NOT_FOUND"


# --- hours a week ----------------------------------------------------------------------------


async def test_a_class_row_overrides_its_parallel_in_the_curriculum(school: School) -> None:
    parallel = data(await hours(school, "deputy", "алгебра", 3, g=7))["setCurriculumHours"]
    assert parallel["gradeLevel"] == 7 and parallel["schoolClass"] is None
    data(await hours(school, "deputy", "русский язык", 4.5, g=7))
    own = data(await hours(school, "deputy", "алгебра", 5, c=str(school.ids["7Б"])))
    assert own["setCurriculumHours"]["hoursPerWeek"] == 5.0

    rows = data(await school.gql(CURRICULUM, "teacher", y=str(school.ids["year"]), g=7))
    plan = by_class_and_subject(school, rows["curriculum"])
    assert plan[("7Б", "алгебра")]["hoursPerWeek"] == 5.0
    assert not plan[("7Б", "алгебра")]["fromParallel"]
    assert plan[("7Б", "русский язык")] == {
        "schoolClass": {"id": str(school.ids["7Б"])},
        "subject": {"name": "русский язык"},
        "hoursPerWeek": 4.5,
        "fromParallel": True,
    }
    assert ("8А", "алгебра") not in plan

    removed = await hours(school, "admin", "алгебра", 0, c=str(school.ids["7Б"]))
    assert data(removed)["setCurriculumHours"] is None
    rows = data(
        await school.gql(
            CURRICULUM, "secretary", y=str(school.ids["year"]), c=str(school.ids["7Б"])
        )
    )
    plan = by_class_and_subject(school, rows["curriculum"])
    assert (
        plan[("7Б", "алгебра")]["hoursPerWeek"] == 3.0 and plan[("7Б", "алгебра")]["fromParallel"]
    )
    event = await school.event(
        "journal.curriculum_hours.set", school_class_id=str(school.ids["7Б"])
    )
    assert event["payload"]["hours_per_week"] == 0


async def test_hours_off_the_half_step_or_for_class_and_parallel_at_once_are_refused(
    school: School,
) -> None:
    assert code_of(await hours(school, "deputy", "алгебра", 1.25, g=8)) == "VALIDATION"
    assert code_of(await hours(school, "deputy", "алгебра", 41, g=8)) == "VALIDATION"
    both = await hours(school, "deputy", "алгебра", 2, g=8, c=str(school.ids["8А"]))
    assert code_of(both) == "VALIDATION"


async def test_only_the_deputy_director_or_administrator_sets_hours(school: School) -> None:
    for caller in ("teacher", "secretary", "klassruk"):
        assert code_of(await hours(school, caller, "алгебра", 2, g=8)) == "FORBIDDEN", caller


async def test_students_and_parents_do_not_read_the_curriculum(school: School) -> None:
    for caller in ("student", "parent"):
        result = await school.gql(CURRICULUM, caller, y=str(school.ids["year"]))
        assert code_of(result) == "FORBIDDEN", caller


async def test_another_schools_staff_do_not_find_the_year(school: School) -> None:
    result = await school.gql(CURRICULUM, "alien_secretary", y=str(school.ids["year"]))
    assert code_of(result) == "NOT_FOUND"


# --- teaching load ---------------------------------------------------------------------------


async def test_a_load_for_one_subgroup_carries_its_hours(school: School) -> None:
    load = data(
        await school.gql(
            LOAD,
            "deputy",
            t=str(school.ids["english1"]),
            c=str(school.ids["7Б"]),
            s=str(school.ids["английский язык"]),
            g=str(school.ids["group1"]),
            h=1.5,
        )
    )["assignTeachingLoad"]
    assert load["subgroupId"] == str(school.ids["group1"]) and load["hoursPerWeek"] == 1.5
    event = await school.event("journal.teaching_load.assigned", teaching_load_id=load["id"])
    assert event["payload"]["subgroup_id"] == str(school.ids["group1"])
    assert event["payload"]["teacher_id"] == str(school.ids["english1"])
    mine = data(await school.gql(TEACHING_LOAD, "english1"))["teachingLoad"]
    assert [x["hoursPerWeek"] for x in mine] == [1.5]


async def test_a_subgroup_of_another_subject_or_class_is_refused(school: School) -> None:
    wrong_subject = await school.gql(
        LOAD,
        "deputy",
        t=str(school.ids["teacher"]),
        c=str(school.ids["7Б"]),
        s=str(school.ids["алгебра"]),
        g=str(school.ids["group1"]),
    )
    assert code_of(wrong_subject) == "VALIDATION"
    assert "английский язык" in message_of(wrong_subject)
    wrong_class = await school.gql(
        LOAD,
        "deputy",
        t=str(school.ids["english1"]),
        c=str(school.ids["8А"]),
        s=str(school.ids["английский язык"]),
        g=str(school.ids["group1"]),
    )
    assert code_of(wrong_class) == "VALIDATION"


async def test_a_teacher_cannot_assign_teaching_load(school: School) -> None:
    result = await school.gql(
        LOAD,
        "teacher",
        t=str(school.ids["teacher"]),
        c=str(school.ids["8А"]),
        s=str(school.ids["алгебра"]),
    )
    assert code_of(result) == "FORBIDDEN"


async def test_a_load_the_timetable_uses_cannot_be_withdrawn(school: School) -> None:
    load = data(
        await school.gql(
            LOAD,
            "deputy",
            t=str(school.ids["klassruk_8a"]),
            c=str(school.ids["8А"]),
            s=str(school.ids["русский язык"]),
        )
    )["assignTeachingLoad"]
    entry = data(
        await school.gql(
            ENTRY,
            "secretary",
            c=str(school.ids["8А"]),
            s=str(school.ids["русский язык"]),
            t=str(school.ids["klassruk_8a"]),
            **{"from": TODAY.isoformat(), "to": YEAR_ENDS.isoformat()},
        )
    )["setTimetableEntry"]
    assert code_of(await school.gql(WITHDRAW, "teacher", id=load["id"])) == "FORBIDDEN"
    refused = await school.gql(WITHDRAW, "deputy", id=load["id"])
    assert code_of(refused) == "CONFLICT" and "суббота" in message_of(refused)

    data(await school.gql(REMOVE_ENTRY, "secretary", id=entry["id"]))
    assert data(await school.gql(WITHDRAW, "deputy", id=load["id"]))["withdrawTeachingLoad"]
    event = await school.event("journal.teaching_load.withdrawn", teaching_load_id=load["id"])
    assert event["payload"]["school_class_id"] == str(school.ids["8А"])
    assert event["payload"]["subgroup_id"] is None
    remaining = data(await school.gql(TEACHING_LOAD, "deputy", t=str(school.ids["klassruk_8a"])))[
        "teachingLoad"
    ]
    assert remaining == []


async def test_a_past_timetable_does_not_hold_a_load(school: School) -> None:
    load = data(
        await school.gql(
            LOAD,
            "deputy",
            t=str(school.ids["klassruk"]),
            c=str(school.ids["8А"]),
            s=str(school.ids["русский язык"]),
        )
    )["assignTeachingLoad"]
    data(
        await school.gql(
            ENTRY,
            "secretary",
            c=str(school.ids["8А"]),
            s=str(school.ids["русский язык"]),
            t=str(school.ids["klassruk"]),
            **{"from": YEAR_STARTS.isoformat(), "to": YEAR_STARTS.isoformat()},
        )
    )
    assert data(await school.gql(WITHDRAW, "deputy", id=load["id"]))["withdrawTeachingLoad"]
