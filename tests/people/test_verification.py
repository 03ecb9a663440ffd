"""Data verification: the class teacher confirms by 20 September, then at least monthly."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.people.domain import add_month, confirmation_due, confirmation_overdue
from tests.people.health_world import World
from tests.people.helpers import error_code, read_events

CONFIRM = """mutation($id: ID!) { confirmClassData(classId: $id) {
  confirmedOn schoolClass { name } confirmedBy { fullName } } }"""
OVERDUE = """{ overdueDataConfirmations { schoolClass { name } dueOn daysOverdue
  lastConfirmation { confirmedOn confirmedBy { shortName } } } }"""

YEAR = (date(2026, 9, 1), date(2027, 5, 31))


def at(day: str, hour: int = 3) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 9, 5), date(2026, 10, 5)),
        (date(2027, 1, 31), date(2027, 2, 28)),
        (date(2026, 12, 15), date(2027, 1, 15)),
    ],
)
def test_a_month_later_is_the_same_day_or_the_months_last(day: date, expected: date) -> None:
    assert add_month(day) == expected


def test_the_first_confirmation_is_due_on_20_september_then_a_month_after_the_last() -> None:
    assert confirmation_due(YEAR[0], None) == date(2026, 9, 20)
    assert confirmation_due(YEAR[0], date(2026, 9, 18)) == date(2026, 10, 18)
    assert confirmation_overdue(*YEAR, None, date(2026, 9, 20)) is None
    assert confirmation_overdue(*YEAR, None, date(2026, 9, 21)) == date(2026, 9, 20)
    assert confirmation_overdue(*YEAR, date(2026, 9, 18), date(2026, 10, 18)) is None
    assert confirmation_overdue(*YEAR, date(2027, 5, 10), date(2027, 5, 31)) is None  # year ends
    assert confirmation_overdue(*YEAR, None, date(2027, 6, 15)) is None  # summer


async def test_only_the_class_teacher_of_the_class_confirms_its_data(health_world: World) -> None:
    world = health_world
    world.set_clock(lambda: at("2026-09-17", hour=20))  # 18 September in Tomsk (UTC+7)
    try:
        own = {"id": str(world.school.class_id)}
        data = await world.ok("klassruk", CONFIRM, own)
        assert data["confirmClassData"] == {
            "confirmedOn": "2026-09-18",
            "schoolClass": {"name": "7Б"},
            "confirmedBy": {"fullName": "Соколова Ирина Александровна"},
        }
        other = {"id": str(world.school.other_class_id)}
        assert error_code(await world.gql("klassruk", CONFIRM, other)) == "FORBIDDEN"
        for who in ("director", "admin", "teacher"):
            assert error_code(await world.gql(who, CONFIRM, own)) == "FORBIDDEN", who
        foreign = {"id": str(world.other.class_id)}
        assert error_code(await world.gql("klassruk", CONFIRM, foreign)) == "NOT_FOUND"
    finally:
        world.set_clock(None)
    events = await read_events(world.svc.settings.nats_url, world.svc.settings.namespace, until=1)
    confirmed = [e.payload for e in events if e.type == "people.school_class.data_confirmed"]
    assert {
        "school_class_id": str(world.school.class_id),
        "school_id": str(world.school.id),
        "person_id": str(world.id("klassruk")),
        "confirmed_on": "2026-09-18",
    } in confirmed


async def test_overdue_lists_classes_past_their_due_date_with_the_last_confirmation(
    health_world: World,
) -> None:
    world = health_world
    world.set_clock(lambda: at("2026-09-18"))
    try:
        await world.ok("klassruk", CONFIRM, {"id": str(world.school.class_id)})
        world.set_clock(lambda: at("2026-09-25"))
        early = (await world.ok("secretary", OVERDUE))["overdueDataConfirmations"]
        assert [(o["schoolClass"]["name"], o["dueOn"], o["daysOverdue"]) for o in early] == [
            ("7А", "2026-09-20", 5)
        ]
        assert early[0]["lastConfirmation"] is None
        world.set_clock(lambda: at("2026-10-19"))
        later = (await world.ok("director", OVERDUE))["overdueDataConfirmations"]
        assert [(o["schoolClass"]["name"], o["dueOn"]) for o in later] == [
            ("7А", "2026-09-20"),
            ("7Б", "2026-10-18"),
        ]
        assert later[1]["lastConfirmation"] == {
            "confirmedOn": "2026-09-18",
            "confirmedBy": {"shortName": "Соколова И. А."},
        }
        for who in ("klassruk", "teacher", "medic", "petrov.parent"):
            assert error_code(await world.gql(who, OVERDUE)) == "FORBIDDEN", who
    finally:
        world.set_clock(None)
