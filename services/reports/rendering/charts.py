"""Vega-Lite charts rendered on the server (vl-convert, no browser): SVG for PDFs, PNG for XLSX.

The specification a web client receives is the one rendered here; only the font is pinned, to
one the PDF embeds (Typst ships Libertinus Serif, with Cyrillic).
"""

from __future__ import annotations

import copy
from typing import Any

import vl_convert

from services.reports.rendering.document import Chart

PDF_FONT = "Libertinus Serif"
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def _pinned(spec: dict[str, Any]) -> dict[str, Any]:
    pinned = copy.deepcopy(spec)
    pinned.setdefault("$schema", SCHEMA)
    config = pinned.setdefault("config", {})
    config.setdefault("font", PDF_FONT)
    return pinned


def chart_svg(chart: Chart) -> str:
    return vl_convert.vegalite_to_svg(_pinned(chart.spec))


def chart_png(chart: Chart, scale: float = 1.5) -> bytes:
    return vl_convert.vegalite_to_png(_pinned(chart.spec), scale=scale)


def bar_chart(
    title: str,
    values: list[dict[str, Any]],
    *,
    category: tuple[str, str],
    measure: tuple[str, str],
    series: tuple[str, str] | None = None,
) -> Chart:
    """Bars of ``measure`` per ``category`` (each a field name and its Russian title), grouped
    by ``series`` when given: the usual «качество по предметам» picture."""
    encoding: dict[str, Any] = {
        "x": {
            "field": category[0],
            "type": "nominal",
            "title": category[1],
            "sort": None,
            "axis": {"labelAngle": -30, "labelLimit": 160},
        },
        "y": {"field": measure[0], "type": "quantitative", "title": measure[1]},
    }
    if series is not None:
        encoding["color"] = {"field": series[0], "type": "nominal", "title": series[1]}
        encoding["xOffset"] = {"field": series[0]}
    spec = {
        "$schema": SCHEMA,
        "title": title,
        "width": 520,
        "height": 220,
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": encoding,
    }
    return Chart(title=title, spec=spec)
