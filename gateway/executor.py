"""Plan execution: stages in order, fetches of a stage concurrently, results merged in place."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import orjson

from gateway.errors import mask_subgraph_error, unavailable
from gateway.fieldset import extract
from gateway.planner import INJECTED_PREFIX, REPRESENTATIONS_PREFIX, FetchGroup, FetchNode, Plan
from gateway.subgraph_client import SubgraphClient, SubgraphUnavailable

log = logging.getLogger("sgo.gateway")

Path = list[str | int]


@dataclass
class Execution:
    """The response being assembled for one request."""

    client: SubgraphClient
    variables: dict[str, Any]
    headers: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Sessions and accounts a subgraph revoked while serving this request (its reply says so).
    revocations: list[Any] = field(default_factory=list)


def deep_merge(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        current = target.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            deep_merge(current, value)
        elif isinstance(current, list) and isinstance(value, list) and len(current) == len(value):
            for index, (old, new) in enumerate(zip(current, value, strict=True)):
                if isinstance(old, dict) and isinstance(new, dict):
                    deep_merge(old, new)
                else:
                    current[index] = new
        else:
            target[key] = value


def locate(data: Any, path: tuple[str, ...]) -> list[tuple[dict[str, Any], Path]]:
    """Every object at ``path`` (lists flattened), with its concrete response path."""
    found: list[tuple[dict[str, Any], Path]] = []

    def walk(value: Any, depth: int, concrete: Path) -> None:
        if isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, depth, [*concrete, index])
        elif isinstance(value, dict):
            if depth == len(path):
                found.append((value, concrete))
            else:
                walk(value.get(path[depth]), depth + 1, [*concrete, path[depth]])

    walk(data, 0, [])
    return found


def representation(obj: dict[str, Any], type_name: str, node: FetchNode) -> dict[str, Any] | None:
    rep: dict[str, Any] = {"__typename": type_name}
    keys = {item.name for item in node.key_fields}
    for item in node.representation:
        value = extract(obj.get(f"{INJECTED_PREFIX}{item.name}"), item.children)
        if value is None and item.name in keys:
            return None  # the key did not arrive (its fetch failed): nothing to join on
        rep[item.name] = value  # a @requires field may well be null
    return rep


@dataclass
class _Batch:
    """The deduplicated representations of one entity node, and where each one lands."""

    node: FetchNode
    representations: list[dict[str, Any]] = field(default_factory=list)
    targets: list[list[tuple[dict[str, Any], Path]]] = field(default_factory=list)


def _batch(node: FetchNode, data: dict[str, Any]) -> _Batch:
    batch = _Batch(node)
    seen: dict[bytes, int] = {}
    for obj, path in locate(data, node.path):
        typename = obj.get("__typename")
        if typename not in node.typenames:
            continue
        rep = representation(obj, node.representation_type or typename, node)
        if rep is None:
            continue
        digest = orjson.dumps(rep, option=orjson.OPT_SORT_KEYS)
        index = seen.get(digest)
        if index is None:
            index = seen[digest] = len(batch.representations)
            batch.representations.append(rep)
            batch.targets.append([])
        batch.targets[index].append((obj, path))
    return batch


def _rewrite_root_errors(execution: Execution, result: dict[str, Any]) -> None:
    for raw in result.get("errors") or ():
        path = raw.get("path") if isinstance(raw, dict) else None
        execution.errors.append(mask_subgraph_error(raw, list(path) if path else None))


async def _run_root(execution: Execution, group: FetchGroup) -> None:
    node = group.nodes[0]
    variables = {k: execution.variables[k] for k in group.variables if k in execution.variables}
    try:
        result = await execution.client.post(
            group.subgraph, group.document, variables, execution.headers
        )
    except SubgraphUnavailable as exc:
        log.warning("subgraph unavailable: %s", exc)
        execution.errors.extend(unavailable(group.subgraph, [k]) for k in node.response_keys)
        return
    data = result.get("data")
    if isinstance(data, dict):
        deep_merge(execution.data, data)
    _rewrite_root_errors(execution, result)
    extensions = result.get("extensions")
    if isinstance(extensions, dict) and isinstance(extensions.get("revocations"), list):
        execution.revocations.extend(extensions["revocations"])


async def _run_entities(execution: Execution, group: FetchGroup) -> None:
    batches = [_batch(node, execution.data) for node in group.nodes]
    if not any(batch.representations for batch in batches):
        return  # nothing to join (empty lists, nulls): no request at all
    variables = {k: execution.variables[k] for k in group.variables if k in execution.variables}
    for index, batch in enumerate(batches):
        variables[f"{REPRESENTATIONS_PREFIX}{index}"] = batch.representations
    try:
        result = await execution.client.post(
            group.subgraph, group.document, variables, execution.headers
        )
    except SubgraphUnavailable as exc:
        log.warning("subgraph unavailable: %s", exc)
        for batch in batches:
            keys = batch.node.response_keys[:1]
            for targets in batch.targets:
                for _, path in targets[:1]:
                    execution.errors.append(unavailable(group.subgraph, [*path, *keys]))
        return
    data = result.get("data") if isinstance(result.get("data"), dict) else {}
    by_alias = {batch.node.alias: batch for batch in batches}
    for batch in batches:
        entities = data.get(batch.node.alias) if data else None
        if not isinstance(entities, list):
            continue
        for entity, targets in zip(entities, batch.targets, strict=False):
            if isinstance(entity, dict):
                # The object knows its runtime type; an @interfaceObject answers the interface
                # (unless this join was asked for the type each object really is).
                if not batch.node.resolves_type:
                    entity.pop("__typename", None)
                for obj, _ in targets:
                    deep_merge(obj, entity)
    for raw in result.get("errors") or ():
        path = raw.get("path") if isinstance(raw, dict) else None
        client_path: Path | None = None
        # ["_sgo_e0", 3, "name"] -> the client path of representation 3, then "name".
        if path and len(path) >= 2 and path[0] in by_alias and isinstance(path[1], int):
            targets = by_alias[path[0]].targets
            if 0 <= path[1] < len(targets) and targets[path[1]]:
                client_path = [*targets[path[1]][0][1], *path[2:]]
        execution.errors.append(mask_subgraph_error(raw, client_path))


async def _run_group(execution: Execution, group: FetchGroup) -> None:
    if group.is_root:
        await _run_root(execution, group)
    else:
        await _run_entities(execution, group)


async def execute_plan(execution: Execution, plan: Plan) -> None:
    for stage in plan.stages:
        if len(stage) == 1:
            await _run_group(execution, stage[0])
        else:
            await asyncio.gather(*(_run_group(execution, group) for group in stage))
