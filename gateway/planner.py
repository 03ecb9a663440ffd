"""Query planning: which subgraph fetches which fields, and the ``_entities`` joins between them.

A plan is a list of stages. Each stage is a set of HTTP requests that run concurrently, at most
one per subgraph: every entity join the stage needs from a subgraph goes into that one request
(several ``_entities`` fields under aliases when the joins differ), however many rows it covers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLScalarType,
    InlineFragmentNode,
    ListTypeNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    print_ast,
    visit,
)
from graphql.language import Visitor

from gateway.fieldset import FieldSet, FieldSetItem, merge_field_sets, parse_field_set
from gateway.operation import Normalized, Selection
from gateway.supergraph import Key, Supergraph, named_type_name

# Fields the gateway adds for its own joins are aliased so they never clash with the client's.
INJECTED_PREFIX = "_sgo_"
REPRESENTATIONS_PREFIX = "_sgo_r"
ENTITIES_ALIAS_PREFIX = "_sgo_e"


class PlanError(Exception):
    """The supergraph offers no way to fetch a selected field."""


def type_alias(type_name: str, key: str) -> str:
    """The subgraph-side alias of ``key`` asked under ``... on type_name``."""
    return f"{INJECTED_PREFIX}{type_name}__{key}"


def _name(value: str) -> NameNode:
    return NameNode(value=value)


@dataclass
class FieldBuilder:
    alias: str | None
    name: str
    arguments: tuple[ArgumentNode, ...]
    sub: SelectionBuilder | None = None
    shape: str | None = None  # the type the subgraph declares for it


@dataclass
class SelectionBuilder:
    """A subgraph selection set under construction (fields keyed by response key)."""

    typename: bool = True
    fields: dict[str, FieldBuilder] = field(default_factory=dict)
    fragments: dict[str, SelectionBuilder] = field(default_factory=dict)

    def field(
        self,
        key: str,
        name: str,
        arguments: tuple[ArgumentNode, ...],
        composite: bool,
        shape: str | None = None,
    ) -> FieldBuilder:
        found = self.fields.get(key)
        if found is None:
            alias = key if key != name else None
            sub = SelectionBuilder() if composite else None
            found = FieldBuilder(alias, name, arguments, sub, shape)
            self.fields[key] = found
        elif found.name != name or found.arguments != arguments:
            # Only a client alias that takes a name the gateway uses for its joins gets here:
            # one of the two values would be lost (or joined on the wrong value).
            raise PlanError(
                f"the response key {key!r} is used for both {found.name} and {name}; "
                f"rename the alias (names starting with {INJECTED_PREFIX!r} are reserved)"
            )
        return found

    def fragment(self, type_name: str) -> SelectionBuilder:
        found = self.fragments.get(type_name)
        if found is None:
            found = self.fragments[type_name] = SelectionBuilder(typename=False)
        return found

    def conflicting_keys(self) -> frozenset[str]:
        """Response keys that sibling fragments ask with different types in this subgraph
        (``String!`` for one type, ``String`` for another): invalid in one selection set."""
        shapes: dict[str, set[str]] = {}
        for fragment in (self, *self.fragments.values()):
            for key, builder in fragment.fields.items():
                if builder.shape is not None and not key.startswith(INJECTED_PREFIX):
                    shapes.setdefault(key, set()).add(builder.shape)
        conflicting = frozenset(key for key, found in shapes.items() if len(found) > 1)
        for key in conflicting:
            found = self.fields.get(key)
            if found is not None and found.sub is not None:
                # The unaliased object would hide the aliased one's fields from the shaper.
                raise PlanError(
                    f"{found.name} is asked with different types under different fragments; "
                    "select it under type conditions only"
                )
        return conflicting

    def to_ast(
        self, aliased: frozenset[str] = frozenset(), type_name: str = ""
    ) -> SelectionSetNode:
        selections: list[Any] = []
        if self.typename:
            # Always known, so the response shaper can tell runtime types and joins find keys.
            selections.append(FieldNode(name=_name("__typename"), arguments=(), directives=()))
        for key, builder in self.fields.items():
            alias = builder.alias
            if key in aliased:
                alias = type_alias(type_name, key)  # the shaper reads it back for this type
            selections.append(
                FieldNode(
                    alias=_name(alias) if alias else None,
                    name=_name(builder.name),
                    arguments=builder.arguments,
                    directives=(),
                    selection_set=builder.sub.to_ast() if builder.sub else None,
                )
            )
        conflicting = self.conflicting_keys() if self.fragments else frozenset()
        for condition, fragment in self.fragments.items():
            if not fragment.fields and not fragment.fragments:
                continue  # only denied or gateway-answered fields: nothing to ask
            selections.append(
                InlineFragmentNode(
                    type_condition=NamedTypeNode(name=_name(condition)),
                    directives=(),
                    selection_set=fragment.to_ast(conflicting, condition),
                )
            )
        return SelectionSetNode(selections=tuple(selections))


@dataclass
class FetchNode:
    """One fetch from one subgraph: root fields, or an entity join at ``path``."""

    subgraph: str
    type_name: str | None  # the entity type joined; None for root fields
    path: tuple[str, ...]  # response keys from the root to the joined objects
    selection: SelectionBuilder = field(default_factory=SelectionBuilder)
    representation: FieldSet = ()  # key fields plus @requires fields
    key_fields: FieldSet = ()  # without these an object cannot be joined (its fetch failed)
    typenames: set[str] = field(default_factory=set)  # runtime types of the objects joined
    # The __typename sent in representations: the interface's own name for an @interfaceObject,
    # otherwise (None) each object's runtime type.
    representation_type: str | None = None
    # Set on a join that asks an entity interface's own subgraph which type each object that
    # an @interfaceObject returned really is: its answer's __typename replaces the interface's.
    resolves_type: bool = False
    children: dict[tuple[str, str, tuple[str, ...]], FetchNode] = field(default_factory=dict)
    alias: str = ""
    depth: int = 0  # the stage it runs in, counted from its root fetch

    def child(self, subgraph: str, type_name: str, path: tuple[str, ...]) -> FetchNode:
        key = (subgraph, type_name, path)
        found = self.children.get(key)
        if found is None:
            found = self.children[key] = FetchNode(subgraph, type_name, path, depth=self.depth + 1)
        return found

    @property
    def response_keys(self) -> list[str]:
        """The top-level keys this fetch fills, for errors when it fails."""
        builder = self.selection
        if self.type_name is not None:
            builder = builder.fragments.get(self.type_name, builder)
        return [k for k in builder.fields if not k.startswith(INJECTED_PREFIX)]


@dataclass
class FetchGroup:
    """One HTTP request to one subgraph."""

    subgraph: str
    nodes: list[FetchNode]
    document: str
    variables: tuple[str, ...]  # client variables it uses, forwarded as given

    @property
    def is_root(self) -> bool:
        return self.nodes[0].type_name is None


@dataclass
class Plan:
    stages: list[list[FetchGroup]]
    introspection: bool = False


class _Planner:
    def __init__(self, supergraph: Supergraph) -> None:
        self.sg = supergraph
        self.roots: list[FetchNode] = []
        self.mutation = False
        self.created: list[FetchNode] = []  # every entity join, in the order planned

    def resolvable(self, subgraph: str, type_name: str, name: str, provided: FieldSet) -> bool:
        return any(item.name == name for item in provided) or self.sg.can_resolve(
            subgraph, type_name, name
        )

    def choose(
        self,
        subgraph: str,
        type_name: str,
        names: FieldSet,
        node: FetchNode,
        path: tuple[str, ...],
        source_type: str | None = None,
    ) -> tuple[str, Key]:
        """A subgraph that resolves all of ``names``, reachable through a key ``subgraph`` can
        give on ``source_type`` (the type it knows the objects by); one this stage already
        joins at ``path`` is preferred (one request less)."""
        type_def = self.sg.types[type_name]
        options: list[tuple[str, Key]] = []
        for target in type_def.subgraphs:
            if target == subgraph or not self.sg.can_resolve_set(target, type_name, names):
                continue
            for key in type_def.resolvable_keys(target):
                if self.sg.can_resolve_set(subgraph, source_type or type_name, key.selection):
                    options.append((target, key))
                    break
        if not options:
            wanted = ", ".join(item.name for item in names)
            raise PlanError(f"no subgraph can resolve {type_name}.{{{wanted}}} from {subgraph}")
        for target, key in options:
            if (target, type_name, path) in node.children:
                return target, key
        return options[0]

    def route(
        self,
        subgraph: str,
        type_name: str,
        names: FieldSet,
        node: FetchNode,
        path: tuple[str, ...],
        source_type: str | None = None,
    ) -> list[tuple[str, Key]]:
        """The joins that reach a subgraph resolving ``names``: one when ``subgraph`` can give
        a key of it, else the shortest chain of subgraphs, each giving the next one's key (A
        knows ``upc``, B maps ``upc`` to ``id``, C knows ``id``)."""
        try:
            return [self.choose(subgraph, type_name, names, node, path, source_type)]
        except PlanError as refusal:
            unreachable = refusal
        type_def = self.sg.types[type_name]
        seen = {subgraph}
        frontier: list[tuple[str, str, list[tuple[str, Key]]]] = [
            (subgraph, source_type or type_name, [])
        ]
        while frontier:
            following = []
            for current, known_as, hops in frontier:
                for middle in type_def.subgraphs:
                    key = next(
                        (
                            k
                            for k in type_def.resolvable_keys(middle)
                            if self.sg.can_resolve_set(current, known_as, k.selection)
                        ),
                        None,
                    )
                    if middle in seen or key is None:
                        continue
                    seen.add(middle)
                    chain = [*hops, (middle, key)]
                    for target in type_def.subgraphs:
                        if target in seen or not self.sg.can_resolve_set(target, type_name, names):
                            continue
                        for last in type_def.resolvable_keys(target):
                            if self.sg.can_resolve_set(middle, type_name, last.selection):
                                return [*chain, (target, last)]
                    following.append((middle, type_name, chain))
            frontier = following
        raise unreachable

    def join(
        self,
        sel: Selection,
        type_name: str,
        subgraph: str,
        out: SelectionBuilder,
        path: tuple[str, ...],
        node: FetchNode,
        provided: FieldSet,
        wanted: FieldSet = (),
    ) -> None:
        """Fetch ``sel`` from another subgraph through ``_entities``, after what it needs."""
        wanted = wanted or (FieldSetItem(sel.field_name),)
        join_type, typenames = self.join_type(type_name, sel.field_name)
        try:
            hops = self.route(subgraph, join_type, wanted, node, path, type_name)
        except PlanError:
            if self.sg.types[type_name].kind != "interface":
                raise
            # No key of the interface leads there: join each implementation on its own key
            # (the entities another subgraph extends), under a fragment per type.
            concrete = [t for t in sorted(typenames) if self.sg.possible_in(subgraph, type_name, t)]
            if not concrete:
                raise
            for object_type in concrete:
                fragment = out.fragment(object_type)
                self.plan_field(sel, object_type, subgraph, fragment, path, node, provided)
            return
        *middles, (target, key) = hops
        placement = self.sg.field(join_type, sel.field_name).placements[target]  # type: ignore[union-attr]
        requires = parse_field_set(placement.requires) if placement.requires else ()
        parent, key_out = node, out
        for middle, middle_key in middles:
            # A subgraph on the way that turns the key we have into the key the target needs.
            _inject(key_out, middle_key.selection)
            parent = self.entity_node(parent, middle, join_type, path, middle_key.selection)
            parent.typenames |= typenames
            key_out = parent.selection.fragment(join_type)
        _inject(key_out, key.selection)
        local = tuple(i for i in requires if self.resolvable_set(subgraph, type_name, i, provided))
        _inject(out, local)
        remote = tuple(item for item in requires if item not in local)
        if remote:
            # @requires fields this subgraph cannot give are planned like fields the client
            # asked (under injected names), so they may need joins, chains and @requires of
            # their own; ours runs after the last of those joins (a stage after its depth).
            made = len(self.created)
            for item in remote:
                required = self.required_selection(item, join_type, INJECTED_PREFIX)
                self.plan_field(required, type_name, subgraph, out, path, node, provided)
            parent = max([parent, *self.created[made:]], key=lambda n: n.depth)
        child = self.entity_node(parent, target, join_type, path, key.selection)
        child.typenames |= typenames
        child.representation = merge_field_sets(child.representation, requires)
        if target in self.sg.types[join_type].interface_object_in:
            child.representation_type = join_type
        fragment = child.selection.fragment(join_type)
        self.plan_field(sel, join_type, target, fragment, path, child, ())

    def join_type(self, type_name: str, field_name: str) -> tuple[str, set[str]]:
        """The type to join on, and the runtime types the join applies to. A field that only
        an ``@interfaceObject`` resolves is joined on its interface, for this type alone."""
        type_def = self.sg.types[type_name]
        field_def = self.sg.field(type_name, field_name)
        if type_def.kind == "object" and field_def is not None and not field_def.resolvers:
            for interface in type_def.interfaces:
                owner = self.sg.field(interface, field_name)
                if owner is not None and owner.resolvers:
                    return interface, {type_name}
        if type_def.kind == "interface":
            abstract = self.sg.api_schema.get_type(type_name)
            if abstract is not None:
                possible = self.sg.api_schema.get_possible_types(abstract)  # type: ignore[arg-type]
                return type_name, {t.name for t in possible}
        return type_name, {type_name}

    def resolvable_set(
        self, subgraph: str, type_name: str, item: FieldSetItem, provided: FieldSet
    ) -> bool:
        if any(p.name == item.name and not item.children for p in provided):
            return True
        return self.sg.can_resolve_set(subgraph, type_name, (item,))

    def required_selection(self, item: FieldSetItem, type_name: str, prefix: str) -> Selection:
        """A ``@requires`` field as if the client had selected it (children unprefixed, as
        representations carry them)."""
        field_def = self.sg.field(type_name, item.name)
        named = named_type_name(field_def.node) if field_def is not None else type_name
        children = {(c.name, None): self.required_selection(c, named, "") for c in item.children}
        node = FieldNode(name=_name(item.name), arguments=item.arguments, directives=())
        # Only its name is read (the field may be @inaccessible, absent from the API schema).
        stand_in = self.sg.api_schema.get_type(named) or GraphQLScalarType(named)
        return Selection(f"{prefix}{item.name}", item.name, type_name, None, node, stand_in,
                         children=children)  # fmt: skip

    def entity_node(
        self,
        parent: FetchNode,
        subgraph: str,
        type_name: str,
        path: tuple[str, ...],
        key: FieldSet,
    ) -> FetchNode:
        child = parent.child(subgraph, type_name, path)
        self.created.append(child)
        child.key_fields = merge_field_sets(child.key_fields, key)
        child.representation = merge_field_sets(child.representation, key)
        return child

    def plan_field(
        self,
        sel: Selection,
        type_name: str,
        subgraph: str,
        out: SelectionBuilder,
        path: tuple[str, ...],
        node: FetchNode,
        provided: FieldSet,
    ) -> None:
        if sel.denied is not None or sel.field_name == "__typename":
            return  # denied fields never leave the gateway; __typename is always selected
        type_def = self.sg.types.get(type_name)
        if (
            type_def is None
            or type_def.kind not in ("object", "interface")
            or self.resolvable(subgraph, type_name, sel.field_name, provided)
        ):
            if type_def is not None and type_def.kind == "interface":
                implementations = self.overridden_implementations(
                    subgraph, type_name, sel.field_name, provided
                )
                if implementations:
                    # Some implementation's field is resolved elsewhere (@override): the
                    # interface's answer here would be stale for it, so ask type by type.
                    for object_type in implementations:
                        fragment = out.fragment(object_type)
                        self.plan_field(sel, object_type, subgraph, fragment, path, node, provided)
                    return
            arguments = tuple(sel.node.arguments or ())
            field_def = type_def.fields.get(sel.field_name) if type_def else None
            placement = field_def.placements.get(subgraph) if field_def else None
            shape = placement.type if placement else None
            builder = out.field(
                sel.response_key, sel.field_name, arguments, bool(sel.children), shape
            )
            if builder.sub is not None:
                child_provided = self._provided(subgraph, type_name, sel.field_name, provided)
                child_path = (*path, sel.response_key)
                remote = self.value_fields_elsewhere(sel, subgraph, child_provided)
                if remote:
                    # A keyless value type: what this subgraph lacks comes with the parent
                    # entity's join to a subgraph that resolves the field and those fields.
                    local = {k: c for k, c in sel.children.items() if k not in remote}
                    self.plan_children(
                        replace(sel, children=local), subgraph, builder.sub, child_path, node,
                        child_provided,
                    )  # fmt: skip
                    items = tuple(FieldSetItem(sel.children[k].field_name) for k in remote)
                    wanted = (FieldSetItem(sel.field_name, items),)
                    elsewhere = replace(sel, children={k: sel.children[k] for k in remote})
                    if node.type_name is None and not path and not self.mutation:
                        self.split_root(elsewhere, type_name, subgraph)
                    else:
                        self.join(elsewhere, type_name, subgraph, out, path, node, provided, wanted)
                elif self.needs_concrete_type(sel, subgraph, child_provided):
                    self.plan_through_interface_owner(
                        sel, type_name, subgraph, builder.sub, child_path, node, child_provided
                    )
                else:
                    self.plan_children(sel, subgraph, builder.sub, child_path, node, child_provided)
            return
        self.join(sel, type_name, subgraph, out, path, node, provided)

    def split_root(self, sel: Selection, root_type: str, subgraph: str) -> None:
        """A shared root field whose keyless value no one subgraph resolves whole: the same
        field is asked of another subgraph for what it adds (queries only: a mutation runs
        once). Each step resolves at least one field more, so the split ends."""
        field_def = self.sg.field(root_type, sel.field_name)
        named = sel.named_type
        target = next(
            (
                other
                for other in (field_def.resolvers if field_def else ())
                if other != subgraph
                and any(
                    self.sg.can_resolve(other, named, child.field_name)
                    for child in sel.children.values()
                )
            ),
            None,
        )
        if target is None:
            wanted = ", ".join(child.field_name for child in sel.children.values())
            raise PlanError(f"no subgraph can resolve {named}.{{{wanted}}} from {subgraph}")
        root = next((r for r in self.roots if r.subgraph == target), None)
        if root is None:
            root = FetchNode(target, None, ())
            self.roots.append(root)
        self.plan_field(sel, root_type, target, root.selection, (), root, ())

    def overridden_implementations(
        self, subgraph: str, interface: str, field_name: str, provided: FieldSet
    ) -> list[str]:
        """The implementations ``subgraph`` can return for ``interface``, when for one of them
        another subgraph resolves ``field_name`` instead (else nothing)."""
        if any(item.name == field_name for item in provided):
            return []
        abstract = self.sg.api_schema.get_type(interface)
        if abstract is None:
            return []
        possible = [
            t.name
            for t in self.sg.api_schema.get_possible_types(abstract)  # type: ignore[arg-type]
            if self.sg.possible_in(subgraph, interface, t.name)
        ]
        for object_type in possible:
            field_def = self.sg.field(object_type, field_name)
            if (
                field_def is not None
                and field_def.resolvers
                and subgraph not in field_def.resolvers
            ):
                return possible
        return []

    def value_fields_elsewhere(
        self, sel: Selection, subgraph: str, provided: FieldSet
    ) -> list[tuple[str, str | None]]:
        """The children of a keyless object value that ``subgraph`` cannot resolve (only a
        join on the entity holding the value can fetch them)."""
        type_def = self.sg.types.get(sel.named_type)
        if type_def is None or type_def.kind != "object" or any(type_def.keys.values()):
            return []
        return [
            key
            for key, child in sel.children.items()
            if child.denied is None
            and child.type_condition is None
            and child.field_name != "__typename"
            and not self.resolvable(subgraph, sel.named_type, child.field_name, provided)
        ]

    def needs_concrete_type(self, sel: Selection, subgraph: str, provided: FieldSet) -> bool:
        """Objects of an interface that ``subgraph`` knows only as an ``@interfaceObject`` come
        typed as the interface: asking their __typename, a type condition or a field another
        subgraph resolves needs the type each one really is."""
        type_def = self.sg.types.get(sel.named_type)
        if type_def is None or subgraph not in type_def.interface_object_in:
            return False
        return any(
            child.type_condition is not None
            or child.field_name == "__typename"
            or not self.resolvable(subgraph, sel.named_type, child.field_name, provided)
            for child in sel.selections
            if child.denied is None
        )

    def plan_through_interface_owner(
        self,
        sel: Selection,
        parent_type: str,
        subgraph: str,
        out: SelectionBuilder,
        path: tuple[str, ...],
        node: FetchNode,
        provided: FieldSet,
    ) -> None:
        """Fields ``subgraph`` resolves stay with it; everything else goes through a join on
        the interface to a subgraph that defines it as an entity interface, which answers with
        each object's own type (joins on that type follow it)."""
        interface = sel.named_type
        type_def = self.sg.types[interface]
        owner_key = next(
            (
                (target, key)
                for target in type_def.subgraphs
                if target not in type_def.interface_object_in
                for key in type_def.resolvable_keys(target)
                if self.sg.can_resolve_set(subgraph, interface, key.selection)
            ),
            None,
        )
        if owner_key is None:
            raise PlanError(
                f"{parent_type}.{sel.field_name}: {subgraph} returns {interface} as an "
                f"@interfaceObject and no subgraph resolves {interface} to its concrete types"
            )
        target, key = owner_key
        _inject(out, key.selection)
        owner = self.entity_node(node, target, interface, path, key.selection)
        owner.typenames.add(interface)
        owner.representation_type = interface
        owner.resolves_type = True
        for child in sel.selections:
            if child.field_name == "__typename" and child.type_condition is None:
                continue  # the owner's answer carries it
            local = child.type_condition is None and self.resolvable(
                subgraph, interface, child.field_name, provided
            )
            if local:
                self.plan_field(child, interface, subgraph, out, path, node, provided)
                continue
            if child.type_condition is None:
                fragment = owner.selection.fragment(interface)
                self.plan_field(child, interface, target, fragment, path, owner, ())
                continue
            for type_name in self.conditions(target, interface, child.type_condition):
                fragment = owner.selection.fragment(type_name)
                self.plan_field(child, type_name, target, fragment, path, owner, ())

    def _provided(
        self, subgraph: str, type_name: str, field_name: str, provided: FieldSet
    ) -> FieldSet:
        for item in provided:
            if item.name == field_name:
                return item.children
        field_def = self.sg.field(type_name, field_name)
        placement = field_def.placements.get(subgraph) if field_def else None
        return parse_field_set(placement.provides) if placement and placement.provides else ()

    def plan_children(
        self,
        sel: Selection,
        subgraph: str,
        out: SelectionBuilder,
        path: tuple[str, ...],
        node: FetchNode,
        provided: FieldSet,
    ) -> None:
        parent_type = sel.named_type
        for child in sel.selections:
            condition = child.type_condition
            if condition is None:
                self.plan_field(child, parent_type, subgraph, out, path, node, provided)
                continue
            for type_name in self.conditions(subgraph, parent_type, condition):
                fragment = out.fragment(type_name)
                self.plan_field(child, type_name, subgraph, fragment, path, node, provided)

    def conditions(self, subgraph: str, parent_type: str, condition: str) -> list[str]:
        """The type conditions to send ``subgraph`` for a client's ``... on condition``: the
        object types it can return there (it may not know an abstract one at all)."""
        cond_def = self.sg.types.get(condition)
        if cond_def is not None and cond_def.kind == "object":
            return [condition] if self.sg.possible_in(subgraph, parent_type, condition) else []
        schema = self.sg.api_schema
        abstract = schema.get_type(condition)
        if abstract is None:
            return []
        return [
            t.name
            for t in schema.get_possible_types(abstract)  # type: ignore[arg-type]
            if self.sg.possible_in(subgraph, parent_type, t.name)
        ]

    def plan(self, normalized: Normalized) -> list[FetchNode]:
        roots = self.roots
        mutation = self.mutation = normalized.operation.operation == OperationType.MUTATION
        selections = [
            sel
            for sel in normalized.selections
            if sel.denied is None and not sel.field_name.startswith("__")
        ]
        resolvers: list[list[str]] = []
        for sel in selections:
            field_def = self.sg.field(normalized.root_type, sel.field_name)
            if field_def is None or not field_def.resolvers:
                raise PlanError(f"no subgraph resolves {normalized.root_type}.{sel.field_name}")
            resolvers.append(field_def.resolvers)
        # A @shareable root field goes where other root fields go anyway: fewer requests.
        needed = {options[0] for options in resolvers if len(options) == 1}
        for sel, options in zip(selections, resolvers, strict=True):
            subgraph = next((s for s in options if s in needed), options[0])
            needed.add(subgraph)
            if mutation:
                # Mutations run in order: a new fetch whenever the subgraph changes.
                if not roots or roots[-1].subgraph != subgraph:
                    roots.append(FetchNode(subgraph, None, ()))
                node = roots[-1]
            else:
                node = next((r for r in roots if r.subgraph == subgraph), None) or FetchNode(
                    subgraph, None, ()
                )
                if node not in roots:
                    roots.append(node)
            self.plan_field(sel, normalized.root_type, subgraph, node.selection, (), node, ())
        return roots


def _inject(out: SelectionBuilder, field_set: FieldSet, prefix: str = INJECTED_PREFIX) -> None:
    for item in field_set:
        key = f"{prefix}{item.name}"
        builder = out.field(key, item.name, item.arguments, bool(item.children))
        if builder.sub is not None:
            builder.sub.typename = False
            _inject(builder.sub, item.children, prefix="")


def _stages(roots: list[FetchNode]) -> list[list[FetchNode]]:
    stages: list[list[FetchNode]] = []
    level = roots
    while level:
        stages.append(level)
        level = [child for node in level for child in node.children.values()]
    return stages


def _used_variables(selection_set: SelectionSetNode) -> set[str]:
    names: set[str] = set()

    class Collect(Visitor):
        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            names.add(node.name.value)

    visit(selection_set, Collect())
    return names


def _group(subgraph: str, nodes: list[FetchNode], operation: OperationDefinitionNode) -> FetchGroup:
    definitions = {d.variable.name.value: d for d in operation.variable_definitions or ()}
    extra: list[VariableDefinitionNode] = []
    if nodes[0].type_name is None:
        op_type = operation.operation
        selection_set = nodes[0].selection.to_ast()
    else:
        op_type = OperationType.QUERY
        fields = []
        for index, node in enumerate(nodes):
            node.alias = f"{ENTITIES_ALIAS_PREFIX}{index}"
            variable = f"{REPRESENTATIONS_PREFIX}{index}"
            fields.append(
                FieldNode(
                    alias=_name(node.alias),
                    name=_name("_entities"),
                    arguments=(
                        ArgumentNode(
                            name=_name("representations"),
                            value=VariableNode(name=_name(variable)),
                        ),
                    ),
                    directives=(),
                    selection_set=node.selection.to_ast(),
                )
            )
            extra.append(
                VariableDefinitionNode(
                    variable=VariableNode(name=_name(variable)),
                    type=NonNullTypeNode(
                        type=ListTypeNode(
                            type=NonNullTypeNode(type=NamedTypeNode(name=_name("_Any")))
                        )
                    ),
                    directives=(),
                )
            )
        selection_set = SelectionSetNode(selections=tuple(fields))
    used = sorted(_used_variables(selection_set) & definitions.keys())
    document = DocumentNode(
        definitions=(
            OperationDefinitionNode(
                operation=op_type,
                variable_definitions=(*extra, *(definitions[n] for n in used)),
                directives=(),
                selection_set=selection_set,
            ),
        )
    )
    return FetchGroup(subgraph, nodes, print_ast(document), tuple(used))


def build_plan(supergraph: Supergraph, normalized: Normalized) -> Plan:
    if normalized.introspection:
        if any(not sel.field_name.startswith("__") for sel in normalized.selections):
            raise PlanError("introspection cannot be mixed with other root fields")
        return Plan(stages=[], introspection=True)
    roots = _Planner(supergraph).plan(normalized)
    mutation = normalized.operation.operation == OperationType.MUTATION
    # Queries: all root fetches in the first stage. Mutations: one root fetch (and its joins)
    # after the other, as the spec orders top-level mutation fields.
    trees = [[root] for root in roots] if mutation else [roots]
    stages: list[list[FetchGroup]] = []
    for tree in trees:
        for level in _stages(tree):
            by_subgraph: dict[str, list[FetchNode]] = {}
            for node in level:
                by_subgraph.setdefault(node.subgraph, []).append(node)
            stage: list[FetchGroup] = []
            for subgraph, nodes in by_subgraph.items():
                if nodes[0].type_name is None:
                    stage.extend(_group(subgraph, [n], normalized.operation) for n in nodes)
                else:
                    stage.append(_group(subgraph, nodes, normalized.operation))
            stages.append(stage)
    return Plan(stages=stages)
