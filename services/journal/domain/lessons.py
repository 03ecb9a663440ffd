"""A lesson's record: its topic and homework in Russian, homework files, substitutions.

Pure rules (no I/O): what text a lesson takes, which files a homework may carry (by extension
AND by their first bytes), how a file's name is made safe, and what a substitution needs.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from services.journal import domain
from services.kernel.errors import ValidationFailed

MAX_FILE_NAME = 150
MAX_REASON = 300
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024


# --- topic and homework -------------------------------------------------------------------------


_LATIN = re.compile(r"[A-Za-z]")


def check_russian_text(text: str | None, *, field: str, what: str) -> None:
    """Text in another language needs Russian words too; «№ 231, с. 45» has no language."""
    if text and _LATIN.search(text) and not domain.has_russian_word(text):
        domain.check_russian(text, field=field, what=what)


def check_lesson_text(topic: str | None, homework: str | None) -> tuple[str | None, str | None]:
    """Lengths as the journal allows, and Russian words in both (the regulation's language)."""
    topic_text, homework_text = domain.check_topic(topic, homework)
    check_russian_text(topic_text, field="topic", what="Тема урока")
    check_russian_text(homework_text, field="homework", what="Домашнее задание")
    return topic_text, homework_text


# --- homework files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str
    label: str


_KINDS: tuple[FileKind, ...] = (
    FileKind("pdf", "application/pdf", "PDF"),
    FileKind("doc", "application/msword", "Word"),
    FileKind(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word",
    ),
    FileKind("xls", "application/vnd.ms-excel", "Excel"),
    FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"),
    FileKind("ppt", "application/vnd.ms-powerpoint", "PowerPoint"),
    FileKind(
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint",
    ),
    FileKind("odt", "application/vnd.oasis.opendocument.text", "OpenDocument"),
    FileKind("ods", "application/vnd.oasis.opendocument.spreadsheet", "OpenDocument"),
    FileKind("odp", "application/vnd.oasis.opendocument.presentation", "OpenDocument"),
    FileKind("rtf", "application/rtf", "RTF"),
    FileKind("txt", "text/plain; charset=utf-8", "текст"),
    FileKind("png", "image/png", "PNG"),
    FileKind("jpg", "image/jpeg", "JPEG"),
    FileKind("jpeg", "image/jpeg", "JPEG"),
    FileKind("gif", "image/gif", "GIF"),
    FileKind("webp", "image/webp", "WebP"),
    FileKind("mp3", "audio/mpeg", "MP3"),
    FileKind("mp4", "video/mp4", "MP4"),
)
FILE_KINDS: dict[str, FileKind] = {k.extension: k for k in _KINDS}
ALLOWED_EXTENSIONS_TEXT = ", ".join(sorted({k.extension for k in _KINDS}))

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
# The part every Office Open XML package of that kind holds.
_OOXML_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
_OPENDOCUMENT = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
    "odp": b"application/vnd.oasis.opendocument.presentation",
}


def _zip_names(data: bytes) -> list[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return None


def _zip_member(data: bytes, name: str) -> bytes | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.read(name) if name in archive.namelist() else None
    except (zipfile.BadZipFile, ValueError, KeyError, RuntimeError):
        return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "cp1251"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return all(ch.isprintable() or ch in "\t\r\n\f" for ch in text.lstrip("\ufeff"))
    return False


def _is_mp3(data: bytes) -> bool:
    if data.startswith(b"ID3"):
        return True
    return len(data) > 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0


def content_matches(extension: str, data: bytes) -> bool:
    """Whether the file's first bytes (its container, for Office files) are of that kind."""
    head = data[:16]
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension in ("doc", "xls", "ppt"):
        return head.startswith(_OLE2)
    if extension in _OOXML_PART:
        names = _zip_names(data) if head.startswith(_ZIP) else None
        return (
            bool(names)
            and "[Content_Types].xml" in names
            and any(n.startswith(_OOXML_PART[extension]) for n in names or ())
        )
    if extension in _OPENDOCUMENT:
        if not head.startswith(_ZIP):
            return False
        mimetype = _zip_member(data, "mimetype")
        return mimetype is not None and mimetype.strip() == _OPENDOCUMENT[extension]
    if extension == "rtf":
        return head.startswith(b"{\\rtf")
    if extension == "txt":
        return _is_text(data)
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if extension == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if extension == "mp3":
        return _is_mp3(data)
    if extension == "mp4":
        return head[4:8] == b"ftyp"
    return False


_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


def sanitize_file_name(name: str) -> str:
    """A name safe in a Content-Disposition and on any disk: no path, no control characters."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = " ".join(_UNSAFE.sub("_", base).split()).lstrip(". ").rstrip(". ")
    if "." not in base or not base.rsplit(".", 1)[0].strip("_ "):
        raise ValidationFailed(
            "Укажите имя файла с расширением, например «задание.pdf».", field="fileName"
        )
    stem, extension = base.rsplit(".", 1)
    extension = extension.lower()
    keep = MAX_FILE_NAME - len(extension) - 1
    return f"{stem[:keep].rstrip(' .')}.{extension}"


def check_homework_file(name: str, data: bytes, max_bytes: int) -> tuple[str, FileKind]:
    """The file's safe name and kind, or a refusal a teacher can act on."""
    safe = sanitize_file_name(name)
    extension = safe.rsplit(".", 1)[1]
    kind = FILE_KINDS.get(extension)
    if kind is None:
        raise ValidationFailed(
            f"Файлы типа «.{extension}» к домашнему заданию не прикрепляются. "
            f"Допустимые типы: {ALLOWED_EXTENSIONS_TEXT}.",
            field="fileName",
        )
    if not data:
        raise ValidationFailed("Файл пустой.", field="contentBase64")
    if len(data) > max_bytes:
        raise ValidationFailed(
            f"Файл больше допустимого размера {format_size(max_bytes)} "
            f"(у этого — {format_size(len(data))}): уменьшите его или разделите на части.",
            field="contentBase64",
        )
    if not content_matches(extension, data):
        raise ValidationFailed(
            f"Содержимое файла не похоже на {kind.label} (.{extension}): проверьте, что файл "
            "не повреждён и расширение указано верно.",
            field="contentBase64",
        )
    return safe, kind


def format_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} МБ".replace(".0 ", " ")
    if size >= 1024:
        return f"{size / 1024:.0f} КБ"
    return f"{size} байт"


# --- substitutions -----------------------------------------------------------------------------


def check_reason(reason: str | None) -> str | None:
    text = " ".join((reason or "").split())
    if len(text) > MAX_REASON:
        raise ValidationFailed(f"Причина замены не длиннее {MAX_REASON} символов.", field="reason")
    return text or None
