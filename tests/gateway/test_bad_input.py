"""Bad input is refused at the gateway, in Russian and coded, before any subgraph is called."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.gateway.subgraphs import Subgraph

LOGIN = "mutation($l: String!) { login(login: $l) }"
WEEKDAY = "query($d: Date!, $t: Int) { weekday(day: $d, times: $t) }"


def refusal(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    assert "data" not in body, body
    [error] = body["errors"]
    return error["message"], error["extensions"]


def untouched(subgraphs: dict[str, Subgraph]) -> bool:
    return all(not sg.queries() for sg in subgraphs.values())


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        ('mutation { login(login: "admin\\u0000") }', None, "login"),
        (LOGIN, {"l": "admin\x00"}, "l"),
        ('{ hello(name: "\\u0000") }', None, "name"),
    ],
)
async def test_a_nul_byte_even_in_an_anonymous_login_is_validation(
    gql: Callable[..., Any],
    subgraphs: dict[str, Subgraph],
    query: str,
    variables: dict[str, Any] | None,
    field: str,
) -> None:
    message, extensions = refusal(await gql(query, variables))
    assert extensions == {"code": "VALIDATION", "field": field}
    assert "недопустимый символ" in message
    assert untouched(subgraphs)


async def test_an_impossible_date_is_validation_naming_the_field(
    gql: Callable[..., Any], subgraphs: dict[str, Subgraph]
) -> None:
    message, extensions = refusal(await gql('{ weekday(day: "2026-02-30") }'))
    assert extensions["code"] == "VALIDATION" and extensions["field"] == "day"
    assert message.startswith("Неверная дата «2026-02-30»") and "«day»" in message
    message, extensions = refusal(await gql(WEEKDAY, {"d": "2026-02-30"}))
    assert extensions == {"code": "VALIDATION", "field": "d"}
    assert "Неверная дата «2026-02-30»" in message and "$d" in message
    assert untouched(subgraphs)


@pytest.mark.parametrize(
    ("query", "variables", "words"),
    [
        (WEEKDAY, {"d": "2026-03-02", "t": 2**40}, "вне допустимого диапазона"),
        ('{ weekday(day: "2026-03-02", times: 99999999999) }', None, "вне допустимого"),
        (WEEKDAY, {}, "значение обязательно"),
        (WEEKDAY, {"d": 20260302}, "Дата передаётся строкой"),
        (LOGIN, {"l": ["a"]}, "ожидается строка"),
    ],
)
async def test_graphqls_coercion_errors_are_russian_and_coded(
    gql: Callable[..., Any],
    subgraphs: dict[str, Subgraph],
    query: str,
    variables: dict[str, Any] | None,
    words: str,
) -> None:
    message, extensions = refusal(await gql(query, variables))
    assert extensions["code"] == "VALIDATION", extensions
    assert words in message, message
    assert untouched(subgraphs)


async def test_a_real_date_still_reaches_the_subgraph(gql: Callable[..., Any]) -> None:
    body = await gql(WEEKDAY, {"d": "2026-03-02"})
    assert body == {"data": {"weekday": "Monday"}}


async def test_a_field_that_does_not_exist_is_told_in_russian(gql: Callable[..., Any]) -> None:
    message, extensions = refusal(await gql("{ nope }"))
    assert message == "Поля «nope» нет у типа Query."
    assert extensions["code"] == "GRAPHQL_VALIDATION_FAILED"
