"""Converging upserts: how every projection applies a batch of events in one statement a table.

An event's ``version`` is its aggregate's sequence (see ``services.kernel.events``); events
published before sequences existed carry 0 and are ordered among themselves by time, below
every sequenced event. A row keeps the version each of its states was last written at:

- a *state* (a group of columns with its version column) is replaced only by a newer version,
  so a redelivered old event changes nothing and a removal's tombstone stays;
- *facts* (what a creation describes and never changes) fill the columns still empty, so a
  change that arrives before its creation builds the row and the creation completes it;
- *earliest* columns keep the least time seen, *sticky* flags stay set once set.

The same rules fold the events of one batch per key in Python first (PostgreSQL refuses to
update a row twice in one ``ON CONFLICT`` statement), then one ``INSERT … SELECT FROM unnest(…)
ON CONFLICT`` applies them: the result is the same whatever order the events come in. The
statement is one text per table, one array a column, so asyncpg prepares it once; building a
VALUES list per batch cost SQLAlchemy more to compile than PostgreSQL to run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Envelope

# Unsequenced events sort below every sequenced one, by the microsecond they happened.
_UNSEQUENCED_BASE = -(2**62)

Row = dict[str, Any]


def version_of(envelope: Envelope) -> int:
    if envelope.sequence > 0:
        return envelope.sequence
    return _UNSEQUENCED_BASE + int(envelope.occurred_at.timestamp() * 1_000_000)


@dataclass(frozen=True)
class State:
    """Columns written together by the newest event (``version`` names their version column)."""

    version: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    table: Table
    key: tuple[str, ...]
    states: tuple[State, ...] = ()
    facts: tuple[str, ...] = ()
    earliest: tuple[str, ...] = ()
    sticky: tuple[str, ...] = ()
    # Columns every insert needs (NOT NULL without a server default): value when absent.
    defaults: dict[str, Any] = field(default_factory=dict)

    def fold(self, rows: Iterable[Row]) -> list[Row]:
        """Merge rows of one key with the same rules the statement applies."""
        merged: dict[tuple[Any, ...], Row] = {}
        for row in rows:
            k = tuple(row[c] for c in self.key)
            old = merged.get(k)
            merged[k] = row if old is None else self._merge(old, row)
        return list(merged.values())

    def _merge(self, old: Row, new: Row) -> Row:
        out = dict(old)
        for state in self.states:
            v_new, v_old = new.get(state.version), old.get(state.version)
            if v_new is not None and (v_old is None or v_new > v_old):
                out[state.version] = v_new
                for c in state.columns:
                    out[c] = new.get(c)
        for c in self.facts:
            if out.get(c) is None and new.get(c) is not None:
                out[c] = new[c]
        for c in self.earliest:
            seen = [x for x in (old.get(c), new.get(c)) if x is not None]
            out[c] = min(seen) if seen else None
        for c in self.sticky:
            out[c] = bool(old.get(c)) or bool(new.get(c))
        return out

    @cached_property
    def columns(self) -> list[str]:
        named = [
            *self.key,
            *self.facts,
            *self.earliest,
            *self.sticky,
            *(c for s in self.states for c in (s.version, *s.columns)),
        ]
        return list(dict.fromkeys(named))

    def _complete(self, row: Row) -> Row:
        full = {c: row.get(c) for c in self.columns}
        for c, value in self.defaults.items():
            if full.get(c) is None:
                full[c] = value
        for c in self.sticky:
            full[c] = bool(full[c])
        return full

    @cached_property
    def statement(self) -> str:
        """``INSERT … SELECT * FROM unnest($1::type[], …) ON CONFLICT … DO UPDATE`` once."""
        dialect = postgresql.dialect()
        types = [self.table.c[c].type.compile(dialect=dialect) for c in self.columns]
        # unnest flattens arrays of arrays: an array column travels as its text literal.
        arrays = ", ".join(
            f"${i}::{'text' if t.endswith('[]') else t}[]" for i, t in enumerate(types, start=1)
        )
        picked = ", ".join(
            f"{c}::{t}" if t.endswith("[]") else c for c, t in zip(self.columns, types, strict=True)
        )
        sets: dict[str, str] = {}
        for state in self.states:
            v = state.version
            newer = f"EXCLUDED.{v} IS NOT NULL AND (t.{v} IS NULL OR EXCLUDED.{v} > t.{v})"
            for c in (v, *state.columns):
                sets[c] = f"CASE WHEN {newer} THEN EXCLUDED.{c} ELSE t.{c} END"
        for c in self.facts:
            sets[c] = f"COALESCE(t.{c}, EXCLUDED.{c})"
        for c in self.earliest:
            sets[c] = f"LEAST(t.{c}, EXCLUDED.{c})"  # LEAST ignores NULLs
        for c in self.sticky:
            sets[c] = f"t.{c} OR EXCLUDED.{c}"
        conflict = (
            "DO UPDATE SET " + ", ".join(f"{c} = {e}" for c, e in sets.items())
            if sets
            else "DO NOTHING"
        )
        return (
            f"INSERT INTO {self.table.name} AS t ({', '.join(self.columns)}) "
            f"SELECT {picked} FROM unnest({arrays}) AS u({', '.join(self.columns)}) "
            f"ON CONFLICT ({', '.join(self.key)}) {conflict}"
        )

    async def apply(self, session: AsyncSession, rows: Sequence[Row]) -> None:
        if not rows:
            return
        values = [self._complete(r) for r in self.fold(rows)]
        arrays = [[_literal(v[c]) for v in values] for c in self.columns]
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        await raw.driver_connection.execute(self.statement, *arrays)  # type: ignore[union-attr]


def _literal(value: Any) -> Any:
    """A list goes as PostgreSQL's array literal (see ``statement``); the rest as it is."""
    if isinstance(value, list):
        return "{" + ",".join(str(v) for v in value) + "}"
    return value
