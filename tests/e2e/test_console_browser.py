"""The browser console in a real headless Chromium, in a network where no other host answers.

Skipped where no Chromium is installed (Debian: ``apt-get install chromium``; or point
``SGO_TEST_CHROMIUM`` at a binary).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from deploy.system import System
from tests.e2e.browser import Page, find_chromium, open_page
from tests.e2e.conftest import DEMO_PASSWORD, Gateway

CHROMIUM = find_chromium()
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no Chromium installed (apt-get install chromium, or set SGO_TEST_CHROMIUM)",
    ),
]

VIEW = "document.body.dataset.view"


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    assert CHROMIUM is not None
    async with open_page(CHROMIUM) as opened:
        yield opened


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _left_the_origin(page: Page, origin: str) -> list[str]:
    return [
        r["url"]
        for r in page.requests
        if not r["url"].startswith(("data:", "about:")) and _origin(r["url"]) != origin
    ]


async def _log_in(page: Page, login: str, password: str) -> None:
    await page.type_into("#login-name", login)
    await page.type_into("#login-password", password)
    await page.click("#login-submit")


async def _run(page: Page, query: str) -> dict:
    """Type a query and run it with Ctrl+Enter, as a user would; the response as shown."""
    runs = int(await page.evaluate("document.getElementById('response').dataset.runs || 0"))
    await page.evaluate("document.getElementById('variables').value = ''")
    await page.type_into("#query", query)
    await page.press("Enter", "Enter", 13, ctrl=True)
    await page.wait_for(f"document.getElementById('response').dataset.runs === '{runs + 1}'")
    return json.loads(await page.evaluate("document.getElementById('response').textContent"))


async def test_teacher_logs_in_runs_me_and_logs_out_without_leaving_the_origin(
    page: Page, system: System, gateway: Gateway
) -> None:
    origin = _origin(system.graphql_url)
    await page.send("Page.navigate", {"url": system.graphql_url})
    await page.wait_for(f"{VIEW} === 'login'")

    await _log_in(page, "teacher", "wrong password")
    error = await page.wait_for("document.getElementById('login-error').textContent")
    assert error == "Неверный логин или пароль."

    await _log_in(page, "teacher", DEMO_PASSWORD)
    await page.wait_for(f"{VIEW} === 'console'")
    assert await page.wait_for("document.getElementById('who-name').textContent")
    assert await page.wait_for("document.querySelectorAll('#examples button').length > 2")

    answer = await _run(page, "{ me { login person { fullName } } }")
    assert "errors" not in answer, answer
    assert answer["data"]["me"]["login"] == "teacher"

    await page.click("[data-tab=schema]")
    status = await page.wait_for(
        "(s => s.startsWith('Типов') && s)(document.getElementById('schema-status').textContent)"
    )
    assert status
    await page.type_into("#schema-search", "classJournal")
    await page.wait_for("document.querySelectorAll('#schema-list button').length > 0")
    await page.evaluate(
        "[...document.querySelectorAll('#schema-list button')]"
        ".find(b => b.firstChild.textContent === 'Query.classJournal').click()"
    )
    field = await page.wait_for("document.querySelector('#schema-detail dt.hit').textContent")
    assert field.startswith("classJournal(")
    await page.click("[data-tab=history]")
    assert await page.evaluate("document.querySelectorAll('#history button').length") == 1

    token = await page.evaluate("sessionStorage.getItem('sgo.console.token')")
    assert token
    calls = [r for r in page.requests if r["url"] == system.graphql_url and r["method"] == "POST"]
    assert any(r["headers"].get("authorization") == f"Bearer {token}" for r in calls)
    stored = await page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert DEMO_PASSWORD not in stored

    await page.click("#logout")
    await page.wait_for(f"{VIEW} === 'login'")
    assert await page.evaluate("sessionStorage.getItem('sgo.console.token')") is None
    refused = await gateway.gql("{ me { login } }", token=token)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    assert _left_the_origin(page, origin) == []
    assert len(page.requests) >= 5
    assert page.problems == []


async def test_a_one_time_password_is_changed_in_the_page_before_anything_else(
    page: Page, system: System, gateway: Gateway
) -> None:
    classes = await gateway.as_user("admin", "{ schoolClasses { students { id } } }")
    student_id = classes["data"]["schoolClasses"][-1]["students"][-1]["id"]
    issued = await gateway.as_user(
        "admin",
        "mutation($id: ID!) { issueCredentials(input: {personId: $id}) "
        "{ login oneTimePassword person { fullName } } }",
        {"id": student_id},
    )
    assert "errors" not in issued, issued
    credentials = issued["data"]["issueCredentials"]

    await page.send("Page.navigate", {"url": system.graphql_url})
    await page.wait_for(f"{VIEW} === 'login'")
    await _log_in(page, credentials["login"], credentials["oneTimePassword"])
    await page.wait_for(f"{VIEW} === 'password'")

    new_password = "Zelenaya-Tetrad-73!"
    await page.type_into("#password-new", new_password)
    await page.type_into("#password-repeat", new_password + "x")
    await page.click("#password-submit")
    mismatch = await page.wait_for("document.getElementById('password-error').textContent")
    assert "не совпадают" in mismatch

    await page.type_into("#password-new", "12345")
    await page.type_into("#password-repeat", "12345")
    await page.click("#password-submit")
    await page.wait_for(
        "(t => !t.includes('не совпадают') && t)"
        "(document.getElementById('password-error').textContent)"
    )
    assert await page.evaluate(VIEW) == "password"

    await page.type_into("#password-new", new_password)
    await page.type_into("#password-repeat", new_password)
    await page.click("#password-submit")
    await page.wait_for(f"{VIEW} === 'console'")
    name = await page.wait_for("document.getElementById('who-name').textContent")
    assert name == credentials["person"]["fullName"]

    again = await gateway.login(credentials["login"], new_password)
    assert again["data"]["login"]["mustChangePassword"] is False
    assert _left_the_origin(page, _origin(system.graphql_url)) == []
    assert page.problems == []


async def test_a_session_ended_elsewhere_asks_to_log_in_again_and_keeps_the_query(
    page: Page, system: System, gateway: Gateway
) -> None:
    classes = await gateway.as_user("admin", "{ schoolClasses { students { id } } }")
    student_id = classes["data"]["schoolClasses"][-1]["students"][-2]["id"]
    issued = await gateway.as_user(
        "admin",
        "mutation($id: ID!) { issueCredentials(input: {personId: $id}) { login oneTimePassword } }",
        {"id": student_id},
    )
    login, one_time = (issued["data"]["issueCredentials"][k] for k in ("login", "oneTimePassword"))
    password = "Sinyaya-Ruchka-58!"
    token = (await gateway.login(login, one_time))["data"]["login"]["accessToken"]
    changed = await gateway.gql(
        "mutation($o: String!, $n: String!) { changePassword(oldPassword: $o, newPassword: $n) }",
        {"o": one_time, "n": password},
        token=token,
    )
    assert changed == {"data": {"changePassword": True}}, changed

    await page.send("Page.navigate", {"url": system.graphql_url})
    await page.wait_for(f"{VIEW} === 'login'")
    await _log_in(page, login, password)
    await page.wait_for(f"{VIEW} === 'console'")
    elsewhere = (await gateway.login(login, password))["data"]["login"]["accessToken"]
    assert (await gateway.gql("mutation { logoutEverywhere }", token=elsewhere))["data"]

    query = "{ me { login } }"
    await page.type_into("#query", query)
    await page.click("#run")
    await page.wait_for(f"{VIEW} === 'login'")
    message = await page.evaluate("document.getElementById('login-error').textContent")
    assert message == "Сеанс завершён. Войдите снова."
    assert await page.evaluate("document.getElementById('login-name').value") == login

    await page.type_into("#login-password", password)
    await page.click("#login-submit")
    await page.wait_for(f"{VIEW} === 'console'")
    assert await page.evaluate("document.getElementById('query').value") == query
    assert page.problems == []
