"""The composed supergraph: who owns which field, entity keys, access rules, the API schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldDefinitionNode,
    GraphQLSchema,
    InputValueDefinitionNode,
    TypeDefinitionNode,
)

from gateway.access import AccessRule
from gateway.fieldset import FieldSet


class CompositionError(Exception):
    """The subgraphs cannot be composed into one graph."""


@dataclass(frozen=True)
class Key:
    """One ``@key`` of an entity in one subgraph."""

    fields: str
    selection: FieldSet
    resolvable: bool = True


@dataclass
class FieldPlacement:
    """How one subgraph declares a field: external, with @requires/@provides, overriding."""

    external: bool = False
    requires: str = ""
    provides: str = ""
    override_from: str | None = None
    shareable: bool = False
    # The field's type as this subgraph declares it ("String!"), when it differs from the
    # supergraph's: sibling fragments asking it with different types are aliased apart.
    type: str | None = None


@dataclass
class FieldDef:
    name: str
    node: FieldDefinitionNode  # as first seen, directives stripped: the client-facing shape
    placements: dict[str, FieldPlacement] = field(default_factory=dict)
    access: AccessRule = field(default_factory=AccessRule)
    inaccessible: bool = False
    # Subgraphs that can resolve the field (not external, not overridden away), set at the end.
    resolvers: list[str] = field(default_factory=list)
    # Demand control: the arguments of its ``@cost`` / ``@listSize`` (gateway.limits).
    cost: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class TypeDef:
    name: str
    kind: str  # object, interface, union, enum, input, scalar
    node: TypeDefinitionNode
    subgraphs: list[str] = field(default_factory=list)
    keys: dict[str, list[Key]] = field(default_factory=dict)
    fields: dict[str, FieldDef] = field(default_factory=dict)
    input_fields: dict[str, InputValueDefinitionNode] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    inaccessible_values: set[str] = field(default_factory=set)
    inaccessible_inputs: set[str] = field(default_factory=set)
    access: AccessRule = field(default_factory=AccessRule)
    inaccessible: bool = False
    shareable_in: set[str] = field(default_factory=set)
    cost_weight: float | None = None  # ``@cost(weight:)`` on the type
    # Per subgraph: the interfaces it says this type implements, the union members it knows.
    implements: dict[str, list[str]] = field(default_factory=dict)
    union_members: dict[str, list[str]] = field(default_factory=dict)
    interface_object_in: set[str] = field(default_factory=set)  # subgraphs with @interfaceObject

    def resolvable_keys(self, subgraph: str) -> list[Key]:
        return [key for key in self.keys.get(subgraph, []) if key.resolvable]


@dataclass
class Supergraph:
    """Everything the planner, the access check and the printers need, built once."""

    urls: dict[str, str]
    types: dict[str, TypeDef]
    api_schema: GraphQLSchema
    query_type: str = "Query"
    mutation_type: str | None = None

    def type(self, name: str) -> TypeDef:
        return self.types[name]

    def field(self, type_name: str, field_name: str) -> FieldDef | None:
        type_def = self.types.get(type_name)
        return type_def.fields.get(field_name) if type_def else None

    def access_rule(self, type_name: str, field_name: str) -> AccessRule:
        """A type-level directive applies to all of the type's fields."""
        type_def = self.types.get(type_name)
        if type_def is None:
            return AccessRule()
        field_def = type_def.fields.get(field_name)
        rule = type_def.access
        rule = rule.merge(field_def.access) if field_def else rule
        if type_def.kind == "interface" and not rule.declared:
            # Federation forbids access directives on interfaces: the field needs whatever
            # every implementation of it needs.
            for implementation in self.types.values():
                if type_name in implementation.interfaces:
                    rule = rule.merge(self.access_rule(implementation.name, field_name))
        return rule

    def api_object_types(self) -> dict[str, list[str]]:
        """Client-visible object types and their client-visible fields."""
        result: dict[str, list[str]] = {}
        for name, type_def in self.types.items():
            if type_def.kind != "object" or type_def.inaccessible:
                continue
            if self.api_schema.get_type(name) is None:
                continue
            result[name] = [f for f, d in type_def.fields.items() if not d.inaccessible]
        return result

    def knows(self, subgraph: str, type_name: str) -> bool:
        type_def = self.types.get(type_name)
        return type_def is not None and subgraph in type_def.subgraphs

    def possible_in(self, subgraph: str, abstract: str, concrete: str) -> bool:
        """Can ``subgraph`` return ``concrete`` where its schema expects ``abstract``?"""
        if abstract == concrete:
            return self.knows(subgraph, concrete)
        abstract_def, concrete_def = self.types.get(abstract), self.types.get(concrete)
        if abstract_def is None or concrete_def is None or subgraph not in concrete_def.subgraphs:
            return False
        if abstract_def.kind == "union":
            return concrete in abstract_def.union_members.get(subgraph, ())
        return abstract in concrete_def.implements.get(subgraph, ())

    def can_resolve(self, subgraph: str, type_name: str, field_name: str) -> bool:
        field_def = self.field(type_name, field_name)
        return field_def is not None and subgraph in field_def.resolvers

    def can_resolve_set(self, subgraph: str, type_name: str, selection: FieldSet) -> bool:
        for item in selection:
            field_def = self.field(type_name, item.name)
            if field_def is None or subgraph not in field_def.resolvers:
                return False
            if item.children:
                child_type = named_type_name(field_def.node)
                if not self.can_resolve_set(subgraph, child_type, item.children):
                    return False
        return True


def named_type_name(node: FieldDefinitionNode | InputValueDefinitionNode) -> str:
    type_node = node.type
    while not hasattr(type_node, "name"):
        type_node = type_node.type  # type: ignore[attr-defined]
    return type_node.name.value  # type: ignore[attr-defined]
