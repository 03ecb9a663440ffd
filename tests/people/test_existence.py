"""An id is not an oracle: a person the caller may not see answers as no person at all.

Each field is asked twice by a caller who may not see the person — with a random id and with
the id of a person who exists — and the two answers must be identical: code, message and the
shape of ``data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

import pytest

from tests.people.health_world import World


@dataclass(frozen=True)
class Probe:
    name: str
    caller: str
    query: str
    existing: str  # the person asked about
    expected_code: str | None  # None: a list that comes back empty


STUDENT = "petrov.student"
PROBES = [
    Probe(
        "studentHealth",
        "orlov.parent",
        "query($id: ID!) { studentHealth(studentId: $id) { healthGroup } }",
        STUDENT,
        "NOT_FOUND",
    ),
    Probe(
        "studentHealth, another school",
        "other_medic",
        "query($id: ID!) { studentHealth(studentId: $id) { healthGroup } }",
        STUDENT,
        "NOT_FOUND",
    ),
    Probe(
        "studentPeGroup",
        "orlov.student",
        "query($id: ID!) { studentPeGroup(studentId: $id) { peGroup } }",
        STUDENT,
        "NOT_FOUND",
    ),
    Probe(
        "personalData",
        "orlov.parent",
        "query($id: ID!) { personalData(personId: $id) { phone } }",
        STUDENT,
        "NOT_FOUND",
    ),
    Probe(
        "personalData of another parent",
        "orlov.parent",
        "query($id: ID!) { personalData(personId: $id) { phone } }",
        "petrov.parent",
        "NOT_FOUND",
    ),
    Probe(
        "myDataExport",
        "orlov.parent",
        "query($id: ID!) { myDataExport(personId: $id) }",
        STUDENT,
        "NOT_FOUND",
    ),
    Probe(
        "myDataChanges",
        "orlov.student",
        "query($id: ID!) { myDataChanges(personId: $id) { nextCursor } }",
        STUDENT,
        "NOT_FOUND",
    ),
    Probe(
        "whoReadMyData",
        "orlov.parent",
        "query($id: ID!) { whoReadMyData(personId: $id) { nextCursor } }",
        STUDENT,
        "NOT_FOUND",
    ),
    Probe(
        "student",
        "orlov.parent",
        "query($id: ID!) { student(id: $id) { fullName } }",
        STUDENT,
        "NOT_FOUND",
    ),
    Probe(
        "consents of someone whose data the caller does not keep",
        "secretary",
        "query($id: ID!) { consents(personId: $id) { id } }",
        "teacher",
        None,
    ),
]


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
async def test_a_hidden_person_answers_exactly_as_a_missing_one(
    health_world: World, probe: Probe
) -> None:
    missing = await health_world.gql(probe.caller, probe.query, {"id": str(uuid4())})
    hidden = await health_world.gql(
        probe.caller, probe.query, {"id": str(health_world.id(probe.existing))}
    )
    assert hidden == missing
    if probe.expected_code is None:
        assert not missing.get("errors") and list(missing["data"].values()) == [[]], missing
    else:
        assert missing["errors"][0]["extensions"]["code"] == probe.expected_code, missing


async def test_a_person_the_caller_sees_but_may_not_read_is_refused_honestly(
    health_world: World,
) -> None:
    # The class teacher of 7Б sees every student of the school, but reads the health of 7Б's.
    query = "query($id: ID!) { studentHealth(studentId: $id) { healthGroup } }"
    seen = await health_world.gql("klassruk", query, {"id": str(health_world.id("orlov.student"))})
    assert seen["errors"][0]["extensions"]["code"] == "FORBIDDEN"
