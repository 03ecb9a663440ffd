"""The password policy's rules one by one, and the throttle of one client address (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.kernel.errors import ValidationFailed
from services.people.domain import ADDRESS_MAX_FAILURES, ADDRESS_WINDOW, AddressThrottle
from services.people.password_policy import (
    DEFAULT_POLICY,
    PasswordPolicy,
    check_password,
    common_passwords,
    is_common,
)

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def refusal(password: str, login: str = "ivanova.ap", policy: PasswordPolicy = DEFAULT_POLICY):
    with pytest.raises(ValidationFailed) as caught:
        check_password(password, login, policy)
    assert caught.value.details == {"field": "newPassword"}
    return caught.value.message


def test_defaults_follow_the_regulation_monthly_change() -> None:
    assert DEFAULT_POLICY == PasswordPolicy(
        min_length=8, history_size=5, max_age_days=30, expiry_warning_days=5
    )


def test_a_password_shorter_than_the_minimum_names_the_length_rule() -> None:
    assert "«длина»" in refusal("Кот-7Б!")
    assert "не меньше 13" in refusal("Sosna-Kedr-7", policy=PasswordPolicy(min_length=13))
    check_password("Sosna-Kedr-7", "ivanova.ap", PasswordPolicy(min_length=12))


def test_a_password_equal_to_the_login_in_any_case_is_refused() -> None:
    assert "«не совпадать с логином»" in refusal("IVANOVA.AP")


def test_a_password_containing_the_login_or_its_surname_is_refused() -> None:
    assert "«не содержать логин»" in refusal("my-ivanova.ap-2026")
    assert "«не содержать логин»" in refusal("Ivanova!1987")
    # The surname typed with the Cyrillic layout on is the same keys.
    assert "«не содержать логин»" in refusal("шмфтщмф-1987")
    # Two-letter initials are not worth refusing: too many good passwords contain them.
    check_password("Apelsin-Sad-42", "ivanova.ap")


@pytest.mark.parametrize(
    "password",
    ["password", "Qwerty123", "PASSWORD1", "пароль123", "GFHJKM123", "ЙЦУКЕНГШЩЗХЪ", "фывапролдж"],
)
def test_common_passwords_are_refused_case_insensitively_in_both_layouts(password: str) -> None:
    assert "«не из списка распространённых»" in refusal(password)


def test_the_shipped_list_holds_international_russian_and_keyboard_walk_passwords() -> None:
    known = common_passwords()
    assert len(known) > 300
    assert {"123456", "qwerty", "пароль", "gfhjkm", "йцукен", "ghbdtn", "1q2w3e4r"} <= known
    assert all(p == p.lower() for p in known)
    assert not is_common("Sosna-Kedr-7")


def test_a_good_password_passes_every_rule() -> None:
    check_password("Новый-пароль-7Б", "sokolova")
    check_password("Sosna-Kedr-7", "ivanova.ap")


def test_a_password_expires_after_the_maximum_age_with_a_warning_before() -> None:
    changed = NOW - timedelta(days=24, hours=23)
    assert DEFAULT_POLICY.expires_at(changed) == changed + timedelta(days=30)
    assert not DEFAULT_POLICY.expires_soon(changed, NOW)
    assert DEFAULT_POLICY.expires_soon(NOW - timedelta(days=25), NOW)
    assert not DEFAULT_POLICY.is_expired(NOW - timedelta(days=29, hours=23), NOW)
    assert DEFAULT_POLICY.is_expired(NOW - timedelta(days=30), NOW)


def test_no_maximum_age_means_the_password_never_expires() -> None:
    policy = PasswordPolicy(max_age_days=0, expiry_warning_days=0)
    policy.validate()
    assert policy.expires_at(NOW) is None
    assert not policy.is_expired(NOW - timedelta(days=3650), NOW)
    assert not policy.expires_soon(NOW - timedelta(days=3650), NOW)


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        (PasswordPolicy(min_length=6), "minLength"),
        (PasswordPolicy(min_length=65), "minLength"),
        (PasswordPolicy(history_size=-1), "historySize"),
        (PasswordPolicy(history_size=25), "historySize"),
        (PasswordPolicy(max_age_days=366), "maxAgeDays"),
        (PasswordPolicy(expiry_warning_days=31, max_age_days=60), "expiryWarningDays"),
        (PasswordPolicy(max_age_days=5, expiry_warning_days=5), "expiryWarningDays"),
    ],
)
def test_an_administrator_cannot_save_a_policy_out_of_bounds(
    policy: PasswordPolicy, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        policy.validate()
    assert caught.value.details == {"field": field}


def test_an_address_is_shut_out_after_too_many_failures_within_the_window() -> None:
    throttle = AddressThrottle(None, 0, None)
    for minute in range(ADDRESS_MAX_FAILURES - 1):
        throttle = throttle.after_failure(NOW + timedelta(seconds=minute * 20))
        assert not throttle.is_locked(NOW + timedelta(seconds=minute * 20))
    last = NOW + timedelta(minutes=7)
    throttle = throttle.after_failure(last)
    assert throttle.is_locked(last)
    assert throttle.locked_until == last + ADDRESS_WINDOW
    assert not throttle.is_locked(last + ADDRESS_WINDOW)


def test_failures_spread_wider_than_the_window_never_shut_the_address_out() -> None:
    throttle = AddressThrottle(None, 0, None)
    at = NOW
    for _ in range(ADDRESS_MAX_FAILURES * 3):
        at += ADDRESS_WINDOW / (ADDRESS_MAX_FAILURES - 2)
        throttle = throttle.after_failure(at)
        assert not throttle.is_locked(at)
