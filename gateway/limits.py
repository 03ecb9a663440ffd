"""Operation limits checked before planning: lexer tokens, depth, aliases and estimated cost.

The cost follows the GraphQL cost directive specification as Apollo and Hive implement it:
an object costs its type's ``@cost(weight:)`` (1 by default), a scalar or enum 0, a root
mutation field 10; a field's own ``@cost`` replaces the type's weight; a list multiplies what
it holds by its size, taken from ``@listSize``: the value of its slicing argument
(``first: 20``), else ``assumedSize``, else the gateway's default list size. ``sizedFields``
moves the size onto child fields (a connection's ``edges``). Fragments are measured once each,
so a document that spreads fragments exponentially costs linear time to measure.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Source,
    Undefined,
    VariableNode,
    get_named_type,
    is_composite_type,
    is_list_type,
    is_non_null_type,
    value_from_ast_untyped,
)
from graphql.language import BooleanValueNode, Lexer, TokenKind

from gateway.errors import error
from gateway.operation import Document, RequestError
from gateway.supergraph import Supergraph

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
MUTATION_WEIGHT = 10.0
INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class Limits:
    """Every maximum; the defaults let the demo's heaviest screens through with room to spare."""

    max_tokens: int = 3000
    max_depth: int = 12
    max_aliases: int = 30
    max_cost: int = 10000
    default_list_size: int = 10

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(
            max_tokens=settings.gateway_max_tokens,
            max_depth=settings.gateway_max_depth,
            max_aliases=settings.gateway_max_aliases,
            max_cost=settings.gateway_max_cost,
            default_list_size=settings.gateway_default_list_size,
        )


def too_complex(message: str, limit: str, maximum: int | float) -> RequestError:
    body = error(message, QUERY_TOO_COMPLEX)
    body["extensions"].update({"limit": limit, "maximum": maximum})
    return RequestError([body])


def count_tokens(query: str, stop_after: int) -> int:
    """Lexical tokens (comments excluded), counted up to ``stop_after + 1``."""
    lexer = Lexer(Source(query))
    count = 0
    try:
        while lexer.advance().kind != TokenKind.EOF:
            count += 1
            if count > stop_after:
                break
    except GraphQLError:
        pass  # the parser reports the syntax error with its location
    return count


@dataclass
class _Shape:
    """What does not depend on variables: depth and aliases of one operation."""

    depth: int
    aliases: int
    cost_variables: tuple[str, ...] | None = None  # set after the first cost measurement
    costs: dict[tuple[Any, ...], float] = field(default_factory=dict)


class _Static:
    """Depth and alias count of an operation, each fragment measured once."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, tuple[int, int]] = {}

    def measure(
        self, selection_set: SelectionSetNode | None, root: bool = False
    ) -> tuple[int, int]:
        depth = aliases = 0
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                if root and node.name.value in INTROSPECTION_ROOTS:
                    continue  # introspection is on only when enabled, and deep by design
                child_depth, child_aliases = self.measure(node.selection_set)
                depth = max(depth, 1 + child_depth)
                aliases += child_aliases + (1 if node.alias else 0)
            elif isinstance(node, InlineFragmentNode):
                child_depth, child_aliases = self.measure(node.selection_set, root)
                depth, aliases = max(depth, child_depth), aliases + child_aliases
            elif isinstance(node, FragmentSpreadNode):
                child_depth, child_aliases = self.fragment(node.name.value, root)
                depth, aliases = max(depth, child_depth), aliases + child_aliases
        return depth, aliases

    def fragment(self, name: str, root: bool) -> tuple[int, int]:
        found = self.memo.get(name)
        if found is None:
            self.memo[name] = (0, 0)  # a cycle (validation refuses those) adds nothing
            fragment = self.fragments.get(name)
            found = self.measure(fragment.selection_set, root) if fragment else (0, 0)
            self.memo[name] = found
        return found


class _Cost:
    """The estimated cost of one operation under given variables."""

    def __init__(
        self,
        model: CostModel,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.model = model
        self.schema = model.schema
        self.fragments = fragments
        self.variables = variables
        self.consulted: set[str] = set()
        self.memo: dict[tuple[str, str, tuple[tuple[str, float], ...]], float] = {}

    def value(self, node: Any) -> Any:
        if isinstance(node, VariableNode):
            self.consulted.add(node.name.value)
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, BooleanValueNode):
            return node.value
        if isinstance(node, ListValueNode):
            return [self.value(item) for item in node.values]
        return None

    def included(self, node: Any) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            for arg in directive.arguments or ():
                if arg.name.value == "if":
                    condition = bool(self.value(arg.value))
                    if condition == (name == "skip"):
                        return False
        return True

    def selection_set(
        self,
        selection_set: SelectionSetNode | None,
        type_name: str,
        sized: dict[str, float],
        mutation: bool = False,
    ) -> float:
        total = 0.0
        for node in selection_set.selections if selection_set else ():
            if not self.included(node):
                continue
            if isinstance(node, FieldNode):
                total += self.field(node, type_name, sized, mutation)
            elif isinstance(node, InlineFragmentNode):
                inner = node.type_condition.name.value if node.type_condition else type_name
                total += self.selection_set(node.selection_set, inner, sized, mutation)
            elif isinstance(node, FragmentSpreadNode):
                total += self.fragment(node.name.value, sized, mutation)
        return total

    def fragment(self, name: str, sized: dict[str, float], mutation: bool) -> float:
        key = (name, "m" if mutation else "", tuple(sorted(sized.items())))
        found = self.memo.get(key)
        if found is None:
            self.memo[key] = 0.0  # cycles are refused by validation; never loop here
            fragment = self.fragments.get(name)
            found = 0.0
            if fragment is not None:
                inner = fragment.type_condition.name.value
                found = self.selection_set(fragment.selection_set, inner, sized, mutation)
            self.memo[key] = found
        return found

    def field(
        self, node: FieldNode, type_name: str, sized: dict[str, float], mutation: bool
    ) -> float:
        name = node.name.value
        if name.startswith("__"):
            return 0.0
        parent = self.schema.get_type(type_name)
        definition = getattr(parent, "fields", {}).get(name) if parent else None
        if definition is None:
            return 0.0
        return_type = definition.type
        named = get_named_type(return_type)
        directives = self.model.field_directives(type_name, name)
        cost = directives.get("cost")
        if cost is not None and "weight" in cost:
            weight = float(cost["weight"])
        elif mutation:
            weight = MUTATION_WEIGHT
        else:
            type_weight = self.model.type_weights.get(named.name)
            default = 1.0 if is_composite_type(named) else 0.0
            weight = default if type_weight is None else type_weight
        list_size = directives.get("listSize") or {}
        size = self.list_size(node, definition, list_size)
        child_sized = {f: size for f in list_size.get("sizedFields") or ()}
        children = self.selection_set(node.selection_set, named.name, child_sized)
        if name in sized:
            return sized[name] * (weight + children)
        if _is_list(return_type) and not child_sized:
            return size * (weight + children)
        return weight + children

    def list_size(self, node: FieldNode, definition: Any, list_size: dict[str, Any]) -> float:
        slicing = list_size.get("slicingArguments") or ()
        values = {arg.name.value: self.value(arg.value) for arg in node.arguments or ()}
        for name in slicing:  # an argument left out counts with its default value
            default = _default(definition.args.get(name))
            if values.get(name) is None and isinstance(default, int):
                values[name] = default
        given = [
            value
            for name, value in values.items()
            if name in slicing and isinstance(value, int) and not isinstance(value, bool)
        ]
        if slicing and list_size.get("requireOneSlicingArgument", True) and len(given) != 1:
            raise too_complex(
                f"Поле «{node.name.value}»: укажите ровно один из аргументов {', '.join(slicing)}.",
                "slicingArguments",
                1,
            )
        if given:
            return float(max(0, max(given)))
        assumed = list_size.get("assumedSize")
        return float(assumed) if isinstance(assumed, int) else float(self.model.default_list_size)


def _default(argument: Any) -> Any:
    if argument is None:
        return None
    if argument.default_value is not Undefined:
        return argument.default_value
    node = argument.ast_node.default_value if argument.ast_node else None
    return value_from_ast_untyped(node) if node is not None else None


def _is_list(type_: Any) -> bool:
    while is_non_null_type(type_):
        type_ = type_.of_type
    return is_list_type(type_)


class CostModel:
    """The ``@cost`` / ``@listSize`` declarations of a supergraph, looked up by field."""

    def __init__(self, supergraph: Supergraph, default_list_size: int) -> None:
        self.schema: GraphQLSchema = supergraph.api_schema
        self.default_list_size = default_list_size
        self.fields: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self.type_weights: dict[str, float] = {}
        for type_name, type_def in supergraph.types.items():
            if type_def.cost_weight is not None:
                self.type_weights[type_name] = type_def.cost_weight
            for field_name, field_def in type_def.fields.items():
                if field_def.cost:
                    self.fields[(type_name, field_name)] = field_def.cost
        # An interface's declarations apply to the fields of the types that implement it.
        for type_name, type_def in supergraph.types.items():
            for interface in type_def.interfaces:
                for (owner, field_name), found in list(self.fields.items()):
                    if owner == interface:
                        self.fields.setdefault((type_name, field_name), found)

    def field_directives(self, type_name: str, field_name: str) -> dict[str, dict[str, Any]]:
        return self.fields.get((type_name, field_name), {})


class OperationLimits:
    """Checks one request against ``Limits``; measurements are cached per document."""

    def __init__(self, supergraph: Supergraph, limits: Limits, cache_size: int = 2000) -> None:
        self.limits = limits
        self.model = CostModel(supergraph, limits.default_list_size)
        self.cache_size = cache_size
        self._accepted_sources: OrderedDict[str, None] = OrderedDict()
        self._shapes: OrderedDict[tuple[str, str | None], _Shape] = OrderedDict()

    def check_source(self, query: str) -> None:
        """Before parsing: a document with too many tokens is never parsed."""
        if query in self._accepted_sources:
            return
        if count_tokens(query, self.limits.max_tokens) > self.limits.max_tokens:
            raise too_complex(
                f"Запрос слишком длинный: больше {self.limits.max_tokens} лексем.",
                "tokens",
                self.limits.max_tokens,
            )
        _remember(self._accepted_sources, query, None, self.cache_size)

    def check_operation(
        self,
        document: Document,
        operation: OperationDefinitionNode,
        name: str | None,
        variables: dict[str, Any],
    ) -> None:
        key = (document.hash, name)
        shape = self._shapes.get(key)
        if shape is None:
            depth, aliases = _Static(document.fragments).measure(operation.selection_set, True)
            shape = _remember(self._shapes, key, _Shape(depth, aliases), self.cache_size)
        limits = self.limits
        if shape.depth > limits.max_depth:
            raise too_complex(
                f"Запрос слишком глубокий: вложенность {shape.depth}, "
                f"допускается не больше {limits.max_depth}.",
                "depth",
                limits.max_depth,
            )
        if shape.aliases > limits.max_aliases:
            raise too_complex(
                f"В запросе слишком много псевдонимов: {shape.aliases}, "
                f"допускается не больше {limits.max_aliases}.",
                "aliases",
                limits.max_aliases,
            )
        cost = self._cost(shape, document, operation, variables)
        if cost > limits.max_cost:
            raise too_complex(
                f"Запрос слишком сложный: оценка {int(cost)}, допускается не больше "
                f"{limits.max_cost}. Запросите меньше данных за раз.",
                "cost",
                limits.max_cost,
            )

    def _cost(
        self,
        shape: _Shape,
        document: Document,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
    ) -> float:
        if shape.cost_variables is not None:
            values = tuple(repr(variables.get(v)) for v in shape.cost_variables)
            found = shape.costs.get(values)
            if found is not None:
                return found
        cost = self.estimate(document, operation, variables, shape)
        return cost

    def estimate(
        self,
        document: Document,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        shape: _Shape | None = None,
    ) -> float:
        measure = _Cost(self.model, document.fragments, variables)
        root = self.model.schema.get_root_type(operation.operation)
        mutation = operation.operation == OperationType.MUTATION
        cost = (
            measure.selection_set(operation.selection_set, root.name, {}, mutation) if root else 0
        )
        if shape is not None:
            shape.cost_variables = tuple(sorted(measure.consulted))
            if len(shape.costs) >= 64:
                shape.costs.clear()  # many distinct page sizes: keep the memory bounded
            values = tuple(repr(variables.get(v)) for v in shape.cost_variables)
            shape.costs[values] = cost
        return cost


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any, size: int) -> Any:
    cache[key] = value
    if len(cache) > size:
        cache.popitem(last=False)
    return value
