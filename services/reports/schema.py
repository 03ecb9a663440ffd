"""The reports subgraph: class averages for the administration and the class teacher."""

from __future__ import annotations

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from services.kernel.graphql import Info, build_schema, parse_id
from services.kernel.roles import any_of
from services.reports import domain, service


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)], authenticated=True)
class SchoolClass:
    """A class owned by people; the gateway joins its name."""

    id: strawberry.ID = strawberry.federation.field(authenticated=True)


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
class Query:
    @strawberry.federation.field(
        requires_scopes=any_of(*domain.CLASS_REPORT_ROLES),
        description="Средние отметки класса по предметам.",
    )
    async def class_averages(
        self, info: Info, school_class_id: strawberry.ID
    ) -> list[ClassAverage]:
        principal = info.context.require(*domain.CLASS_REPORT_ROLES)
        class_id = parse_id(school_class_id, "schoolClassId")
        rows = await service.class_averages(info.context.runtime.db, principal, class_id)
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


schema = build_schema(query=Query, types=[ClassAverage, SchoolClass])
