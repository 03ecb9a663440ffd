"""The event envelope every service publishes and consumes.

Subject on the wire: ``<namespace>.<type>``, e.g. ``sgo.journal.mark.recorded``; the
type names the context, the aggregate and the past-tense event.

Redelivery can bring an old event back after newer ones of the same aggregate (a consumer
killed before its ack). So the relay stamps every envelope with its ``aggregate`` and a
``sequence`` — the event's position in the publisher's outbox, which only grows, so a later
event of one aggregate always carries a greater number. A handler converges whatever the
order by applying an event only over an older version of its row (``version < sequence``),
keeping a tombstone with the version for a removal, and building a row from a change that
arrives before its creation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

import uuid_utils
from pydantic import BaseModel, ConfigDict, Field


def uuid7() -> UUID:
    """A time-ordered id (UUIDv7): index-friendly and sortable by creation."""
    return UUID(bytes=uuid_utils.uuid7().bytes)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """A payload class; subclasses set ``type`` (``context.aggregate.event``) and ``version``."""

    model_config = ConfigDict(frozen=True)

    type: ClassVar[str]
    version: ClassVar[int] = 1

    def aggregate_id(self) -> str:
        """Events of one aggregate keep their order; the relay publishes them in sequence."""
        return ""


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID = Field(default_factory=uuid7)
    type: str
    version: int = 1
    occurred_at: datetime = Field(default_factory=utcnow)
    school_id: UUID | None = None
    actor: UUID | None = None
    payload: dict[str, Any]
    trace: dict[str, str] = Field(default_factory=dict)
    # Stamped by the relay from the outbox row; 0 on events published before stamping existed.
    aggregate: str = ""
    sequence: int = 0

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        school_id: UUID | None,
        actor: UUID | None,
        trace: dict[str, str] | None = None,
    ) -> Envelope:
        return cls(
            type=event.type,
            version=event.version,
            school_id=school_id,
            actor=actor,
            payload=event.model_dump(mode="json"),
            trace=trace or {},
        )

    def subject(self, namespace: str) -> str:
        return f"{namespace}.{self.type}"

    def context(self) -> str:
        return self.type.split(".", 1)[0]


def stream_name(namespace: str, context: str) -> str:
    """One stream per publishing context, Limits retention so projections can replay it."""
    return f"{namespace}_{context}".upper().replace(".", "_").replace("-", "_")
