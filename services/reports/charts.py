"""Vega-Lite specifications of the reports' charts: plain dicts, drawn by web clients and
rendered into the PDFs from the same spec."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"

Spec = dict[str, Any]


def _number(value: Decimal | int | None) -> float | None:
    return None if value is None else float(value)


def rates_by_subject(
    title: str, rows: Iterable[tuple[str, Decimal | None, Decimal | None]]
) -> Spec:
    """Grouped bars: успеваемость and качество знаний per subject, rows (subject, pass, quality)."""
    values = []
    for subject, pass_rate, quality_rate in rows:
        values.append({"предмет": subject, "показатель": "успеваемость", "%": _number(pass_rate)})
        values.append({"предмет": subject, "показатель": "качество", "%": _number(quality_rate)})
    return {
        "$schema": SCHEMA,
        "title": title,
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "x": {"field": "предмет", "type": "nominal", "sort": None},
            "xOffset": {"field": "показатель", "type": "nominal"},
            "y": {"field": "%", "type": "quantitative", "scale": {"domain": [0, 100]}},
            "color": {"field": "показатель", "type": "nominal"},
        },
    }


def counts(title: str, category: str, counted: Mapping[str, int]) -> Spec:
    """One bar per category (e.g. missed lessons by reason)."""
    return {
        "$schema": SCHEMA,
        "title": title,
        "data": {"values": [{category: k, "количество": v} for k, v in counted.items()]},
        "mark": "bar",
        "encoding": {
            "x": {"field": category, "type": "nominal", "sort": None},
            "y": {"field": "количество", "type": "quantitative"},
        },
    }


def lines(
    title: str, x: str, series: str, points: Iterable[tuple[str, str, Decimal | None]]
) -> Spec:
    """A line per series over ordered x values (e.g. the average mark across periods)."""
    return {
        "$schema": SCHEMA,
        "title": title,
        "data": {"values": [{x: px, series: s, "значение": _number(v)} for px, s, v in points]},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": x, "type": "ordinal", "sort": None},
            "y": {"field": "значение", "type": "quantitative"},
            "color": {"field": series, "type": "nominal"},
        },
    }
