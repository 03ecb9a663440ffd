"""Bad input of any shape is refused as VALIDATION (never INTERNAL) and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.messaging.mail_world import School, mail_service
from tests.messaging.test_mail import gql
from tests.support import Infra, ServiceClient

POST = "mutation($input: AnnouncementInput!) { postAnnouncement(input: $input) { id } }"
SEND = "mutation($input: LetterInput!) { sendMessage(input: $input) { id } }"
QUIET = "mutation($f: Time, $u: Time) { setQuietHours(from: $f, until: $u) { startsAt } }"


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[tuple[ServiceClient, School]]:
    async with mail_service(infra) as pair:
        yield pair


# Impossible dates and times («2027-02-30», «25:00») and unknown enum values are refused by the
# kernel's scalars and coercion (issue 10, item 5, once for every service); here: what messaging
# decides itself.
@pytest.mark.parametrize(
    ("who", "query", "variables"),
    [
        (
            "teacher",
            SEND,
            {
                "input": {
                    "to": [],
                    "subject": "Т",
                    "body": "Т",
                    "audiences": [
                        {
                            "kind": "ALL_STAFF",
                            "schoolClassId": "00000000-0000-0000-0000-000000000001",
                        }
                    ],
                }
            },
        ),
        (
            "director",
            POST,
            {
                "input": {
                    "title": "Т",
                    "body": "Т",
                    "audiences": [{"kind": "WHOLE_SCHOOL"}],
                    "shownFrom": "2027-01-10",
                    "shownUntil": "2029-01-10",
                }
            },
        ),
        ("director", QUIET, {"f": "21:00:00", "u": None}),
    ],
)
async def test_values_messaging_cannot_use_are_refused_as_validation(
    world: tuple[ServiceClient, School], who: str, query: str, variables: dict[str, Any]
) -> None:
    svc, school = world
    result = await gql(svc, school, who, query, **variables)
    assert result["errors"][0]["extensions"]["code"] in ("VALIDATION", "GRAPHQL_VALIDATION"), result


async def test_a_confirmation_deadline_without_a_time_zone_is_the_schools_time(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    result = await gql(
        svc,
        school,
        "teacher",
        SEND,
        input={
            "to": [str(school.ids["parent"])],
            "subject": "Т",
            "body": "Т",
            "confirmBy": "2099-01-01T10:00:00",
        },
    )
    assert "errors" not in result, result
