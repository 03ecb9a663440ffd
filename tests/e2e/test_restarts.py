"""Under `sgo up`, a service killed with SIGKILL comes back, and nothing is lost."""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator
from typing import Any

import pytest

from deploy.system import System
from tests.e2e.conftest import Gateway, demo_gateway, running_system
from tests.e2e.test_journey import MARK_ABSENT, person_id, teachers_algebra_lesson_in_7b
from tests.support import Infra, eventually

pytestmark = pytest.mark.e2e


# These tests kill processes: they get a system of their own, so that no other end-to-end test
# meets a service that is restarting, and the absences they write meet nobody else's.
@pytest.fixture(scope="module")
async def system(infra: Infra) -> AsyncIterator[System]:
    async with running_system(infra, "restarts") as running:
        yield running


@pytest.fixture(scope="module")
async def gateway(system: System) -> AsyncIterator[Gateway]:
    async with demo_gateway(system) as client:
        yield client


# One query per subgraph, as the person who may ask it.
ANSWERS_FROM = {
    "people": ("teacher", "{ me { person { fullName } } }", "me"),
    "journal": ("teacher", "{ subjects { id name } }", "subjects"),
    "messaging": ("parent", "{ myNotices { id } }", "myNotices"),
    "reports": (
        "zavuch",
        "query($id: ID!) { classAverages(schoolClassId: $id) { average } }",
        "classAverages",
    ),
}


async def _kill(system: System, name: str) -> None:
    """SIGKILL the process, and wait until the supervisor has started another."""
    old = system.supervisor.children[name].proc.pid
    os.kill(old, signal.SIGKILL)

    async def replaced() -> bool:
        child = system.supervisor.children[name]
        return child.proc.pid != old and child.returncode is None

    await eventually(replaced, timeout=30)


async def test_each_service_killed_in_turn_is_restarted_and_answers_again(
    system: System, gateway: Gateway
) -> None:
    classes = await gateway.as_user("zavuch", "{ schoolClasses { id name } }")
    seven_b = next(c["id"] for c in classes["data"]["schoolClasses"] if c["name"] == "7Б")
    for login, _, _ in ANSWERS_FROM.values():
        await gateway.token(login)  # signed in before people goes down
    before = dict(system.supervisor.restarts)
    for name, (login, query, field) in ANSWERS_FROM.items():
        await _kill(system, name)

        async def answers(login: str = login, query: str = query, field: str = field) -> bool:
            result = await gateway.as_user(login, query, {"id": seven_b} if "$id" in query else {})
            return not result.get("errors") and (result.get("data") or {}).get(field) is not None

        await eventually(answers, timeout=60)
        assert system.supervisor.restarts[name] == before[name] + 1
        assert f'sgo_child_restarts_total{{child="{name}"}} {before[name] + 1}' in (
            system.metrics_path.read_text()
        )
    assert not system.supervisor.failed.is_set()


async def test_an_event_written_while_its_consumer_was_down_is_applied_after_the_restart(
    system: System, gateway: Gateway
) -> None:
    lesson = await teachers_algebra_lesson_in_7b(gateway)
    student = await person_id(gateway, "student")
    seen = {n["id"] for n in (await gateway.as_user("parent", "{ myNotices { id } }"))["data"]
            ["myNotices"]}  # fmt: skip

    async def mark(code: str) -> None:
        variables = {"input": {"lessonId": lesson["id"], "studentId": student, "code": code}}
        marked = await gateway.as_user("teacher", MARK_ABSENT, variables)
        assert "errors" not in marked, marked

    await mark("LATE")  # a change to ОТ is always told, so the ОТ below makes a new notice
    old = system.supervisor.children["messaging"].proc.pid
    os.kill(old, signal.SIGKILL)  # messaging, which turns absences into notices, is down
    await mark("ABSENT")

    async def new_absence_notice() -> list[dict[str, Any]]:
        result = await gateway.as_user("parent", "{ myNotices { id text } }")
        notices = (result.get("data") or {}).get("myNotices") or []
        return [n for n in notices if n["id"] not in seen and "отсутствовал" in n["text"]]

    notices = await eventually(new_absence_notice, timeout=120)
    assert len(notices) == 1
    assert system.supervisor.children["messaging"].proc.pid != old
