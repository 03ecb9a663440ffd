"""A PostgreSQL outage is UNAVAILABLE (retryable, with Retry-After), not INTERNAL."""

from __future__ import annotations

import asyncpg
import httpx

from services.kernel.errors import Unavailable
from services.kernel.principal import ANONYMOUS, PRINCIPAL_HEADER, encode_principal_header
from tests.support import Infra, asyncpg_dsn, running_service

LOGIN = 'mutation { login(login: "nobody", password: "wrong-password") { accessToken } }'


async def _allow_connections(infra: Infra, database: str, allow: bool) -> None:
    """Take a database away (and back) as a PostgreSQL restart would."""
    conn = await asyncpg.connect(asyncpg_dsn(infra.database_url))
    try:
        await conn.execute(
            f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS {str(allow).lower()}'
        )
        if not allow:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                database,
            )
    finally:
        await conn.close()


async def test_a_database_outage_answers_unavailable_with_retry_after_and_readyz_names_it(
    infra: Infra, namespace: str
) -> None:
    url = await infra.fresh_database("people")
    database = url.rsplit("/", 1)[1]
    async with running_service(infra, "people", namespace=namespace, database_url=url) as people:
        headers = {PRINCIPAL_HEADER: encode_principal_header(ANONYMOUS, infra.internal_secret)}

        async def login() -> httpx.Response:
            return await people.http.post("/graphql", json={"query": LOGIN}, headers=headers)

        before = await login()
        assert before.json()["errors"][0]["extensions"]["code"] != "UNAVAILABLE"
        assert (await people.http.get("/readyz")).status_code == 200

        await _allow_connections(infra, database, False)
        try:
            during = await login()
            error = during.json()["errors"][0]
            assert error["extensions"]["code"] == "UNAVAILABLE"
            assert error["message"] == Unavailable.default_message
            assert during.headers["retry-after"] == str(Unavailable.retry_after_seconds)
            ready = await people.http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json() == {
                "ready": False,
                "database": False,
                "migrations": False,
                "nats": True,
            }
        finally:
            await _allow_connections(infra, database, True)

        after = await login()
        assert after.json()["errors"][0]["extensions"]["code"] != "UNAVAILABLE"
        assert "retry-after" not in after.headers
        assert (await people.http.get("/readyz")).status_code == 200
