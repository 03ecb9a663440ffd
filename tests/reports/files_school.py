"""A small school for the report-file tests, fed to reports as people's and journal's events."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import orjson
from nats.aio.client import Client

from services.kernel.events import Envelope
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.reports.events import SUBSCRIPTIONS
from tests.support import ServiceClient

HANDLERS = {t: h for sub in SUBSCRIPTIONS for t, h in sub.handlers.items()}
_sequence = itertools.count(1)


@dataclass
class School:
    school: UUID = field(default_factory=uuid4)
    year: UUID = field(default_factory=uuid4)
    term: UUID = field(default_factory=uuid4)
    class_7b: UUID = field(default_factory=uuid4)
    class_8a: UUID = field(default_factory=uuid4)
    director: UUID = field(default_factory=uuid4)
    class_teacher: UUID = field(default_factory=uuid4)  # of 7Б
    subject_teacher: UUID = field(default_factory=uuid4)  # teaches 7Б only
    maths: UUID = field(default_factory=uuid4)
    russian: UUID = field(default_factory=uuid4)
    students_7b: dict[UUID, tuple[str, str]] = field(default_factory=dict)
    students_8a: dict[UUID, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for last, first in (("Иванова", "Мария"), ("Петров", "Пётр"), ("Сидоров", "Семён")):
            self.students_7b[uuid4()] = (last, first)
        for last, first in (("Алексеев", "Антон"), ("Борисова", "Белла")):
            self.students_8a[uuid4()] = (last, first)

    def envelope(self, type_: str, **payload: Any) -> Envelope:
        body = {k: str(v) if isinstance(v, UUID) else v for k, v in payload.items()}
        body.setdefault("school_id", str(self.school))
        return Envelope(type=type_, school_id=self.school, payload=body, sequence=next(_sequence))

    def person(self, person_id: UUID, kind: str, last: str, first: str) -> Envelope:
        return self.envelope(
            "people.person.registered",
            person_id=person_id,
            kind=kind,
            last_name=last,
            first_name=first,
            middle_name=None,
        )

    def period_mark(
        self,
        student: UUID,
        school_class: UUID,
        subject: UUID,
        kind: str,
        value: int | None,
        special: str | None = None,
    ) -> Envelope:
        return self.envelope(
            "journal.period_mark.set",
            period_mark_id=uuid5(NAMESPACE_URL, f"{student}:{subject}:{kind}"),
            academic_year_id=self.year,
            study_period_id=self.term if kind == "term" else None,
            study_period_name="1 четверть" if kind == "term" else None,
            kind=kind,
            school_class_id=school_class,
            subject_id=subject,
            subject_name="Математика" if subject == self.maths else "Русский язык",
            student_id=student,
            value=value,
            special=special,
            average=None,
            proposed=None,
        )

    def setup_events(self) -> list[Envelope]:
        e = self.envelope
        events = [
            e("people.school.created", name="МАОУ СОШ № 7 г. Томска", short_name="СОШ 7",
              timezone="Asia/Tomsk"),
            e("people.academic_year.created", academic_year_id=self.year, name="2025/2026",
              starts_on="2025-09-01", ends_on="2026-05-31",
              study_periods=[{"study_period_id": str(self.term), "name": "1 четверть",
                              "starts_on": "2025-09-01", "ends_on": "2025-10-26"}]),
            e("people.school_class.created", school_class_id=self.class_7b,
              academic_year_id=self.year, grade_level=7, letter="Б", name="7Б"),
            e("people.school_class.created", school_class_id=self.class_8a,
              academic_year_id=self.year, grade_level=8, letter="А", name="8А"),
            self.person(self.director, "staff", "Директорова", "Дина"),
            self.person(self.class_teacher, "staff", "Классная", "Клавдия"),
            self.person(self.subject_teacher, "staff", "Предметников", "Павел"),
            e("people.role.granted", person_id=self.director, role="director",
              school_class_id=None),
            e("people.school_class.class_teacher_assigned", school_class_id=self.class_7b,
              person_id=self.class_teacher),
            e("journal.teaching_load.assigned", teaching_load_id=uuid4(),
              teacher_id=self.subject_teacher, school_class_id=self.class_7b,
              subject_id=self.maths, subgroup_id=None, hours_per_week=4),
        ]  # fmt: skip
        for students in (self.students_7b, self.students_8a):
            for student, (last, first) in students.items():
                events.append(self.person(student, "student", last, first))
        values = iter([5, 4, 3, 5, 4])
        for school_class, students in ((self.class_7b, self.students_7b),
                                       (self.class_8a, self.students_8a)):  # fmt: skip
            for student in students:
                value = next(values)
                events.append(self.period_mark(student, school_class, self.maths, "year", value))
                events.append(self.period_mark(student, school_class, self.maths, "term", value))
                events.append(self.period_mark(student, school_class, self.russian, "year", 4))
        return events

    def year_closed(self) -> Envelope:
        results = [
            {"student_id": str(s), "school_class_id": str(c), "failed_subject_ids": [],
             "not_attested_subject_ids": []}
            for c, group in ((self.class_7b, self.students_7b), (self.class_8a, self.students_8a))
            for s in group
        ]  # fmt: skip
        return self.envelope(
            "journal.year.closed",
            academic_year_id=self.year,
            closed_by=self.director,
            subject_names={str(self.maths): "Математика", str(self.russian): "Русский язык"},
            results=results,
        )

    def principal(
        self, role: Role, person: UUID | None = None, *, school_class: UUID | None = None
    ) -> Principal:
        return Principal(
            account_id=uuid4(),
            person_id=person or uuid4(),
            school_id=self.school,
            session_id=uuid4(),
            roles=(RoleGrant(role, school_class_id=school_class),),
        )


async def apply(svc: ServiceClient, *envelopes: Envelope) -> None:
    """Each event through reports' own handler, one transaction each, as the consumer would."""
    for envelope in envelopes:
        async with svc.runtime.db.sessionmaker() as session, session.begin():
            await HANDLERS[envelope.type](session, envelope)


async def publish(nc: Client, namespace: str, *envelopes: Envelope) -> None:
    for env in envelopes:
        await nc.jetstream().publish(
            env.subject(namespace),
            orjson.dumps(env.model_dump(mode="json")),
            headers={"Nats-Msg-Id": str(env.id)},
        )
