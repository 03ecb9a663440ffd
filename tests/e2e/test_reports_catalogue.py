"""The report catalogue through the gateway on the demo school: each role reads the reports it
may (with the names people hold joined in), and is refused the others at their path."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.e2e.conftest import Gateway
from tests.support import eventually

pytestmark = pytest.mark.e2e

YEARS = "{ academicYears { id startsOn endsOn studyPeriods { id name startsOn endsOn } } }"
CLASSES = "{ schoolClasses { id name } }"
CHILDREN = "{ myChildren { id fullName } }"
SHEET = """query($c: ID!, $y: ID!, $p: ID) {
  progressSheet(schoolClassId: $c, academicYearId: $y, studyPeriodId: $p) {
    className periodName schoolClass { name }
    subjects { subjectName figures { n passRate qualityRate learningLevel } }
    rows { studentName student { id fullName } standing }
  }
}"""
LETTER = """query($s: ID!, $y: ID!, $p: ID) {
  parentLetter(studentId: $s, academicYearId: $y, studyPeriodId: $p) {
    studentName student { fullName } subjects { subjectName marks average }
    attendance { missed lates }
  }
}"""
CONTROL = """query($y: ID!, $p: ID) {
  journalControl(academicYearId: $y, studyPeriodId: $p) {
    teachers { teacherName lessons withoutTopic courses { subjectName coverage } }
  }
}"""
ATTENDANCE = """query($c: ID!, $from: Date!, $to: Date!) {
  attendanceReport(schoolClassId: $c, startsOn: $from, endsOn: $to) {
    total { missed lates missedDays } students { studentName }
  }
}"""


def ok(result: dict[str, Any]) -> dict[str, Any]:
    assert not result.get("errors"), result
    return result["data"]


def refused(result: dict[str, Any], field: str) -> None:
    assert len(result["errors"]) == 1, result
    error = result["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN", result
    assert error["path"] == [field], result
    assert result["data"] is None or result["data"] == {field: None}, result


async def current(gateway: Gateway) -> dict[str, Any]:
    today = date.today().isoformat()
    years = ok(await gateway.as_user("zavuch", YEARS))["academicYears"]
    year = next(y for y in years if y["startsOn"] <= today <= y["endsOn"])
    period = next(
        (p for p in year["studyPeriods"] if p["startsOn"] <= today <= p["endsOn"]),
        year["studyPeriods"][0],
    )
    # klassruk is the class teacher of 7Б in the demo.
    classes = ok(await gateway.as_user("zavuch", CLASSES))["schoolClasses"]
    klass = next(c for c in classes if c["name"] == "7Б")
    return {"year": year, "period": period, "class": klass}


async def test_the_class_teacher_reads_their_class_s_sheet_with_names(gateway: Gateway) -> None:
    demo = await current(gateway)
    variables = {"c": demo["class"]["id"], "y": demo["year"]["id"], "p": demo["period"]["id"]}
    sheet = ok(await gateway.as_user("klassruk", SHEET, variables))["progressSheet"]
    assert sheet["className"] == demo["class"]["name"] == sheet["schoolClass"]["name"]
    assert sheet["rows"], sheet
    for row in sheet["rows"]:
        assert row["studentName"] and row["student"]["fullName"], row
    refused(await gateway.as_user("parent", SHEET, variables), "progressSheet")
    refused(await gateway.as_user("medic", SHEET, variables), "progressSheet")


async def test_a_parent_reads_their_child_s_letter_and_not_the_journal_control(
    gateway: Gateway,
) -> None:
    demo = await current(gateway)
    child = ok(await gateway.as_user("parent", CHILDREN))["myChildren"][0]
    variables = {"s": child["id"], "y": demo["year"]["id"], "p": demo["period"]["id"]}

    async def letter_with_marks() -> dict[str, Any] | None:
        # Reports follows the journal's events: the demo's marks arrive after its load.
        letter = ok(await gateway.as_user("parent", LETTER, variables))["parentLetter"]
        return letter if letter["subjects"] else None

    letter = await eventually(letter_with_marks, timeout=60)
    assert letter["student"]["fullName"] == child["fullName"]
    assert any(s["marks"] for s in letter["subjects"]), letter
    control = {"y": demo["year"]["id"], "p": demo["period"]["id"]}
    refused(await gateway.as_user("parent", CONTROL, control), "journalControl")
    refused(await gateway.as_user("teacher", CONTROL, control), "journalControl")


async def test_the_quality_deputy_controls_the_journal_and_the_class_teacher_attendance(
    gateway: Gateway,
) -> None:
    demo = await current(gateway)
    control = {"y": demo["year"]["id"], "p": demo["period"]["id"]}
    teachers = ok(await gateway.as_user("zavuch", CONTROL, control))["journalControl"]["teachers"]
    assert any(t["lessons"] for t in teachers), teachers
    period = demo["period"]
    variables = {"c": demo["class"]["id"], "from": period["startsOn"], "to": period["endsOn"]}
    report = ok(await gateway.as_user("klassruk", ATTENDANCE, variables))["attendanceReport"]
    assert report["students"], report
    refused(await gateway.as_user("student", ATTENDANCE, variables), "attendanceReport")
