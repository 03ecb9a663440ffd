"""Every demo role through the gateway: one field it may read answers, one it may not is refused.

The refused field comes back null with FORBIDDEN at its own path, and nothing else fails: the
rest of the response is served around it. Root fields are nullable for this reason, so a
refused root field is null on its own and ``me`` beside it still answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from services.kernel.demo import DEMO_LOGINS
from tests.e2e.conftest import Gateway
from tests.e2e.demo_days import WEEK

pytestmark = pytest.mark.e2e

ANY_ID = "00000000-0000-0000-0000-000000000000"  # refused before any subgraph reads it

CLASS_ROSTERS = "{ schoolClasses { name students { id } } }"
LESSONS = "query($from: Date!, $to: Date!) { lessons(from: $from, to: $to) { id } }"
MY_CHILDREN = "{ me { account { login } } myChildren { id } }"
AVERAGES = (
    f'{{ me {{ account {{ login }} }} classAverages(schoolClassId: "{ANY_ID}") {{ average }} }}'
)
TEACHING_LOAD = "{ me { account { login } } teachingLoad { subject { name } } }"
ROOT_LESSONS = (
    "query($from: Date!, $to: Date!) { me { account { login } } lessons(from: $from, to: $to) "
    "{ id } }"
)


@dataclass(frozen=True)
class Case:
    login: str
    allowed: str  # a role-scoped field this role reads; must answer without errors
    denied: str
    denied_path: tuple[str | int, ...]
    # What the rest of the denied response must be (None: the denied root field is null and
    # every other root field answers).
    served: Any = None


CASES = [
    Case("director", CLASS_ROSTERS, MY_CHILDREN, ("myChildren",)),
    Case("admin", CLASS_ROSTERS, MY_CHILDREN, ("myChildren",)),
    Case("zavuch", LESSONS, MY_CHILDREN, ("myChildren",)),
    Case(
        "teacher",
        "{ teachingLoad { subject { name } schoolClass { name } } }",
        AVERAGES,
        ("classAverages",),
    ),
    Case(
        "klassruk",
        "{ me { roles { role schoolClass { name students { id } } } } }",
        MY_CHILDREN,
        ("myChildren",),
    ),
    Case(
        "parent",
        "{ myChildren { fullName schoolClass { name } } }",
        "{ myChildren { fullName schoolClass { name students { id } } } }",
        ("myChildren", 0, "schoolClass", "students"),
        served=lambda data: (
            data["myChildren"][0]["fullName"] and data["myChildren"][0]["schoolClass"] is None
        ),
    ),
    Case(
        "student",
        "query($me: ID!) { student(id: $me) { fullName schoolClass { name } } }",
        "query($me: ID!) { student(id: $me) { fullName schoolClass { name students { id } } } }",
        ("student", "schoolClass", "students"),
        served=lambda data: data["student"]["fullName"] and data["student"]["schoolClass"] is None,
    ),
    Case("medic", CLASS_ROSTERS, ROOT_LESSONS, ("lessons",)),
    Case("psychologist", CLASS_ROSTERS, TEACHING_LOAD, ("teachingLoad",)),
    Case("secretary", LESSONS, AVERAGES, ("classAverages",)),
    Case("hr", CLASS_ROSTERS, ROOT_LESSONS, ("lessons",)),
]


def test_the_table_covers_every_demo_login() -> None:
    assert sorted(case.login for case in CASES) == sorted(DEMO_LOGINS)


async def _variables(gateway: Gateway, case: Case, query: str) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    if "$from" in query:
        variables.update(WEEK)
    if "$me" in query:
        me = await gateway.as_user(case.login, "{ me { person { id } } }")
        variables["me"] = me["data"]["me"]["person"]["id"]
    return variables


def _has_data(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(value) and all(v is not None for v in value.values())
    return value is not None


@pytest.mark.parametrize("case", CASES, ids=[case.login for case in CASES])
async def test_a_role_reads_what_it_may_and_is_refused_the_rest(
    gateway: Gateway, case: Case
) -> None:
    allowed = await gateway.as_user(
        case.login, case.allowed, await _variables(gateway, case, case.allowed)
    )
    assert "errors" not in allowed, allowed
    assert _has_data(allowed["data"]), allowed

    denied = await gateway.as_user(
        case.login, case.denied, await _variables(gateway, case, case.denied)
    )
    assert len(denied.get("errors", [])) == 1, denied
    error = denied["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN", denied
    assert tuple(error["path"]) == case.denied_path, denied
    assert error["message"].startswith("Недостаточно прав"), denied
    if case.served is None:
        data = denied["data"]
        assert data is not None and data[case.denied_path[0]] is None, denied
        assert all(v is not None for k, v in data.items() if k != case.denied_path[0]), denied
    else:
        assert denied["data"] is not None and case.served(denied["data"]), denied


async def test_a_parents_refused_class_roster_leaves_me_answered(gateway: Gateway) -> None:
    """The parent's mixed query: ``me`` comes back; the roster is null with FORBIDDEN at it."""
    result = await gateway.as_user(
        "parent", "{ me { account { login } } schoolClasses { students { id } } }"
    )
    assert result["data"] is not None, result
    assert result["data"]["me"] == {"account": {"login": "parent"}}
    assert result["data"]["schoolClasses"] is None
    [error] = result["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["path"][0] == "schoolClasses"


# The report catalogue: which root report each demo login is refused at the gateway. A report
# the role may ask for goes on to its subgraph, which answers with data or NOT_FOUND (a row the
# caller may not see), never FORBIDDEN.
REPORTS = {
    "progressSheet": f'progressSheet(schoolClassId: "{ANY_ID}", academicYearId: "{ANY_ID}") '
    "{ className }",
    "parentLetter": f'parentLetter(studentId: "{ANY_ID}", academicYearId: "{ANY_ID}") '
    "{ studentName }",
    "journalControl": f'journalControl(academicYearId: "{ANY_ID}") {{ lateDays }}',
    "contingent": f'contingent(academicYearId: "{ANY_ID}") {{ students }}',
    "regionalQuality": "regionalQuality(yearEnding: 2026) { n }",
}
ADMINISTRATION_REPORTS = {"progressSheet", "parentLetter", "journalControl", "contingent"}
REPORTS_BY_LOGIN = {
    "director": ADMINISTRATION_REPORTS,
    "admin": ADMINISTRATION_REPORTS,
    "zavuch": ADMINISTRATION_REPORTS,
    "teacher": {"progressSheet"},
    "klassruk": {"progressSheet", "parentLetter"},
    "parent": {"parentLetter"},
    "student": {"parentLetter"},
    "medic": set(),
    "psychologist": set(),
    "secretary": set(),
    "hr": set(),
}


def test_the_report_table_covers_every_demo_login() -> None:
    assert sorted(REPORTS_BY_LOGIN) == sorted(DEMO_LOGINS)


@pytest.mark.parametrize("login", sorted(REPORTS_BY_LOGIN))
async def test_each_role_is_refused_exactly_the_reports_it_may_not_ask_for(
    gateway: Gateway, login: str
) -> None:
    for field, selection in REPORTS.items():
        result = await gateway.as_user(login, f"{{ {selection} }}")
        codes = [e["extensions"]["code"] for e in result.get("errors", [])]
        if field in REPORTS_BY_LOGIN[login]:
            assert "FORBIDDEN" not in codes, (field, result)
            assert codes in ([], ["NOT_FOUND"]), (field, result)
        else:
            assert codes == ["FORBIDDEN"], (field, result)
            assert result["errors"][0]["path"] == [field], result
            assert result["data"] in (None, {field: None}), result


MAIL = "{ unreadMail { rank unread } addressBook { label } }"
MAIL_RULES = "{ unreadMail { rank } mailRules { senderGroup relation allowed } }"
RULE_READERS = {"director", "admin", "zavuch"}


@pytest.mark.parametrize("login", DEMO_LOGINS)
async def test_every_role_has_its_mail_and_only_the_administration_reads_the_rules(
    gateway: Gateway, login: str
) -> None:
    mail = await gateway.as_user(login, MAIL)
    assert "errors" not in mail, mail
    assert [c["rank"] for c in mail["data"]["unreadMail"]] == [1, 2, 3, 4, 5]

    rules = await gateway.as_user(login, MAIL_RULES)
    if login in RULE_READERS:
        assert "errors" not in rules, rules
        assert rules["data"]["mailRules"]
    else:
        [error] = rules["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN" and error["path"] == ["mailRules"]
        assert rules["data"]["mailRules"] is None and rules["data"]["unreadMail"]
