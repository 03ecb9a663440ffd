"""The client's response: only what was asked, in its order, with GraphQL null propagation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLSchema,
    is_leaf_type,
)

from gateway.errors import error
from gateway.operation import Normalized, Selection
from gateway.planner import type_alias

Path = list[str | int]
_INVALID = object()  # a null reached a non-null position: the parent must become null


class _Shaper:
    def __init__(self, schema: GraphQLSchema, errors: list[dict[str, Any]]) -> None:
        self.schema = schema
        self.errors = errors

    def applies(self, condition: str, runtime: str) -> bool:
        if condition == runtime:
            return True
        abstract = self.schema.get_type(condition)
        concrete = self.schema.get_type(runtime)
        if abstract is None or concrete is None:
            return False
        try:
            return self.schema.is_sub_type(abstract, concrete)  # type: ignore[arg-type]
        except (AttributeError, TypeError):
            return False

    def missing(self, path: Path) -> None:
        """A null where the schema promises a value takes its parent along; the client hears
        why, unless an error already may speak of this object (a failed fetch, a denial)."""
        parent = path[:-1]
        for known in self.errors:
            where = known.get("path")
            if not isinstance(where, list):
                return  # an error of the whole fetch: it may be about this field
            if where[: len(parent)] == parent or path[: len(where)] == where:
                return
        self.errors.append(
            error(
                f"Поле {'.'.join(map(str, path))} обязательно, но сервис не вернул его значение.",
                "INTERNAL",
                list(path),
            )
        )

    def obj(
        self, selections: list[Selection], raw: dict[str, Any], type_name: str, path: Path
    ) -> Any:
        runtime = raw.get("__typename") or type_name
        chosen: dict[str, Selection] = {}
        for sel in selections:
            if sel.type_condition and not self.applies(sel.type_condition, runtime):
                continue
            first = chosen.get(sel.response_key)
            if first is None:
                chosen[sel.response_key] = sel
            elif first.denied is None:
                # The key selected again under another type condition: both selections of
                # its fields apply (a denial of either wins).
                chosen[sel.response_key] = sel if sel.denied else _merged(first, sel)
        out: dict[str, Any] = {}
        for sel in chosen.values():
            field_path = [*path, sel.response_key]
            if sel.denied is not None:
                self.errors.append(sel.denied.as_error(field_path))
                value: Any = None
                if isinstance(sel.return_type, GraphQLNonNull):
                    return _INVALID
            elif sel.field_name == "__typename":
                value = runtime
            else:
                found = raw.get(sel.response_key)
                if found is None:  # asked under a per-type alias (sibling fragments' types differ)
                    found = raw.get(type_alias(runtime, sel.response_key))
                value = self.value(sel.return_type, found, sel, field_path)
                if value is _INVALID:
                    return _INVALID
            out[sel.response_key] = value
        return out

    def value(self, type_: GraphQLOutputType, raw: Any, sel: Selection, path: Path) -> Any:
        if isinstance(type_, GraphQLNonNull):
            inner = self.value(type_.of_type, raw, sel, path)
            if inner is None:
                self.missing(path)
            return _INVALID if inner is None or inner is _INVALID else inner
        if raw is None:
            return None
        if isinstance(type_, GraphQLList):
            if not isinstance(raw, list):
                return None
            items = []
            for index, item in enumerate(raw):
                completed = self.value(type_.of_type, item, sel, [*path, index])
                if completed is _INVALID:
                    return None
                items.append(completed)
            return items
        if is_leaf_type(type_):
            if isinstance(type_, GraphQLEnumType) and raw not in type_.values:
                # An @inaccessible value (or one the API does not know) never reaches a client.
                self.errors.append(
                    error(
                        f"Поле {'.'.join(map(str, path))} получило значение, которого нет в "
                        f"схеме ({type_.name}).",
                        "INTERNAL",
                        list(path),
                    )
                )
                return None
            return raw
        if not isinstance(raw, dict):
            return None
        completed = self.obj(sel.selections, raw, type_.name, path)  # type: ignore[attr-defined]
        return None if completed is _INVALID else completed


def _merged(first: Selection, second: Selection) -> Selection:
    if not second.children:
        return first
    children = dict(first.children)
    for key, child in second.children.items():
        found = children.get(key)
        children[key] = child if found is None else _merged(found, child)
    return replace(first, children=children)


def shape(
    schema: GraphQLSchema,
    normalized: Normalized,
    data: dict[str, Any],
    errors: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """The ``data`` member; None when a non-null root field came back null."""
    result = _Shaper(schema, errors).obj(normalized.selections, data, normalized.root_type, [])
    return None if result is _INVALID else result
