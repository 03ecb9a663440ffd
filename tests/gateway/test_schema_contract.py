"""The committed public schema equals the composed one, and the checker finds breaking changes."""

from __future__ import annotations

import pytest

from gateway.access import undeclared_fields
from gateway.compose import SubgraphSchema, compose
from gateway.schema_contract import (
    PUBLIC_SCHEMA,
    breaking_changes,
    check,
    compose_local,
    print_public_schema,
)

BASE = """
type Query {
  person(id: ID!, withArchived: Boolean): Person
  people(limit: Int = 10): [Person!]!
  search(term: String!): [Hit!]!
  old: String @deprecated(reason: "use person")
  vague: String @deprecated(reason: "no longer supported")
}

interface Node { id: ID! }

type Person implements Node {
  id: ID!
  name: String!
  nickname: String
  grade: Grade!
}

type Group { id: ID! }

union Hit = Person | Group

enum Grade { FIVE FOUR THREE TWO OLD @deprecated(reason: "Используйте TWO") }

input Filter { name: String, grade: Grade }

type Mutation { find(filter: Filter): [Person!]! }
"""


def changed(before: str, after: str) -> list[tuple[str, str]]:
    """Apply one textual edit to BASE and return (kind, path) of the breaking changes."""
    assert before in BASE, before
    return [(c.kind, c.path) for c in breaking_changes(BASE, BASE.replace(before, after, 1))]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("type Group { id: ID! }", "scalar Group", [("TYPE_KIND_CHANGED", "Group")]),
        ("  nickname: String\n", "", [("FIELD_REMOVED", "Person.nickname")]),
        ("  name: String!", "  name: Int!", [("FIELD_TYPE_CHANGED", "Person.name")]),
        ("  name: String!", "  name: String", [("FIELD_TYPE_CHANGED", "Person.name")]),
        ("  name: String!", "  name: [String!]!", [("FIELD_TYPE_CHANGED", "Person.name")]),
        (", withArchived: Boolean)", ")", [("ARG_REMOVED", "Query.person(withArchived:)")]),
        ("(term: String!)", "(term: Int!)", [("ARG_TYPE_CHANGED", "Query.search(term:)")]),
        ("withArchived: Boolean)", "withArchived: Boolean!)",
         [("ARG_MADE_REQUIRED", "Query.person(withArchived:)")]),
        ("(term: String!)", "(term: String!, page: Int!)",
         [("REQUIRED_ARG_ADDED", "Query.search(page:)")]),
        ("input Filter { name: String,", "input Filter {",
         [("INPUT_FIELD_REMOVED", "Filter.name")]),
        ("input Filter { name: String,", "input Filter { name: Int,",
         [("INPUT_FIELD_TYPE_CHANGED", "Filter.name")]),
        ("input Filter { name: String,", "input Filter { name: String!,",
         [("INPUT_FIELD_MADE_REQUIRED", "Filter.name")]),
        ("grade: Grade }", "grade: Grade, school: ID! }",
         [("REQUIRED_INPUT_FIELD_ADDED", "Filter.school")]),
        ("FIVE FOUR", "FIVE", [("ENUM_VALUE_REMOVED", "Grade.FOUR")]),
        ("Person | Group", "Person", [("UNION_MEMBER_REMOVED", "Hit")]),
        ("Person implements Node", "Person", [("INTERFACE_REMOVED", "Person")]),
        ("  vague: String @deprecated(reason: \"no longer supported\")\n", "",
         [("FIELD_REMOVED", "Query.vague")]),
    ],
)  # fmt: skip
def test_each_breaking_kind_is_detected(
    before: str, after: str, expected: list[tuple[str, str]]
) -> None:
    assert changed(before, after) == expected


def test_only_the_outer_non_null_of_a_root_field_may_go() -> None:
    loosened_inside = changed(
        "people(limit: Int = 10): [Person!]!", "people(limit: Int = 10): [Person]"
    )
    assert loosened_inside == [("FIELD_TYPE_CHANGED", "Query.people")]
    retyped = changed("find(filter: Filter): [Person!]!", "find(filter: Filter): [Group!]")
    assert retyped == [("FIELD_TYPE_CHANGED", "Mutation.find")]


def test_a_removed_type_is_breaking() -> None:
    without_group = BASE.replace("type Group { id: ID! }", "").replace("Person | Group", "Person")
    kinds = {(c.kind, c.path) for c in breaking_changes(BASE, without_group)}
    assert ("TYPE_REMOVED", "Group") in kinds


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # Removal after a committed deprecation that names the replacement.
        ('  old: String @deprecated(reason: "use person")\n', ""),
        (' OLD @deprecated(reason: "Используйте TWO")', ""),
        # Additions and changes a client never notices.
        ("type Group { id: ID! }", "type Group { id: ID! title: String }"),
        ("  nickname: String", "  nickname: String!"),  # nullable output made non-null
        ("(term: String!)", "(term: String!, page: Int)"),
        ("(term: String!)", "(term: String!, page: Int! = 1)"),
        ("withArchived: Boolean)", "withArchived: Boolean = false)"),
        ("(limit: Int = 10)", "(limit: Int = 20)"),
        ("FIVE FOUR", "FIVE FOUR ONE"),
        ("(term: String!)", "(term: String)"),  # a required argument made optional
        ("grade: Grade }", "grade: Grade, school: ID }"),
        ("type Group { id: ID! }", "type Group { id: ID! }\ntype Extra { id: ID! }"),
        ("Person | Group", "Person | Group | Extra\ntype Extra { id: ID! }"),
        # A root field made nullable: a refusal stays at its path instead of nulling `data`.
        ("people(limit: Int = 10): [Person!]!", "people(limit: Int = 10): [Person!]"),
        ("find(filter: Filter): [Person!]!", "find(filter: Filter): [Person!]"),
    ],
)
def test_deprecated_removals_and_additions_are_not_breaking(before: str, after: str) -> None:
    assert changed(before, after) == []


def test_a_deprecation_added_in_the_same_change_does_not_allow_removal() -> None:
    # The new schema deprecates and removes nothing; only the committed side counts.
    committed = "type Query { a: String b: String }"
    assert [c.kind for c in breaking_changes(committed, "type Query { a: String }")] == [
        "FIELD_REMOVED"
    ]


def test_the_verdict_reports_an_addition_as_a_stale_file() -> None:
    verdict = check("type Query { a: String }\n", "type Query { a: String b: Int }\n")
    assert verdict.breaking == [] and not verdict.up_to_date


def test_the_committed_public_schema_is_the_composed_one() -> None:
    current = print_public_schema(compose_local().api_schema)
    committed = PUBLIC_SCHEMA.read_text(encoding="utf-8")
    verdict = check(committed, current)
    assert not verdict.breaking, (
        "Breaking changes to the public schema (deprecate first with "
        '@deprecated(reason: "… use X"), commit, remove later):\n'
        + "\n".join(f"  {c}" for c in verdict.breaking)
    )
    assert verdict.up_to_date, (
        f"{PUBLIC_SCHEMA.name} differs from the composed schema (non-breaking changes): "
        "run `make schema` and commit the file."
    )


def test_every_field_of_the_composed_supergraph_declares_its_access() -> None:
    assert undeclared_fields(compose_local()) == []


def test_the_access_walk_finds_an_undeclared_field() -> None:
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
        'import: ["@authenticated"])\n'
        "type Query { a: String @authenticated b: Thing @authenticated }\n"
        "type Thing { open: String }\n"
    )
    graph = compose([SubgraphSchema("x", "http://x/graphql", sdl)])
    assert undeclared_fields(graph) == ["Thing.open"]


def test_a_deprecated_enum_value_reaches_the_public_schema() -> None:
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
        'import: ["@authenticated"])\n'
        "type Query { grade: Grade @authenticated }\n"
        'enum Grade { TWO OLD @deprecated(reason: "use TWO") }\n'
    )
    printed = print_public_schema(
        compose([SubgraphSchema("x", "http://x/graphql", sdl)]).api_schema
    )
    assert 'OLD @deprecated(reason: "use TWO")' in printed
