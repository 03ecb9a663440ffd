"""The school's password policy: length, login, common passwords, reuse, maximum age (pure rules).

The regulation (section V) asks for passwords that are hard to guess, never shared and changed
periodically — «например, ежемесячно»: hence a 30-day maximum age by default. Every refusal
names the broken rule in Russian, so the person knows what to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

from services.kernel.errors import ValidationFailed

FIELD = "newPassword"
MAX_LENGTH = 128  # Argon2 takes any length; this only bounds the work one request can ask for.
# Logins are «фамилия.инициалы»: the surname alone is as guessable as the whole login.
_LOGIN_PART_MIN = 3

REUSED_MESSAGE = (
    "Пароль нарушает правило «не повторять прежние»: он совпадает с одним из {n} последних."
)
SAME_AS_CURRENT_MESSAGE = "Новый пароль должен отличаться от текущего."

# The two layouts of a Russian keyboard, key by key: «йцукен» is «qwerty» typed in Cyrillic.
_LATIN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_CYRILLIC = "йцукенгшщзхъфывапролджэячсмитьбюё"
_TO_LATIN = str.maketrans(_CYRILLIC, _LATIN)
_TO_CYRILLIC = str.maketrans(_LATIN, _CYRILLIC)


@dataclass(frozen=True)
class PasswordPolicy:
    """A school's settings; the defaults apply until the administrator saves its own."""

    min_length: int = 8
    history_size: int = 5
    max_age_days: int = 30  # 0: passwords do not expire
    expiry_warning_days: int = 5

    def validate(self) -> None:
        """The administrator's input: each bound named, so the form can point at it."""
        if not 8 <= self.min_length <= 64:
            raise ValidationFailed(
                "Минимальная длина пароля — от 8 до 64 символов.", field="minLength"
            )
        if not 0 <= self.history_size <= 24:
            raise ValidationFailed(
                "Число запоминаемых прежних паролей — от 0 до 24.", field="historySize"
            )
        if not 0 <= self.max_age_days <= 365:
            raise ValidationFailed(
                "Срок действия пароля — от 1 до 365 дней (0 — без ограничения).",
                field="maxAgeDays",
            )
        if not 0 <= self.expiry_warning_days <= 30:
            raise ValidationFailed(
                "Предупреждать об истечении пароля можно за 0–30 дней.",
                field="expiryWarningDays",
            )
        if self.max_age_days and self.expiry_warning_days >= self.max_age_days:
            raise ValidationFailed(
                "Предупреждение должно приходить раньше, чем истекает срок действия пароля.",
                field="expiryWarningDays",
            )

    def expires_at(self, changed_at: datetime) -> datetime | None:
        if not self.max_age_days:
            return None
        return changed_at + timedelta(days=self.max_age_days)

    def is_expired(self, changed_at: datetime, now: datetime) -> bool:
        expires = self.expires_at(changed_at)
        return expires is not None and now >= expires

    def expires_soon(self, changed_at: datetime, now: datetime) -> bool:
        """Within the warning days of expiry (an expired password is "soon" too)."""
        expires = self.expires_at(changed_at)
        return expires is not None and now >= expires - timedelta(days=self.expiry_warning_days)


DEFAULT_POLICY = PasswordPolicy()


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (package data), lower-cased; comments and blank lines skipped."""
    text = resources.files("services.people").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def is_common(password: str) -> bool:
    """Case-insensitive, and in both keyboard layouts: «ЙЦУКЕН», «gfhjkm» («пароль») count."""
    folded = password.strip().lower()
    known = common_passwords()
    return any(
        variant in known
        for variant in (folded, folded.translate(_TO_LATIN), folded.translate(_TO_CYRILLIC))
    )


def _login_parts(login: str) -> list[str]:
    login = login.strip().lower()
    parts = [login]
    for separator in "._-":
        parts += login.split(separator)
    return [p for p in dict.fromkeys(parts) if len(p) >= _LOGIN_PART_MIN]


def check_password(password: str, login: str, policy: PasswordPolicy = DEFAULT_POLICY) -> None:
    """Every rule that needs no stored hash; the reuse rule is checked against the history."""
    if len(password) < policy.min_length:
        raise ValidationFailed(
            f"Пароль нарушает правило «длина»: нужно не меньше {policy.min_length} символов.",
            field=FIELD,
        )
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(
            f"Пароль нарушает правило «длина»: не больше {MAX_LENGTH} символов.", field=FIELD
        )
    folded = password.lower()
    normalized_login = login.strip().lower()
    if folded == normalized_login:
        raise ValidationFailed("Пароль нарушает правило «не совпадать с логином».", field=FIELD)
    # Also the login typed in the other layout: «шмфтщмф» is «ivanova».
    for part in _login_parts(normalized_login):
        if part in folded or part in folded.translate(_TO_LATIN):
            raise ValidationFailed(
                "Пароль нарушает правило «не содержать логин»: уберите из пароля логин "
                "или фамилию.",
                field=FIELD,
            )
    if is_common(password):
        raise ValidationFailed(
            "Пароль нарушает правило «не из списка распространённых»: такой пароль подбирают "
            "первым. Придумайте другой.",
            field=FIELD,
        )
