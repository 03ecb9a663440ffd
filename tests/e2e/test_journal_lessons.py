"""The lesson's record through the gateway on the demo school: topic, files, substitutions."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from deploy.system import System
from tests.e2e.conftest import Gateway
from tests.e2e.demo_days import FIRST_DAY, LAST_DAY, TODAY
from tests.e2e.test_journey import error_codes, person_id

pytestmark = pytest.mark.e2e

WINDOW = {"from": FIRST_DAY.isoformat(), "to": LAST_DAY.isoformat()}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"

LESSONS = """query($from: Date!, $to: Date!) {
  lessons(from: $from, to: $to) { id date number subject { name } schoolClass { name } }
}"""
TOPIC = """mutation($l: ID!, $t: String, $h: String) {
  setLessonTopic(input: {lessonId: $l, topic: $t, homework: $h}) { id topic homework }
}"""
ATTACH = """mutation($l: ID!, $n: String!, $c: String!) {
  attachHomeworkFile(input: {lessonId: $l, fileName: $n, contentType: "application/pdf",
                             contentBase64: $c}) { id name url }
}"""
DIARY = """query($id: ID!, $from: Date!, $to: Date!) {
  diary(studentId: $id, from: $from, to: $to) {
    lessons { id topic files { id name contentType size url } substitution { substitute { id } } }
  }
}"""
SUBSTITUTE = """mutation($l: ID!, $t: ID!) {
  recordSubstitution(input: {lessonId: $l, substituteId: $t, reason: "курсы повышения"}) {
    lessonId substitute { id fullName } absentTeacher { id }
  }
}"""
CANCEL = "mutation($l: ID!) { cancelSubstitution(lessonId: $l) }"


async def future_algebra_lesson_in_7b(gateway: Gateway, skip: int = 0) -> dict[str, Any]:
    result = await gateway.as_user("teacher", LESSONS, WINDOW)
    lessons = [
        lesson
        for lesson in result["data"]["lessons"]
        if lesson["schoolClass"]["name"] == "7Б"
        and lesson["subject"]["name"] == "алгебра"
        and lesson["date"] > TODAY.isoformat()
    ]
    assert len(lessons) > skip, result
    return lessons[skip]


def base_url(system: System) -> str:
    return system.graphql_url.removesuffix("/graphql")


async def test_the_teacher_writes_a_russian_topic_and_the_student_downloads_the_homework_file(
    gateway: Gateway, system: System
) -> None:
    lesson = await future_algebra_lesson_in_7b(gateway)
    english = await gateway.as_user("teacher", TOPIC, {"l": lesson["id"], "t": "Linear function"})
    assert error_codes(english) == ["VALIDATION"]
    topic = await gateway.as_user(
        "teacher", TOPIC, {"l": lesson["id"], "t": "Линейная функция", "h": "№ 231 и карточка"}
    )
    assert topic["data"]["setLessonTopic"]["topic"] == "Линейная функция", topic
    attached = await gateway.as_user(
        "teacher",
        ATTACH,
        {"l": lesson["id"], "n": "Карточка.pdf", "c": base64.b64encode(PDF).decode()},
    )
    assert "errors" not in attached, attached
    file_id = attached["data"]["attachHomeworkFile"]["id"]

    student = await person_id(gateway, "student")
    day = lesson["date"]
    diary = await gateway.as_user("student", DIARY, {"id": student, "from": day, "to": day})
    assert "errors" not in diary, diary
    [found] = [
        f
        for day in diary["data"]["diary"]
        for item in day["lessons"]
        for f in item["files"]
        if f["id"] == file_id
    ]
    assert found["name"] == "Карточка.pdf" and found["size"] == len(PDF)
    response = await gateway.http.get(base_url(system) + found["url"])
    assert response.status_code == 200 and response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert "Карточка" not in response.headers["content-disposition"]  # encoded, not raw
    assert "filename*=UTF-8''" in response.headers["content-disposition"]

    token = found["url"].rsplit("/", 1)[1]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    refused = await gateway.http.get(f"{base_url(system)}/files/{forged}")
    assert refused.status_code in (403, 404) and refused.content != PDF
    odd = await gateway.http.get(f"{base_url(system)}/files/..%2Fgraphql")
    assert odd.status_code == 404


async def test_the_secretary_arranges_a_substitution_and_the_substitute_writes_the_lesson(
    gateway: Gateway,
) -> None:
    lesson = await future_algebra_lesson_in_7b(gateway, skip=1)
    klassruk = await person_id(gateway, "klassruk")
    variables = {"l": lesson["id"], "t": klassruk}
    assert error_codes(await gateway.as_user("teacher", SUBSTITUTE, variables)) == ["FORBIDDEN"]
    before = await gateway.as_user("klassruk", TOPIC, {"l": lesson["id"], "t": "Степень"})
    assert error_codes(before) == ["FORBIDDEN"]

    recorded = await gateway.as_user("secretary", SUBSTITUTE, variables)
    assert "errors" not in recorded, recorded
    sub = recorded["data"]["recordSubstitution"]
    assert sub["substitute"]["id"] == klassruk and sub["substitute"]["fullName"]
    try:
        written = await gateway.as_user("klassruk", TOPIC, {"l": lesson["id"], "t": "Степень"})
        assert written["data"]["setLessonTopic"]["topic"] == "Степень", written
    finally:
        cancelled = await gateway.as_user("secretary", CANCEL, {"l": lesson["id"]})
        assert cancelled["data"]["cancelSubstitution"] == lesson["id"], cancelled
    after = await gateway.as_user("klassruk", TOPIC, {"l": lesson["id"], "t": "Степень"})
    assert error_codes(after) == ["FORBIDDEN"]
