"""Field access: ``@authenticated`` / ``@requiresScopes`` / ``@policy`` rules and their check."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from services.kernel.principal import Principal

if TYPE_CHECKING:
    from gateway.supergraph import Supergraph

# A requirement is one directive's argument: OR over alternatives, AND inside each one.
Requirement = tuple[frozenset[str], ...]

# Policies the gateway can decide on its own. Row scoping ("self" = only my own rows) is the
# subgraph's job; here we only know whether the caller is someone at all.
POLICIES: dict[str, Callable[[Principal], bool]] = {
    "public": lambda principal: True,
    "self": lambda principal: principal.is_authenticated,
    "password_change": lambda principal: principal.is_authenticated,
}
# A token from a one-time or expired password reaches only fields declaring this policy.
PASSWORD_CHANGE = "password_change"
PASSWORD_CHANGE_MESSAGE = "Сначала смените пароль: до смены недоступно поле «{label}»."

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"


@dataclass(frozen=True)
class AccessRule:
    """Everything declared on a field and its type; every part must hold."""

    authenticated: bool = False
    scopes: tuple[Requirement, ...] = ()
    policies: tuple[Requirement, ...] = ()

    @property
    def declared(self) -> bool:
        return self.authenticated or bool(self.scopes) or bool(self.policies)

    def merge(self, other: AccessRule) -> AccessRule:
        return AccessRule(
            authenticated=self.authenticated or other.authenticated,
            scopes=_dedupe(self.scopes + other.scopes),
            policies=_dedupe(self.policies + other.policies),
        )

    @classmethod
    def from_directives(cls, directives: Iterable[tuple[str, dict[str, Any]]]) -> AccessRule:
        """Build from (canonical directive name, arguments) pairs; other directives ignored."""
        rule = cls()
        for name, args in directives:
            if name == "authenticated":
                rule = rule.merge(cls(authenticated=True))
            elif name == "requiresScopes":
                rule = rule.merge(cls(scopes=(_requirement(args.get("scopes")),)))
            elif name == "policy":
                rule = rule.merge(cls(policies=(_requirement(args.get("policies")),)))
        return rule


def _requirement(value: Any) -> Requirement:
    return tuple(frozenset(str(s) for s in alternative) for alternative in value or ())


def _dedupe(requirements: tuple[Requirement, ...]) -> tuple[Requirement, ...]:
    return tuple(dict.fromkeys(requirements))


def policy_satisfied(name: str, principal: Principal) -> bool:
    """A registered policy decides itself; otherwise a ``policy:<name>`` scope grants it."""
    decide = POLICIES.get(name)
    if decide is not None:
        return decide(principal)
    return principal.is_authenticated and f"policy:{name}" in principal.scopes


def _met(requirement: Requirement, holds: Callable[[str], bool]) -> bool:
    # An empty requirement ([]) can never be met: deny rather than guess.
    return any(all(holds(item) for item in alternative) for alternative in requirement)


def open_during_password_change(rule: AccessRule) -> bool:
    return not rule.scopes and any(
        PASSWORD_CHANGE in alternative for req in rule.policies for alternative in req
    )


def allows(rule: AccessRule, principal: Principal) -> bool:
    if not rule.declared:
        return False  # deny is the default: an undeclared field is never served
    if principal.must_change_password and not open_during_password_change(rule):
        return False
    if rule.authenticated and not principal.is_authenticated:
        return False
    scopes = principal.scopes
    if not all(_met(req, scopes.__contains__) for req in rule.scopes):
        return False
    return all(_met(req, lambda name: policy_satisfied(name, principal)) for req in rule.policies)


@dataclass(frozen=True)
class Denial:
    code: str
    message: str

    def as_error(self, path: list[str | int]) -> dict[str, Any]:
        return {"message": self.message, "path": path, "extensions": {"code": self.code}}


def check(rule: AccessRule, principal: Principal, label: str) -> Denial | None:
    """None when the field may be served; otherwise why not, in the caller's terms."""
    if allows(rule, principal):
        return None
    if not principal.is_authenticated:
        # Logging in might help, so say so rather than "forbidden".
        return Denial(UNAUTHENTICATED, f"Требуется вход в систему для поля «{label}».")
    if principal.must_change_password and not open_during_password_change(rule):
        return Denial(FORBIDDEN, PASSWORD_CHANGE_MESSAGE.format(label=label))
    return Denial(FORBIDDEN, f"Недостаточно прав для поля «{label}».")


def access_key(principal: Principal) -> tuple[bool, frozenset[str], bool]:
    """What of the principal the access check depends on (part of the plan cache key)."""
    return principal.is_authenticated, principal.scopes, principal.must_change_password


def undeclared_fields(supergraph: Supergraph) -> list[str]:
    """Every client-visible object field without an access directive on itself or its type."""
    missing: list[str] = []
    for type_name, field_names in supergraph.api_object_types().items():
        for field_name in field_names:
            if field_name.startswith("__") or field_name in ("_service", "_entities"):
                continue
            if not supergraph.access_rule(type_name, field_name).declared:
                missing.append(f"{type_name}.{field_name}")
    return sorted(missing)
