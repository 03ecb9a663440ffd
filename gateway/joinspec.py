"""The supergraph as join-spec SDL (``@join__type``/``@join__field``/``@link``), both ways."""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    EnumTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    parse,
    print_ast,
    print_schema,
    value_from_ast_untyped,
)

from gateway.access import AccessRule
from gateway.compose import SubgraphSchema, compose
from gateway.supergraph import Supergraph

JOIN_HEADER = """schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)
{
%s}

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, \
type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on \
FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT \
| INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, \
resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | \
INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable \
on SCHEMA
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION \
| SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT \
| INTERFACE | SCALAR | ENUM
directive @policy(policies: [[policy__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE \
| SCALAR | ENUM

scalar join__FieldSet
scalar link__Import
scalar requiresScopes__Scope
scalar policy__Policy

enum link__Purpose {
  SECURITY
  EXECUTION
}
"""


def graph_enum_name(subgraph: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", subgraph).upper()


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _access(rule: AccessRule) -> str:
    parts: list[str] = []
    if rule.authenticated:
        parts.append("@authenticated")
    for requirement in rule.scopes:
        parts.append(f"@requiresScopes(scopes: {_nested(requirement)})")
    for requirement in rule.policies:
        parts.append(f"@policy(policies: {_nested(requirement)})")
    return "".join(f" {p}" for p in parts)


def _nested(requirement: tuple[frozenset[str], ...]) -> str:
    inner = ", ".join("[" + ", ".join(_string(s) for s in sorted(alt)) + "]" for alt in requirement)
    return f"[{inner}]"


def print_api_schema(supergraph: Supergraph) -> str:
    """The client-facing SDL: what GraphiQL and client code generators should see."""
    return print_schema(supergraph.api_schema)


def print_supergraph(supergraph: Supergraph) -> str:
    """A join-spec supergraph SDL, loadable with ``load_supergraph`` (``--supergraph FILE``)."""
    roots = "  query: Query\n" + ("  mutation: Mutation\n" if supergraph.mutation_type else "")
    if "Subscription" in supergraph.types:
        roots += "  subscription: Subscription\n"
    out = [JOIN_HEADER % roots]
    graphs = "".join(
        f"  {graph_enum_name(n)} @join__graph(name: {_string(n)}, url: {_string(u)})\n"
        for n, u in supergraph.urls.items()
    )
    out.append(f"enum join__Graph {{\n{graphs}}}\n")
    for type_def in supergraph.types.values():
        joins = []
        for subgraph in type_def.subgraphs:
            graph = graph_enum_name(subgraph)
            keys = type_def.keys.get(subgraph) or []
            if not keys:
                joins.append(f"@join__type(graph: {graph})")
            for key in keys:
                extra = "" if key.resolvable else ", resolvable: false"
                joins.append(f"@join__type(graph: {graph}, key: {_string(key.fields)}{extra})")
        head = " ".join(joins) + _access(type_def.access)
        if type_def.inaccessible:
            head += " @inaccessible"
        node: Any = type_def.node
        if type_def.kind in ("object", "interface"):
            keyword = "type" if type_def.kind == "object" else "interface"
            implements = (
                " implements " + " & ".join(type_def.interfaces) if type_def.interfaces else ""
            )
            lines = []
            for field_def in type_def.fields.values():
                text = print_ast(field_def.node)
                for subgraph, placement in field_def.placements.items():
                    args = [f"graph: {graph_enum_name(subgraph)}"]
                    if placement.requires:
                        args.append(f"requires: {_string(placement.requires)}")
                    if placement.provides:
                        args.append(f"provides: {_string(placement.provides)}")
                    if placement.external:
                        args.append("external: true")
                    if placement.override_from:
                        args.append(f"override: {_string(placement.override_from)}")
                    text += f" @join__field({', '.join(args)})"
                text += _access(field_def.access)
                if field_def.inaccessible:
                    text += " @inaccessible"
                lines.append(f"  {text}\n")
            out.append(f"{keyword} {type_def.name}{implements} {head} {{\n{''.join(lines)}}}\n")
        elif type_def.kind == "union":
            out.append(f"union {type_def.name} {head} = {' | '.join(type_def.members)}\n")
        elif type_def.kind == "enum":
            values = "".join(f"  {v}\n" for v in type_def.values)
            out.append(f"enum {type_def.name} {head} {{\n{values}}}\n")
        elif type_def.kind == "input":
            fields = "".join(f"  {print_ast(f)}\n" for f in type_def.input_fields.values())
            out.append(f"input {type_def.name} {head} {{\n{fields}}}\n")
        elif type_def.kind == "scalar" and node is not None:
            out.append(f"scalar {type_def.name} {head}\n")
    return "\n".join(out)


def _args(directive: Any) -> dict[str, Any]:
    return {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}


def load_supergraph(sdl: str) -> Supergraph:
    """Rebuild each subgraph's slice from the join directives, then compose as usual."""
    document = parse(sdl, no_location=True)
    graphs: dict[str, tuple[str, str]] = {}  # enum value -> (name, url)
    for definition in document.definitions:
        if (
            isinstance(definition, EnumTypeDefinitionNode)
            and definition.name.value == "join__Graph"
        ):
            for value in definition.values or ():
                for directive in value.directives or ():
                    if directive.name.value == "join__graph":
                        args = _args(directive)
                        graphs[value.name.value] = (str(args["name"]), str(args["url"]))
    slices: dict[str, list[str]] = {enum: [] for enum in graphs}
    access_names = {"authenticated", "requiresScopes", "policy", "inaccessible"}
    for definition in document.definitions:
        name_node = getattr(definition, "name", None)
        if name_node is None or name_node.value.startswith(("join__", "link__")):
            continue
        if name_node.value.endswith(("__Scope", "__Policy")):
            continue
        type_access = " ".join(
            print_ast(d) for d in definition.directives or () if d.name.value in access_names
        )
        per_graph: dict[str, list[str]] = {}
        for directive in definition.directives or ():
            if directive.name.value != "join__type":
                continue
            args = _args(directive)
            directives = per_graph.setdefault(args["graph"], [])
            if args.get("key"):
                resolvable = "" if args.get("resolvable", True) else ", resolvable: false"
                directives.append(f"@key(fields: {_string(str(args['key']))}{resolvable})")
        for graph, directives in per_graph.items():
            head = " ".join([*directives, type_access])
            slices[graph].append(_slice(definition, graph, head, set(per_graph), access_names))
    schemas = []
    for enum, (name, url) in graphs.items():
        body = "\n".join(s for s in slices[enum] if s)
        schemas.append(SubgraphSchema(name, url, body))
    return compose(schemas)


def _slice(
    definition: Any, graph: str, head: str, type_graphs: set[str], access_names: set[str]
) -> str:
    """One type as ``graph`` declares it, with federation directives in their plain names."""
    if isinstance(definition, ObjectTypeDefinitionNode) or hasattr(definition, "fields"):
        keyword = {"ObjectTypeDefinitionNode": "type", "InterfaceTypeDefinitionNode": "interface",
                   "InputObjectTypeDefinitionNode": "input"}[type(definition).__name__]  # fmt: skip
        lines = []
        for field_node in definition.fields or ():
            joins = [_args(d) for d in field_node.directives or () if d.name.value == "join__field"]
            mine = [j for j in joins if j.get("graph") == graph]
            if joins and not mine:
                continue  # the field lives in other subgraphs only
            extra: list[str] = []
            for join in mine:
                if join.get("external"):
                    extra.append("@external")
                for arg in ("requires", "provides"):
                    if join.get(arg):
                        extra.append(f"@{arg}(fields: {_string(str(join[arg]))})")
                if join.get("override"):
                    extra.append(f"@override(from: {_string(str(join['override']))})")
            kept = [
                print_ast(d)
                for d in field_node.directives or ()
                if d.name.value in access_names or d.name.value == "deprecated"
            ]
            plain = field_node.__class__(
                **{k: getattr(field_node, k) for k in field_node.keys if k != "directives"},
                directives=(),
            )
            lines.append("  " + " ".join([print_ast(plain), *extra, *kept]))
        implements = ""
        interfaces = getattr(definition, "interfaces", None)
        if interfaces:
            implements = " implements " + " & ".join(i.name.value for i in interfaces)
        return (
            f"{keyword} {definition.name.value}{implements} {head} {{\n" + "\n".join(lines) + "\n}"
        )
    if type(definition).__name__ == "UnionTypeDefinitionNode":
        members = " | ".join(t.name.value for t in definition.types or ())
        return f"union {definition.name.value} {head} = {members}"
    if isinstance(definition, EnumTypeDefinitionNode):
        values = "\n".join(f"  {v.name.value}" for v in definition.values or ())
        return f"enum {definition.name.value} {head} {{\n{values}\n}}"
    return f"scalar {definition.name.value} {head}"
