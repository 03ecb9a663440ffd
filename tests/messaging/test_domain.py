"""Notice rules without a database: who is told, and the text they read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.messaging import domain


def test_only_an_unexplained_absence_notifies_parents() -> None:
    assert domain.notifies_parents("ОТ")
    assert not domain.notifies_parents("ОП")
    assert not domain.notifies_parents("Б")


def test_absence_text_names_student_subject_lesson_and_date() -> None:
    text = domain.absence_text(
        last_name="Иванов",
        first_name="Пётр",
        middle_name="Сергеевич",
        subject_name="алгебра",
        lesson_number=2,
        lesson_date=date(2026, 11, 25),
    )
    assert text == "Иванов Пётр отсутствовал на уроке «алгебра» (2-й урок, 25.11.2026)."


def test_absence_text_uses_the_feminine_form_for_a_girl() -> None:
    text = domain.absence_text(
        last_name="Петрова",
        first_name="Анна",
        middle_name="Игоревна",
        subject_name="русский язык",
        lesson_number=1,
        lesson_date=date(2026, 11, 26),
    )
    assert text == "Петрова Анна отсутствовала на уроке «русский язык» (1-й урок, 26.11.2026)."


def test_absence_text_without_a_patronymic_does_not_guess_a_male_name_ending_in_a() -> None:
    assert domain.absence_verb("Никита", None) == "отсутствовал(а)"
    assert domain.absence_verb("Пётр", None) == "отсутствовал"


def test_absence_text_for_an_unknown_student_still_reads() -> None:
    text = domain.absence_text(
        last_name=None,
        first_name=None,
        middle_name=None,
        subject_name="алгебра",
        lesson_number=None,
        lesson_date=date(2026, 11, 25),
    )
    assert text == "Ученик отсутствовал(а) на уроке «алгебра» (25.11.2026)."


def test_a_late_link_brings_absences_of_the_last_seven_days_only() -> None:
    now = datetime(2026, 11, 29, 10, tzinfo=UTC)
    assert domain.within_late_link_window(now - timedelta(days=6), now)
    assert not domain.within_late_link_window(now - timedelta(days=8), now)


def test_quiet_hours_may_wrap_midnight_and_end_at_their_end() -> None:
    from datetime import datetime, time

    from services.messaging.domain import quiet_until

    evening = datetime(2026, 12, 6, 22, 30)
    assert quiet_until(evening, time(21), time(8)) == datetime(2026, 12, 7, 8, 0)
    assert quiet_until(datetime(2026, 12, 7, 7, 59), time(21), time(8)) == datetime(2026, 12, 7, 8)
    assert quiet_until(datetime(2026, 12, 7, 8, 0), time(21), time(8)) is None
    assert quiet_until(datetime(2026, 12, 7, 13, 0), time(12), time(14)) == datetime(
        2026, 12, 7, 14
    )
    assert quiet_until(datetime(2026, 12, 7, 15, 0), time(12), time(14)) is None
