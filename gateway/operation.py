"""Client operations: parsed and validated once per document, then normalized per request.

Normalizing applies fragments, ``@skip``/``@include`` and the access check, so the planner
and the response shaper see one plain tree of selected fields.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLIncludeDirective,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLSkipDirective,
    GraphQLString,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    parse,
    print_ast,
    validate,
    visit,
)
from graphql.execution.values import get_directive_values, get_variable_values
from graphql.language import Visitor
from graphql.validation import specified_rules

from gateway.access import Denial, check
from gateway.supergraph import Supergraph
from services.kernel.inputs import (
    check_variables,
    install_scalar_parsers,
    russian,
    string_literal_rule,
    without_repeats,
)
from services.kernel.principal import Principal

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


class RequestError(Exception):
    """The request cannot be executed at all (syntax, validation, variables)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "request error")
        self.errors = errors


@dataclass(frozen=True)
class Document:
    """A parsed and validated document; ``conditional_variables`` feed ``@skip``/``@include``."""

    hash: str
    node: Any
    conditional_variables: frozenset[str]
    # The same for every spelling of the document (whitespace, commas, comments): plans key on it.
    normalized_hash: str = ""

    def operation(self, name: str | None) -> OperationDefinitionNode:
        operations = [d for d in self.node.definitions if isinstance(d, OperationDefinitionNode)]
        if name:
            for op in operations:
                if op.name and op.name.value == name:
                    return op
            raise RequestError([_error(f"Операция «{name}» не найдена в запросе.")])
        if len(operations) != 1:
            raise RequestError([_error("Укажите operationName: в запросе несколько операций.")])
        return operations[0]

    @property
    def fragments(self) -> dict[str, FragmentDefinitionNode]:
        return {
            d.name.value: d for d in self.node.definitions if isinstance(d, FragmentDefinitionNode)
        }


def _error(message: str, code: str = "BAD_REQUEST") -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


def _graphql_error(error: GraphQLError, code: str) -> dict[str, Any]:
    """GraphQL's own refusal in Russian: a value the caller got wrong is VALIDATION naming the
    variable or field; a document that does not fit the schema keeps ``code``."""
    said = russian(error)
    message, extensions = said if said is not None else (error.message, {})
    extensions = {"code": code, **(error.extensions or {}), **extensions}
    result: dict[str, Any] = {"message": message, "extensions": extensions}
    if error.locations:
        result["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return result


# The gateway refuses NUL bytes in literals; lengths are the subgraphs' (fields declare them).
VALIDATION_RULES = (*specified_rules, string_literal_rule(lengths=False))


class DocumentCache:
    """Parse + validate against the API schema, cached by the document's hash."""

    def __init__(self, schema: GraphQLSchema, size: int = 2000) -> None:
        install_scalar_parsers(schema)  # an impossible date is refused here, not by a subgraph
        self.schema = schema
        self.size = size
        self._cache: OrderedDict[str, Document | RequestError] = OrderedDict()

    def get(self, query: str) -> Document:
        digest = hashlib.sha256(query.encode()).hexdigest()
        found = self._cache.get(digest)
        if found is None:
            found = self._load(query, digest)
            self._cache[digest] = found
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(digest)
        if isinstance(found, RequestError):
            raise found
        return found

    def _load(self, query: str, digest: str) -> Document | RequestError:
        try:
            node = parse(query)
        except GraphQLError as exc:
            return RequestError([_graphql_error(exc, "GRAPHQL_PARSE_FAILED")])
        errors = without_repeats(validate(self.schema, node, VALIDATION_RULES))
        if errors:
            return RequestError([_graphql_error(e, "GRAPHQL_VALIDATION_FAILED") for e in errors])
        normalized = hashlib.sha256(print_ast(node).encode()).hexdigest()
        return Document(digest, node, _conditional_variables(node), normalized)


def coerce_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, variables: dict[str, Any]
) -> Any:
    """The operation's variables coerced to the schema; a bad one is VALIDATION in Russian."""
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
    if isinstance(coerced, list):
        raise RequestError([_graphql_error(e, "VALIDATION") for e in coerced])
    refused = check_variables(schema, operation, variables, lengths=False)
    if refused is not None:
        raise RequestError([_graphql_error(refused, "VALIDATION")])
    return coerced


def _conditional_variables(node: Any) -> frozenset[str]:
    names: set[str] = set()

    class Collect(Visitor):
        def enter_directive(self, directive: Any, *_: Any) -> None:
            if directive.name.value in ("skip", "include"):
                for arg in directive.arguments or ():
                    if isinstance(arg.value, VariableNode):
                        names.add(arg.value.name.value)

    visit(node, Collect())
    return frozenset(names)


@dataclass
class Selection:
    """One field the client selected, after fragments, directives and access are applied."""

    response_key: str
    field_name: str
    parent_type: str  # the type the field is looked up on
    type_condition: str | None  # set when narrower than the enclosing field's type
    node: FieldNode
    return_type: GraphQLOutputType
    denied: Denial | None = None
    children: dict[tuple[str, str | None], Selection] = field(default_factory=dict)

    @property
    def named_type(self) -> str:
        return get_named_type(self.return_type).name

    @property
    def selections(self) -> list[Selection]:
        return list(self.children.values())


@dataclass
class Normalized:
    operation: OperationDefinitionNode
    root_type: str
    selections: list[Selection]
    introspection: bool


_TYPENAME_TYPE = GraphQLNonNull(GraphQLString)


class _Normalizer:
    def __init__(
        self,
        supergraph: Supergraph,
        document: Document,
        variables: Any,
        principal: Principal,
    ) -> None:
        self.supergraph = supergraph
        self.schema = supergraph.api_schema
        self.fragments = document.fragments
        self.variables = variables
        self.principal = principal
        self.introspection = False

    def included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)

    def collect(
        self,
        selection_set: SelectionSetNode,
        type_: GraphQLNamedType,
        condition: str | None,
        out: dict[tuple[str, str | None], Selection],
        root: bool = False,
    ) -> None:
        for node in selection_set.selections:
            if not self.included(node):
                continue
            if isinstance(node, FieldNode):
                self.add_field(node, type_, condition, out, root)
            elif isinstance(node, InlineFragmentNode):
                name = node.type_condition.name.value if node.type_condition else None
                self.fragment(name, node.selection_set, type_, condition, out, root)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments[node.name.value]
                name = fragment.type_condition.name.value
                self.fragment(name, fragment.selection_set, type_, condition, out, root)

    def fragment(
        self,
        name: str | None,
        selection_set: SelectionSetNode,
        type_: GraphQLNamedType,
        condition: str | None,
        out: dict[tuple[str, str | None], Selection],
        root: bool,
    ) -> None:
        if name is None or name == type_.name:
            self.collect(selection_set, type_, condition, out, root)
            return
        target = self.schema.get_type(name)
        if target is None:
            return
        if isinstance(type_, GraphQLObjectType):
            # On a concrete type a fragment either applies entirely or not at all.
            if is_abstract_type(target) and self.schema.is_sub_type(target, type_):  # type: ignore[arg-type]
                self.collect(selection_set, type_, condition, out, root)
            return
        self.collect(selection_set, target, name, out, root)

    def add_field(
        self,
        node: FieldNode,
        type_: GraphQLNamedType,
        condition: str | None,
        out: dict[tuple[str, str | None], Selection],
        root: bool,
    ) -> None:
        name = node.name.value
        key = node.alias.value if node.alias else name
        existing = out.get((key, condition))
        if existing is None:
            if name == "__typename":
                return_type: GraphQLOutputType = _TYPENAME_TYPE
            elif root and name in INTROSPECTION_FIELDS:
                self.introspection = True
                return_type = (
                    GraphQLNonNull(self.schema.get_type("__Schema"))  # type: ignore[arg-type]
                    if name == "__schema"
                    else self.schema.get_type("__Type")  # type: ignore[assignment]
                )
            else:
                return_type = type_.fields[name].type  # type: ignore[attr-defined]
            existing = Selection(key, name, type_.name, condition, node, return_type)
            if not name.startswith("__"):
                existing.denied = check(
                    self.supergraph.access_rule(type_.name, name),
                    self.principal,
                    f"{type_.name}.{name}",
                )
            out[(key, condition)] = existing
        if existing.denied or node.selection_set is None or name in INTROSPECTION_FIELDS:
            return
        child_type = get_named_type(existing.return_type)
        self.collect(node.selection_set, child_type, None, existing.children)


def normalize(
    supergraph: Supergraph,
    document: Document,
    operation: OperationDefinitionNode,
    variables: Any,
    principal: Principal,
) -> Normalized:
    """The selected-field tree of one operation for this caller and these variables."""
    normalizer = _Normalizer(supergraph, document, variables, principal)
    schema = supergraph.api_schema
    root = schema.get_root_type(operation.operation)
    if root is None:
        raise RequestError([_error("Этот тип операции не поддерживается.")])
    out: dict[tuple[str, str | None], Selection] = {}
    normalizer.collect(operation.selection_set, root, None, out, root=True)
    return Normalized(operation, root.name, list(out.values()), normalizer.introspection)
