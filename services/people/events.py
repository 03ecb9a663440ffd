"""Events people publishes (the contract other contexts read) and the ones it consumes.

Payloads (ids as UUID strings, dates ISO):

- people.school.created: school_id, name, short_name, timezone
- people.academic_year.created: academic_year_id, school_id, name, starts_on, ends_on,
  study_periods [{study_period_id, name, starts_on, ends_on}]
- people.school_class.created: school_class_id, school_id, academic_year_id, grade_level,
  letter, name ("7Б")
- people.school_class.class_teacher_assigned: school_class_id, school_id, person_id
- people.person.registered: person_id, school_id, kind (staff|student|parent), last_name,
  first_name, middle_name
- people.student.enrolled: person_id, school_id, school_class_id, enrolled_on
- people.guardianship.linked: parent_id, student_id, school_id, relation
- people.role.granted, people.role.withdrawn: person_id, school_id, role, school_class_id|null
- people.account.issued: account_id, person_id, school_id, login
- people.account.blocked: account_id, person_id, school_id
- people.session.ended: session_id, account_id
- people.health.changed: student_id, school_id, sections [health_group|pe_group|conditions]
  (which parts changed; never the values: special-category data stays out of the stream)
- people.pe_teacher.assigned, people.pe_teacher.withdrawn: school_class_id, school_id, person_id
- people.wellbeing.changed: student_id, school_id, sections
  [characteristics|deviant_behaviour|social_status] (again ids and sections only)
- people.school_class.data_confirmed: school_class_id, school_id, person_id, confirmed_on

people consumes nothing yet.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel

from services.kernel.consumer import Subscription
from services.kernel.events import Event


class SchoolCreated(Event):
    type: ClassVar[str] = "people.school.created"
    school_id: UUID
    name: str
    short_name: str
    timezone: str

    def aggregate_id(self) -> str:
        return str(self.school_id)


class StudyPeriodPayload(BaseModel):
    study_period_id: UUID
    name: str
    starts_on: date
    ends_on: date


class AcademicYearCreated(Event):
    type: ClassVar[str] = "people.academic_year.created"
    academic_year_id: UUID
    school_id: UUID
    name: str
    starts_on: date
    ends_on: date
    study_periods: list[StudyPeriodPayload]

    def aggregate_id(self) -> str:
        return str(self.academic_year_id)


class SchoolClassCreated(Event):
    type: ClassVar[str] = "people.school_class.created"
    school_class_id: UUID
    school_id: UUID
    academic_year_id: UUID
    grade_level: int
    letter: str
    name: str

    def aggregate_id(self) -> str:
        return str(self.school_class_id)


class ClassTeacherAssigned(Event):
    type: ClassVar[str] = "people.school_class.class_teacher_assigned"
    school_class_id: UUID
    school_id: UUID
    person_id: UUID

    def aggregate_id(self) -> str:
        return str(self.school_class_id)


class PersonRegistered(Event):
    type: ClassVar[str] = "people.person.registered"
    person_id: UUID
    school_id: UUID
    kind: str
    last_name: str
    first_name: str
    middle_name: str | None

    def aggregate_id(self) -> str:
        return str(self.person_id)


class StudentEnrolled(Event):
    type: ClassVar[str] = "people.student.enrolled"
    person_id: UUID
    school_id: UUID
    school_class_id: UUID
    enrolled_on: date

    def aggregate_id(self) -> str:
        return str(self.person_id)


class GuardianshipLinked(Event):
    type: ClassVar[str] = "people.guardianship.linked"
    parent_id: UUID
    student_id: UUID
    school_id: UUID
    relation: str

    def aggregate_id(self) -> str:
        return str(self.student_id)


class RoleGranted(Event):
    type: ClassVar[str] = "people.role.granted"
    person_id: UUID
    school_id: UUID
    role: str
    school_class_id: UUID | None

    def aggregate_id(self) -> str:
        return str(self.person_id)


class RoleWithdrawn(Event):
    type: ClassVar[str] = "people.role.withdrawn"
    person_id: UUID
    school_id: UUID
    role: str
    school_class_id: UUID | None

    def aggregate_id(self) -> str:
        return str(self.person_id)


class AccountIssued(Event):
    type: ClassVar[str] = "people.account.issued"
    account_id: UUID
    person_id: UUID
    school_id: UUID
    login: str

    def aggregate_id(self) -> str:
        return str(self.account_id)


class AccountBlocked(Event):
    type: ClassVar[str] = "people.account.blocked"
    account_id: UUID
    person_id: UUID
    school_id: UUID

    def aggregate_id(self) -> str:
        return str(self.account_id)


class SessionEnded(Event):
    type: ClassVar[str] = "people.session.ended"
    session_id: UUID
    account_id: UUID

    def aggregate_id(self) -> str:
        return str(self.account_id)


class HealthDataChanged(Event):
    type: ClassVar[str] = "people.health.changed"
    student_id: UUID
    school_id: UUID
    sections: list[str]

    def aggregate_id(self) -> str:
        return str(self.student_id)


class PeTeacherAssigned(Event):
    type: ClassVar[str] = "people.pe_teacher.assigned"
    school_class_id: UUID
    school_id: UUID
    person_id: UUID

    def aggregate_id(self) -> str:
        return str(self.school_class_id)


class PeTeacherWithdrawn(Event):
    type: ClassVar[str] = "people.pe_teacher.withdrawn"
    school_class_id: UUID
    school_id: UUID
    person_id: UUID

    def aggregate_id(self) -> str:
        return str(self.school_class_id)


class WellbeingDataChanged(Event):
    type: ClassVar[str] = "people.wellbeing.changed"
    student_id: UUID
    school_id: UUID
    sections: list[str]

    def aggregate_id(self) -> str:
        return str(self.student_id)


class ClassDataConfirmed(Event):
    type: ClassVar[str] = "people.school_class.data_confirmed"
    school_class_id: UUID
    school_id: UUID
    person_id: UUID
    confirmed_on: date

    def aggregate_id(self) -> str:
        return str(self.school_class_id)


SUBSCRIPTIONS: list[Subscription] = []
