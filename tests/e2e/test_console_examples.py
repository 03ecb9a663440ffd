"""The console's example queries run without errors for every demo user they are shown to.

The console fills an example's ``{{source}}`` variables from the signed-in user's data
(``gateway/static/console.js``, ``resolveContext``); this test fills them the same way.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import Gateway

pytestmark = pytest.mark.e2e

EXAMPLES: list[dict[str, Any]] = json.loads(
    (Path(__file__).resolve().parents[2] / "gateway" / "static" / "examples.json").read_text()
)["examples"]
DEMO_LOGINS = [
    "director",
    "admin",
    "zavuch",
    "teacher",
    "klassruk",
    "parent",
    "student",
    "medic",
    "psychologist",
    "secretary",
    "hr",
]
PLACEHOLDER = re.compile(r"^\{\{([\w.]+)\}\}$")


def _shown_to(example: dict[str, Any], roles: set[str]) -> bool:
    return not example["roles"] or bool(roles & set(example["roles"]))


async def _context(gateway: Gateway, login: str, me: dict[str, Any]) -> dict[str, str]:
    today = datetime.now(ZoneInfo(me["school"]["timezone"])).date()
    monday = today - timedelta(days=today.weekday())
    context = {
        "today": today.isoformat(),
        "week.from": monday.isoformat(),
        "week.to": (monday + timedelta(days=6)).isoformat(),
        "me.person.id": me["person"]["id"],
    }
    children = await gateway.as_user(login, "{ myChildren { id } }")
    if children.get("data") and children["data"]["myChildren"]:
        context["child.id"] = children["data"]["myChildren"][0]["id"]
    load = await gateway.as_user(login, "{ teachingLoad { schoolClass { id } subject { id } } }")
    if load.get("data") and load["data"]["teachingLoad"]:
        context["load.schoolClass.id"] = load["data"]["teachingLoad"][0]["schoolClass"]["id"]
        context["load.subject.id"] = load["data"]["teachingLoad"][0]["subject"]["id"]
    return context


def _fill(variables: dict[str, Any], context: dict[str, str]) -> dict[str, Any]:
    filled = {}
    for name, value in variables.items():
        match = PLACEHOLDER.match(value) if isinstance(value, str) else None
        filled[name] = context[match.group(1)] if match else value
    return filled


async def test_every_console_example_runs_for_every_demo_user_it_is_shown_to(
    gateway: Gateway,
) -> None:
    me_query = "{ me { person { id } roles { code } school { timezone } } }"
    ran: set[str] = set()
    for login in DEMO_LOGINS:
        me = (await gateway.as_user(login, me_query))["data"]["me"]
        roles = {r["code"] for r in me["roles"]}
        context = await _context(gateway, login, me)
        for example in EXAMPLES:
            if not _shown_to(example, roles):
                continue
            variables = _fill(example.get("variables", {}), context)
            result = await gateway.as_user(login, example["query"], variables)
            assert "errors" not in result, (login, example["title"], result)
            assert result["data"], (login, example["title"])
            ran.add(example["title"])
    assert ran == {e["title"] for e in EXAMPLES}, "every example is shown to some demo user"
