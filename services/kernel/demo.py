"""Stable ids of the demo school, so each context can seed its own part of it."""

from __future__ import annotations

from uuid import UUID, uuid5

DEMO_NAMESPACE = UUID("5a0c6f1e-7d2b-4c1e-9a57-2f1b7d8e0c11")


def demo_id(key: str) -> UUID:
    """``demo_id("person:teacher")``, ``demo_id("class:7Б")``, ``demo_id("school")``."""
    return uuid5(DEMO_NAMESPACE, key)


# The demo logins, one per role of the regulation that a person would try first.
DEMO_LOGINS: tuple[str, ...] = (
    "director",
    "admin",
    "zavuch",
    "teacher",
    "klassruk",
    "parent",
    "student",
    "medic",
    "psychologist",
    "secretary",
    "hr",
)
