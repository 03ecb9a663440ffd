"""Debts («точки»): the rule, and who reads a student's debts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from services.journal.domain.debts import MandatoryAssignment, owes
from services.journal.domain.reads import Stay, weighted_average
from services.kernel.principal import Principal
from services.kernel.principal import RoleGrant as Grant
from services.kernel.roles import Role
from tests.journal.reads_world import ReadsWorld, day, reads_world
from tests.support import Infra

CLASS, OTHER_CLASS, GROUP = uuid4(), uuid4(), uuid4()
GIVEN, DUE = date(2026, 11, 10), date(2026, 11, 17)


def work(subgroup: Any = None) -> MandatoryAssignment:
    return MandatoryAssignment(uuid4(), uuid4(), CLASS, subgroup, GIVEN, DUE)


IN_CLASS = [Stay(CLASS, date(2026, 9, 1), None)]


# --- the rule ------------------------------------------------------------------------------------


def test_a_debt_appears_only_after_the_due_date() -> None:
    assert not owes(work(), DUE, IN_CLASS, frozenset(), marked=False)
    assert owes(work(), date(2026, 11, 18), IN_CLASS, frozenset(), marked=False)


def test_a_mark_clears_the_debt() -> None:
    assert not owes(work(), date(2026, 11, 18), IN_CLASS, frozenset(), marked=True)


def test_a_student_who_came_after_the_work_was_given_owes_nothing() -> None:
    arrived = [Stay(CLASS, date(2026, 11, 12), None)]
    assert not owes(work(), date(2026, 11, 18), arrived, frozenset(), marked=False)


def test_a_student_who_left_before_the_due_date_owes_nothing() -> None:
    moved = [Stay(CLASS, date(2026, 9, 1), date(2026, 11, 15)), Stay(OTHER_CLASS, DUE, None)]
    assert not owes(work(), date(2026, 11, 18), moved, frozenset(), marked=False)


def test_a_subgroups_work_is_owed_only_by_its_members() -> None:
    later = date(2026, 11, 18)
    assert owes(work(GROUP), later, IN_CLASS, frozenset({GROUP}), marked=False)
    assert not owes(work(GROUP), later, IN_CLASS, frozenset({uuid4()}), marked=False)


def test_a_stay_runs_up_to_but_not_including_the_day_the_student_left() -> None:
    stay = Stay(CLASS, date(2026, 9, 1), date(2026, 11, 15))
    assert stay.covers(date(2026, 9, 1)) and stay.covers(date(2026, 11, 14))
    assert not stay.covers(date(2026, 8, 31)) and not stay.covers(date(2026, 11, 15))


def test_the_average_weighs_each_mark_by_its_assignment_type() -> None:
    assert weighted_average([(5, 1), (3, 3)]) == Decimal("3.50")
    assert weighted_average([(5, 1), (4, 2)]) == Decimal("4.33")
    assert weighted_average([]) is None


# --- the debts query ------------------------------------------------------------------------------

DEBTS = """query($s: ID!, $y: ID) {
  debts(studentId: $s, academicYearId: $y) {
    assignmentId topic typeName dueOn subject { name } student { id }
    lesson { id date topic marks { value } }
  }
}"""


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[ReadsWorld]:
    async with reads_world(infra) as w:
        yield w


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


async def debts_of(world: ReadsWorld, student: str, reader: str) -> list[dict[str, Any]]:
    result = await world.gql(DEBTS, reader, s=str(world.ids[student]))
    assert not result.get("errors"), result
    return result["data"]["debts"]


async def test_the_student_family_and_teachers_of_the_class_read_its_debts(
    world: ReadsWorld,
) -> None:
    for reader in ("student", "parent", "klassruk", "teacher", "group_teacher", "deputy"):
        [debt] = await debts_of(world, "student", reader)
        assert debt["assignmentId"] == str(world.ids["overdue"]), reader
        assert debt["typeName"] == "самостоятельная работа"
        assert debt["dueOn"] == day(-1).isoformat()
        assert debt["subject"]["name"] == "алгебра"
        assert debt["student"]["id"] == str(world.ids["student"])
        assert debt["lesson"]["id"] == str(world.ids["algebra_7b_early"])
        # The student's own marks only, and only to those who read that lesson's journal:
        # the English subgroup's teacher sees the algebra debt but not the algebra marks.
        expected = [] if reader == "group_teacher" else [{"value": 5}]
        assert debt["lesson"]["marks"] == expected, reader


async def test_others_cannot_read_a_students_debts(world: ReadsWorld) -> None:
    for reader in ("other_parent", "classmate", "other_teacher", "substitute"):
        result = await world.gql(DEBTS, reader, s=str(world.ids["student"]))
        assert result == {"data": {"debts": []}}, reader


async def test_work_due_today_is_not_yet_a_debt_and_a_subgroups_work_only_its_members(
    world: ReadsWorld,
) -> None:
    owed = {d["assignmentId"] for d in await debts_of(world, "classmate", "classmate")}
    assert owed == {str(world.ids["overdue"]), str(world.ids["group2_overdue"])}
    assert str(world.ids["due_today"]) not in owed
    assert await debts_of(world, "mover", "mover") == []  # left 7Б before the due date


async def test_a_debt_appears_after_the_due_date_and_disappears_when_marked(
    world: ReadsWorld,
) -> None:
    await world.assignment("late_work", "algebra_7b_late", "тест", day(-1))
    owed = {d["assignmentId"] for d in await debts_of(world, "classmate", "klassruk")}
    assert str(world.ids["late_work"]) in owed
    await world.mark("late_work", "classmate", 4)
    await world.mark("overdue", "classmate", 3)
    owed = {d["assignmentId"] for d in await debts_of(world, "classmate", "klassruk")}
    assert owed == {str(world.ids["group2_overdue"])}


async def test_a_past_years_debts_are_read_by_naming_the_year(world: ReadsWorld) -> None:
    await world.assignment("past_work", "algebra_6b_past", "контрольная работа", day(-199))
    result = await world.gql(
        DEBTS, "parent", s=str(world.ids["student"]), y=str(world.ids["past_year"])
    )
    assert not result.get("errors"), result
    assert [d["assignmentId"] for d in result["data"]["debts"]] == [str(world.ids["past_work"])]
    current = {d["assignmentId"] for d in await debts_of(world, "student", "student")}
    assert str(world.ids["past_work"]) not in current
    # A list filtered by a year the school does not have is empty, not an error.
    unknown = await world.gql(DEBTS, "parent", s=str(world.ids["student"]), y=str(uuid4()))
    assert unknown == {"data": {"debts": []}}


async def test_another_schools_staff_cannot_find_the_student(world: ReadsWorld) -> None:
    elsewhere = Principal(
        account_id=uuid4(),
        person_id=uuid4(),
        school_id=uuid4(),
        session_id=uuid4(),
        login="elsewhere",
        roles=(Grant(Role.DIRECTOR),),
    )
    for student_id in (world.ids["student"], uuid4()):
        result = await world.gql(DEBTS, elsewhere, s=str(student_id))
        assert result == {"data": {"debts": []}}
