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
PDF_WIDTH = 480


def _pinned(spec: dict[str, Any]) -> dict[str, Any]:
    pinned = copy.deepcopy(spec)
    pinned.setdefault("$schema", SCHEMA)
    config = pinned.setdefault("config", {})
    config.setdefault("font", PDF_FONT)
    # A page-wide picture: clients size their charts to the screen, a PDF to the page.
    if "width" not in pinned and "facet" not in pinned:
        pinned["width"] = PDF_WIDTH
    return pinned


def chart_svg(chart: Chart) -> str:
    return vl_convert.vegalite_to_svg(_pinned(chart.spec))


def chart_png(chart: Chart, scale: float = 1.5) -> bytes:
    return vl_convert.vegalite_to_png(_pinned(chart.spec), scale=scale)
