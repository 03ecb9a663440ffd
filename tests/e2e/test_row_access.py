"""Marks and attendance follow the lesson's row through the gateway, not only the root field.

The academic secretary lists any class's lessons for the timetable, but reads no child's
marks or attendance with them; the administration that reads the journal does.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Gateway
from tests.e2e.demo_days import ALL_DAYS

pytestmark = pytest.mark.e2e

CLASSES = "{ schoolClasses { id name } }"
LESSONS = """query($from: Date!, $to: Date!, $class: ID) {
  lessons(from: $from, to: $to, schoolClassId: $class) {
    id marks { value } attendance { code }
  }
}"""


def ok(result: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in result, result
    return result["data"]


async def test_the_secretary_lists_a_class_lessons_without_the_childrens_marks(
    gateway: Gateway,
) -> None:
    classes = ok(await gateway.as_user("zavuch", CLASSES))["schoolClasses"]
    marks = attendance = 0
    for school_class in classes:
        variables = {**ALL_DAYS, "class": school_class["id"]}
        overseen = ok(await gateway.as_user("zavuch", LESSONS, variables))["lessons"]
        marks += sum(len(x["marks"]) for x in overseen)
        attendance += sum(len(x["attendance"]) for x in overseen)
        listed = ok(await gateway.as_user("secretary", LESSONS, variables))["lessons"]
        assert {x["id"] for x in listed} == {x["id"] for x in overseen}
        assert all(x["marks"] == [] and x["attendance"] == [] for x in listed)
    assert marks and attendance  # the administration reads what the secretary does not
