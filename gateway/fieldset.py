"""Federation field sets (``"id school { id }"``) parsed into a small tree."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import ArgumentNode, FieldNode, GraphQLError, SelectionSetNode, parse, print_ast


@dataclass(frozen=True)
class FieldSetItem:
    name: str
    children: tuple[FieldSetItem, ...] = ()
    arguments: tuple[ArgumentNode, ...] = ()  # only in @requires (``price(currency: "EUR")``)


FieldSet = tuple[FieldSetItem, ...]


def _items(selection_set: SelectionSetNode | None) -> FieldSet:
    if selection_set is None:
        return ()
    return tuple(
        FieldSetItem(sel.name.value, _items(sel.selection_set), tuple(sel.arguments or ()))
        for sel in selection_set.selections
        if isinstance(sel, FieldNode)
    )


@lru_cache(maxsize=1024)
def parse_field_set(text: str) -> FieldSet:
    """Parse the string form used by ``@key``, ``@requires`` and ``@provides``."""
    document = parse("{" + text + "}", no_location=True)
    operation = document.definitions[0]
    return _items(operation.selection_set)  # type: ignore[attr-defined]


def unsupported_field_set(text: str, arguments: bool = False) -> str | None:
    """Why the gateway cannot use this field set, or None. Its tree keeps names (and, where
    ``arguments`` allows, literal arguments), so aliases, directives, type conditions and
    variables would be dropped without a word."""
    try:
        document = parse("{" + text + "}", no_location=True)
    except GraphQLError as exc:
        return f"it does not parse: {exc.message}"
    pending = [document.definitions[0].selection_set]  # type: ignore[attr-defined]
    while pending:
        selection_set = pending.pop()
        for sel in selection_set.selections:
            if not isinstance(sel, FieldNode):
                return "type conditions in field sets are not supported"
            if sel.arguments and not arguments:
                return f"arguments in field sets are not supported ({sel.name.value})"
            if any("$" in print_ast(argument) for argument in sel.arguments or ()):
                return f"variables in field sets are not supported ({sel.name.value})"
            if sel.alias or sel.directives:
                return f"aliases and directives in field sets are not supported ({sel.name.value})"
            if sel.selection_set is not None:
                pending.append(sel.selection_set)
    return None


def merge_field_sets(*sets: FieldSet) -> FieldSet:
    """The union of several field sets, children merged by name, first order kept."""
    merged: dict[str, list[FieldSet]] = {}
    arguments: dict[str, tuple[ArgumentNode, ...]] = {}
    for field_set in sets:
        for item in field_set:
            merged.setdefault(item.name, []).append(item.children)
            arguments.setdefault(item.name, item.arguments)
    return tuple(
        FieldSetItem(name, merge_field_sets(*kids), arguments[name])
        for name, kids in merged.items()
    )


def print_field_set(field_set: FieldSet) -> str:
    parts: list[str] = []
    for item in field_set:
        name = item.name
        if item.arguments:
            name += "(" + ", ".join(print_ast(argument) for argument in item.arguments) + ")"
        if item.children:
            parts.append(f"{name} {{ {print_field_set(item.children)} }}")
        else:
            parts.append(name)
    return " ".join(parts)


def extract(value: Any, children: FieldSet) -> Any:
    """Pick the field set's values out of a response object (lists mapped item by item)."""
    if not children or value is None:
        return value
    if isinstance(value, list):
        return [extract(item, children) for item in value]
    return {item.name: extract(value.get(item.name), item.children) for item in children}
