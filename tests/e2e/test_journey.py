"""One journey through all four services, through the gateway, on the demo school."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from deploy.system import System
from gateway.access import undeclared_fields
from gateway.bootstrap import compose_from_subgraphs
from gateway.subgraph_client import SubgraphClient
from services.kernel.demo import DEMO_LOGINS
from tests.e2e.conftest import Gateway
from tests.e2e.demo_days import ALL_DAYS, WEEK
from tests.support import eventually

pytestmark = pytest.mark.e2e

ME = """{
  me { account { login } person { id fullName } roles { role label schoolClass { id name } } }
}"""
LESSONS = """query($from: Date!, $to: Date!, $class: ID) {
  lessons(from: $from, to: $to, schoolClassId: $class) {
    id date number subject { name } schoolClass { id name } teacher { id }
  }
}"""
RECORD_MARK = """mutation($input: RecordMarkInput!) {
  recordMark(input: $input) { id value student { fullName schoolClass { name } } }
}"""
MARK_ABSENT = """mutation($input: MarkAbsentInput!) {
  markAbsent(input: $input) { code label student { fullName } }
}"""
DIARY = """query($id: ID!, $from: Date!, $to: Date!) {
  diary(studentId: $id, from: $from, to: $to) {
    date
    lessons { id number subject { name } topic homework marks { id value } attendance { code } }
  }
}"""


def error_codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


async def person_id(gateway: Gateway, login: str) -> str:
    result = await gateway.as_user(login, ME)
    return result["data"]["me"]["person"]["id"]


async def teachers_algebra_lesson_in_7b(gateway: Gateway) -> dict[str, Any]:
    result = await gateway.as_user("teacher", LESSONS, WEEK)
    lessons = [
        lesson
        for lesson in result["data"]["lessons"]
        if lesson["schoolClass"]["name"] == "7Б" and lesson["subject"]["name"] == "алгебра"
    ]
    assert lessons, result
    return lessons[-1]


@pytest.mark.parametrize("login", DEMO_LOGINS)
async def test_every_demo_login_works_and_me_answers(gateway: Gateway, login: str) -> None:
    result = await gateway.as_user(login, ME)
    assert "errors" not in result, result
    me = result["data"]["me"]
    assert me["account"]["login"] == login
    assert me["person"]["fullName"]
    assert me["roles"], f"{login} has no roles"


async def test_a_wrong_password_is_refused(gateway: Gateway) -> None:
    result = await gateway.login("teacher", "not-the-password")
    assert error_codes(result) == ["UNAUTHENTICATED"]
    assert result["errors"][0]["message"] == "Неверный логин или пароль."


async def test_the_class_teacher_of_the_student_is_klassruk(gateway: Gateway) -> None:
    roles = (await gateway.as_user("klassruk", ME))["data"]["me"]["roles"]
    classes = [r["schoolClass"]["name"] for r in roles if r["schoolClass"]]
    assert "7Б" in classes


async def test_the_teacher_records_a_mark_the_student_and_parent_read_it_with_names_from_people(
    gateway: Gateway,
) -> None:
    lesson = await teachers_algebra_lesson_in_7b(gateway)
    student = await person_id(gateway, "student")
    recorded = await gateway.as_user(
        "teacher",
        RECORD_MARK,
        {"input": {"lessonId": lesson["id"], "studentId": student, "value": 5}},
    )
    assert "errors" not in recorded, recorded
    mark = recorded["data"]["recordMark"]
    # The mark lives in journal; the name and the class come from people through the gateway.
    assert mark["student"]["schoolClass"]["name"] == "7Б"
    assert mark["student"]["fullName"]

    variables = {"id": student, "from": lesson["date"], "to": lesson["date"]}
    for reader in ("student", "parent"):
        diary = await gateway.as_user(reader, DIARY, variables)
        assert "errors" not in diary, diary
        marks = [
            m["id"] for d in diary["data"]["diary"] for les in d["lessons"] for m in les["marks"]
        ]
        assert mark["id"] in marks, f"{reader} does not see the mark"


async def test_the_teacher_cannot_mark_a_class_they_do_not_teach(gateway: Gateway) -> None:
    classes = await gateway.as_user("zavuch", "{ schoolClasses { id name } }")
    other = next(c for c in classes["data"]["schoolClasses"] if c["name"] == "9А")
    lessons = await gateway.as_user("zavuch", LESSONS, {**WEEK, "class": other["id"]})
    lesson = lessons["data"]["lessons"][0]
    students = await gateway.as_user(
        "zavuch",
        "query($id: ID!) { schoolClass(id: $id) { students { id } } }",
        {"id": other["id"]},
    )
    pupil = students["data"]["schoolClass"]["students"][0]["id"]
    refused = await gateway.as_user(
        "teacher",
        RECORD_MARK,
        {"input": {"lessonId": lesson["id"], "studentId": pupil, "value": 4}},
    )
    assert error_codes(refused) == ["NOT_FOUND"]  # not a lesson the teacher sees
    assert refused["data"] == {"recordMark": None}
    absent = await gateway.as_user(
        "teacher",
        MARK_ABSENT,
        {"input": {"lessonId": lesson["id"], "studentId": pupil, "code": "ABSENT"}},
    )
    assert error_codes(absent) == ["NOT_FOUND"]


async def test_a_mark_outside_two_to_five_is_refused_with_a_russian_reason(
    gateway: Gateway,
) -> None:
    lesson = await teachers_algebra_lesson_in_7b(gateway)
    student = await person_id(gateway, "student")
    result = await gateway.as_user(
        "teacher",
        RECORD_MARK,
        {"input": {"lessonId": lesson["id"], "studentId": student, "value": 6}},
    )
    assert error_codes(result) == ["VALIDATION"]
    assert any(ch in result["errors"][0]["message"] for ch in "абвгдеёжзийклмнопрстуфхцчшщыэюя")


async def test_the_diary_is_refused_to_another_family_and_another_student(gateway: Gateway) -> None:
    classes = await gateway.as_user("zavuch", "{ schoolClasses { id name } }")
    seven_b = next(c for c in classes["data"]["schoolClasses"] if c["name"] == "7Б")
    students = await gateway.as_user(
        "klassruk",
        "query($id: ID!) { schoolClass(id: $id) { students { id } } }",
        {"id": seven_b["id"]},
    )
    own = await person_id(gateway, "student")
    classmate = next(s["id"] for s in students["data"]["schoolClass"]["students"] if s["id"] != own)
    variables = {"id": classmate, **WEEK}
    for reader in ("parent", "student"):
        refused = await gateway.as_user(reader, DIARY, variables)
        assert refused == {"data": {"diary": []}}, reader  # a list: as for no such student


async def test_an_absence_reaches_the_parent_as_a_notice(gateway: Gateway) -> None:
    lesson = await teachers_algebra_lesson_in_7b(gateway)
    student = await person_id(gateway, "student")
    marked = await gateway.as_user(
        "teacher",
        MARK_ABSENT,
        {"input": {"lessonId": lesson["id"], "studentId": student, "code": "ABSENT"}},
    )
    assert "errors" not in marked, marked
    assert marked["data"]["markAbsent"]["code"] == "ОТ"

    async def notice() -> list[dict[str, Any]]:
        result = await gateway.as_user("parent", "{ myNotices { id text kind } }")
        day = ".".join(reversed(lesson["date"].split("-")))
        return [
            n for n in result["data"]["myNotices"] if "алгебра" in n["text"] and day in n["text"]
        ]

    # Messaging replays the demo's absences first: a while on a loaded 2-core machine.
    notices = await eventually(notice, timeout=120)
    assert "отсутствовал" in notices[0]["text"]
    # The student is no recipient of a notice about themself.
    own = await gateway.as_user("student", "{ myNotices { id } }")
    assert notices[0]["id"] not in [n["id"] for n in own["data"]["myNotices"]]


async def test_the_class_average_agrees_with_the_journal(gateway: Gateway) -> None:
    me = await gateway.as_user("klassruk", ME)
    seven_b = next(r["schoolClass"] for r in me["data"]["me"]["roles"] if r["schoolClass"])
    subjects = await gateway.as_user("klassruk", "{ subjects { id name } }")
    algebra_id = next(s["id"] for s in subjects["data"]["subjects"] if s["name"] == "алгебра")
    journal_query = """query($class: ID!, $subject: ID!, $from: Date!, $to: Date!) {
      classJournal(schoolClassId: $class, subjectId: $subject, from: $from, to: $to) {
        lessons { marks { value weight } }
      }
    }"""
    averages_query = """query($id: ID!) {
      classAverages(schoolClassId: $id) { subjectName average marksCount schoolClass { name } }
    }"""

    lesson = await teachers_algebra_lesson_in_7b(gateway)
    student = await person_id(gateway, "student")
    recorded = await gateway.as_user(
        "teacher",
        RECORD_MARK,
        {"input": {"lessonId": lesson["id"], "studentId": student, "value": 2}},
    )
    assert "errors" not in recorded, recorded

    async def agrees() -> dict[str, Any] | None:
        journal = await gateway.as_user(
            "klassruk",
            journal_query,
            {"class": seven_b["id"], "subject": algebra_id, **ALL_DAYS},
        )
        assert "errors" not in journal, journal
        marks = [m for les in journal["data"]["classJournal"]["lessons"] for m in les["marks"]]
        result = await gateway.as_user("klassruk", averages_query, {"id": seven_b["id"]})
        assert "errors" not in result, result
        rows = [r for r in result["data"]["classAverages"] if r["subjectName"] == "алгебра"]
        if not rows or rows[0]["marksCount"] != len(marks):
            return None  # the projection is still catching up with the journal's events
        weighted = sum(m["value"] * m["weight"] for m in marks) / sum(m["weight"] for m in marks)
        assert rows[0]["average"] == pytest.approx(weighted, abs=0.006)
        return rows[0]

    # Reports replays the demo's ~5,500 marks first: minutes on a loaded 2-core machine.
    row = await eventually(agrees, timeout=240, interval=0.5)
    assert row["schoolClass"]["name"] == "7Б"
    refused = await gateway.as_user("parent", averages_query, {"id": seven_b["id"]})
    assert error_codes(refused) == ["FORBIDDEN"]


async def test_logout_revokes_the_token_at_once(gateway: Gateway) -> None:
    login = await gateway.login("student")
    token = login["data"]["login"]["accessToken"]
    assert "errors" not in await gateway.gql(ME, token=token)
    out = await gateway.gql("mutation { logout }", token=token)
    assert out["data"]["logout"] is True
    after = await gateway.gql(ME, token=token)
    assert error_codes(after) == ["UNAUTHENTICATED"]


async def test_anonymous_callers_get_nothing_but_login(gateway: Gateway) -> None:
    result = await gateway.gql(ME)
    assert error_codes(result) == ["UNAUTHENTICATED"]


async def test_a_subgraph_refuses_a_call_that_did_not_come_through_the_gateway(
    system: System,
) -> None:
    async with httpx.AsyncClient() as http:
        for name in ("people", "journal", "messaging", "reports"):
            response = await http.post(
                f"{system.service_url(name)}/graphql", json={"query": "{ __typename }"}
            )
            assert response.status_code == 401, name
            assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_every_field_of_the_supergraph_declares_who_may_read_it(system: System) -> None:
    urls = {name: f"{system.service_url(name)}/graphql" for name in system.services}
    async with httpx.AsyncClient() as http:
        supergraph = await compose_from_subgraphs(
            SubgraphClient(http, urls), system.internal_secret, timeout=10
        )
    assert undeclared_fields(supergraph) == []


async def test_every_service_reports_ready_and_exposes_metrics(system: System) -> None:
    async with httpx.AsyncClient() as http:
        for name in system.services:
            base = system.service_url(name)
            ready = await http.get(f"{base}/readyz")
            assert ready.status_code == 200, (name, ready.text)
            assert ready.json() == {
                "ready": True,
                "database": True,
                "migrations": True,
                "nats": True,
            }
            metrics = await http.get(f"{base}/metrics")
            assert "sgo_graphql_requests_total" in metrics.text
        assert (await http.get(f"{system.gateway_url}/healthz")).status_code == 200
