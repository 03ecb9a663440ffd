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
- people.account.blocked: account_id, person_id, school_id, reason (administrator |
  consent_withdrawn)
- people.session.ended: session_id, account_id, reason (logout | logout_everywhere |
  password_changed | credentials_reissued | account_blocked | ended_by_administrator)
- people.consent.recorded: consent_id, school_id, subject_id, given_by_id, document_kind,
  document_number|null, document_date|null, given_at
- people.consent.withdrawn: consent_id, school_id, subject_id, withdrawn_at
- people.account.password_changed: account_id, person_id, school_id, forced (the change was
  required: a one-time or expired password)

people consumes nothing yet.
"""

from __future__ import annotations

from datetime import date, datetime
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
    reason: str = "administrator"

    def aggregate_id(self) -> str:
        return str(self.account_id)


class SessionEnded(Event):
    type: ClassVar[str] = "people.session.ended"
    session_id: UUID
    account_id: UUID
    reason: str = "logout"

    def aggregate_id(self) -> str:
        return str(self.account_id)


class ConsentRecorded(Event):
    type: ClassVar[str] = "people.consent.recorded"
    consent_id: UUID
    school_id: UUID
    subject_id: UUID
    given_by_id: UUID
    document_kind: str
    document_number: str | None
    document_date: date | None
    given_at: datetime

    def aggregate_id(self) -> str:
        return str(self.subject_id)


class ConsentWithdrawn(Event):
    type: ClassVar[str] = "people.consent.withdrawn"
    consent_id: UUID
    school_id: UUID
    subject_id: UUID
    withdrawn_at: datetime

    def aggregate_id(self) -> str:
        return str(self.subject_id)


class PasswordChanged(Event):
    type: ClassVar[str] = "people.account.password_changed"
    account_id: UUID
    person_id: UUID
    school_id: UUID
    forced: bool

    def aggregate_id(self) -> str:
        return str(self.account_id)


SUBSCRIPTIONS: list[Subscription] = []
