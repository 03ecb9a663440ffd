"""Homework files: the allow-list and sniffing, the stores (local and S3), signed downloads."""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import delete, event, select, update

from services.journal import files, lessons
from services.journal.domain import lessons as rules
from services.journal.models import HomeworkFile, JournalSettings, YearClosing
from services.kernel.errors import ValidationFailed
from services.kernel.settings import Settings
from tests.journal.lessons_world import (
    FROM,
    RECORD_SUBSTITUTION,
    TO,
    World,
    code_of,
    data,
    lessons_world,
)
from tests.support import Infra

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _ooxml(part: str) -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", f"{part}/document.xml": b"<x/>"})


def _opendocument(kind: str) -> bytes:
    return _zip({"mimetype": f"application/vnd.oasis.opendocument.{kind}".encode()})


SAMPLES: dict[str, bytes] = {
    "pdf": PDF,
    "doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
    "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
    "ppt": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
    "docx": _ooxml("word"),
    "xlsx": _ooxml("xl"),
    "pptx": _ooxml("ppt"),
    "odt": _opendocument("text"),
    "ods": _opendocument("spreadsheet"),
    "odp": _opendocument("presentation"),
    "rtf": b"{\\rtf1\\ansi \\b task\\b0}",
    "txt": "Выучить стихотворение, с. 45.\n".encode(),
    "png": PNG,
    "jpg": b"\xff\xd8\xff\xe0" + b"\x00" * 32,
    "jpeg": b"\xff\xd8\xff\xdb" + b"\x00" * 32,
    "gif": b"GIF89a" + b"\x00" * 32,
    "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32,
    "mp3": b"ID3\x04\x00" + b"\x00" * 32,
    "mp4": b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32,
}


# --- the rules (no I/O) -------------------------------------------------------------------------


@pytest.mark.parametrize("extension", sorted(SAMPLES))
def test_every_allowed_type_is_recognised_by_its_first_bytes(extension: str) -> None:
    name, kind = rules.check_homework_file(f"задание.{extension}", SAMPLES[extension], 10**6)
    assert name == f"задание.{extension}" and kind.extension == extension


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("задание.pdf", PNG),  # a picture renamed to .pdf
        ("таблица.xlsx", _ooxml("word")),  # a Word file renamed to .xlsx
        ("текст.odt", _opendocument("spreadsheet")),
        ("программа.pdf", b"MZ\x90\x00" + b"\x00" * 60),  # an executable
        ("заметка.txt", b"\x00\x01\x02binary"),
        ("архив.docx", _zip({"readme.txt": b"hi"})),
    ],
)
def test_a_file_whose_content_is_not_its_extension_is_refused(name: str, content: bytes) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rules.check_homework_file(name, content, 10**6)
    assert refused.value.details["field"] == "contentBase64"
    assert "не похоже" in refused.value.message


@pytest.mark.parametrize("name", ["setup.exe", "страница.html", "архив.zip", "скрипт.js", "без"])
def test_a_type_outside_the_allow_list_is_refused(name: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rules.check_homework_file(name, PDF, 10**6)
    assert refused.value.details["field"] == "fileName"


def test_a_file_over_the_limit_is_refused_with_both_sizes() -> None:
    with pytest.raises(ValidationFailed) as refused:
        rules.check_homework_file("задание.pdf", PDF + b"0" * 2048, 1024)
    assert "1 КБ" in refused.value.message and "допустимого" in refused.value.message


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        rules.check_homework_file("задание.pdf", b"", 1024)


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/задание.pdf", "задание.pdf"),
        ("C:\\Users\\Учитель\\Тест №1.PDF", "Тест №1.pdf"),
        ('пере\x00вод\r\n"<a>".docx', "пере_вод____a__.docx"),
        ("  .скрытый.txt ", "скрытый.txt"),
        ("д" * 300 + ".pdf", "д" * 146 + ".pdf"),
    ],
)
def test_file_names_lose_paths_and_unsafe_characters(raw: str, safe: str) -> None:
    assert rules.sanitize_file_name(raw) == safe


def test_a_signed_link_opens_its_file_until_it_expires() -> None:
    file_id = uuid4()
    token = files.sign_link(file_id, "secret", 600, now=1000.0)
    assert files.verify_link(token, "secret", now=1500.0) == file_id
    with pytest.raises(files.LinkRefused):
        files.verify_link(token, "secret", now=1601.0)


def test_a_forged_or_foreign_link_is_refused() -> None:
    token = files.sign_link(uuid4(), "secret", 600)
    tampered = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    for bad in (tampered, files.sign_link(uuid4(), "another", 600), "abc", token + "AAAA"):
        with pytest.raises(files.LinkRefused):
            files.verify_link(bad, "secret")


def test_the_download_name_keeps_russian_letters_and_an_ascii_fallback() -> None:
    header = files.content_disposition("Задание 1.pdf")
    assert header.startswith('attachment; filename="_______ 1.pdf"')
    assert unquote(header.split("UTF-8''")[1]) == "Задание 1.pdf"


# --- the stores ---------------------------------------------------------------------------------


async def _read(store: files.FileStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.open(key)])


async def test_the_local_store_writes_reads_and_deletes(tmp_path: Path) -> None:
    store = files.LocalFileStore(tmp_path)
    await store.put("s/l/f", b"content", "text/plain")
    assert await _read(store, "s/l/f") == b"content"
    await store.delete("s/l/f")
    await store.delete("s/l/f")  # twice is fine
    with pytest.raises(FileNotFoundError):
        await _read(store, "s/l/f")
    with pytest.raises(ValueError):
        await store.put("../outside", b"x", "text/plain")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_server() -> Iterator[tuple[str, str, str]]:
    """A moto S3 server with signature checks on, and an access key allowed s3:*."""
    boto3 = pytest.importorskip("boto3")
    pytest.importorskip("moto.server")
    port = _free_port()
    # The first three calls (creating the key) go unchecked; every S3 call is verified.
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        iam = boto3.client(
            "iam",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
        )
        iam.create_user(UserName="sgo")
        key = iam.create_access_key(UserName="sgo")["AccessKey"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
        iam.put_user_policy(UserName="sgo", PolicyName="s3", PolicyDocument=json.dumps(policy))
        yield url, key["AccessKeyId"], key["SecretAccessKey"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_the_s3_store_signs_its_requests_and_keeps_objects(
    s3_server: tuple[str, str, str],
) -> None:
    url, access_key, secret_key = s3_server
    store = files.S3FileStore(url, "sgo-files", "us-east-1", access_key, secret_key)
    await store.ensure_bucket()
    key = f"{uuid4()}/{uuid4()}/{uuid4()}"
    big = os.urandom(300 * 1024)
    await store.put(key, big, "application/pdf")
    assert await _read(store, key) == big
    await store.delete(key)
    with pytest.raises(FileNotFoundError):
        await _read(store, key)


async def test_the_s3_store_refuses_to_work_with_a_wrong_secret(
    s3_server: tuple[str, str, str],
) -> None:
    url, access_key, _ = s3_server
    store = files.S3FileStore(url, "sgo-files", "us-east-1", access_key, "not-the-secret")
    with pytest.raises(OSError):
        await store.put("a/b/c", b"x", "text/plain")


def test_settings_choose_the_s3_store_when_an_endpoint_is_set(tmp_path: Path) -> None:
    assert isinstance(files.store_from_settings(Settings(data_dir=tmp_path)), files.LocalFileStore)
    s3 = Settings(files_s3_endpoint="http://s3.example:9000", files_s3_bucket="b")
    assert isinstance(files.store_from_settings(s3), files.S3FileStore)


# --- through the journal ------------------------------------------------------------------------

ATTACH = """mutation($l: ID!, $n: String!, $c: String!) {
  attachHomeworkFile(input: {lessonId: $l, fileName: $n, contentType: "application/pdf",
                             contentBase64: $c}) {
    id name contentType size url uploadedBy { id }
  }
}"""
REMOVE = "mutation($id: ID!) { removeHomeworkFile(id: $id) }"
LESSON_FILES = """query($from: Date!, $to: Date!, $c: ID) {
  lessons(from: $from, to: $to, schoolClassId: $c) { id files { id name size url } }
}"""
DIARY_FILES = """query($s: ID!, $from: Date!, $to: Date!) {
  diary(studentId: $s, from: $from, to: $to) { lessons { id files { name url } } }
}"""


@pytest.fixture(scope="module")
async def world(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Any:
    async with lessons_world(infra, tmp_path_factory.mktemp("files")) as w:
        yield w


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def stored_files(world: World) -> list[Path]:
    root = world.svc.settings.files_dir
    return [p for p in root.rglob("*") if p.is_file()]


async def attach(world: World, as_: str, lesson: str, name: str, content: bytes) -> dict:
    return await world.gql(ATTACH, as_, l=world.lesson(lesson), n=name, c=b64(content))


async def test_the_teacher_attaches_a_file_and_the_lesson_lists_it_with_a_link(
    world: World,
) -> None:
    result = data(await attach(world, "teacher", "lesson_7b", "../Задание 1.pdf", PDF))
    attached = result["attachHomeworkFile"]
    assert attached["name"] == "Задание 1.pdf" and attached["contentType"] == "application/pdf"
    assert attached["size"] == len(PDF) and attached["url"].startswith("/files/")
    assert attached["uploadedBy"] == {"id": str(world.ids["teacher"])}
    listed = data(
        await world.gql(LESSON_FILES, "teacher", c=str(world.ids["7Б"]), **{"from": FROM, "to": TO})
    )
    by_lesson = {x["id"]: x["files"] for x in listed["lessons"]}
    assert [f["id"] for f in by_lesson[world.lesson("lesson_7b")]] == [attached["id"]]
    assert by_lesson[world.lesson("lesson_7b_today")] == []

    response = await world.svc.http.get(attached["url"])
    assert response.status_code == 200 and response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_parent_reads_the_files_in_the_diary_and_downloads_them(world: World) -> None:
    data(await attach(world, "teacher", "lesson_7b", "карточка.png", PNG))
    diary = data(
        await world.gql(
            DIARY_FILES, "parent", s=str(world.ids["student"]), **{"from": FROM, "to": TO}
        )
    )
    links = [f["url"] for day in diary["diary"] for x in day["lessons"] for f in x["files"]]
    names = [f["name"] for day in diary["diary"] for x in day["lessons"] for f in x["files"]]
    assert "карточка.png" in names
    response = await world.svc.http.get(links[names.index("карточка.png")])
    assert response.status_code == 200 and response.content == PNG
    assert response.headers["content-type"] == "image/png"


async def test_a_forged_or_expired_link_downloads_nothing(world: World) -> None:
    attached = data(await attach(world, "teacher", "lesson_7b", "лист.pdf", PDF))
    file_id = attached["attachHomeworkFile"]["id"]
    secret = world.svc.settings.internal_secret
    expired = files.sign_link(UUID(file_id), secret, 600, now=time.time() - 3600)
    forged = files.sign_link(UUID(file_id), "guessed-secret", 600)
    for token in (expired, forged):
        response = await world.svc.http.get(f"/files/{token}")
        assert response.status_code == 403 and response.content != PDF
    missing = files.sign_link(uuid4(), secret, 600)
    assert (await world.svc.http.get(f"/files/{missing}")).status_code == 404


async def test_a_teacher_without_the_load_cannot_attach_or_remove(world: World) -> None:
    # Lessons they neither teach nor lead are not there for them; the class teacher sees the
    # class's lessons, so a lesson of another subject is refused honestly.
    assert code_of(await attach(world, "other_teacher", "lesson_7b", "a.pdf", PDF)) == "NOT_FOUND"
    assert code_of(await attach(world, "teacher", "lesson_8a", "a.pdf", PDF)) == "NOT_FOUND"
    assert code_of(await attach(world, "klassruk", "lesson_7b", "a.pdf", PDF)) == "FORBIDDEN"
    assert code_of(await attach(world, "student", "lesson_7b", "a.pdf", PDF)) == "FORBIDDEN"
    mine = data(await attach(world, "teacher", "lesson_7b", "мой.pdf", PDF))
    file_id = mine["attachHomeworkFile"]["id"]
    hidden = await world.gql(REMOVE, "other_teacher", id=file_id)
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert hidden["errors"][0]["message"] == "Файл не найден."


async def test_a_file_of_the_wrong_type_or_content_is_refused_by_the_journal(world: World) -> None:
    before = len(stored_files(world))
    exe = await attach(world, "teacher", "lesson_7b", "игра.exe", b"MZ" + b"\x00" * 64)
    assert code_of(exe) == "VALIDATION"
    assert "Допустимые типы" in exe["errors"][0]["message"]
    renamed = await attach(world, "teacher", "lesson_7b", "задание.pdf", PNG)
    assert code_of(renamed) == "VALIDATION"
    assert renamed["errors"][0]["extensions"]["field"] == "contentBase64"
    broken = await world.gql(ATTACH, "teacher", l=world.lesson("lesson_7b"), n="a.pdf", c="@@@")
    assert code_of(broken) == "VALIDATION"
    assert len(stored_files(world)) == before


async def test_the_schools_size_limit_applies(world: World) -> None:
    db = world.svc.runtime.db
    school = world.roster.school_id
    async with db.sessionmaker() as s:
        await s.execute(
            update(JournalSettings)
            .where(JournalSettings.school_id == school)
            .values(max_file_bytes=1024)
        )
        await s.commit()
    try:
        result = await attach(world, "teacher", "lesson_7b", "большой.pdf", PDF + b"0" * 2048)
        assert code_of(result) == "VALIDATION"
        assert "1 КБ" in result["errors"][0]["message"]
        data(await attach(world, "teacher", "lesson_7b", "малый.pdf", PDF))
    finally:
        async with db.sessionmaker() as s:
            await s.execute(
                update(JournalSettings)
                .where(JournalSettings.school_id == school)
                .values(max_file_bytes=10 * 1024 * 1024)
            )
            await s.commit()


async def test_a_failed_commit_leaves_no_stored_file(world: World) -> None:
    runtime = world.svc.runtime
    uow = runtime.uow(world.who["teacher"])

    async def failing_commit() -> None:
        raise RuntimeError("the database went away")

    uow.commit = failing_commit  # type: ignore[method-assign]
    before = set(stored_files(world))
    with pytest.raises(RuntimeError):
        await lessons.attach_homework_file(
            uow,
            files.file_store(runtime),
            world.ids["lesson_7b_today"],
            "задание.pdf",
            b64(PDF),
        )
    assert set(stored_files(world)) == before
    async with runtime.db.sessionmaker() as s:
        rows = await s.scalars(
            select(HomeworkFile).where(HomeworkFile.lesson_id == world.ids["lesson_7b_today"])
        )
        assert list(rows) == []


async def test_removing_a_file_deletes_it_and_its_link_stops_working(world: World) -> None:
    attached = data(await attach(world, "teacher", "lesson_7b", "удалить.txt", b"text only"))
    file = attached["attachHomeworkFile"]
    before = len(stored_files(world))
    assert (
        data(await world.gql(REMOVE, "teacher", id=file["id"]))["removeHomeworkFile"] == file["id"]
    )
    assert len(stored_files(world)) == before - 1
    assert (await world.svc.http.get(file["url"])).status_code == 404
    assert code_of(await world.gql(REMOVE, "teacher", id=file["id"])) == "NOT_FOUND"


async def test_the_substitute_attaches_files_to_the_lesson_they_give(world: World) -> None:
    data(
        await world.gql(
            RECORD_SUBSTITUTION,
            "secretary",
            l=world.lesson("lesson_8a"),
            t=str(world.ids["substitute"]),
            r=None,
        )
    )
    data(await attach(world, "substitute", "lesson_8a", "замена.pdf", PDF))
    assert code_of(await attach(world, "substitute", "lesson_7b", "a.pdf", PDF)) == "NOT_FOUND"


async def test_the_s3_store_creates_its_bucket_on_the_first_file(
    s3_server: tuple[str, str, str],
) -> None:
    url, access_key, secret_key = s3_server
    bucket = f"fresh-{uuid4().hex[:12]}"
    store = files.S3FileStore(url, bucket, "us-east-1", access_key, secret_key)
    await store.put("s/l/f", PDF, "application/pdf")
    assert await _read(store, "s/l/f") == PDF


async def test_files_and_substitutions_of_many_lessons_come_in_one_query_each(
    world: World,
) -> None:
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = world.svc.runtime.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        result = await world.gql(
            """query($from: Date!, $to: Date!, $c: ID) {
              lessons(from: $from, to: $to, schoolClassId: $c) {
                id files { id } substitution { substitute { id } }
              }
            }""",
            "secretary",
            c=str(world.ids["7Б"]),
            **{"from": FROM, "to": TO},
        )
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(data(result)["lessons"]) >= 3
    assert sum("FROM homework_file" in s for s in statements) == 1
    # (the lessons' own query names the table too, in who may read their marks)
    assert sum(s.startswith("SELECT substitution.") for s in statements) == 1


async def test_no_file_is_attached_in_a_closed_year(world: World) -> None:
    db = world.svc.runtime.db
    async with db.sessionmaker() as s:
        s.add(YearClosing(academic_year_id=world.roster.year_id, school_id=world.roster.school_id))
        await s.commit()
    try:
        assert code_of(await attach(world, "teacher", "lesson_7b", "a.pdf", PDF)) == "LOCKED"
    finally:
        async with db.sessionmaker() as s:
            await s.execute(
                delete(YearClosing).where(YearClosing.academic_year_id == world.roster.year_id)
            )
            await s.commit()
