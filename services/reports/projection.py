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
update a row twice in one ``ON CONFLICT`` statement), then one ``INSERT … ON CONFLICT`` applies
them: the result is the same whatever order the events come in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, and_, case, func, or_
from sqlalchemy.dialects.postgresql import insert
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

    def _complete(self, row: Row) -> Row:
        columns = {
            *self.key,
            *self.facts,
            *self.earliest,
            *self.sticky,
            *(c for s in self.states for c in (s.version, *s.columns)),
        }
        full = {c: row.get(c) for c in columns}
        for c, value in self.defaults.items():
            if full.get(c) is None:
                full[c] = value
        for c in self.sticky:
            full[c] = bool(full[c])
        return full

    async def apply(self, session: AsyncSession, rows: Sequence[Row]) -> None:
        if not rows:
            return
        values = [self._complete(r) for r in self.fold(rows)]
        stmt = insert(self.table).values(values)
        t, x = self.table.c, stmt.excluded
        set_: dict[str, Any] = {}
        for state in self.states:
            newer = and_(
                x[state.version].is_not(None),
                or_(t[state.version].is_(None), x[state.version] > t[state.version]),
            )
            for c in (state.version, *state.columns):
                set_[c] = case((newer, x[c]), else_=t[c])
        for c in self.facts:
            set_[c] = func.coalesce(t[c], x[c])
        for c in self.earliest:
            set_[c] = func.least(t[c], x[c])  # LEAST ignores NULLs
        for c in self.sticky:
            set_[c] = t[c] | x[c]
        if set_:
            await session.execute(
                stmt.on_conflict_do_update(index_elements=list(self.key), set_=set_)
            )
        else:
            await session.execute(stmt.on_conflict_do_nothing(index_elements=list(self.key)))
