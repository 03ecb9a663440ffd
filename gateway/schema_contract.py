"""The public schema as a contract: the committed SDL, its printer and the breaking-change check.

``gateway/schema/public.graphql`` is the API schema clients see (no federation internals),
types and fields sorted by name so that unrelated additions never reorder it. The check
compares the committed file with the schema composed from the subgraphs' code and follows
graphql-inspector's classification. Breaking (a client that worked stops working):

- a type removed, or changed to another kind (object → interface, enum → scalar …);
- a field removed from an object or interface, or its type changed unsafely for a reader
  (another named type, list ↔ single value, non-null made nullable);
- an argument removed, or its type changed unsafely for a writer (another named type,
  list ↔ single value, nullable made required), or a new required argument without a default;
- an input field removed, retyped unsafely, or a new required input field without a default;
- an enum value removed; a union member removed; an interface no longer implemented.

One loosening is allowed on purpose: a root field (of ``Query`` or ``Mutation``) made nullable
(only the outer ``!`` dropped: ``[T!]!`` → ``[T!]``). A refused or failed non-null root field
used to null the whole ``data``, so a client already had to handle "no answer" at that place;
nullable, the refusal stays at the field's own path with its error and the other root fields
still answer — GraphQL's own guidance for fields that authorisation can refuse.

A removal is allowed only when the committed file already marks the element
``@deprecated(reason: "… use X")`` (or «используйте X»), naming its replacement: clients
were told first. Everything else — new types, fields, optional arguments, enum values,
a nullable output made non-null, a default changed — is a non-breaking addition.

``python -m gateway.schema_contract`` rewrites the file (``make schema``) unless the change
is breaking (``--accept-breaking`` overrides, for a deliberate new major version);
``--check`` reports breaking changes and a stale file, as the test does.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    build_schema,
    lexicographic_sort_schema,
    print_schema,
)

from gateway.compose import SubgraphSchema, compose
from gateway.subgraph_client import SDL_QUERY
from gateway.supergraph import Supergraph

PUBLIC_SCHEMA = Path(__file__).parent / "schema" / "public.graphql"
SUBGRAPHS = ("people", "journal", "messaging", "reports")
# A deprecation must point clients somewhere: "use X", "use `X`", «используйте X».
_NAMES_REPLACEMENT = re.compile(r"\b(use|используйте)\s+\S+", re.IGNORECASE)


@dataclass(frozen=True)
class Change:
    kind: str  # e.g. FIELD_REMOVED
    path: str  # schema coordinate: Type, Type.field, Type.field(arg:), Enum.VALUE
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.path}: {self.detail}"


def subgraph_sdl(name: str) -> str:
    """A subgraph's federation SDL, straight from its code (no process, no database)."""
    schema = importlib.import_module(f"services.{name}.schema").schema
    result = schema.execute_sync(SDL_QUERY)
    if result.errors:
        raise RuntimeError(f"{name}: {result.errors[0].message}")
    return str(result.data["_service"]["sdl"])


def compose_local() -> Supergraph:
    return compose(
        [SubgraphSchema(name, f"http://{name}/graphql", subgraph_sdl(name)) for name in SUBGRAPHS]
    )


def print_public_schema(schema: GraphQLSchema) -> str:
    """Deterministic: types, fields, arguments and values sorted by name."""
    return print_schema(lexicographic_sort_schema(schema)) + "\n"


def _deprecated_with_replacement(element: object) -> bool:
    reason = getattr(element, "deprecation_reason", None)
    return bool(reason and _NAMES_REPLACEMENT.search(reason))


def _removal(kind: str, path: str, element: object, what: str) -> Iterator[Change]:
    if not _deprecated_with_replacement(element):
        yield Change(kind, path, f"{what} removed without a committed @deprecated naming its "
                                 "replacement")  # fmt: skip


def _kind(type_: GraphQLNamedType) -> str:
    for cls, name in (
        (GraphQLObjectType, "object"),
        (GraphQLInterfaceType, "interface"),
        (GraphQLUnionType, "union"),
        (GraphQLEnumType, "enum"),
        (GraphQLInputObjectType, "input"),
        (GraphQLScalarType, "scalar"),
    ):
        if isinstance(type_, cls):
            return name
    return type(type_).__name__


def _safe_for_reader(old: GraphQLOutputType, new: GraphQLOutputType) -> bool:
    """A reader is fine if the new output is the same or stricter (nullable → non-null)."""
    if isinstance(old, GraphQLNonNull):
        return isinstance(new, GraphQLNonNull) and _safe_for_reader(old.of_type, new.of_type)
    if isinstance(new, GraphQLNonNull):
        return _safe_for_reader(old, new.of_type)
    if isinstance(old, GraphQLList):
        return isinstance(new, GraphQLList) and _safe_for_reader(old.of_type, new.of_type)
    return not isinstance(new, GraphQLList) and old.name == new.name  # type: ignore[union-attr]


def _safe_for_writer(old: GraphQLInputType, new: GraphQLInputType) -> bool:
    """A writer is fine if the new input is the same or looser (required → nullable)."""
    if isinstance(new, GraphQLNonNull):
        return isinstance(old, GraphQLNonNull) and _safe_for_writer(old.of_type, new.of_type)
    if isinstance(old, GraphQLNonNull):
        return _safe_for_writer(old.of_type, new)
    if isinstance(old, GraphQLList):
        return isinstance(new, GraphQLList) and _safe_for_writer(old.of_type, new.of_type)
    return not isinstance(new, GraphQLList) and old.name == new.name  # type: ignore[union-attr]


def _required(value: GraphQLArgument | GraphQLInputField) -> bool:
    # graphql-core 3.3 keeps an SDL default in ``default``; 3.2 in ``default_value``.
    has_default = getattr(value, "default", None) is not None or (
        value.default_value is not Undefined
    )
    return isinstance(value.type, GraphQLNonNull) and not has_default


def _input_values(
    path: str,
    old: dict[str, GraphQLArgument] | dict[str, GraphQLInputField],
    new: dict[str, GraphQLArgument] | dict[str, GraphQLInputField],
    kinds: tuple[str, str, str, str],
    coordinate: str,
) -> Iterator[Change]:
    removed, retyped, made_required, added_required = kinds
    for name, old_value in old.items():
        where = coordinate.format(path=path, name=name)
        new_value = new.get(name)
        if new_value is None:
            yield from _removal(removed, where, old_value, "removed")
        elif not _safe_for_writer(old_value.type, new_value.type):
            nullable_to_required = (
                not isinstance(old_value.type, GraphQLNonNull)
                and isinstance(new_value.type, GraphQLNonNull)
                and _safe_for_writer(old_value.type, new_value.type.of_type)
            )
            if nullable_to_required:
                yield Change(made_required, where, f"{old_value.type} became {new_value.type}")
            else:
                yield Change(retyped, where, f"{old_value.type} became {new_value.type}")
    for name, new_value in new.items():
        if name not in old and _required(new_value):
            where = coordinate.format(path=path, name=name)
            yield Change(added_required, where, f"new required {new_value.type} without default")


def root_made_nullable(old: GraphQLOutputType, new: GraphQLOutputType) -> bool:
    """``T!`` became ``T`` and nothing else changed (the allowance for root fields)."""
    return isinstance(old, GraphQLNonNull) and _safe_for_reader(old.of_type, new)


def _fields(
    type_name: str,
    old: dict[str, GraphQLField],
    new: dict[str, GraphQLField],
    root: bool = False,
) -> Iterator[Change]:
    for name, old_field in old.items():
        path = f"{type_name}.{name}"
        new_field = new.get(name)
        if new_field is None:
            yield from _removal("FIELD_REMOVED", path, old_field, "field")
            continue
        if root and root_made_nullable(old_field.type, new_field.type):
            pass  # the documented allowance: see the module's docstring
        elif not _safe_for_reader(old_field.type, new_field.type):
            yield Change("FIELD_TYPE_CHANGED", path, f"{old_field.type} became {new_field.type}")
        yield from _input_values(
            path,
            old_field.args,
            new_field.args,
            ("ARG_REMOVED", "ARG_TYPE_CHANGED", "ARG_MADE_REQUIRED", "REQUIRED_ARG_ADDED"),
            "{path}({name}:)",
        )


def breaking_changes(old: GraphQLSchema | str, new: GraphQLSchema | str) -> list[Change]:
    """What in ``new`` would break a client written against ``old``."""
    old_schema = build_schema(old) if isinstance(old, str) else old
    new_schema = build_schema(new) if isinstance(new, str) else new
    changes: list[Change] = []
    roots = {t.name for t in (old_schema.query_type, old_schema.mutation_type) if t is not None}
    for name, old_type in old_schema.type_map.items():
        if name.startswith("__"):
            continue
        new_type = new_schema.type_map.get(name)
        if new_type is None:
            changes.append(Change("TYPE_REMOVED", name, f"{_kind(old_type)} removed"))
            continue
        if _kind(old_type) != _kind(new_type):
            changes.append(
                Change("TYPE_KIND_CHANGED", name, f"{_kind(old_type)} became {_kind(new_type)}")
            )
            continue
        if isinstance(old_type, GraphQLObjectType | GraphQLInterfaceType):
            assert isinstance(new_type, GraphQLObjectType | GraphQLInterfaceType)
            changes.extend(_fields(name, old_type.fields, new_type.fields, name in roots))
            kept = {i.name for i in new_type.interfaces}
            for interface in old_type.interfaces:
                if interface.name not in kept:
                    changes.append(
                        Change("INTERFACE_REMOVED", name, f"no longer implements {interface.name}")
                    )
        elif isinstance(old_type, GraphQLInputObjectType):
            assert isinstance(new_type, GraphQLInputObjectType)
            changes.extend(
                _input_values(
                    name,
                    old_type.fields,
                    new_type.fields,
                    (
                        "INPUT_FIELD_REMOVED",
                        "INPUT_FIELD_TYPE_CHANGED",
                        "INPUT_FIELD_MADE_REQUIRED",
                        "REQUIRED_INPUT_FIELD_ADDED",
                    ),
                    "{path}.{name}",
                )
            )
        elif isinstance(old_type, GraphQLEnumType):
            assert isinstance(new_type, GraphQLEnumType)
            for value_name, value in old_type.values.items():
                if value_name not in new_type.values:
                    changes.extend(
                        _removal("ENUM_VALUE_REMOVED", f"{name}.{value_name}", value, "value")
                    )
        elif isinstance(old_type, GraphQLUnionType):
            assert isinstance(new_type, GraphQLUnionType)
            members = {m.name for m in new_type.types}
            for member in old_type.types:
                if member.name not in members:
                    changes.append(Change("UNION_MEMBER_REMOVED", name, f"{member.name} removed"))
    return changes


@dataclass(frozen=True)
class Verdict:
    breaking: list[Change]
    current: str  # the composed schema, printed
    up_to_date: bool  # the committed file equals it


def check(committed: str, current: str) -> Verdict:
    return Verdict(breaking_changes(committed, current), current, committed == current)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gateway.schema_contract",
        description="Write (default) or check the committed public schema.",
    )
    parser.add_argument("--check", action="store_true", help="report, do not write")
    parser.add_argument(
        "--accept-breaking",
        action="store_true",
        help="write even with breaking changes (a new major version of the API)",
    )
    args = parser.parse_args(argv)
    current = print_public_schema(compose_local().api_schema)
    committed = PUBLIC_SCHEMA.read_text(encoding="utf-8") if PUBLIC_SCHEMA.exists() else ""
    verdict = check(committed, current) if committed else Verdict([], current, False)
    for change in verdict.breaking:
        print(f"breaking: {change}", file=sys.stderr)
    if args.check:
        if not verdict.up_to_date:
            print(f"{PUBLIC_SCHEMA} is stale: run `make schema`", file=sys.stderr)
        return 1 if verdict.breaking or not verdict.up_to_date else 0
    if verdict.breaking and not args.accept_breaking:
        print("not written: deprecate first (@deprecated naming the replacement)", file=sys.stderr)
        return 1
    PUBLIC_SCHEMA.parent.mkdir(parents=True, exist_ok=True)
    PUBLIC_SCHEMA.write_text(current, encoding="utf-8")
    print(f"wrote {PUBLIC_SCHEMA}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
