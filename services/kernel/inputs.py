"""What a client sends, checked once before any resolver runs, the same at the gateway and in
every subgraph.

- Strings: no NUL byte (PostgreSQL refuses one in text) and, in the subgraphs, no longer than
  ``DEFAULT_MAX_LENGTH`` unless the input field or argument declares its own maximum with
  ``metadata=max_length(n)``. Literals are checked by a validation rule (so once per cached
  document), variables before execution. A bare argument given by a variable
  (``login(login: $l)``) takes the default; a large text belongs in an input field that
  declares its limit.
- Dates and times: an impossible date (``2026-02-30``) is refused by the scalar itself.
- GraphQL's own refusals (an overflowing Int, an unknown enum value, a missing variable, a
  malformed scalar, an unknown field) are answered in Russian: a value the caller got wrong is
  VALIDATION with the variable or field named; a document that does not fit the schema keeps
  its GraphQL code.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import (
    ArgumentNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    ObjectFieldNode,
    OperationDefinitionNode,
    StringValueNode,
    ValidationRule,
    get_named_type,
)
from graphql.utilities import type_from_ast

DEFAULT_MAX_LENGTH = 10_000
FILE_BASE64_MAX = 15 * 1024 * 1024  # a 10 MB file as base64, with room to spare
MAX_LENGTH_KEY = "max_length"
_BACKREF = "strawberry-definition"  # where Strawberry keeps a field's definition
_SHOWN = 40  # characters of a bad value quoted back


def max_length(limit: int) -> dict[str, int]:
    """Metadata for ``strawberry.field`` / ``strawberry.argument``: this string may be longer."""
    return {MAX_LENGTH_KEY: limit}


def _declared_limit(definition: Any) -> int:
    backref = (getattr(definition, "extensions", None) or {}).get(_BACKREF)
    metadata = getattr(backref, "metadata", None) or {}
    return int(metadata.get(MAX_LENGTH_KEY, DEFAULT_MAX_LENGTH))


def _quoted(value: object) -> str:
    text = str(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def value_error(message: str, field: str | None) -> GraphQLError:
    extensions: dict[str, Any] = {"code": "VALIDATION"}
    if field:
        extensions["field"] = field
    return GraphQLError(message, extensions=extensions)


def string_problem(value: str, field: str, limit: int | None) -> str | None:
    if "\x00" in value:
        return f"Поле «{field}» содержит недопустимый символ (NUL, код 0): уберите его."
    if limit is not None and len(value) > limit:
        return f"Поле «{field}» слишком длинное: не больше {limit} символов, передано {len(value)}."
    return None


# --- variables -------------------------------------------------------------------------------


def _walk(
    type_: GraphQLInputType, value: Any, field: str, limit: int | None, lengths: bool
) -> GraphQLError | None:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if value is None:
        return None
    if isinstance(type_, GraphQLList):
        for item in value if isinstance(value, list) else [value]:
            if found := _walk(type_.of_type, item, field, limit, lengths):
                return found
        return None
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(value, dict):
            return None  # GraphQL's own coercion answers that
        for name, item in value.items():
            definition = type_.fields.get(name)
            if definition is not None:
                inner = _declared_limit(definition) if lengths else None
                if found := _walk(definition.type, item, name, inner, lengths):
                    return found
        return None
    if isinstance(value, str) and (problem := string_problem(value, field, limit)):
        return value_error(problem, field)
    return None


def check_variables(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None,
    *,
    lengths: bool,
) -> GraphQLError | None:
    """The first string among the variables that must not reach a resolver, as VALIDATION."""
    if not variables:
        return None
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_ = type_from_ast(schema, definition.type)  # type: ignore[arg-type]
        if type_ is None or name not in variables:
            continue
        limit = DEFAULT_MAX_LENGTH if lengths else None
        if found := _walk(type_, variables[name], name, limit, lengths):  # type: ignore[arg-type]
            return found
    return None


# --- literals in the document -----------------------------------------------------------------


def string_literal_rule(*, lengths: bool) -> type[ValidationRule]:
    """A validation rule refusing NUL bytes (and, with ``lengths``, over-long strings) in the
    document's own string literals; runs once per document with the validation cache."""

    class StringLiterals(ValidationRule):
        def __init__(self, context: Any) -> None:
            super().__init__(context)
            self.fields: list[tuple[str, int | None]] = []

        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            argument = self.context.get_argument()
            limit = _declared_limit(argument) if lengths and argument is not None else None
            self.fields.append((node.name.value, limit))

        def leave_argument(self, *_: Any) -> None:
            self.fields.pop()

        def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
            parent = get_named_type(self.context.get_parent_input_type())
            definition = (
                parent.fields.get(node.name.value)
                if isinstance(parent, GraphQLInputObjectType)
                else None
            )
            limit = _declared_limit(definition) if lengths and definition is not None else None
            self.fields.append((node.name.value, limit))

        def leave_object_field(self, *_: Any) -> None:
            self.fields.pop()

        def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
            field, limit = self.fields[-1] if self.fields else ("query", None)
            problem = string_problem(node.value, field, limit)
            # No input type where the argument or field is unknown: validation reports that.
            input_type = self.context.get_input_type()
            parse = SCALAR_PARSERS.get(get_named_type(input_type).name) if input_type else None
            if problem is None and parse is not None:
                try:
                    parse(node.value)
                except ScalarRefusal as refusal:  # said again here, with the field's name
                    problem = f"{refusal.message.rstrip('.')} (поле «{field}»)."
            if problem:
                extensions = {"code": "VALIDATION", "field": field}
                self.report_error(GraphQLError(problem, node, extensions=extensions))

    return StringLiterals


# --- scalars ---------------------------------------------------------------------------------


class ScalarRefusal(GraphQLError):
    """A date, time or number that cannot be one; its message is for people."""


def _text(value: object, what: str, form: str) -> str:
    if not isinstance(value, str):
        raise ScalarRefusal(f"{what} передаётся строкой в формате {form}.")
    return value


def parse_date(value: object) -> date:
    text = _text(value, "Дата", "ГГГГ-ММ-ДД")
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ScalarRefusal(
            f"Неверная дата «{_quoted(text)}»: укажите существующую дату в формате ГГГГ-ММ-ДД."
        ) from None


def parse_datetime(value: object) -> datetime:
    text = _text(value, "Дата и время", "ГГГГ-ММ-ДДTЧЧ:ММ:СС+ЧЧ:ММ")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ScalarRefusal(
            f"Неверные дата и время «{_quoted(text)}»: укажите их в формате "
            "ГГГГ-ММ-ДДTЧЧ:ММ:СС+ЧЧ:ММ."
        ) from None


def parse_time(value: object) -> time:
    text = _text(value, "Время", "ЧЧ:ММ")
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ScalarRefusal(f"Неверное время «{_quoted(text)}»: укажите его как ЧЧ:ММ.") from None


def parse_decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ScalarRefusal("Число передаётся строкой или числом, например «4.5».")
    try:
        parsed = Decimal(str(value))
    except InvalidOperation:
        raise ScalarRefusal(f"Неверное число «{_quoted(value)}»: например «4.5».") from None
    if not parsed.is_finite():
        raise ScalarRefusal(f"Неверное число «{_quoted(value)}»: например «4.5».")
    return parsed


SCALAR_PARSERS = {
    "Date": parse_date,
    "DateTime": parse_datetime,
    "Time": parse_time,
    "Decimal": parse_decimal,
}


def install_scalar_parsers(schema: GraphQLSchema) -> None:
    """Dates, times and decimals parsed with Russian refusals wherever this schema validates."""
    for name, parse in SCALAR_PARSERS.items():
        scalar = schema.type_map.get(name)
        if scalar is None:
            continue

        def parse_literal(node: Any, variables: Any = None, parse: Any = parse) -> Any:
            from graphql import value_from_ast_untyped

            return parse(value_from_ast_untyped(node, variables))

        scalar.parse_value = parse  # type: ignore[attr-defined,method-assign]
        scalar.coerce_input_value = parse  # type: ignore[attr-defined,method-assign]
        scalar.parse_literal = parse_literal  # type: ignore[attr-defined,method-assign]
        scalar.coerce_input_literal = None  # type: ignore[attr-defined]


def without_repeats(errors: list[GraphQLError]) -> list[GraphQLError]:
    """A scalar's refusal of a literal is reported twice in validation (by GraphQL's own rule,
    without a location, and by ``string_literal_rule`` with the field): keep the second."""

    def refusal(error: GraphQLError) -> bool:
        return isinstance(error, ScalarRefusal) or isinstance(error.original_error, ScalarRefusal)

    said = [e.message for e in errors if not refusal(e)]
    return [
        e
        for e in errors
        if not (refusal(e) and any(m.startswith(e.message.rstrip(".")) for m in said))
    ]


# --- GraphQL's own messages, in Russian --------------------------------------------------------

_VARIABLE = re.compile(r"^Variable '\$(?P<name>\w+)' has invalid value(?: at (?P<at>\S+))?: ")
_EXPECTED_FOUND = re.compile(
    r"^Expected value of type '[^']+', but encountered error '(?P<reason>.*)'; found: .*$", re.S
)
_VALUE_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Int cannot represent non 32-bit signed integer value: (?P<v>.*)$", re.S),
     "число {v} вне допустимого диапазона (целое от −2147483648 до 2147483647)"),
    (re.compile(r"^Int cannot represent non-integer value: (?P<v>.*)$", re.S),
     "ожидается целое число, передано {v}"),
    (re.compile(r"^Float cannot represent .*?: (?P<v>.*)$", re.S),
     "ожидается число, передано {v}"),
    (re.compile(r"^String cannot represent a non string value: (?P<v>.*)$", re.S),
     "ожидается строка, передано {v}"),
    (re.compile(r"^Boolean cannot represent a non boolean value: (?P<v>.*)$", re.S),
     "ожидается true или false, передано {v}"),
    (re.compile(r"^ID cannot represent value: (?P<v>.*)$", re.S),
     "ожидается идентификатор, передано {v}"),
    (re.compile(r"^Value '(?P<v>[^']*)' does not exist in '(?P<t>\w+)' enum\.", re.S),
     "значения «{v}» нет среди допустимых ({t})"),
    (re.compile(r"^Enum '(?P<t>\w+)' cannot represent non-string value: (?P<v>.*)$", re.S),
     "ожидается одно из значений {t}, передано {v}"),
    (re.compile(r"^Expected value of type '[^']+' to include required field '(?P<f>\w+)'", re.S),
     "не заполнено обязательное поле «{f}»"),
    (re.compile(r"^Expected value of type '[^']+' not to include unknown field '(?P<f>\w+)'",
                re.S),
     "неизвестное поле «{f}»"),
    (re.compile(r"^Expected a value of non-null type '[^']+' to be provided\.$"),
     "значение обязательно, но не передано"),
    (re.compile(r"^Expected value of non-null type '[^']+' not to be None\.$"),
     "значение обязательно, передан null"),
    (re.compile(r"^Expected value of type '(?P<t>[^']+)', found (?P<v>.*?)\.?$", re.S),
     "ожидается значение типа {t}, передано {v}"),
]  # fmt: skip
_DOCUMENT_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Argument '(?P<f>[\w.]+)\((?P<a>\w+):\)' of type '(?P<t>[^']+)' is required"),
     "Не указан обязательный аргумент «{a}» поля {f}."),
    (re.compile(r"^Cannot query field '(?P<f>\w+)' on type '(?P<t>\w+)'\."),
     "Поля «{f}» нет у типа {t}."),
    (re.compile(r"^Unknown argument '(?P<a>\w+)' on field '(?P<f>[\w.]+)'\."),
     "У поля {f} нет аргумента «{a}»."),
    (re.compile(r"^Field '(?P<f>\w+)' must not have a selection since type '(?P<t>[^']+)'"),
     "У поля «{f}» ({t}) нет вложенных полей: уберите выборку в фигурных скобках."),
    (re.compile(r"^Field '(?P<f>\w+)' of type '(?P<t>[^']+)' must have a selection of subfields"),
     "Для поля «{f}» ({t}) укажите вложенные поля в фигурных скобках."),
    (re.compile(r"^Variable '\$(?P<v>\w+)' is not defined"),
     "Переменная ${v} не объявлена в операции."),
    (re.compile(r"^Variable '\$(?P<v>\w+)' is never used"),
     "Переменная ${v} объявлена, но не используется."),
    (re.compile(r"^Unknown type '(?P<t>\w+)'\."), "Неизвестный тип «{t}»."),
    (re.compile(r"^Unknown fragment '(?P<t>\w+)'\."), "Неизвестный фрагмент «{t}»."),
    (re.compile(r"^Syntax Error: (?P<d>.*)$", re.S), "Синтаксическая ошибка в запросе."),
    (re.compile(r"^Variable '\$(?P<v>\w+)' of type '(?P<a>[^']+)' used in position expecting "
                r"type '(?P<b>[^']+)'\."),
     "Переменная ${v} типа {a} стоит там, где ожидается {b}."),
]  # fmt: skip


def _value_reason(reason: str) -> tuple[str, bool] | None:
    """A coercion failure's reason in Russian, and whether it is a whole sentence already (a
    scalar's own refusal) rather than a phrase translated here."""
    found = _EXPECTED_FOUND.match(reason)
    if found:
        reason = found.group("reason")
    if re.match("[А-ЯЁ]", reason):  # a scalar's own sentence, not a value quoted in English
        return reason.rstrip("."), True
    for pattern, template in _VALUE_MESSAGES:
        matched = pattern.match(reason)
        if matched:
            groups = {k: _quoted(v) for k, v in matched.groupdict().items()}
            return template.format(**groups), False
    return None


def _field_of(at: str | None, variable: str) -> str:
    """``input.marks[0].value`` → ``value``; the variable's own name without a path."""
    if not at:
        return variable
    parts = [p for p in re.split(r"[.\[\]]", at) if p and not p.isdigit()]
    return parts[-1] if parts else variable


def russian(error: GraphQLError) -> tuple[str, dict[str, Any]] | None:
    """GraphQL's own refusal of a request as (message, extensions), or None if not one of them.

    A value the caller got wrong is VALIDATION naming the variable or field; a document that
    does not fit the schema gets a Russian message and no code (the caller keeps its own).
    """
    if (error.extensions or {}).get("code"):
        return None  # one of ours already
    message = error.message.split(" Did you mean ", 1)[0]
    variable = _VARIABLE.match(message)
    if variable:
        name, at = variable.group("name"), variable.group("at")
        where = f"${name}{at or ''}"
        found = _value_reason(message[variable.end() :])
        if found is None:
            text = f"Неверное значение переменной {where}: не подходит по типу."
        elif found[1]:
            text = f"{found[0]} (переменная {where})."
        else:
            text = f"Неверное значение переменной {where}: {found[0]}."
        return text, {"code": "VALIDATION", "field": _field_of(at, name)}
    found = _value_reason(message)
    if found is not None:
        text = f"{found[0]}." if found[1] else f"Неверное значение: {found[0]}."
        return text, {"code": "VALIDATION"}
    for pattern, template in _DOCUMENT_MESSAGES:
        matched = pattern.match(message)
        if matched:
            return template.format(**matched.groupdict()), {}
    return None
