"""Every demo login opens a realistic messaging on first login: letters in the inbox in the
regulation's order, announcements on the board, their chats."""

from __future__ import annotations

import pytest

from services.kernel.demo import DEMO_LOGINS
from tests.e2e.conftest import Gateway
from tests.support import eventually

pytestmark = pytest.mark.e2e

FIRST_LOOK = (
    "{ inbox(order: PRIORITY, limit: 200) { subject senderRank { rank } confirmBy "
    "myConfirmations { child { fullName } confirmedAt } } "
    "announcements { title pinned } discussions { title } }"
)


@pytest.fixture(scope="module", autouse=True)
async def demo_loaded(gateway: Gateway) -> None:
    async def loaded() -> bool:
        result = await gateway.as_user("hr", "{ announcements { title } }")
        return bool((result.get("data") or {}).get("announcements"))

    await eventually(loaded, timeout=240, interval=1.0)


@pytest.mark.parametrize("login", DEMO_LOGINS)
async def test_every_demo_login_has_letters_and_announcements(gateway: Gateway, login: str) -> None:
    result = await gateway.as_user(login, FIRST_LOOK)
    assert "errors" not in result, result
    data = result["data"]
    assert data["inbox"], login
    assert data["announcements"] and data["announcements"][0]["title"] == "Зимние каникулы"


async def test_the_demo_parent_reads_the_class_teacher_first_and_can_confirm_the_trip(
    gateway: Gateway,
) -> None:
    result = await gateway.as_user("parent", FIRST_LOOK)
    inbox = result["data"]["inbox"]
    # All unread on first login: the order is the sender's rank (class teacher 2, teacher 3).
    ranks = [m["senderRank"]["rank"] for m in inbox]
    assert ranks == sorted(ranks) and {2, 3} <= set(ranks)
    trip = next(m for m in inbox if m["subject"] == "Экскурсия в краеведческий музей")
    assert trip["confirmBy"] and trip["myConfirmations"][0]["child"]["fullName"].startswith(
        "Петров Артём"
    )
    assert {"Родители класса 7Б"} <= {d["title"] for d in result["data"]["discussions"]}
    student = await gateway.as_user("student", FIRST_LOOK)
    assert "Чат класса 7Б" in {d["title"] for d in student["data"]["discussions"]}
