"""Projections of journal's and people's events: each module turns its event types into rows
and applies a batch with one converging statement per table (``services.reports.projection``)."""
