"""Composition: subgraph SDLs (Federation v2) merged into one ``Supergraph``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    NamedTypeNode,
    NameNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationType,
    OperationTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    build_ast_schema,
    parse,
    print_ast,
    value_from_ast_untyped,
)

from gateway.access import AccessRule
from gateway.fieldset import parse_field_set, unsupported_field_set
from gateway.supergraph import (
    CompositionError,
    FieldDef,
    FieldPlacement,
    Key,
    Supergraph,
    TypeDef,
)

FEDERATION_DIRECTIVES = frozenset(
    {
        "key", "shareable", "external", "requires", "provides", "inaccessible", "override",
        "authenticated", "requiresScopes", "policy", "tag", "extends", "interfaceObject",
        "composeDirective", "link", "cost", "listSize", "context", "fromContext",
    }
)  # fmt: skip
# Kept in the client-facing schema; everything else is federation or subgraph business.
API_DIRECTIVES = frozenset({"deprecated", "specifiedBy", "oneOf"})
INTERNAL_TYPES = frozenset({"_Service", "_Any", "_Entity", "_FieldSet", "FieldSet"})
INTERNAL_ROOT_FIELDS = frozenset({"_service", "_entities"})
BUILTIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})

_KINDS: dict[type, str] = {
    ObjectTypeDefinitionNode: "object",
    ObjectTypeExtensionNode: "object",
    InterfaceTypeDefinitionNode: "interface",
    InterfaceTypeExtensionNode: "interface",
    UnionTypeDefinitionNode: "union",
    UnionTypeExtensionNode: "union",
    EnumTypeDefinitionNode: "enum",
    EnumTypeExtensionNode: "enum",
    InputObjectTypeDefinitionNode: "input",
    InputObjectTypeExtensionNode: "input",
    ScalarTypeDefinitionNode: "scalar",
    ScalarTypeExtensionNode: "scalar",
}


@dataclass(frozen=True)
class SubgraphSchema:
    name: str
    url: str
    sdl: str


def is_internal_type(name: str) -> bool:
    return name in INTERNAL_TYPES or name.startswith(("federation__", "link__", "join__"))


def directive_names(document: DocumentNode) -> dict[str, str]:
    """Local directive name -> federation name, following ``@link(import:)`` renames."""
    mapping = {f"federation__{name}": name for name in FEDERATION_DIRECTIVES}
    linked = False
    for definition in document.definitions:
        if not isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            continue
        for directive in definition.directives or ():
            if directive.name.value != "link":
                continue
            args = _arguments(directive)
            if "/federation/" not in str(args.get("url", "")):
                continue
            linked = True
            for item in args.get("import") or ():
                if isinstance(item, str):
                    mapping[item.lstrip("@")] = item.lstrip("@")
                elif isinstance(item, dict):
                    mapping[str(item["as"]).lstrip("@")] = str(item["name"]).lstrip("@")
    if not linked:
        # Federation 1 style (or a reconstructed supergraph slice): names are used as is.
        mapping.update({name: name for name in FEDERATION_DIRECTIVES})
    return mapping


def _arguments(directive: DirectiveNode) -> dict[str, Any]:
    return {arg.name.value: value_from_ast_untyped(arg.value) for arg in directive.arguments or ()}


def _directives(
    nodes: Iterable[DirectiveNode] | None, names: dict[str, str]
) -> list[tuple[str, dict[str, Any]]]:
    """(canonical name, arguments) for each directive; non-federation ones keep their name."""
    return [(names.get(d.name.value, d.name.value), _arguments(d)) for d in nodes or ()]


def _strip(directives: Iterable[DirectiveNode] | None) -> tuple[DirectiveNode, ...]:
    return tuple(d for d in directives or () if d.name.value in API_DIRECTIVES)


def _strip_arg(node: InputValueDefinitionNode) -> InputValueDefinitionNode:
    return InputValueDefinitionNode(
        name=node.name,
        description=node.description,
        type=node.type,
        default_value=node.default_value,
        directives=_strip(node.directives),
    )


def _strip_field(
    node: FieldDefinitionNode, hidden: Callable[[InputValueDefinitionNode], bool]
) -> FieldDefinitionNode:
    """The client-facing field: API directives only, ``hidden`` (inaccessible) arguments gone."""
    return FieldDefinitionNode(
        name=node.name,
        description=node.description,
        arguments=tuple(_strip_arg(a) for a in node.arguments or () if not hidden(a)),
        type=node.type,
        directives=_strip(node.directives),
    )


def _inaccessible(directives: list[tuple[str, dict[str, Any]]]) -> bool:
    return any(name == "inaccessible" for name, _ in directives)


class _Composer:
    def __init__(self) -> None:
        self.types: dict[str, TypeDef] = {}
        self.urls: dict[str, str] = {}
        self.has_mutation = False

    def add(self, subgraph: SubgraphSchema) -> None:
        self.urls[subgraph.name] = subgraph.url
        document = parse(subgraph.sdl, no_location=True)
        names = directive_names(document)
        roots = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
        for definition in document.definitions:
            if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
                for op in definition.operation_types or ():
                    roots[op.operation.value] = op.type.name.value
        renames = {roots["query"]: "Query", roots["mutation"]: "Mutation",
                   roots["subscription"]: "Subscription"}  # fmt: skip
        for definition in document.definitions:
            kind = _KINDS.get(type(definition))
            if kind is None:
                continue  # directive definitions, schema definition
            name = definition.name.value  # type: ignore[attr-defined]
            if is_internal_type(name):
                continue
            self._add_type(subgraph.name, renames.get(name, name), kind, definition, names)

    def _add_type(
        self,
        subgraph: str,
        name: str,
        kind: str,
        node: Any,
        names: dict[str, str],
    ) -> None:
        directives = _directives(node.directives, names)
        interface_object = any(d == "interfaceObject" for d, _ in directives)
        if interface_object:
            kind = "interface"  # an entity interface, seen here as an object type
        type_def = self.types.get(name)
        if type_def is None:
            type_def = self.types[name] = TypeDef(name=name, kind=kind, node=node)
        elif type_def.kind != kind:
            raise CompositionError(f"{name} is a {type_def.kind} and a {kind} in {subgraph}")
        if interface_object:
            type_def.interface_object_in.add(subgraph)
        elif kind == "interface":
            type_def.node = node  # the interface's own definition is the client-facing one
        if subgraph not in type_def.subgraphs:
            type_def.subgraphs.append(subgraph)
        if name == "Mutation":
            self.has_mutation = True
        type_def.access = type_def.access.merge(AccessRule.from_directives(directives))
        type_def.inaccessible = type_def.inaccessible or _inaccessible(directives)
        for directive, args in directives:
            if directive == "cost" and "weight" in args:
                type_def.cost_weight = float(args["weight"])
        type_external = any(d == "external" for d, _ in directives)
        type_shareable = any(d == "shareable" for d, _ in directives)
        if type_shareable:
            type_def.shareable_in.add(subgraph)
        for directive, args in directives:
            if directive == "context":
                raise CompositionError(f"{name} in {subgraph}: @context is not supported")
            if directive == "key":
                fields = str(args.get("fields", ""))
                _check_field_set(f"the key of {name} in {subgraph}", fields)
                key = Key(fields, parse_field_set(fields), bool(args.get("resolvable", True)))
                type_def.keys.setdefault(subgraph, []).append(key)
        for interface in getattr(node, "interfaces", None) or ():
            if interface.name.value not in type_def.interfaces:
                type_def.interfaces.append(interface.name.value)
            type_def.implements.setdefault(subgraph, []).append(interface.name.value)
        if kind == "union":
            for member in node.types or ():
                if member.name.value not in type_def.members:
                    type_def.members.append(member.name.value)
                type_def.union_members.setdefault(subgraph, []).append(member.name.value)
        elif kind == "enum":
            for value in node.values or ():
                value_name = value.name.value
                if value_name not in type_def.values:
                    type_def.values.append(value_name)
                if _inaccessible(_directives(value.directives, names)):
                    type_def.inaccessible_values.add(value_name)
        elif kind == "input":
            for input_field in node.fields or ():
                type_def.input_fields.setdefault(input_field.name.value, input_field)
                if _inaccessible(_directives(input_field.directives, names)):
                    type_def.inaccessible_inputs.add(input_field.name.value)
        elif kind in ("object", "interface"):
            for field_node in node.fields or ():
                if name == "Query" and field_node.name.value in INTERNAL_ROOT_FIELDS:
                    continue
                self._add_field(
                    subgraph, type_def, field_node, names, type_external, type_shareable
                )

    def _add_field(
        self,
        subgraph: str,
        type_def: TypeDef,
        node: FieldDefinitionNode,
        names: dict[str, str],
        type_external: bool,
        type_shareable: bool,
    ) -> None:
        name = node.name.value
        field_def = type_def.fields.get(name)
        if field_def is None:
            field_def = type_def.fields[name] = FieldDef(
                name=name,
                node=_strip_field(node, lambda a: _inaccessible(_directives(a.directives, names))),
            )
        directives = _directives(node.directives, names)
        declared = print_ast(node.type)
        current = print_ast(field_def.node.type)
        external = type_external or any(d == "external" for d, _ in directives)
        if (
            not external
            and declared != current
            and declared.replace("!", "") == current.replace("!", "")
            and declared.count("!") < current.count("!")
        ):
            # A shared field is as nullable as its most nullable declaration: every subgraph's
            # answer must fit the client's type.
            kept = {key: getattr(field_def.node, key) for key in field_def.node.keys}
            field_def.node = FieldDefinitionNode(**{**kept, "type": node.type})
        placement = FieldPlacement(external=type_external, shareable=type_shareable)
        placement.type = declared
        where = f"{type_def.name}.{name} in {subgraph}"
        for argument in node.arguments or ():
            if any(d == "fromContext" for d, _ in _directives(argument.directives, names)):
                raise CompositionError(f"{where}: @fromContext arguments are not supported")
        for directive, args in directives:
            if directive in ("requires", "provides"):
                fields = str(args.get("fields", ""))
                _check_field_set(f"@{directive} of {where}", fields, directive == "requires")
            if directive == "external":
                placement.external = True
            elif directive == "requires":
                placement.requires = str(args.get("fields", ""))
            elif directive == "provides":
                placement.provides = str(args.get("fields", ""))
            elif directive == "override" and args.get("label"):
                raise CompositionError(f"{where}: progressive @override (label) is not supported")
            elif directive == "override":
                placement.override_from = str(args.get("from", "")) or None
            elif directive == "shareable":
                placement.shareable = True
        field_def.placements[subgraph] = placement
        field_def.access = field_def.access.merge(AccessRule.from_directives(directives))
        field_def.inaccessible = field_def.inaccessible or _inaccessible(directives)
        field_def.cost.update((d, args) for d, args in directives if d in ("cost", "listSize"))

    def finish(self) -> Supergraph:
        return assemble(self.urls, self.types, self.has_mutation)


def _check_field_set(what: str, text: str, arguments: bool = False) -> None:
    reason = unsupported_field_set(text, arguments)
    if reason is not None:
        raise CompositionError(f"{what} ({text!r}) cannot be used: {reason}")


def assemble(urls: dict[str, str], types: dict[str, TypeDef], has_mutation: bool) -> Supergraph:
    """The supergraph from its types, whichever way they were read (subgraph SDL or join-spec)."""
    if "Query" not in types:
        raise CompositionError("no subgraph defines a Query type")
    _add_interface_object_fields(types)
    for type_def in types.values():
        for field_def in type_def.fields.values():
            resolvers = [s for s, p in field_def.placements.items() if not p.external]
            overridden = {p.override_from for p in field_def.placements.values()}
            field_def.resolvers = [s for s in resolvers if s not in overridden] or resolvers
    return Supergraph(
        urls=dict(urls),
        types=types,
        api_schema=build_api_schema(types, has_mutation),
        mutation_type="Mutation" if has_mutation else None,
    )


def _add_interface_object_fields(types: dict[str, TypeDef]) -> None:
    """Fields an ``@interfaceObject`` adds to an interface belong to every implementation too,
    resolved through the interface (no placement of their own, as ``@join__field`` alone)."""
    for interface in types.values():
        if not interface.interface_object_in:
            continue
        for type_def in types.values():
            if interface.name not in type_def.interfaces:
                continue
            for name, field_def in interface.fields.items():
                if name not in type_def.fields:
                    type_def.fields[name] = FieldDef(name=name, node=field_def.node)


def compose(subgraphs: Sequence[SubgraphSchema]) -> Supergraph:
    composer = _Composer()
    for subgraph in subgraphs:
        composer.add(subgraph)
    return composer.finish()


def _name(value: str) -> NameNode:
    return NameNode(value=value)


def _api_definition(type_def: TypeDef, visible: set[str]) -> TypeDefinitionNode | None:
    node: Any = type_def.node
    description = getattr(node, "description", None)
    name = _name(type_def.name)
    directives = _strip(node.directives)
    if type_def.kind in ("object", "interface"):
        fields = tuple(
            f.node
            for f in type_def.fields.values()
            if not f.inaccessible and _field_type_visible(f.node, visible)
        )
        if not fields:
            return None
        cls = ObjectTypeDefinitionNode if type_def.kind == "object" else InterfaceTypeDefinitionNode
        interfaces = tuple(
            NamedTypeNode(name=_name(i)) for i in type_def.interfaces if i in visible
        )
        return cls(
            name=name,
            description=description,
            interfaces=interfaces,
            directives=directives,
            fields=fields,
        )
    if type_def.kind == "union":
        members = tuple(NamedTypeNode(name=_name(m)) for m in type_def.members if m in visible)
        return UnionTypeDefinitionNode(
            name=name, description=description, directives=directives, types=members
        )
    if type_def.kind == "enum":
        # Descriptions and @deprecated of values as first seen: clients must see deprecations.
        seen = {v.name.value: v for v in getattr(node, "values", None) or ()}
        values = tuple(
            EnumValueDefinitionNode(
                name=_name(v),
                description=getattr(seen.get(v), "description", None),
                directives=_strip(getattr(seen.get(v), "directives", None)),
            )
            for v in type_def.values
            if v not in type_def.inaccessible_values
        )
        return EnumTypeDefinitionNode(
            name=name, description=description, directives=directives, values=values
        )
    if type_def.kind == "input":
        return InputObjectTypeDefinitionNode(
            name=name,
            description=description,
            directives=directives,
            fields=tuple(
                _strip_arg(f)
                for n, f in type_def.input_fields.items()
                if n not in type_def.inaccessible_inputs
            ),
        )
    if type_def.name in BUILTIN_SCALARS:
        return None
    return ScalarTypeDefinitionNode(name=name, description=description, directives=directives)


def _field_type_visible(node: FieldDefinitionNode, visible: set[str]) -> bool:
    from gateway.supergraph import named_type_name

    type_name = named_type_name(node)
    return type_name in visible or type_name in BUILTIN_SCALARS


def build_api_schema(types: dict[str, TypeDef], has_mutation: bool) -> Any:
    """The client-facing schema: no federation internals, nothing ``@inaccessible``."""
    visible = {name for name, t in types.items() if not t.inaccessible}
    definitions: list[Any] = []
    for type_def in types.values():
        if type_def.inaccessible:
            continue
        definition = _api_definition(type_def, visible)
        if definition is not None:
            definitions.append(definition)
    operations = [
        OperationTypeDefinitionNode(
            operation=OperationType.QUERY, type=NamedTypeNode(name=_name("Query"))
        )
    ]
    if has_mutation:
        operations.append(
            OperationTypeDefinitionNode(
                operation=OperationType.MUTATION, type=NamedTypeNode(name=_name("Mutation"))
            )
        )
    if any(getattr(d, "name", None) and d.name.value == "Subscription" for d in definitions):
        operations.append(
            OperationTypeDefinitionNode(
                operation=OperationType.SUBSCRIPTION,
                type=NamedTypeNode(name=_name("Subscription")),
            )
        )
    definitions.insert(0, SchemaDefinitionNode(operation_types=tuple(operations), directives=()))
    return build_ast_schema(DocumentNode(definitions=tuple(definitions)))
