"""Bad input is VALIDATION in Russian before any resolver: NUL bytes, long strings, impossible
dates and GraphQL's own coercion errors, for anyone calling a subgraph directly."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import strawberry
from graphql import parse, specified_rules, validate

from services.kernel.graphql import build_schema
from services.kernel.inputs import DEFAULT_MAX_LENGTH, max_length, string_literal_rule

resolved: list[str] = []  # what reached a resolver


@strawberry.input
class NoteInput:
    text: str
    attachment: str = strawberry.field(default="", metadata=max_length(100_000))
    day: datetime.date | None = None


@strawberry.type
class Query:
    @strawberry.field
    def lessons(self, start: datetime.date, end: datetime.date) -> list[str]:
        resolved.append("lessons")
        return [start.isoformat(), end.isoformat()]

    @strawberry.field
    def hello(self, name: str, times: int = 1) -> str:
        resolved.append("hello")
        return name * times


@strawberry.type
class Mutation:
    @strawberry.mutation
    def save_note(self, input: NoteInput) -> int:
        resolved.append("saveNote")
        return len(input.attachment)


schema = build_schema(query=Query, mutation=Mutation)


async def run(query: str, variables: dict[str, Any] | None = None) -> tuple[Any, list[Any]]:
    resolved.clear()
    result = await schema.execute(query, variable_values=variables)
    errors = [(e.message, e.extensions) for e in result.errors or []]
    return result.data, errors


def only_error(errors: list[Any]) -> tuple[str, dict[str, Any]]:
    assert len(errors) == 1, errors
    assert not resolved, resolved
    return errors[0]


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        ('{ hello(name: "a\\u0000b") }', None, "name"),
        ("query($n: String!) { hello(name: $n) }", {"n": "логин\x00"}, "n"),
        (
            "mutation($i: NoteInput!) { saveNote(input: $i) }",
            {"i": {"text": "\x00", "attachment": ""}},
            "text",
        ),
    ],
)
async def test_a_nul_byte_is_validation_naming_the_field(
    query: str, variables: dict[str, Any] | None, field: str
) -> None:
    _, errors = await run(query, variables)
    message, extensions = only_error(errors)
    assert extensions == {"code": "VALIDATION", "field": field}
    assert f"Поле «{field}» содержит недопустимый символ" in message


async def test_an_impossible_date_is_validation_as_a_literal_and_as_a_variable() -> None:
    _, errors = await run('{ lessons(start: "2026-02-30", end: "2026-03-01") }')
    message, extensions = only_error(errors)
    assert extensions == {"code": "VALIDATION", "field": "start"}
    assert message.startswith("Неверная дата «2026-02-30»")
    _, errors = await run(
        'query($s: Date!) { lessons(start: $s, end: "2026-03-01") }', {"s": "2026-02-30"}
    )
    message, extensions = only_error(errors)
    assert extensions == {"code": "VALIDATION", "field": "s"}
    assert "Неверная дата «2026-02-30»" in message and "$s" in message


async def test_a_string_longer_than_the_default_is_refused_unless_the_field_allows_it() -> None:
    _, errors = await run(
        "query($n: String!) { hello(name: $n) }", {"n": "я" * (DEFAULT_MAX_LENGTH + 1)}
    )
    message, extensions = only_error(errors)
    assert extensions == {"code": "VALIDATION", "field": "n"}
    assert f"не больше {DEFAULT_MAX_LENGTH} символов" in message
    long_text = {"text": "x" * (DEFAULT_MAX_LENGTH + 1)}
    _, errors = await run("mutation($i: NoteInput!) { saveNote(input: $i) }", {"i": long_text})
    assert only_error(errors)[1] == {"code": "VALIDATION", "field": "text"}
    declared = {"text": "x", "attachment": "y" * 50_000}
    data, errors = await run("mutation($i: NoteInput!) { saveNote(input: $i) }", {"i": declared})
    assert errors == [] and data == {"saveNote": 50_000}


@pytest.mark.parametrize(
    ("query", "variables", "words"),
    [
        ('query($t: Int!) { hello(name: "x", times: $t) }', {"t": 2**40}, "вне допустимого"),
        ('{ hello(name: "x", times: 99999999999) }', None, "вне допустимого"),
        ('query($t: Int!) { hello(name: "x", times: $t) }', {}, "обязательно"),
        ('query($t: Int!) { hello(name: "x", times: $t) }', {"t": "два"}, "целое число"),
        (
            "mutation($i: NoteInput!) { saveNote(input: $i) }",
            {"i": {"text": "x", "day": "2026-13-01"}},
            "Неверная дата",
        ),
    ],
)
async def test_graphqls_own_coercion_errors_come_in_russian_as_validation(
    query: str, variables: dict[str, Any] | None, words: str
) -> None:
    _, errors = await run(query, variables)
    message, extensions = only_error(errors)
    assert extensions["code"] == "VALIDATION"
    assert words in message
    assert not any(english in message for english in ("cannot", "Expected", "Variable"))


async def test_a_document_that_does_not_fit_the_schema_is_told_in_russian() -> None:
    _, errors = await run("{ nope }")
    message, extensions = only_error(errors)
    assert message == "Поля «nope» нет у типа Query."
    assert extensions == {"code": "GRAPHQL_VALIDATION"}


@pytest.mark.parametrize(
    "query",
    ['mutation { login(login: "a", password: "b") { id } }', '{ hello(nickname: "b") }'],
)
def test_a_string_given_to_an_unknown_field_or_argument_is_told_by_validation(query: str) -> None:
    """The gateway validates with the same rule: it must report, not crash, on such a string."""
    errors = validate(
        schema._schema, parse(query), [*specified_rules, string_literal_rule(lengths=False)]
    )
    assert any("Unknown argument" in e.message or "Cannot query" in e.message for e in errors)
