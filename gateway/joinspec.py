"""The supergraph as join-spec SDL (``@join__type``/``@join__field``/``@link``), both ways."""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    print_ast,
    print_schema,
)

from gateway.access import AccessRule
from gateway.compose import _strip_arg
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
            if subgraph in type_def.interface_object_in:
                joins[-1] = joins[-1][:-1] + ", isInterfaceObject: true)"
            for interface in type_def.implements.get(subgraph, ()):
                joins.append(f"@join__implements(graph: {graph}, interface: {_string(interface)})")
            for member in type_def.union_members.get(subgraph, ()):
                joins.append(f"@join__unionMember(graph: {graph}, member: {_string(member)})")
        head = " ".join(joins) + _access(type_def.access)
        if type_def.inaccessible:
            head += " @inaccessible"
        node: Any = type_def.node
        description = getattr(node, "description", None)
        start = len(out)
        if type_def.kind in ("object", "interface"):
            keyword = "type" if type_def.kind == "object" else "interface"
            implements = (
                " implements " + " & ".join(type_def.interfaces) if type_def.interfaces else ""
            )
            lines = []
            for field_def in type_def.fields.values():
                text = print_ast(field_def.node)
                if not field_def.placements:
                    text += " @join__field"  # resolved through an @interfaceObject
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
            fields = "".join(
                f"  {print_ast(_strip_arg(f))}"
                + (" @inaccessible" if n in type_def.inaccessible_inputs else "")
                + "\n"
                for n, f in type_def.input_fields.items()
            )
            out.append(f"input {type_def.name} {head} {{\n{fields}}}\n")
        elif type_def.kind == "scalar" and node is not None:
            out.append(f"scalar {type_def.name} {head}\n")
        if description is not None and len(out) > start:
            out[start] = f"{print_ast(description)}\n{out[start]}"
    return "\n".join(out)


def load_supergraph(sdl: str) -> Supergraph:
    """A supergraph from join-spec SDL: ours (``print_supergraph``) or a standard composer's."""
    from gateway.joinspec_read import read_supergraph

    return read_supergraph(sdl)
