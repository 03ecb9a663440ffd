"""The gateway's revocation feed listens again after NATS is killed and restarted."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import nats
import orjson
import pytest

from deploy._os import free_port
from deploy.embedded_nats import EmbeddedNats
from gateway.auth import REVOKED_MESSAGE, authenticate
from gateway.revocation import ACCOUNT_BLOCKED, RevocationList, follow_people_events
from services.kernel.errors import Unauthenticated
from services.kernel.nats import ensure_streams
from services.kernel.principal import Principal
from services.kernel.tokens import generate_keypair, issue_access_token

NAMESPACE = "gwrestart"


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    server = EmbeddedNats(tmp_path / "nats", port=free_port())
    server.start()
    yield server
    server.stop()


async def _block(url: str, account_id: uuid.UUID) -> None:
    """What people publishes when an administrator blocks an account."""
    nc = await nats.connect(url)
    try:
        envelope = {
            "id": str(uuid.uuid4()),
            "type": ACCOUNT_BLOCKED,
            "version": 1,
            "occurred_at": datetime.now(UTC).isoformat(),
            "payload": {"account_id": str(account_id)},
        }
        await nc.jetstream().publish(f"{NAMESPACE}.{ACCOUNT_BLOCKED}", orjson.dumps(envelope))
    finally:
        await nc.close()


async def _refused_within(
    token: str, public_key: str, revocations: RevocationList, seconds: float
) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        try:
            authenticate(f"Bearer {token}", public_key, revocations)
        except Unauthenticated as exc:
            return exc.message == REVOKED_MESSAGE
        await asyncio.sleep(0.02)
    return False


async def test_a_blocked_accounts_token_is_refused_after_nats_was_killed_and_restarted(
    own_nats: EmbeddedNats,
) -> None:
    private, public = generate_keypair()
    nc = await nats.connect(own_nats.url)
    await ensure_streams(nc.jetstream(), NAMESPACE)
    await nc.close()
    revocations = RevocationList()
    follower = asyncio.create_task(
        follow_people_events(revocations, own_nats.url, NAMESPACE, retry_seconds=1.0)
    )
    try:
        before, after = uuid.uuid4(), uuid.uuid4()
        tokens = {
            account: issue_access_token(
                Principal(account_id=account, person_id=uuid.uuid4(), session_id=uuid.uuid4()),
                private,
                900,
            ).token
            for account in (before, after)
        }
        await _block(own_nats.url, before)
        assert await _refused_within(tokens[before], public, revocations, 5.0)

        own_nats.kill()  # a crash: the feed's consumers die with the server
        await asyncio.sleep(1.5)  # the feed notices and retries meanwhile
        own_nats.start()
        await _block(own_nats.url, after)
        assert await _refused_within(tokens[after], public, revocations, 1.0)
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
