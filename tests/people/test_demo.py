"""The demo school loads once, fast, with every demo login working."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.kernel.db import Database
from services.kernel.demo import demo_id
from services.kernel.graphql import Runtime
from services.kernel.principal import RoleGrant
from services.kernel.roles import STAFF, Role
from services.people import app as people_app
from services.people.demo import DEMO_LOGINS, REGIONAL_LOGIN
from services.people.models import Person, SchoolClass, outbox
from tests.people.helpers import ok, sign_in
from tests.support import Infra, eventually, remove_dir, running_service, scratch_dir

ME = "{ me { person { fullName } roles { role schoolClass { name } students { id } } } }"
STAFF_RECORDS = "{ staffRecords { position person { id } } }"
SENSITIVE = "{ sensitiveRoleGrants(since: null) { role personName } }"
REGION = "{ regionSchools { name studentCount } }"


async def test_demo_school_loads_once_and_every_demo_login_works(
    infra: Infra, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SGO_DEMO_PASSWORD", raising=False)
    data_dir = scratch_dir("sgo-people-demo-")
    database_url = await infra.fresh_database("people")
    settings = infra.settings(
        database_url=database_url, namespace=namespace, demo=True, data_dir=data_dir
    )
    runtime = Runtime(name="people", settings=settings, db=Database.connect(database_url))
    try:
        hook = people_app.demo_on_startup
        assert hook in people_app.spec().on_startup
        started = time.perf_counter()
        await hook(runtime)
        elapsed = time.perf_counter() - started
        print(f"demo load: {elapsed:.2f} s")
        assert elapsed < 20
        await hook(runtime)  # a second start finds the school and adds nothing
        async with runtime.db.sessionmaker() as session:
            persons = await session.scalar(select(func.count()).select_from(Person))
            classes = list(await session.scalars(select(SchoolClass.name)))
            events = await session.scalar(select(func.count()).select_from(outbox))
            seventh_b = await session.get(SchoolClass, demo_id("class:7Б"))
        assert persons is not None and 1000 < persons < 3000
        assert len(classes) == 25 and {"1А", "7В", "11Б"} <= set(classes)
        assert events is not None and events > persons
        assert seventh_b is not None and seventh_b.class_teacher_id == demo_id("person:klassruk")
    finally:
        await runtime.db.dispose()

    password_file = Path(data_dir) / "demo-password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    password = password_file.read_text().strip()
    try:
        async with running_service(
            infra, "people", namespace=namespace, database_url=database_url
        ) as svc:
            principals = {name: await sign_in(svc, name, password) for name in DEMO_LOGINS}
            for name, principal in principals.items():
                assert principal.person_id == demo_id(f"person:{name}")
            student = principals["student"]
            assert student.roles == (RoleGrant(Role.STUDENT, school_class_id=demo_id("class:7Б")),)
            parent = principals["parent"]
            assert demo_id("person:student") in parent.roles[0].student_ids
            # The class teacher of 7Б, and of no class in general.
            klassruk = principals["klassruk"]
            assert [g.school_class_id for g in klassruk.grants(Role.CLASS_TEACHER)] == [
                demo_id("class:7Б")
            ]
            assert principals["director"].has_role(Role.DIRECTOR)
            assert principals["zavuch"].has_role(Role.DEPUTY_DIRECTOR_QUALITY)
            assert principals["secretary"].has_role(Role.ACADEMIC_SECRETARY)
            assert principals["hr"].has_role(Role.HR_SECRETARY)
            assert principals["medic"].has_role(Role.MEDICAL_WORKER)
            assert all(principals[n].has_role(*STAFF) for n in DEMO_LOGINS[:-2])

            # The HR secretary's and the director's staff list holds the school's staff.
            for reader in ("hr", "director"):
                records = (await ok(svc, STAFF_RECORDS, principal=principals[reader]))[
                    "staffRecords"
                ]
                positions = {r["person"]["id"]: r["position"] for r in records}
                assert len(records) > 30
                assert positions[str(demo_id("person:teacher"))] == "учитель"
                assert positions[str(demo_id("person:director"))] == "директор"
            # The director sees who holds the roles that open health and psychology data.
            grants = (await ok(svc, SENSITIVE, principal=principals["director"]))[
                "sensitiveRoleGrants"
            ]
            assert {"MEDICAL_WORKER", "PSYCHOLOGIST", "DIRECTOR"} <= {g["role"] for g in grants}
            # The regional administrator of the demo, of no school, sees the region's schools.
            region = await sign_in(svc, REGIONAL_LOGIN, password)
            assert region.school_id is None
            assert region.roles == (RoleGrant(Role.REGIONAL_ADMINISTRATOR),)
            schools = (await ok(svc, REGION, principal=region))["regionSchools"]
            assert [s["studentCount"] > 500 for s in schools] == [True]

            me = (await ok(svc, ME, principal=student))["me"]
            assert me["roles"] == [
                {"role": "STUDENT", "schoolClass": {"name": "7Б"}, "students": []}
            ]
            query = """query($id: ID!) { schoolClass(id: $id) { students { id lastName } } }"""
            data = await ok(
                svc, query, {"id": str(demo_id("class:7Б"))}, principal=principals["klassruk"]
            )
            students = data["schoolClass"]["students"]
            assert 20 <= len(students) <= 25
            assert str(demo_id("person:student")) in {s["id"] for s in students}

            async def all_published() -> bool:
                async with svc.runtime.db.sessionmaker() as session:
                    left = await session.scalar(
                        select(func.count())
                        .select_from(outbox)
                        .where(outbox.c.published_at.is_(None))
                    )
                return left == 0

            await eventually(all_published, timeout=30)
    finally:
        remove_dir(data_dir)


async def test_demo_password_comes_from_the_environment_when_set(
    infra: Infra, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.people.demo import demo_password

    monkeypatch.setenv("SGO_DEMO_PASSWORD", "Перспектива-2026")
    data_dir = scratch_dir("sgo-people-demo-")
    try:
        settings = infra.settings(
            database_url=infra.database_url, namespace=namespace, data_dir=data_dir
        )
        assert demo_password(settings) == "Перспектива-2026"
        assert not (Path(data_dir) / "demo-password").exists()
    finally:
        remove_dir(data_dir)


def test_the_demo_issues_exactly_the_logins_the_readme_promises() -> None:
    from services.kernel.demo import DEMO_LOGINS as PROMISED
    from services.people.demo import DEMO_LOGINS as ISSUED

    assert sorted(ISSUED) == sorted(PROMISED)
