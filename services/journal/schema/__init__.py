"""The journal subgraph, assembled from one module per area of the journal.

Each area declares its own `…Query` and `…Mutation` types; the roots below inherit them all,
so adding an area is one import and one base class.
"""

from __future__ import annotations

import strawberry

from services.journal.schema.assignments import AssignmentsMutation, AssignmentsQuery
from services.journal.schema.attendance import AttendanceMutation, AttendanceQuery
from services.journal.schema.class_events import ClassEventsMutation, ClassEventsQuery
from services.journal.schema.corrections import CorrectionsMutation, CorrectionsQuery
from services.journal.schema.curriculum import CurriculumMutation, CurriculumQuery
from services.journal.schema.debts import DebtsQuery
from services.journal.schema.lessons import LessonsMutation
from services.journal.schema.marks import MarksMutation, MarksQuery
from services.journal.schema.period_marks import PeriodMarksMutation, PeriodMarksQuery
from services.journal.schema.reads import ReadsQuery
from services.journal.schema.settings import SettingsMutation, SettingsQuery
from services.journal.schema.substitutions import SubstitutionsMutation, SubstitutionsQuery
from services.journal.schema.timetable import TimetableMutation, TimetableQuery
from services.journal.schema.types import (
    Attendance,
    ClassEvent,
    Lesson,
    Mark,
    Person,
    SchoolClass,
    Student,
    Subject,
)
from services.journal.schema.year_closing import YearClosingMutation, YearClosingQuery
from services.kernel.graphql import build_schema


@strawberry.type
class Query(
    CurriculumQuery,
    ReadsQuery,
    # timetable and class events
    TimetableQuery,
    ClassEventsQuery,
    SubstitutionsQuery,
    AttendanceQuery,
    # periods
    SettingsQuery,
    PeriodMarksQuery,
    YearClosingQuery,
    # reads: debts
    DebtsQuery,
    # marks
    AssignmentsQuery,
    MarksQuery,
    CorrectionsQuery,
):
    pass


@strawberry.type
class Mutation(
    CurriculumMutation,
    TimetableMutation,
    LessonsMutation,
    MarksMutation,
    AttendanceMutation,
    # class events
    ClassEventsMutation,
    SubstitutionsMutation,
    # periods
    SettingsMutation,
    PeriodMarksMutation,
    YearClosingMutation,
    # marks
    AssignmentsMutation,
    CorrectionsMutation,
):
    pass


schema = build_schema(
    query=Query,
    mutation=Mutation,
    types=[Subject, Student, Person, SchoolClass, Mark, Attendance, Lesson, ClassEvent],
)
