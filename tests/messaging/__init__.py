"""Tests of the messaging service."""
