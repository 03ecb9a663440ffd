"""The roles of the regulation and the scopes the access directives name."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DIRECTOR = "director"
    ADMINISTRATOR = "administrator"
    DEPUTY_DIRECTOR_QUALITY = "deputy_director_quality"
    DEPUTY_DIRECTOR_CONTENT = "deputy_director_content"
    DEPUTY_DIRECTOR_GENERAL = "deputy_director_general"
    DEPUTY_DIRECTOR_UPBRINGING = "deputy_director_upbringing"
    SUBJECT_TEACHER = "subject_teacher"
    CLASS_TEACHER = "class_teacher"
    PSYCHOLOGIST = "psychologist"
    SOCIAL_PEDAGOGUE = "social_pedagogue"
    ACADEMIC_SECRETARY = "academic_secretary"
    HR_SECRETARY = "hr_secretary"
    MEDICAL_WORKER = "medical_worker"
    STUDENT = "student"
    PARENT = "parent"
    REGIONAL_OFFICER = "regional_officer"
    # Of the installation, not of a school: opens schools, grants regional roles and a school's
    # administrator and director. Created only by ``sgo regional-admin create``.
    REGIONAL_ADMINISTRATOR = "regional_administrator"

    @property
    def scope(self) -> str:
        return f"role:{self.value}"


ROLE_LABELS: dict[Role, str] = {
    Role.DIRECTOR: "директор",
    Role.ADMINISTRATOR: "системный администратор",
    Role.DEPUTY_DIRECTOR_QUALITY: "заместитель директора по контролю качества",
    Role.DEPUTY_DIRECTOR_CONTENT: "заместитель директора по содержанию образования",
    Role.DEPUTY_DIRECTOR_GENERAL: "заместитель директора по общим вопросам",
    Role.DEPUTY_DIRECTOR_UPBRINGING: "заместитель директора по воспитанию и социализации",
    Role.SUBJECT_TEACHER: "учитель-предметник",
    Role.CLASS_TEACHER: "классный руководитель",
    Role.PSYCHOLOGIST: "педагог-психолог",
    Role.SOCIAL_PEDAGOGUE: "социальный педагог",
    Role.ACADEMIC_SECRETARY: "секретарь учебной части",
    Role.HR_SECRETARY: "секретарь по кадрам",
    Role.MEDICAL_WORKER: "медицинский работник",
    Role.STUDENT: "учащийся",
    Role.PARENT: "родитель (законный представитель)",
    Role.REGIONAL_OFFICER: "специалист органа управления образованием",
    Role.REGIONAL_ADMINISTRATOR: "администратор органа управления образованием",
}

ADMINISTRATION: tuple[Role, ...] = (
    Role.DIRECTOR,
    Role.ADMINISTRATOR,
    Role.DEPUTY_DIRECTOR_QUALITY,
    Role.DEPUTY_DIRECTOR_CONTENT,
    Role.DEPUTY_DIRECTOR_GENERAL,
    Role.DEPUTY_DIRECTOR_UPBRINGING,
)
STAFF: tuple[Role, ...] = (
    *ADMINISTRATION,
    Role.SUBJECT_TEACHER,
    Role.CLASS_TEACHER,
    Role.PSYCHOLOGIST,
    Role.SOCIAL_PEDAGOGUE,
    Role.ACADEMIC_SECRETARY,
    Role.HR_SECRETARY,
    Role.MEDICAL_WORKER,
)

# Granted by the regional administrator only, never by a school's administrator.
REGIONAL_ROLES: tuple[Role, ...] = (Role.REGIONAL_OFFICER, Role.REGIONAL_ADMINISTRATOR)
# Roles that open special-category data (health, psychology, social status): their grants are
# audited and listed for the director.
SENSITIVE_ROLES: tuple[Role, ...] = (
    Role.MEDICAL_WORKER,
    Role.PSYCHOLOGIST,
    Role.SOCIAL_PEDAGOGUE,
    Role.DIRECTOR,
    Role.DEPUTY_DIRECTOR_UPBRINGING,
)


def any_of(*roles: Role) -> list[list[str]]:
    """``@requiresScopes`` value: any one of these roles suffices (outer list is OR)."""
    return [[role.scope] for role in roles]
