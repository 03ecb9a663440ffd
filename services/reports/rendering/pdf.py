"""A report as a PDF through Typst (its PyPI wheel, no system packages), or as PDF/A-3 for the
archive, with attachments (the XLSX and the data as JSON) inside the PDF itself.

Only the fonts Typst ships are used (Libertinus Serif has Cyrillic), never the system's: the
same data gives the same pages on every machine, and every glyph's font is embedded.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import typst

from services.reports.rendering.charts import chart_svg
from services.reports.rendering.document import ColumnFormat, Report, display, plain

TEMPLATE = Path(__file__).with_name("report.typ")
# PDF/A-3 admits attachments of any kind (PDF/A-2 only PDF/A ones); "u": text is Unicode, so
# an archived sheet stays searchable.
ARCHIVAL_STANDARD = "a-3u"
_ALIGN = {
    ColumnFormat.TEXT: "left",
    ColumnFormat.MARK: "center",
    ColumnFormat.INTEGER: "right",
    ColumnFormat.DECIMAL: "right",
    ColumnFormat.PERCENT: "right",
}


@dataclass(frozen=True)
class Attachment:
    name: str  # the file name a reader sees: ASCII (PDF readers differ on others), "sheet.xlsx"
    data: bytes
    mime: str
    description: str


class RenderingFailed(RuntimeError):
    """Typst refused the document (a bug of ours: report data never reaches it as markup)."""


def render_pdf(
    report: Report,
    *,
    archival: bool = False,
    attachments: list[Attachment] = (),  # type: ignore[assignment]
    timestamp: datetime | None = None,
    tagged: bool = True,
) -> bytes:
    """The report's pages; ``archival`` makes it PDF/A-3u; ``tagged`` adds the structure screen
    readers follow (about 20× the size of a long table). CPU-bound: run it in a thread."""
    with tempfile.TemporaryDirectory(prefix="sgo-report-") as tmp:
        root = Path(tmp)
        document = _document(report, root)
        document["attachments"] = []
        for n, item in enumerate(attachments):
            file = _file_name(item.name, n)
            (root / file).write_bytes(item.data)
            document["attachments"].append(
                {"file": file, "mime": item.mime, "description": _text(item.description)}
            )
        (root / "report.json").write_text(json.dumps(document, ensure_ascii=False), "utf-8")
        try:
            pdf = typst.compile(
                TEMPLATE.read_bytes(),
                root=str(root),
                ignore_system_fonts=True,
                pdf_standards=ARCHIVAL_STANDARD if archival else [],
                timestamp=timestamp,
                pdf_tags=tagged,
            )
        except typst.TypstError as exc:
            raise RenderingFailed(f"{exc.message}: {exc.diagnostic}") from exc
    assert isinstance(pdf, bytes)
    return pdf


def _document(report: Report, root: Path) -> dict[str, object]:
    widest = max((len(t.columns) for s in report.sections for t in s.tables), default=0)
    sections = []
    for s_index, section in enumerate(report.sections):
        charts = []
        for c_index, chart in enumerate(section.charts):
            file = f"chart-{s_index}-{c_index}.svg"
            (root / file).write_text(chart_svg(chart), "utf-8")
            charts.append({"file": file, "title": _text(chart.title)})
        tables = []
        for table in section.tables:
            tables.append(
                {
                    "title": _text(table.title) if table.title else None,
                    "headers": [_text(c.header) for c in table.columns],
                    "widths": [
                        "auto" if i < table.key_columns else "fr" for i in range(len(table.columns))
                    ],
                    "aligns": [_ALIGN[c.format] for c in table.columns],
                    "rows": [
                        [
                            _text(display(row[i] if i < len(row) else None, c.format))
                            for i, c in enumerate(table.columns)
                        ]
                        for row in table.rows
                    ],
                }
            )
        sections.append({"title": _text(section.title), "tables": tables, "charts": charts})
    return {
        "title": _text(report.title),
        "organisation": _text(report.organisation) if report.organisation else None,
        "landscape": widest > 8,
        "parameters": [[_text(k), _text(v)] for k, v in report.parameters],
        "sections": sections,
        "signatories": [
            {"position": _text(s.position), "name": _text(s.name)} for s in report.signatories
        ],
    }


def _text(value: str) -> str:
    return plain(value)


def _file_name(name: str, n: int) -> str:
    cleaned = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "._-")).strip(".")
    return cleaned if cleaned and cleaned != "report.json" else f"attachment-{n}"
