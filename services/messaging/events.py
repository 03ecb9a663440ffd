"""Events messaging publishes, and which handler takes each event it consumes.

Published (ids as UUID strings):

- messaging.notice.created: notice_id, school_id, recipient_id, kind (every instance also
  hears it on core NATS to feed the ``noticeReceived`` subscription: ``subscriptions.py``)
- messaging.message.sent: message_id, school_id, sender_id, thread_id, recipient_ids (every
  recipient of the letter, to and cc; feeds ``messageReceived`` the same way), mass (sent to
  an audience or to more recipients than a hand-written letter has)
- messaging.announcement.posted: announcement_id, school_id, author_id, reader_count

Consumed, into the replica (``replica.py``; each row keeps the sequence it was written at and
takes an event only over an older one, removals stay as tombstones):

- people: ``person.registered``, ``person.renamed``, ``person.anonymised`` (names, which every
  letter and list shows from the replica, so an anonymised person's name goes everywhere at
  once; the student's name in notices already sent to their parents is replaced too),
  ``school_class.created``, ``school_class.class_teacher_assigned``, ``role.granted``,
  ``role.withdrawn``, ``student.enrolled``, ``student.left``, ``guardianship.linked``
- journal: ``teaching_load.assigned``, ``teaching_load.withdrawn``, ``subject.created``,
  ``subject.renamed``

Consumed, into notices (``journal_notices.py``): ``journal.mark.recorded`` (a «2»),
``journal.period_mark.set`` (a term or year «2», or a proposal of one), each to the student's
parents and class teacher; ``journal.class_event.scheduled`` (to the class's students and
parents); ``journal.correction.decided`` (to the teacher who asked).

Consumed from messaging itself (``email.py``): ``messaging.notice.created`` — the e-mail copy,
once per notice, for a recipient who gave an address.

Consumed, into notices (``absences.py``): ``journal.attendance.set`` (an ОТ becomes a notice to
each parent of the student; a reason or a late arrival does not), ``journal.attendance.cleared``
(the kept absence becomes a tombstone), ``journal.absences.unresolved`` (at the end of the
school day: a notice to each class teacher listing their class's ОТ still without a reason, and
one to each parent of a listed student), ``people.guardianship.linked`` (a parent linked late
still hears of the last week's ОТ).
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from services.kernel.consumer import Subscription
from services.kernel.events import Event


class NoticeCreated(Event):
    type: ClassVar[str] = "messaging.notice.created"

    notice_id: UUID
    school_id: UUID
    recipient_id: UUID
    kind: str

    def aggregate_id(self) -> str:
        return str(self.notice_id)


class MessageSent(Event):
    type: ClassVar[str] = "messaging.message.sent"

    message_id: UUID
    school_id: UUID
    sender_id: UUID
    thread_id: UUID
    recipient_ids: list[UUID]
    mass: bool = False

    def aggregate_id(self) -> str:
        return str(self.message_id)


class AnnouncementPosted(Event):
    type: ClassVar[str] = "messaging.announcement.posted"

    announcement_id: UUID
    school_id: UUID
    author_id: UUID
    reader_count: int

    def aggregate_id(self) -> str:
        return str(self.announcement_id)


# The handlers emit the events above, so they are imported after them.
from services.messaging import absences, email, journal_notices, replica  # noqa: E402

# Still importable from here, where it was before the handlers moved to their areas.
on_person_anonymised = absences.on_person_anonymised

SUBSCRIPTIONS: list[Subscription] = [
    Subscription(
        context="people",
        handlers={
            "people.person.registered": replica.on_person_registered,
            "people.person.renamed": replica.on_person_renamed,
            "people.person.anonymised": absences.on_person_anonymised,
            "people.school_class.created": replica.on_school_class_created,
            "people.school_class.class_teacher_assigned": replica.on_class_teacher_assigned,
            "people.role.granted": replica.on_role_granted,
            "people.role.withdrawn": replica.on_role_withdrawn,
            "people.student.enrolled": replica.on_student_enrolled,
            "people.student.left": replica.on_student_left,
            "people.guardianship.linked": absences.on_guardianship_linked,
        },
    ),
    Subscription(
        context="journal",
        handlers={
            "journal.attendance.set": absences.on_attendance_set,
            "journal.attendance.cleared": absences.on_attendance_cleared,
            "journal.absences.unresolved": absences.on_absences_unresolved,
            "journal.teaching_load.assigned": replica.on_teaching_load_assigned,
            "journal.teaching_load.withdrawn": replica.on_teaching_load_withdrawn,
            "journal.subject.created": replica.on_subject_named,
            "journal.subject.renamed": replica.on_subject_named,
            "journal.mark.recorded": journal_notices.on_mark_recorded,
            "journal.period_mark.set": journal_notices.on_period_mark_set,
            "journal.class_event.scheduled": journal_notices.on_class_event_scheduled,
            "journal.correction.decided": journal_notices.on_correction_decided,
        },
    ),
    # One consumer per delivery channel: e-mail copies of the notices announced at once.
    Subscription(
        context="messaging",
        handlers={"messaging.notice.created": email.on_notice_created},
    ),
]
