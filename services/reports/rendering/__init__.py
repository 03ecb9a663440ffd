"""Reports as files: one report shape (``document``) rendered to XLSX, PDF and PDF/A."""

from services.reports.rendering.document import (
    Cell,
    Chart,
    Column,
    ColumnFormat,
    Report,
    Section,
    Signatory,
    Table,
)
from services.reports.rendering.pdf import Attachment, RenderingFailed, render_pdf
from services.reports.rendering.xlsx import render_xlsx

__all__ = [
    "Attachment",
    "Cell",
    "Chart",
    "Column",
    "ColumnFormat",
    "RenderingFailed",
    "Report",
    "Section",
    "Signatory",
    "Table",
    "render_pdf",
    "render_xlsx",
]
