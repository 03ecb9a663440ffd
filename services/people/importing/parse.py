"""CSV and XLSX files as sheets of rows: each cell by the field its column header names.

Headers are matched after folding case, «ё» to «е», spaces and trailing «*», «:» or «.»;
columns with headers no kind knows (№ п/п, телефон…) are ignored. Row numbers are the ones
Excel shows: the header row is usually row 1, so the first person is row 2.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
# A title row («Список учащихся 2026/2027») may sit above the header: look a little down.
HEADER_SEARCH_ROWS = 10


class ImportKind(StrEnum):
    CLASSES = "classes"
    STUDENTS = "students"
    PARENTS = "parents"
    STAFF = "staff"


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


KIND_LABELS: dict[ImportKind, str] = {
    ImportKind.CLASSES: "Классы",
    ImportKind.STUDENTS: "Учащиеся",
    ImportKind.PARENTS: "Родители",
    ImportKind.STAFF: "Сотрудники",
}

# Sheet names of a workbook, folded as headers are.
SHEET_ALIASES: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.CLASSES: ("классы",),
    ImportKind.STUDENTS: ("учащиеся", "ученики", "обучающиеся"),
    ImportKind.PARENTS: ("родители", "законные представители", "родители (законные представители)"),
    ImportKind.STAFF: ("сотрудники", "персонал", "кадры", "работники"),
}

_NAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "last_name": ("фамилия",),
    "first_name": ("имя",),
    "middle_name": ("отчество",),
    "full_name": ("фио", "ф.и.о", "фамилия имя отчество", "фамилия, имя, отчество"),
    "sex": ("пол",),
    "birth_date": ("дата рождения", "д.р", "др"),
}

# field → header aliases, per kind; the first alias is the header the problems name.
COLUMNS: dict[ImportKind, dict[str, tuple[str, ...]]] = {
    ImportKind.CLASSES: {"class": ("класс", "название класса", "наименование класса")},
    ImportKind.STUDENTS: {
        **_NAME_COLUMNS,
        "class": ("класс",),
        "enrolled_on": ("дата зачисления", "дата поступления", "зачислен"),
    },
    ImportKind.PARENTS: {
        **_NAME_COLUMNS,
        "relation": ("родство", "кем приходится", "степень родства", "статус"),
        "child": ("ребенок", "фио ребенка", "учащийся", "ученик", "обучающийся"),
        "child_birth_date": ("дата рождения ребенка", "дата рождения учащегося"),
        "child_class": ("класс ребенка", "класс", "класс учащегося"),
    },
    ImportKind.STAFF: {
        **_NAME_COLUMNS,
        "position": ("должность",),
        "hired_on": (
            "дата приема",
            "дата приема на работу",
            "дата трудоустройства",
            "принят",
        ),
    },
}

Cell = str | date | None


def fold(text: str) -> str:
    """Headers and names compared as a secretary reads them: case, «ё», spacing aside."""
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").lower().split()).rstrip("*:. ")


_ALIASES: dict[ImportKind, dict[str, str]] = {
    kind: {fold(alias): key for key, aliases in columns.items() for alias in aliases}
    for kind, columns in COLUMNS.items()
}


@dataclass
class Row:
    number: int  # as Excel numbers it
    cells: dict[str, Cell]


@dataclass
class Sheet:
    kind: ImportKind
    name: str  # the sheet's name, or the kind's label for a CSV file
    headers: dict[str, str] = field(default_factory=dict)  # field → header as written
    rows: list[Row] = field(default_factory=list)
    header_row: int = 1


class UnreadableFile(Exception):
    """The file as a whole cannot be read; the message says why, in Russian."""


def decode_content(content: str, fmt: FileFormat, *, is_base64: bool) -> bytes | str:
    """XLSX always comes base64-encoded; CSV as text, or base64 of the file's own bytes."""
    if fmt is FileFormat.XLSX or is_base64:
        if len(content) > MAX_FILE_BYTES * 4 // 3 + 4:
            raise UnreadableFile("Файл больше 10 МБ: разделите список на несколько файлов.")
        try:
            data = base64.b64decode(content, validate=False)
        except (binascii.Error, ValueError) as exc:
            raise UnreadableFile("Содержимое файла повреждено (ожидался base64).") from exc
        if len(data) > MAX_FILE_BYTES:
            raise UnreadableFile("Файл больше 10 МБ: разделите список на несколько файлов.")
        return data
    if len(content) > MAX_FILE_BYTES:
        raise UnreadableFile("Файл больше 10 МБ: разделите список на несколько файлов.")
    return content


def csv_text(data: bytes | str) -> str:
    """UTF-8 with or without BOM, else Windows-1251 (what Excel saves as «CSV (разделители —
    точка с запятой)» on a Russian Windows)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ";"


def parse_csv(data: bytes | str, kind: ImportKind) -> Sheet:
    text = csv_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    return _sheet(kind, KIND_LABELS[kind], reader)


def _cell(value: object) -> Cell:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _sheet(kind: ImportKind, name: str, rows: Iterable[Sequence[object]]) -> Sheet:
    sheet = Sheet(kind=kind, name=name)
    aliases = _ALIASES[kind]
    columns: dict[int, str] | None = None
    first: tuple[int, list[Cell]] | None = None
    for number, raw in enumerate(rows, start=1):
        cells = [_cell(v) for v in raw]
        if not any(cells):
            continue
        if columns is None:
            # The header is the first row naming a known column; rows above it are titles.
            first = first or (number, cells)
            found = _header(cells, aliases)
            if found:
                columns, sheet.header_row = found, number
                sheet.headers = {key: str(cells[i]) for i, key in found.items()}
            elif number - first[0] >= HEADER_SEARCH_ROWS:
                break
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise UnreadableFile(f"В листе «{name}» больше {MAX_ROWS} строк.")
        sheet.rows.append(
            Row(
                number, {key: cells[i] for i, key in columns.items() if i < len(cells) and cells[i]}
            )
        )
    if columns is None and first is not None:
        sheet.header_row = first[0]  # nothing recognisable: the problems say which columns
    return sheet


def _header(cells: list[Cell], aliases: dict[str, str]) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = aliases.get(fold(str(cell))) if isinstance(cell, str) else None
        if key is not None and key not in found.values():
            found[index] = key
    return found


def sheet_kind(name: str) -> ImportKind | None:
    folded = fold(name)
    for kind, aliases in SHEET_ALIASES.items():
        if folded in aliases:
            return kind
    return None


def parse_xlsx(data: bytes, kind: ImportKind | None) -> list[Sheet]:
    """One kind: its first sheet. A workbook (``kind`` None): every sheet named for a kind."""
    from openpyxl import load_workbook  # a large import, needed only here

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(
            "Не удалось прочитать файл XLSX: сохраните его в Excel заново."
        ) from exc
    try:
        sheets: list[Sheet] = []
        for worksheet in workbook.worksheets:
            sheet_as = kind if kind is not None else sheet_kind(worksheet.title)
            if sheet_as is None:
                continue
            sheets.append(_sheet(sheet_as, worksheet.title, _rows(worksheet)))
            if kind is not None:
                break
        return sheets
    finally:
        workbook.close()


def _rows(worksheet: object) -> Iterator[Sequence[object]]:
    # Read-only sheets yield rows in order; fill the gaps so numbers stay Excel's.
    expected = 1
    for row in worksheet.iter_rows(min_row=1):  # type: ignore[attr-defined]
        number = next((c.row for c in row if getattr(c, "row", None)), None)
        if number is None:
            yield ()
            expected += 1
            continue
        while expected < number:
            yield ()
            expected += 1
        yield tuple(c.value for c in row)
        expected += 1


def read_file(data: bytes | str, fmt: FileFormat, kind: ImportKind | None) -> list[Sheet]:
    if fmt is FileFormat.CSV:
        if kind is None:
            raise UnreadableFile(
                "Для CSV укажите, что в файле: классы, учащиеся, родители или сотрудники."
            )
        return [parse_csv(data, kind)]
    if isinstance(data, str):
        raise UnreadableFile("Файл XLSX передаётся в base64.")
    return parse_xlsx(data, kind)
