"""The join-spec form of the supergraph: what we print reads back the same, and renamed
features (``@link(as:)``, ``import:``) are read by their spec, not by their local name."""

from __future__ import annotations

import re

import pytest
from graphql import lexicographic_sort_schema, print_schema

from gateway.joinspec import load_supergraph, print_supergraph
from gateway.supergraph import CompositionError, Supergraph
from tests.gateway.federation.harness import supergraph


def _api(graph: Supergraph) -> str:
    return print_schema(lexicographic_sort_schema(graph.api_schema))


def test_printed_supergraph_reads_back_the_same() -> None:
    ours = supergraph()
    loaded = load_supergraph(print_supergraph(ours))
    assert _api(loaded) == _api(ours)
    for name, type_def in ours.types.items():
        other = loaded.types[name]
        assert (other.kind, other.subgraphs, other.keys) == (
            type_def.kind, type_def.subgraphs, type_def.keys
        ), name  # fmt: skip
        assert other.implements == type_def.implements, name
        assert other.union_members == type_def.union_members, name
        assert other.interface_object_in == type_def.interface_object_in, name
        for field_name, field_def in type_def.fields.items():
            where = f"{name}.{field_name}"
            assert loaded.access_rule(name, field_name) == ours.access_rule(name, field_name), where
            assert other.fields[field_name].resolvers == field_def.resolvers, where
            assert other.fields[field_name].inaccessible == field_def.inaccessible, where


RENAMED = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", as: "j", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", as: "hidden", for: SECURITY)
  @link(
    url: "https://specs.apollo.dev/authenticated/v0.1"
    import: [{name: "@authenticated", as: "@signedIn"}]
  )
{ query: Query }

directive @j__graph(name: String!, url: String!) on ENUM_VALUE
directive @j__type(graph: j__Graph!, key: j__FieldSet, resolvable: Boolean! = true)
  repeatable on OBJECT
directive @j__field(graph: j__Graph, requires: j__FieldSet, external: Boolean)
  repeatable on FIELD_DEFINITION
directive @hidden on FIELD_DEFINITION | ARGUMENT_DEFINITION
directive @signedIn on FIELD_DEFINITION | OBJECT
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA
scalar j__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }

enum j__Graph {
  A @j__graph(name: "a", url: "http://a.test/graphql")
  B @j__graph(name: "b", url: "http://b.test/graphql")
}

type Query @j__type(graph: A) {
  user(id: ID!, debug: Boolean @hidden): User @signedIn
}

type User @j__type(graph: A, key: "id") @j__type(graph: B, key: "id") @signedIn {
  id: ID!
  password: String @j__field(graph: A) @hidden
  name: String @j__field(graph: A)
  score: Int @j__field(graph: B, requires: "name")
  name2: String @j__field(graph: B, external: true) @j__field(graph: A)
}
"""


def test_renamed_features_are_read_by_their_spec() -> None:
    graph = load_supergraph(RENAMED)
    sdl = print_schema(graph.api_schema)
    assert "password" not in sdl and "debug" not in sdl and "@" not in sdl
    assert graph.urls == {"a": "http://a.test/graphql", "b": "http://b.test/graphql"}
    assert graph.access_rule("User", "name").authenticated
    assert graph.access_rule("Query", "user").authenticated
    assert [k.fields for k in graph.types["User"].keys["b"]] == ["id"]
    score = graph.field("User", "score")
    assert score is not None and score.placements["b"].requires == "name"
    assert graph.field("User", "name2").resolvers == ["a"]  # type: ignore[union-attr]
    assert graph.field("User", "id").resolvers == ["a", "b"]  # type: ignore[union-attr]


def test_a_document_without_the_join_spec_is_refused() -> None:
    with pytest.raises(CompositionError):
        load_supergraph("type Query { hello: String }")


def _with(sdl: str, old: str, new: str) -> str:
    assert old in sdl
    return sdl.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            '@link(url: "https://specs.apollo.dev/link/v1.0")',
            '@link(url: "https://specs.apollo.dev/link/v1.0")\n'
            '  @link(url: "https://example.test/masking/v1.0", for: SECURITY)',
            "masking/v1.0 for SECURITY",
        ),
        (
            '@link(url: "https://specs.apollo.dev/link/v1.0")',
            '@link(url: "https://specs.apollo.dev/link/v1.0")\n'
            '  @link(url: "https://specs.apollo.dev/connect/v0.1", for: EXECUTION)',
            "connect/v0.1 for EXECUTION",
        ),
        ("join/v0.3", "join/v0.1", "join spec v0.1"),
        ('score: Int @j__field(graph: B, requires: "name")',
         'score: Int @j__field(graph: B, requires: "name(lang: $lang)")',
         "variables in field sets"),
        ('@j__type(graph: B, key: "id")', '@j__type(graph: B, key: "id(x: 1)")',
         "arguments in field sets"),
        ('score: Int @j__field(graph: B, requires: "name")',
         'score: Int @j__field(graph: B, requires: "... on User { name }")',
         "type conditions"),
        ('score: Int @j__field(graph: B, requires: "name")',
         'score: Int @j__field(graph: B, requires: "n: name")',
         "aliases"),
        ('@j__type(graph: B, key: "id")', '@j__type(graph: B, key: "id @skip(if: true)")',
         "the key of User"),
        ('score: Int @j__field(graph: B, requires: "name")',
         'score: Int @j__field(graph: B, requires: "name", contextArguments: [])'
         ' @j__field(graph: A, contextArguments: [{name: "x"}])',
         "User.score: @fromContext"),
        ("@j__field(graph: A)\n  score",
         '@j__field(graph: A, override: "b", overrideLabel: "percent(5)")\n  score',
         "progressive @override"),
        ("type User", 'type User @j__directive(graphs: [A], name: "connect", args: {})',
         "User: @join__directive (@connect)"),
        ("type User", "type User @j__owner(graph: A)", "@join__owner"),
    ],
)  # fmt: skip
def test_features_the_gateway_would_ignore_are_refused_at_load(
    old: str, new: str, reason: str
) -> None:
    """Each would otherwise be answered without an error and wrong: a field fetched without the
    argument, context or fragment its subgraph needs, or protected by a rule nobody checks."""
    with pytest.raises(CompositionError, match=re.escape(reason)):
        load_supergraph(_with(RENAMED, old, new))


def test_features_linked_for_metadata_only_are_accepted() -> None:
    sdl = _with(
        RENAMED,
        '@link(url: "https://specs.apollo.dev/link/v1.0")',
        '@link(url: "https://specs.apollo.dev/link/v1.0")\n'
        '  @link(url: "https://specs.apollo.dev/tag/v0.3")',
    )
    assert load_supergraph(sdl).field("User", "score") is not None
