"""The reports subgraph, assembled from one module per report.

Each area declares its own ``…Query`` (and ``…Mutation``) type; the roots below inherit them.
"""

from __future__ import annotations

import strawberry

from services.kernel.graphql import build_schema
from services.reports.schema.archive import ArchivedSheet, ArchiveQuery
from services.reports.schema.attendance import AttendanceQuery
from services.reports.schema.averages import AveragesQuery, ClassAverage
from services.reports.schema.class_results import ClassResultsQuery
from services.reports.schema.control import ControlQuery
from services.reports.schema.dynamics import DynamicsQuery
from services.reports.schema.jobs import JobsMutation, JobsQuery, JobsSubscription, ReportJob
from services.reports.schema.parent_letter import ParentLetterMutation, ParentLetterQuery
from services.reports.schema.progress_sheet import ProgressSheet, ProgressSheetQuery
from services.reports.schema.progress_summary import ProgressSummary, ProgressSummaryQuery
from services.reports.schema.types import SchoolClass, Student


@strawberry.type
class Query(
    AveragesQuery,
    ProgressSummaryQuery,
    ProgressSheetQuery,
    ClassResultsQuery,
    AttendanceQuery,
    ParentLetterQuery,
    DynamicsQuery,
    ControlQuery,
    JobsQuery,
    ArchiveQuery,
):
    pass


@strawberry.type
class Mutation(ParentLetterMutation, JobsMutation):
    pass


@strawberry.type
class Subscription(JobsSubscription):
    pass


schema = build_schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[
        ClassAverage,
        SchoolClass,
        Student,
        ProgressSummary,
        ProgressSheet,
        ReportJob,
        ArchivedSheet,
    ],
)
