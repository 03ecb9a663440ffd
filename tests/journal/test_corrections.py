"""Correction requests: a locked lesson changes only by an approver's decision, applied at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from services.journal.domain.marks import (
    CorrectionAction,
    check_approvers,
    check_correction_fields,
    check_reason,
)
from services.journal.models import Attendance, AttendanceHistory, Mark
from services.kernel.errors import ValidationFailed
from services.kernel.roles import Role
from tests.journal.marks_world import World, code_of, data, marks_world, message_of
from tests.support import Infra, eventually

REQUEST = """mutation(
  $l: ID!, $s: ID!, $action: CorrectionAction!, $reason: String!, $m: ID, $a: ID, $v: Int,
  $code: String
) {
  requestCorrection(input: {
    lessonId: $l, studentId: $s, action: $action, reason: $reason, markId: $m, assignmentId: $a,
    value: $v, attendanceCode: $code
  }) { id status action actionLabel value reason lessonDate requestedBy { id } }
}"""
DECIDE = """mutation($id: ID!, $approve: Boolean!, $c: String) {
  decideCorrection(input: {requestId: $id, approve: $approve, comment: $c}) {
    id status decidedBy { id } decisionComment
  }
}"""
APPROVERS = "mutation($r: [Role!]!) { setCorrectionApprovers(roles: $r) }"
READ_APPROVERS = "query { correctionApprovers }"
REQUESTS = """query($st: CorrectionStatus) {
  correctionRequests(status: $st) {
    id status requestedBy { id } lessonNumber subject { name } schoolClass { id }
  }
}"""
RECORD = """mutation($l: ID!, $s: ID!, $v: Int!) {
  recordMark(input: {lessonId: $l, studentId: $s, value: $v}) { id }
}"""
HISTORY = """query($l: ID, $m: ID) {
  markHistory(lessonId: $l, markId: $m) {
    markId action valueBefore valueAfter viaCorrection correctionRequestId changedBy { id }
  }
}"""
REASON = "Отметка пропущена: учащийся писал работу в другой день."


# --- the rules (no database) ---------------------------------------------------------------------


def test_a_reason_is_required_and_russian() -> None:
    assert check_reason("  Ошибка при вводе ") == "Ошибка при вводе"
    for reason in (None, "", "typo"):
        with pytest.raises(ValidationFailed):
            check_reason(reason)


@pytest.mark.parametrize(
    ("action", "fields", "missing"),
    [
        (CorrectionAction.CHANGE_MARK, {"value": 4}, "markId"),
        (CorrectionAction.REMOVE_MARK, {}, "markId"),
        (CorrectionAction.RECORD_MARK, {}, "value"),
        (CorrectionAction.SET_ATTENDANCE, {}, "attendanceCode"),
    ],
)
def test_each_action_names_what_it_changes(
    action: CorrectionAction, fields: dict[str, Any], missing: str
) -> None:
    arguments: dict[str, Any] = {"mark_id": None, "value": None, "attendance_code": None}
    with pytest.raises(ValidationFailed) as caught:
        check_correction_fields(action, **{**arguments, **fields})
    assert caught.value.extensions["field"] == missing


def test_only_the_administration_approves_corrections() -> None:
    assert check_approvers([Role.DIRECTOR, Role.DIRECTOR]) == ["director"]
    for roles in ([], [Role.SUBJECT_TEACHER], [Role.DIRECTOR, Role.CLASS_TEACHER]):
        with pytest.raises(ValidationFailed):
            check_approvers(roles)


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[World]:
    async with marks_world(infra) as w:
        yield w


async def _request(world: World, as_: str = "teacher", **variables: Any) -> dict[str, Any]:
    args = {
        "l": world.id("locked_7b"),
        "s": world.id("student"),
        "action": "RECORD_MARK",
        "reason": REASON,
        "v": 5,
    }
    return await world.gql(REQUEST, as_, **{**args, **variables})


async def _marks_of(world: World, student: str) -> list[Mark]:
    async with world.svc.runtime.db.sessionmaker() as s:
        rows = await s.scalars(
            select(Mark).where(
                Mark.lesson_id == world.ids["locked_7b"], Mark.student_id == world.ids[student]
            )
        )
        return list(rows)


async def test_an_open_lesson_is_corrected_by_the_teacher_without_a_request(world: World) -> None:
    result = await _request(world, l=world.id("fresh_7b"))
    assert code_of(result) == "VALIDATION"
    assert "измените сами" in message_of(result)


@pytest.mark.parametrize(
    ("reason", "field"), [("", "reason"), ("   ", "reason"), ("Forgot to record", "reason")]
)
async def test_a_request_needs_a_reason_in_russian(world: World, reason: str, field: str) -> None:
    result = await _request(world, reason=reason)
    assert code_of(result) == "VALIDATION"
    assert result["errors"][0]["extensions"]["field"] == field


async def test_a_teacher_cannot_request_a_correction_in_a_foreign_class(world: World) -> None:
    result = await _request(world, l=world.id("locked_8a"), s=world.id("other_student"))
    assert code_of(result) == "NOT_FOUND"  # a lesson they neither teach nor lead
    assert code_of(await _request(world, as_="student")) == "FORBIDDEN"


async def test_an_approved_request_records_the_mark_with_its_history(world: World) -> None:
    request = data(await _request(world))["requestCorrection"]
    assert (request["status"], request["action"]) == ("PENDING", "RECORD_MARK")
    assert request["actionLabel"] == "поставить отметку"
    assert await _marks_of(world, "student") == []
    decided = data(await world.gql(DECIDE, "quality", id=request["id"], approve=True))
    assert decided["decideCorrection"]["status"] == "APPROVED"
    assert decided["decideCorrection"]["decidedBy"] == {"id": world.id("quality")}
    [mark] = await _marks_of(world, "student")
    assert mark.value == 5
    history = data(await world.gql(HISTORY, "teacher", m=str(mark.id)))["markHistory"]
    assert [(h["action"], h["valueAfter"], h["viaCorrection"]) for h in history] == [
        ("RECORDED", 5, True)
    ]
    assert history[0]["correctionRequestId"] == request["id"]

    async def published() -> bool:
        decided_events = [
            e["payload"]
            for e in world.published("journal.correction.decided")
            if e["payload"]["request_id"] == request["id"]
        ]
        recorded = [
            e
            for e in world.published("journal.mark.recorded")
            if e["payload"]["mark_id"] == str(mark.id)
        ]
        requested = [
            e
            for e in world.published("journal.correction.requested")
            if e["payload"]["request_id"] == request["id"]
        ]
        return bool(decided_events and recorded and requested) and decided_events[0]

    payload = await eventually(published)
    assert payload["approved"] is True and payload["action"] == "record_mark"
    assert payload["requested_by"] == world.id("teacher")
    assert payload["decided_by"] == world.id("quality")
    assert payload["lesson_id"] == world.id("locked_7b")
    # Decided once only.
    again = await world.gql(DECIDE, "director", id=request["id"], approve=False)
    assert code_of(again) == "CONFLICT"


async def test_an_approved_change_and_a_rejected_removal(world: World) -> None:
    first = data(await _request(world, s=world.id("classmate"), v=3))["requestCorrection"]
    data(await world.gql(DECIDE, "director", id=first["id"], approve=True))
    [mark] = await _marks_of(world, "classmate")
    change = data(
        await _request(world, s=world.id("classmate"), action="CHANGE_MARK", m=str(mark.id), v=4)
    )["requestCorrection"]
    data(await world.gql(DECIDE, "quality", id=change["id"], approve=True))
    [changed] = await _marks_of(world, "classmate")
    assert changed.value == 4
    removal = data(
        await _request(world, s=world.id("classmate"), action="REMOVE_MARK", m=str(mark.id), v=None)
    )["requestCorrection"]
    rejected = data(
        await world.gql(DECIDE, "quality", id=removal["id"], approve=False, c="Оснований нет")
    )["decideCorrection"]
    assert (rejected["status"], rejected["decisionComment"]) == ("REJECTED", "Оснований нет")
    [kept] = await _marks_of(world, "classmate")
    assert kept.value == 4
    history = data(await world.gql(HISTORY, "klassruk", m=str(mark.id)))["markHistory"]
    assert [(h["action"], h["valueBefore"], h["valueAfter"]) for h in history] == [
        ("RECORDED", None, 3),
        ("CHANGED", 3, 4),
    ]
    assert all(h["viaCorrection"] for h in history)


async def test_an_approved_attendance_correction_sets_it_with_history(world: World) -> None:
    unknown = await _request(world, s=world.id("third"), action="SET_ATTENDANCE", code="ЖЖ")
    assert code_of(unknown) == "VALIDATION"
    request = data(
        await _request(world, s=world.id("third"), action="SET_ATTENDANCE", code="Б", v=None)
    )["requestCorrection"]
    data(await world.gql(DECIDE, "quality", id=request["id"], approve=True))
    async with world.svc.runtime.db.sessionmaker() as s:
        code = await s.scalar(
            select(Attendance.code).where(
                Attendance.lesson_id == world.ids["locked_7b"],
                Attendance.student_id == world.ids["third"],
            )
        )
        history = list(
            await s.scalars(
                select(AttendanceHistory).where(AttendanceHistory.student_id == world.ids["third"])
            )
        )
    assert code == "Б"
    assert [(h.code_before, h.code_after, str(h.correction_request_id)) for h in history] == [
        (None, "Б", request["id"])
    ]

    async def published() -> list[dict[str, Any]]:
        return [
            e
            for e in world.published("journal.attendance.set")
            if e["payload"]["student_id"] == world.id("third") and e["payload"]["code"] == "Б"
        ]

    await eventually(published)
    clear = data(await _request(world, s=world.id("third"), action="CLEAR_ATTENDANCE", v=None))[
        "requestCorrection"
    ]
    data(await world.gql(DECIDE, "director", id=clear["id"], approve=True))
    async with world.svc.runtime.db.sessionmaker() as s:
        left = await s.scalar(
            select(Attendance.code).where(
                Attendance.lesson_id == world.ids["locked_7b"],
                Attendance.student_id == world.ids["third"],
            )
        )
        changes = list(
            await s.scalars(
                select(AttendanceHistory)
                .where(AttendanceHistory.student_id == world.ids["third"])
                .order_by(AttendanceHistory.changed_at)
            )
        )
    assert left is None
    assert [(h.code_before, h.code_after) for h in changes] == [(None, "Б"), ("Б", None)]
    nothing_to_clear = await _request(world, s=world.id("third"), action="CLEAR_ATTENDANCE")
    assert code_of(nothing_to_clear) == "VALIDATION"


async def test_a_teacher_cannot_decide_a_request(world: World) -> None:
    request = data(await _request(world, s=world.id("third"), v=2))["requestCorrection"]
    for who in ("teacher", "klassruk"):
        assert code_of(await world.gql(DECIDE, who, id=request["id"], approve=True)) == "FORBIDDEN"
    # An administration role not on the approver list is refused too.
    result = await world.gql(DECIDE, "general", id=request["id"], approve=True)
    assert code_of(result) == "FORBIDDEN"
    assert "заместитель директора по контролю качества" in message_of(result)
    data(await world.gql(DECIDE, "director", id=request["id"], approve=False))


async def test_a_changed_approver_list_takes_effect(world: World) -> None:
    assert code_of(await world.gql(APPROVERS, "quality", r=["DEPUTY_DIRECTOR_GENERAL"])) == (
        "FORBIDDEN"
    )
    bad = await world.gql(APPROVERS, "admin", r=["SUBJECT_TEACHER"])
    assert code_of(bad) == "VALIDATION"
    saved = data(await world.gql(APPROVERS, "admin", r=["DEPUTY_DIRECTOR_GENERAL"]))
    assert saved["setCorrectionApprovers"] == ["DEPUTY_DIRECTOR_GENERAL"]
    assert data(await world.gql(READ_APPROVERS, "teacher"))["correctionApprovers"] == [
        "DEPUTY_DIRECTOR_GENERAL"
    ]
    assert code_of(await world.gql(READ_APPROVERS, "student")) == "FORBIDDEN"
    try:
        request = data(await _request(world, s=world.id("third"), v=3))["requestCorrection"]
        assert code_of(await world.gql(DECIDE, "quality", id=request["id"], approve=True)) == (
            "FORBIDDEN"
        )
        decided = data(await world.gql(DECIDE, "general", id=request["id"], approve=True))
        assert decided["decideCorrection"]["status"] == "APPROVED"
    finally:
        data(await world.gql(APPROVERS, "admin", r=["DEPUTY_DIRECTOR_QUALITY", "DIRECTOR"]))


async def test_approvers_see_the_schools_requests_and_a_teacher_only_their_own(
    world: World,
) -> None:
    mine = data(
        await _request(world, s=world.id("student"), action="SET_ATTENDANCE", code="УП", v=None)
    )["requestCorrection"]
    everything = data(await world.gql(REQUESTS, "quality"))["correctionRequests"]
    [found] = [r for r in everything if r["id"] == mine["id"]]
    assert found["subject"] == {"name": "алгебра"} and found["lessonNumber"] == 2
    assert found["schoolClass"] == {"id": world.id("7Б")}
    pending = data(await world.gql(REQUESTS, "director", st="PENDING"))["correctionRequests"]
    assert {r["status"] for r in pending} == {"PENDING"}
    own = data(await world.gql(REQUESTS, "teacher"))["correctionRequests"]
    assert own and {r["requestedBy"]["id"] for r in own} == {world.id("teacher")}
    assert data(await world.gql(REQUESTS, "other_teacher"))["correctionRequests"] == []
    assert code_of(await world.gql(REQUESTS, "student")) == "FORBIDDEN"


async def test_teachers_still_cannot_change_the_locked_lesson_themselves(world: World) -> None:
    result = await world.gql(RECORD, "teacher", l=world.id("locked_7b"), s=world.id("third"), v=5)
    assert code_of(result) == "LOCKED"
