"""Fixtures shared by the people tests."""

from tests.people.health_world import health_world

__all__ = ["health_world"]
