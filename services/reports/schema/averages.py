"""Class averages: each subject's weighted average in one class."""

from __future__ import annotations

import strawberry

from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of
from services.reports import averages
from services.reports.schema.types import SchoolClass


@strawberry.federation.type(authenticated=True)
class ClassAverage:
    """One subject's weighted average (Σ отметка·вес / Σ вес) in one class."""

    subject_id: strawberry.ID = strawberry.federation.field(authenticated=True)
    subject_name: str = strawberry.federation.field(authenticated=True)
    average: float = strawberry.federation.field(
        authenticated=True, description="Средневзвешенная отметка, два знака после запятой."
    )
    marks_count: int = strawberry.federation.field(authenticated=True)
    school_class: SchoolClass | None = strawberry.federation.field(authenticated=True)


@strawberry.type
class AveragesQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*averages.CLASS_AVERAGE_READERS),
        description="Средние отметки класса по предметам.",
    )
    async def class_averages(
        self, info: Info, school_class_id: strawberry.ID
    ) -> list[ClassAverage] | None:
        principal = info.context.require(*averages.CLASS_AVERAGE_READERS)
        class_id = parse_id(school_class_id, "schoolClassId")
        rows = await averages.class_averages(info.context.runtime.db, principal, class_id)
        stub = SchoolClass(id=strawberry.ID(str(class_id)))
        return [
            ClassAverage(
                subject_id=strawberry.ID(str(row.subject_id)),
                subject_name=row.subject_name,
                average=float(row.average),
                marks_count=row.marks_count,
                school_class=stub,
            )
            for row in rows
        ]
