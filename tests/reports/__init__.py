"""Tests of the reports service."""
