"""The school's journal settings: read by the staff, changed by the administrator only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.journal.periods_world import PeriodsWorld, code_of, data, periods_world
from tests.support import Infra, eventually

READ = """query {
  journalSettings { lockDays thresholds { five four three } dayEndsAt maxFileBytes }
}"""
UPDATE = """mutation($input: UpdateJournalSettingsInput!) {
  updateJournalSettings(input: $input) { lockDays thresholds { five four three } dayEndsAt }
}"""
SHEET = """query($c: ID!, $s: ID!, $p: ID!) {
  periodMarkSheet(schoolClassId: $c, subjectId: $s, studyPeriodId: $p) {
    thresholds { five } rows { student { id } average proposed }
  }
}"""
RECORD = """mutation($l: ID!, $s: ID!, $v: Int!) {
  recordMark(input: {lessonId: $l, studentId: $s, value: $v}) { id }
}"""


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[PeriodsWorld]:
    async with periods_world(infra) as w:
        yield w


async def test_staff_read_the_default_settings_students_do_not(world: PeriodsWorld) -> None:
    settings = data(await world.gql(READ, "teacher"))["journalSettings"]
    assert settings["lockDays"] == 10
    assert settings["thresholds"] == {"five": "4.65", "four": "3.65", "three": "2.65"}
    assert settings["dayEndsAt"] == "18:00:00"
    assert code_of(await world.gql(READ, "student")) == "FORBIDDEN"
    assert code_of(await world.gql(READ, "parent")) == "FORBIDDEN"


async def test_only_the_administrator_changes_settings(world: PeriodsWorld) -> None:
    for who in ("deputy", "teacher", "klassruk"):
        result = await world.gql(UPDATE, who, input={"lockDays": 5})
        assert code_of(result) == "FORBIDDEN", who


@pytest.mark.parametrize(
    "thresholds",
    [
        {"five": "3.5", "four": "4.5", "three": "2.5"},
        {"five": "4.5", "four": "4.5", "three": "2.5"},
        {"five": "5.5", "four": "3.5", "three": "2.5"},
        {"five": "4.5", "four": "3.5", "three": "1.9"},
    ],
)
async def test_thresholds_must_descend_within_two_to_five(
    world: PeriodsWorld, thresholds: dict[str, str]
) -> None:
    result = await world.gql(UPDATE, "admin", input={"thresholds": thresholds})
    assert code_of(result) == "VALIDATION"


async def test_lock_period_outside_one_to_sixty_days_is_refused(world: PeriodsWorld) -> None:
    for days in (0, 61):
        assert code_of(await world.gql(UPDATE, "admin", input={"lockDays": days})) == "VALIDATION"


async def test_new_thresholds_change_the_proposal_and_are_published(world: PeriodsWorld) -> None:
    ids = world.ids
    for value in (5, 4):  # the same oral answer twice is two marks: 4.5
        lesson = "lesson_7b" if value == 5 else "lesson_7b_2"
        data(await world.gql(RECORD, "teacher", l=str(ids[lesson]), s=str(ids["student"]), v=value))

    async def proposal() -> Any:
        sheet = data(
            await world.gql(
                SHEET, "teacher", c=str(ids["7Б"]), s=str(ids["алгебра"]), p=str(ids["term1"])
            )
        )["periodMarkSheet"]
        [row] = [r for r in sheet["rows"] if r["student"]["id"] == str(ids["student"])]
        return row["average"], row["proposed"]

    assert await proposal() == ("4.50", 4)
    changed = await world.gql(
        UPDATE,
        "admin",
        input={"thresholds": {"five": "4.5", "four": "3.5", "three": "2.5"}, "lockDays": 7},
    )
    settings = data(changed)["updateJournalSettings"]
    assert settings["thresholds"] == {"five": "4.50", "four": "3.50", "three": "2.50"}
    assert settings["lockDays"] == 7
    assert await proposal() == ("4.50", 5)

    async def published() -> list[dict[str, Any]]:
        return world.published("journal.settings.changed")

    [event] = await eventually(published)
    assert event["payload"]["fields"] == ["lockDays", "thresholds"]
    assert event["payload"]["changed_by"] == str(ids["admin"])
    assert event["school_id"] == str(world.roster.school_id)
