"""Reports rules without a database: the weighted average and who reads a class."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.reports import averages, domain


def test_weighted_average_is_sum_of_value_times_weight_over_sum_of_weights() -> None:
    assert domain.weighted_average([(5, 1), (3, 2)]) == Decimal("3.67")
    assert domain.weighted_average([(4, 1), (5, 1)]) == Decimal("4.50")
    assert domain.weighted_average([(5, Decimal("1.5")), (2, Decimal("0.5"))]) == Decimal("4.25")


def test_weighted_average_of_nothing_is_none() -> None:
    assert domain.weighted_average([]) is None


def _principal(*grants: RoleGrant, person_id: UUID | None = None) -> Principal:
    return Principal(
        account_id=uuid4(), person_id=person_id or uuid4(), school_id=uuid4(), roles=grants
    )


def test_class_teacher_reads_only_the_class_people_recorded_them_for() -> None:
    me, someone_else = uuid4(), uuid4()
    teacher = _principal(RoleGrant(Role.CLASS_TEACHER, school_class_id=uuid4()), person_id=me)
    assert averages.may_read_class(teacher, me)
    assert not averages.may_read_class(teacher, someone_else)
    assert not averages.may_read_class(teacher, None)


def test_administration_reads_any_class_and_others_none() -> None:
    teacher_of_class = uuid4()
    assert averages.may_read_class(_principal(RoleGrant(Role.DIRECTOR)), teacher_of_class)
    assert averages.may_read_class(
        _principal(RoleGrant(Role.DEPUTY_DIRECTOR_QUALITY)), teacher_of_class
    )
    assert not averages.may_read_class(_principal(RoleGrant(Role.PARENT)), teacher_of_class)
    assert not averages.may_read_class(
        _principal(RoleGrant(Role.SUBJECT_TEACHER), person_id=teacher_of_class), teacher_of_class
    )
    assert not averages.may_read_class(Principal(), teacher_of_class)
