"""The demo shows every screen: staff lists, a student's diary for the director, and the
progress summary built from the demo's published term marks."""

from __future__ import annotations

from typing import Any

import pytest

from services.kernel.demo import demo_id, demo_year
from tests.e2e.conftest import Gateway
from tests.e2e.demo_days import WEEK
from tests.support import eventually

pytestmark = pytest.mark.e2e

STAFF_RECORDS = "{ staffRecords { position person { fullName } } }"
DIARY = """query($id: ID!, $from: Date!, $to: Date!) {
  diary(studentId: $id, from: $from, to: $to) { date lessons { subject { name } marks { value } } }
}"""
SUMMARY = """query($c: ID!, $y: ID!) { progressSummary(schoolClassId: $c, academicYearId: $y) {
  rows { student { id } marks { kind studyPeriodName value } } } }"""
STUDENT = str(demo_id("person:student"))


def codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


async def test_the_director_and_hr_see_the_schools_staff(gateway: Gateway) -> None:
    for login in ("director", "hr"):
        result = await gateway.as_user(login, STAFF_RECORDS)
        assert "errors" not in result, result
        positions = [r["position"] for r in result["data"]["staffRecords"]]
        assert len(positions) > 30 and "учитель" in positions and "директор" in positions


async def test_the_director_opens_a_students_diary_and_a_teacher_does_not(
    gateway: Gateway,
) -> None:
    variables = {"id": STUDENT, **WEEK}
    own = await gateway.as_user("student", DIARY, variables)
    seen = await gateway.as_user("director", DIARY, variables)
    assert "errors" not in seen, seen
    assert seen["data"]["diary"] and seen == own
    assert codes(await gateway.as_user("teacher", DIARY, variables)) == ["FORBIDDEN"]


async def test_the_progress_summary_holds_the_demos_term_marks(gateway: Gateway) -> None:
    variables = {"c": str(demo_id("class:7Б")), "y": str(demo_year().id)}

    async def term_marks() -> list[dict[str, Any]]:
        result = await gateway.as_user("director", SUMMARY, variables)
        assert "errors" not in result, result
        rows = result["data"]["progressSummary"]["rows"]
        return [m for r in rows for m in r["marks"] if m["kind"] == "term"]

    marks = await eventually(term_marks, timeout=120, interval=1)
    assert {m["studyPeriodName"] for m in marks} >= {"1 четверть"}
    assert all(2 <= m["value"] <= 5 for m in marks)
