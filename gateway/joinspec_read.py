"""Reading a standard Federation v2 supergraph (join-spec SDL) into a ``Supergraph``.

Accepts what ``@apollo/composition`` and ``@theguild/federation-composition`` print: ``@link``
(with ``as:``/``import:`` renames), ``join__Graph`` with ``@join__graph``, ``@join__type``,
``@join__field``, ``@join__implements``, ``@join__unionMember``, ``@join__enumValue``,
``@inaccessible`` and the access directives ``@authenticated``/``@requiresScopes``/``@policy``.
Anything else it would have to act on to answer correctly is refused with the reason: a feature
linked ``for: SECURITY``/``EXECUTION`` that it does not implement, join-spec versions and
arguments it does not follow (``@join__owner``, ``@join__directive``, ``contextArguments``,
``overrideLabel``) and field sets with arguments, aliases or type conditions.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    parse,
    print_ast,
    value_from_ast_untyped,
)

from gateway.access import AccessRule
from gateway.compose import _KINDS, _strip_field, assemble
from gateway.fieldset import parse_field_set, unsupported_field_set
from gateway.supergraph import (
    CompositionError,
    FieldDef,
    FieldPlacement,
    Key,
    Supergraph,
    TypeDef,
)

# Features whose directives the gateway reads, by the name in their spec URL.
_FEATURES = ("join", "inaccessible", "authenticated", "requiresScopes", "policy")
_JOIN = (
    *("graph", "type", "field", "implements", "unionMember", "enumValue", "Graph", "FieldSet"),
    *("owner", "directive"),  # read only to be refused
)
# Features a supergraph may link for anything: metadata and what the gateway reads itself.
_UNDERSTOOD = {"link", *_FEATURES}
_JOIN_VERSIONS = ("v0.2", "v0.3", "v0.4", "v0.5")  # v0.1 gives fields an owner: other rules
_SPEC_URL = re.compile(r"/(?P<name>[A-Za-z_][A-Za-z0-9_]*)/(?P<version>v\d+\.\d+)/?$")


def _args(directive: DirectiveNode) -> dict[str, Any]:
    return {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}


def link_names(document: DocumentNode) -> tuple[dict[str, str], set[str]]:
    """Local name -> canonical name of every directive and type the gateway reads, and the
    local prefixes of every linked feature (their ``prefix__*`` definitions are not API)."""
    names: dict[str, str] = {}
    prefixes: set[str] = {"link", "join"}
    for definition in document.definitions:
        if not isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            continue
        for directive in definition.directives or ():
            if directive.name.value != "link":
                continue
            args = _args(directive)
            match = _SPEC_URL.search(str(args.get("url", "")))
            if match is None:
                continue
            feature = match["name"]
            purpose = args.get("for")
            if purpose in ("SECURITY", "EXECUTION") and feature not in _UNDERSTOOD:
                raise CompositionError(
                    f"the supergraph links {args['url']} for {purpose}, which this gateway does "
                    "not implement: it could not answer or protect the fields that use it"
                )
            if feature == "join" and match["version"] not in _JOIN_VERSIONS:
                raise CompositionError(
                    f"join spec {match['version']} is not supported (only "
                    f"{', '.join(_JOIN_VERSIONS)}): compose the supergraph with Federation v2"
                )
            local = str(args.get("as") or feature)
            prefixes.add(local)
            if feature == "join":
                names.update({f"{local}__{item}": f"join__{item}" for item in _JOIN})
            elif feature in _FEATURES:
                names[local] = feature
                for item in args.get("import") or ():
                    if isinstance(item, dict):
                        names[str(item["as"]).lstrip("@")] = str(item["name"]).lstrip("@")
    if not any(v == "join__type" for v in names.values()):
        raise CompositionError("not a supergraph: no @link to the join spec")
    return names, prefixes


class _Reader:
    def __init__(self, document: DocumentNode) -> None:
        self.document = document
        self.names, self.prefixes = link_names(document)
        self.graphs: dict[str, str] = {}  # join__Graph value -> subgraph name
        self.urls: dict[str, str] = {}
        self.types: dict[str, TypeDef] = {}
        self.roots = {"query": "Query", "mutation": "Mutation"}

    def directives(self, node: Any) -> list[tuple[str, dict[str, Any]]]:
        """(canonical name, arguments) of the directives the gateway reads on ``node``."""
        found = []
        for directive in getattr(node, "directives", None) or ():
            canonical = self.names.get(directive.name.value)
            if canonical is not None:
                found.append((canonical, _args(directive)))
        return found

    def is_inaccessible(self, node: Any) -> bool:
        return any(d == "inaccessible" for d, _ in self.directives(node))

    def internal(self, name: str) -> bool:
        return "__" in name and name.split("__", 1)[0] in self.prefixes

    def read(self) -> Supergraph:
        for definition in self.document.definitions:
            if isinstance(definition, SchemaDefinitionNode):
                _refuse_ignored("the schema", self.directives(definition))
                for op in definition.operation_types:
                    self.roots[op.operation.value] = op.type.name.value
            elif isinstance(definition, EnumTypeDefinitionNode) and (
                self.names.get(definition.name.value) == "join__Graph"
            ):
                for value in definition.values or ():
                    for name, args in self.directives(value):
                        if name == "join__graph":
                            self.graphs[value.name.value] = str(args["name"])
                            self.urls[str(args["name"])] = str(args["url"])
        if not self.graphs:
            raise CompositionError("the supergraph lists no subgraphs (join__Graph)")
        renames = {self.roots["query"]: "Query", self.roots["mutation"]: "Mutation"}
        for definition in self.document.definitions:
            kind = _KINDS.get(type(definition))
            if kind is None or self.internal(definition.name.value):  # type: ignore[attr-defined]
                continue
            name = definition.name.value  # type: ignore[attr-defined]
            self.add_type(renames.get(name, name), kind, definition)
        return assemble(self.urls, self.types, "Mutation" in self.types)

    def add_type(self, name: str, kind: str, node: Any) -> None:
        if name in self.types:
            raise CompositionError(f"{name} is defined twice in the supergraph")
        type_def = self.types[name] = TypeDef(name=name, kind=kind, node=node)
        directives = self.directives(node)
        type_def.access = AccessRule.from_directives(directives)
        type_def.inaccessible = any(d == "inaccessible" for d, _ in directives)
        _refuse_ignored(name, directives)
        for directive, args in directives:
            graph = self.graphs.get(str(args.get("graph")))
            if graph is None:
                continue
            if directive == "join__type":
                if graph not in type_def.subgraphs:
                    type_def.subgraphs.append(graph)
                if args.get("isInterfaceObject"):
                    type_def.interface_object_in.add(graph)
                if args.get("key"):
                    fields = str(args["key"])
                    _check_field_set(f"the key of {name}", fields)
                    key = Key(fields, parse_field_set(fields), bool(args.get("resolvable", True)))
                    type_def.keys.setdefault(graph, []).append(key)
            elif directive == "join__implements":
                type_def.implements.setdefault(graph, []).append(str(args["interface"]))
            elif directive == "join__unionMember":
                type_def.union_members.setdefault(graph, []).append(str(args["member"]))
        if not type_def.subgraphs:
            type_def.subgraphs = list(self.urls)  # no @join__type: shared by every subgraph
        type_def.interfaces = [i.name.value for i in getattr(node, "interfaces", None) or ()]
        if kind == "union":
            type_def.members = [m.name.value for m in node.types or ()]
            if not type_def.union_members:  # older join versions: every subgraph of the union
                type_def.union_members = {g: list(type_def.members) for g in type_def.subgraphs}
        elif kind == "enum":
            for value in node.values or ():
                type_def.values.append(value.name.value)
                if any(d == "inaccessible" for d, _ in self.directives(value)):
                    type_def.inaccessible_values.add(value.name.value)
        elif kind == "input":
            type_def.input_fields = {f.name.value: f for f in node.fields or ()}
            type_def.inaccessible_inputs = {
                f.name.value for f in node.fields or () if self.is_inaccessible(f)
            }
        elif kind in ("object", "interface"):
            if not type_def.implements and type_def.interfaces:
                type_def.implements = {g: list(type_def.interfaces) for g in type_def.subgraphs}
            for field_node in node.fields or ():
                self.add_field(type_def, field_node)

    def add_field(self, type_def: TypeDef, node: Any) -> None:
        directives = self.directives(node)
        field_def = FieldDef(name=node.name.value, node=_strip_field(node, self.is_inaccessible))
        field_def.access = AccessRule.from_directives(directives)
        field_def.inaccessible = any(d == "inaccessible" for d, _ in directives)
        where = f"{type_def.name}.{field_def.name}"
        _refuse_ignored(where, directives)
        joins = [args for d, args in directives if d == "join__field"]
        for args in joins:
            if args.get("contextArguments"):
                raise CompositionError(f"{where}: @fromContext arguments are not supported")
            if args.get("overrideLabel"):
                raise CompositionError(f"{where}: progressive @override (label) is not supported")
            for what in ("requires", "provides"):
                if args.get(what):
                    _check_field_set(f"@{what} of {where}", str(args[what]), what == "requires")
            graph = self.graphs.get(str(args.get("graph")))
            if graph is None:
                continue  # @join__field without a graph: resolved by no subgraph directly
            field_def.placements[graph] = FieldPlacement(
                external=bool(args.get("external")),
                requires=str(args.get("requires") or ""),
                provides=str(args.get("provides") or ""),
                override_from=str(args["override"]) if args.get("override") else None,
                shareable=len(joins) > 1,
                type=str(args["type"]) if args.get("type") else print_ast(node.type),
            )
        if not joins:  # no @join__field at all: every subgraph of the type resolves it
            for graph in type_def.subgraphs:
                field_def.placements[graph] = FieldPlacement(
                    shareable=len(type_def.subgraphs) > 1, type=print_ast(node.type)
                )
        type_def.fields[field_def.name] = field_def


def _refuse_ignored(where: str, directives: list[tuple[str, dict[str, Any]]]) -> None:
    for directive, args in directives:
        if directive == "join__owner":
            raise CompositionError(f"{where}: @join__owner (join spec v0.1) is not supported")
        if directive == "join__directive":
            name = args.get("name")
            raise CompositionError(f"{where}: @join__directive (@{name}) is not supported")


def _check_field_set(what: str, text: str, arguments: bool = False) -> None:
    reason = unsupported_field_set(text, arguments)
    if reason is not None:
        raise CompositionError(f"{what} ({text!r}) cannot be used: {reason}")


def read_supergraph(sdl: str) -> Supergraph:
    return _Reader(parse(sdl, no_location=True)).read()
