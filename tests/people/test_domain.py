"""Rules of the people context, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from services.kernel.errors import Forbidden, ValidationFailed
from services.kernel.roles import Role
from services.people import domain
from services.people.demo import feminine
from services.people.domain import PeriodDraft, PersonKind, Throttle

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def test_class_name_joins_grade_and_upper_case_cyrillic_letter() -> None:
    assert domain.class_name(7, "б") == ("Б", "7Б")
    assert domain.class_name(11, " А ") == ("А", "11А")


@pytest.mark.parametrize(("grade", "letter"), [(0, "А"), (12, "А"), (7, "B"), (7, "АБ"), (7, "")])
def test_class_name_refuses_grades_outside_1_to_11_and_non_russian_letters(
    grade: int, letter: str
) -> None:
    with pytest.raises(ValidationFailed):
        domain.class_name(grade, letter)


def test_study_periods_must_lie_inside_the_year_in_order() -> None:
    year = (date(2026, 9, 1), date(2027, 5, 31))
    quarters = [
        PeriodDraft("1 четверть", date(2026, 9, 1), date(2026, 10, 26)),
        PeriodDraft("2 четверть", date(2026, 11, 5), date(2026, 12, 28)),
    ]
    domain.check_academic_year(*year, quarters)
    with pytest.raises(ValidationFailed, match="пересекается"):
        domain.check_academic_year(*year, list(reversed(quarters)))
    with pytest.raises(ValidationFailed, match="за границы"):
        domain.check_academic_year(*year, [PeriodDraft("лето", date(2027, 6, 1), date(2027, 8, 1))])
    with pytest.raises(ValidationFailed):
        domain.check_academic_year(date(2027, 5, 31), date(2026, 9, 1), [])


def test_academic_secretary_registers_students_and_parents_but_not_staff() -> None:
    domain.check_registrar({Role.ACADEMIC_SECRETARY}, PersonKind.STUDENT)
    domain.check_registrar({Role.ACADEMIC_SECRETARY}, PersonKind.PARENT)
    with pytest.raises(Forbidden):
        domain.check_registrar({Role.ACADEMIC_SECRETARY}, PersonKind.STAFF)


def test_hr_secretary_registers_staff_only_and_administrator_anyone() -> None:
    domain.check_registrar({Role.HR_SECRETARY}, PersonKind.STAFF)
    with pytest.raises(Forbidden):
        domain.check_registrar({Role.HR_SECRETARY}, PersonKind.STUDENT)
    for kind in PersonKind:
        domain.check_registrar({Role.ADMINISTRATOR}, kind)


def test_roles_must_fit_the_person_and_class_teacher_needs_a_class() -> None:
    domain.check_role_for_kind(Role.CLASS_TEACHER, PersonKind.STAFF, uuid4())
    with pytest.raises(ValidationFailed):
        domain.check_role_for_kind(Role.CLASS_TEACHER, PersonKind.STAFF, None)
    with pytest.raises(ValidationFailed):
        domain.check_role_for_kind(Role.SUBJECT_TEACHER, PersonKind.PARENT, None)
    with pytest.raises(ValidationFailed):
        domain.check_role_for_kind(Role.STUDENT, PersonKind.STAFF, None)


def test_five_failures_in_a_row_lock_the_account_for_five_minutes() -> None:
    throttle = Throttle(0, None)
    for _ in range(domain.MAX_FAILED_LOGINS - 1):
        throttle = throttle.after_failure(NOW)
        assert not throttle.is_locked(NOW)
    throttle = throttle.after_failure(NOW)
    assert throttle.is_locked(NOW + timedelta(minutes=4, seconds=59))
    assert not throttle.is_locked(NOW + timedelta(minutes=5))
    assert throttle.failed_attempts == 0
    assert "5 мин" in domain.locked_message(NOW + domain.LOCK_DURATION, NOW)


def test_new_password_needs_eight_characters_and_must_differ_from_login() -> None:
    domain.check_new_password("Ёлка-2026!", "ivanov.ii")
    with pytest.raises(ValidationFailed, match="не короче 8"):
        domain.check_new_password("short", "ivanov.ii")
    with pytest.raises(ValidationFailed, match="логином"):
        domain.check_new_password("Ivanov.II", "ivanov.ii")


def test_generated_passwords_are_long_and_avoid_look_alike_characters() -> None:
    passwords = {domain.generate_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(len(p) == 12 and not set(p) & set("0O1lI") for p in passwords)


def test_suggested_login_is_transliterated_surname_and_initials() -> None:
    assert domain.suggested_login("Ёлкина", "Анна", "Петровна") == "elkina.ap"
    assert domain.suggested_login("Щукин", "Юрий", None) == "shchukin.y"
    assert domain.check_login(" Petrova.MV ") == "petrova.mv"
    with pytest.raises(ValidationFailed):
        domain.check_login("петрова")


def test_feminine_surnames_agree_with_the_sex() -> None:
    assert [feminine(s) for s in ("Иванов", "Ёлкин", "Высоцкий", "Толстой", "Шевченко")] == [
        "Иванова",
        "Ёлкина",
        "Высоцкая",
        "Толстая",
        "Шевченко",
    ]


def test_names_print_in_full_and_short_forms() -> None:
    assert domain.full_name("Петров", "Артём", "Алексеевич") == "Петров Артём Алексеевич"
    assert domain.short_name("Петров", "Артём", "Алексеевич") == "Петров А. А."
    assert domain.short_name("Smith", "John", None) == "Smith J."
