"""Term marks, settings and the year's archive through the gateway, on the demo school.

The demo year stays open here: closing it would lock the journal the other journeys write to
(closing is proved on the journal's own service in tests/journal/test_year_closing.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.e2e.conftest import Gateway
from tests.support import eventually

pytestmark = pytest.mark.e2e

ME = "{ me { person { id } } }"
YEARS = "{ academicYears { id startsOn endsOn studyPeriods { id name startsOn endsOn } } }"
CLASSES = "{ schoolClasses { id name } }"
SUBJECTS = "{ subjects { id name } }"
STUDENTS = "query($id: ID!) { schoolClass(id: $id) { students { id } } }"
SHEET = """query($c: ID!, $s: ID!, $p: ID!) {
  periodMarkSheet(schoolClassId: $c, subjectId: $s, studyPeriodId: $p) {
    kind thresholds { five }
    rows { student { id fullName } marksCount average proposed mark { value } }
  }
}"""
SET = """mutation($input: SetPeriodMarkInput!) {
  setPeriodMark(input: $input) { id value proposed differsFromProposal student { fullName } }
}"""
OWN = """query($s: ID!, $y: ID!) {
  periodMarks(studentId: $s, academicYearId: $y) { kind value display subject { name } }
}"""
SETTINGS = "{ journalSettings { lockDays thresholds { five four three } } }"
UPDATE = "mutation { updateJournalSettings(input: {lockDays: 10}) { lockDays } }"
CLOSE = "mutation($y: ID!) { closeYear(input: {academicYearId: $y}) { closedAt } }"
SUMMARY = """query($c: ID!, $y: ID!) {
  progressSummary(schoolClassId: $c, academicYearId: $y) {
    closed rows { student { id fullName } marks { subjectName kind value studyPeriodId } }
  }
}"""


def codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


def ok(result: dict[str, Any]) -> dict[str, Any]:
    assert not result.get("errors"), result
    return result["data"]


async def demo(gateway: Gateway) -> dict[str, str]:
    """The demo's ids: the year, today's study period, 7Б, 9А, алгебра and the student."""
    today = date.today().isoformat()
    years = ok(await gateway.as_user("zavuch", YEARS))["academicYears"]
    year = next(y for y in years if y["startsOn"] <= today <= y["endsOn"])
    period = next(
        (p for p in year["studyPeriods"] if p["startsOn"] <= today <= p["endsOn"]),
        year["studyPeriods"][0],
    )
    classes = {
        c["name"]: c["id"] for c in ok(await gateway.as_user("zavuch", CLASSES))["schoolClasses"]
    }
    subjects = {
        s["name"]: s["id"] for s in ok(await gateway.as_user("teacher", SUBJECTS))["subjects"]
    }
    student = ok(await gateway.as_user("student", ME))["me"]["person"]["id"]
    return {
        "year": year["id"],
        "period": period["id"],
        "7Б": classes["7Б"],
        "9А": classes["9А"],
        "алгебра": subjects["алгебра"],
        "student": student,
    }


async def test_the_teacher_sets_a_term_mark_from_the_sheet_and_the_family_reads_it(
    gateway: Gateway,
) -> None:
    ids = await demo(gateway)
    sheet = ok(
        await gateway.as_user(
            "teacher", SHEET, {"c": ids["7Б"], "s": ids["алгебра"], "p": ids["period"]}
        )
    )["periodMarkSheet"]
    assert sheet["kind"] == "TERM" and sheet["rows"]
    [row] = [r for r in sheet["rows"] if r["student"]["id"] == ids["student"]]
    assert row["student"]["fullName"]  # joined from people by the gateway
    value = row["proposed"] or 4
    mark = ok(
        await gateway.as_user(
            "teacher",
            SET,
            {
                "input": {
                    "studentId": ids["student"],
                    "subjectId": ids["алгебра"],
                    "kind": "TERM",
                    "studyPeriodId": ids["period"],
                    "value": value,
                }
            },
        )
    )["setPeriodMark"]
    assert mark["value"] == value and mark["differsFromProposal"] is False
    for reader in ("student", "parent", "klassruk", "director"):
        marks = ok(await gateway.as_user(reader, OWN, {"s": ids["student"], "y": ids["year"]}))[
            "periodMarks"
        ]
        assert {
            "kind": "TERM",
            "value": value,
            "display": str(value),
            "subject": {"name": "алгебра"},
        } in marks

    async def archived() -> Any:
        result = await gateway.as_user("director", SUMMARY, {"c": ids["7Б"], "y": ids["year"]})
        rows = result.get("data", {}).get("progressSummary", {}).get("rows", [])
        return [
            m
            for r in rows
            if r["student"]["id"] == ids["student"]
            for m in r["marks"]
            # The demo's ended quarters have term marks of their own.
            if m["subjectName"] == "алгебра"
            and m["kind"] == "term"
            and m["studyPeriodId"] == ids["period"]
        ]

    # Reports first replays the demo's marks from the journal stream: a loaded machine is slow.
    [summary_mark] = await eventually(archived, timeout=240, interval=0.5)
    assert summary_mark["value"] == value


async def test_a_teacher_cannot_set_term_marks_in_a_foreign_class_or_read_the_summary(
    gateway: Gateway,
) -> None:
    ids = await demo(gateway)
    pupil = ok(await gateway.as_user("zavuch", STUDENTS, {"id": ids["9А"]}))["schoolClass"][
        "students"
    ][0]["id"]
    refused = await gateway.as_user(
        "teacher",
        SET,
        {
            "input": {
                "studentId": pupil,
                "subjectId": ids["алгебра"],
                "kind": "TERM",
                "studyPeriodId": ids["period"],
                "value": 5,
            }
        },
    )
    assert codes(refused) == ["FORBIDDEN"]
    sheet = await gateway.as_user(
        "teacher", SHEET, {"c": ids["9А"], "s": ids["алгебра"], "p": ids["period"]}
    )
    assert codes(sheet) == ["FORBIDDEN"]
    summary = await gateway.as_user("teacher", SUMMARY, {"c": ids["7Б"], "y": ids["year"]})
    assert "FORBIDDEN" in codes(summary)


async def test_settings_are_read_by_staff_and_only_the_administrator_changes_them(
    gateway: Gateway,
) -> None:
    settings = ok(await gateway.as_user("teacher", SETTINGS))["journalSettings"]
    assert settings["lockDays"] == 10 and settings["thresholds"]["five"] == "4.65"
    assert "FORBIDDEN" in codes(await gateway.as_user("student", SETTINGS))
    assert "FORBIDDEN" in codes(await gateway.as_user("teacher", UPDATE))
    assert ok(await gateway.as_user("admin", UPDATE))["updateJournalSettings"]["lockDays"] == 10


async def test_a_teacher_cannot_close_the_year(gateway: Gateway) -> None:
    ids = await demo(gateway)
    for login in ("teacher", "klassruk"):
        assert "FORBIDDEN" in codes(await gateway.as_user(login, CLOSE, {"y": ids["year"]}))
