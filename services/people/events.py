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
  consent_withdrawn | dismissal | departure | anonymised)
- people.session.ended: session_id, account_id, reason (logout | logout_everywhere |
  password_changed | credentials_reissued | account_blocked | ended_by_administrator |
  role_withdrawn | anonymised)
- people.consent.recorded: consent_id, school_id, subject_id, given_by_id, document_kind,
  document_number|null, document_date|null, given_at
- people.consent.withdrawn: consent_id, school_id, subject_id, withdrawn_at
- people.account.password_changed: account_id, person_id, school_id, forced (the change was
  required: a one-time or expired password)
- people.personal_data.changed: person_id, school_id, fields [API names, e.g. "phone",
  "snils"] — which fields changed, never their values
- people.person.renamed: person_id, school_id, last_name, first_name, middle_name (a name
  corrected in the person's file; replicas replace the names they hold)
- people.person.anonymised: person_id, school_id, reason (consent_withdrawn|departure|
  dismissal), last_name («Обезличено»), first_name (short id), middle_name (null) — replicas
  replace the names they hold; ids stay, so history (marks, archive) stays consistent
- people.student.transferred: person_id, school_id, from_class_id, to_class_id, transferred_on,
  order_number, order_date (emitted with people.student.enrolled for the new class)
- people.student.left: person_id, school_id, school_class_id, left_on, kind
  (departure|graduation), destination_school_id|null, destination_school_name|null,
  order_number, order_date
- people.students.promoted: school_id, from_academic_year_id, to_academic_year_id,
  order_number, order_date, classes [{from_class_id, to_class_id|null, promoted, held_back}]
  (each student's move also comes as people.student.enrolled or people.student.left)
- people.subgroup.created: subgroup_id, school_id, school_class_id, subject, name
- people.subgroup.members_changed: subgroup_id, school_id, school_class_id, subject,
  student_ids (the whole membership after the change)
- people.staff.hired: person_id, school_id, position, hired_on|null (also one per imported
  staff row)
- people.staff.dismissed: person_id, school_id, dismissed_on, order_number (the person's
  grants come as people.role.withdrawn, the block as people.account.blocked and
  people.session.ended)
- people.health.changed: student_id, school_id, sections [health_group|pe_group|conditions]
  (which parts changed; never the values: special-category data stays out of the stream)
- people.pe_teacher.assigned, people.pe_teacher.withdrawn: school_class_id, school_id, person_id
- people.wellbeing.changed: student_id, school_id, sections
  [characteristics|deviant_behaviour|social_status] (again ids and sections only)
- people.school_class.data_confirmed: school_class_id, school_id, person_id, confirmed_on

Consumed: ``journal.year.closed`` — each student's failed and not attested subjects of the
closed year (``year_results``), from which the promotion proposes a conditional promotion
(академическая задолженность, 273-FZ art. 58).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.consumer import Subscription
from services.kernel.events import Envelope, Event
from services.people.models import YearResult


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


class PersonalDataChanged(Event):
    type: ClassVar[str] = "people.personal_data.changed"
    person_id: UUID
    school_id: UUID
    fields: list[str]

    def aggregate_id(self) -> str:
        return str(self.person_id)


class StudentTransferred(Event):
    type: ClassVar[str] = "people.student.transferred"
    person_id: UUID
    school_id: UUID
    from_class_id: UUID
    to_class_id: UUID
    transferred_on: date
    order_number: str
    order_date: date

    def aggregate_id(self) -> str:
        return str(self.person_id)


class PersonRenamed(Event):
    type: ClassVar[str] = "people.person.renamed"
    person_id: UUID
    school_id: UUID
    last_name: str
    first_name: str
    middle_name: str | None

    def aggregate_id(self) -> str:
        return str(self.person_id)


class StudentLeft(Event):
    type: ClassVar[str] = "people.student.left"
    person_id: UUID
    school_id: UUID
    school_class_id: UUID
    left_on: date
    kind: str
    destination_school_id: UUID | None
    destination_school_name: str | None
    order_number: str
    order_date: date

    def aggregate_id(self) -> str:
        return str(self.person_id)


class PersonAnonymised(Event):
    type: ClassVar[str] = "people.person.anonymised"
    person_id: UUID
    school_id: UUID
    reason: str
    last_name: str
    first_name: str
    middle_name: str | None

    def aggregate_id(self) -> str:
        return str(self.person_id)


class PromotedClass(BaseModel):
    from_class_id: UUID
    to_class_id: UUID | None
    promoted: int
    held_back: int


class StudentsPromoted(Event):
    type: ClassVar[str] = "people.students.promoted"
    school_id: UUID
    from_academic_year_id: UUID
    to_academic_year_id: UUID
    order_number: str
    order_date: date
    classes: list[PromotedClass]

    def aggregate_id(self) -> str:
        return str(self.from_academic_year_id)


class SubgroupCreated(Event):
    type: ClassVar[str] = "people.subgroup.created"
    subgroup_id: UUID
    school_id: UUID
    school_class_id: UUID
    subject: str
    name: str

    def aggregate_id(self) -> str:
        return str(self.subgroup_id)


class SubgroupMembersChanged(Event):
    type: ClassVar[str] = "people.subgroup.members_changed"
    subgroup_id: UUID
    school_id: UUID
    school_class_id: UUID
    subject: str
    student_ids: list[UUID]

    def aggregate_id(self) -> str:
        return str(self.subgroup_id)


class StaffHired(Event):
    type: ClassVar[str] = "people.staff.hired"
    person_id: UUID
    school_id: UUID
    position: str
    hired_on: date | None

    def aggregate_id(self) -> str:
        return str(self.person_id)


class StaffDismissed(Event):
    type: ClassVar[str] = "people.staff.dismissed"
    person_id: UUID
    school_id: UUID
    dismissed_on: date
    order_number: str

    def aggregate_id(self) -> str:
        return str(self.person_id)


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


# --- consumed -----------------------------------------------------------------------------------
# periods: the journal's year closing, for the promotion to propose from


async def on_year_closed(session: AsyncSession, envelope: Envelope) -> None:
    """``journal.year.closed``: each student's failed and not attested subjects, by name."""
    p = envelope.payload
    names: dict[str, str] = p.get("subject_names") or {}
    year_id = UUID(p["academic_year_id"])
    for result in p.get("results") or []:
        values = {
            "school_id": UUID(p["school_id"]),
            "school_class_id": UUID(result["school_class_id"]),
            "failed_subjects": sorted(names.get(i, i) for i in result["failed_subject_ids"]),
            "not_attested_subjects": sorted(
                names.get(i, i) for i in result["not_attested_subject_ids"]
            ),
            "closed_at": envelope.occurred_at,
        }
        stmt = insert(YearResult).values(
            academic_year_id=year_id, student_id=UUID(result["student_id"]), **values
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[YearResult.academic_year_id, YearResult.student_id], set_=values
            )
        )


SUBSCRIPTIONS: list[Subscription] = [
    Subscription(context="journal", handlers={"journal.year.closed": on_year_closed}),
]
