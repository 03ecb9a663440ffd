"""Reports rules without I/O: the figures (``metrics``) and the weighted average."""

from __future__ import annotations

from services.reports.domain.metrics import weighted_average

__all__ = ["weighted_average"]
