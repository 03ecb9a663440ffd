"""The revocation feed against a real NATS JetStream (started from the nats-server wheel)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nats
import orjson
import pytest

from gateway.revocation import RevocationList, follow_people_events
from services.kernel.events import stream_name

SERVER = shutil.which("nats-server") or str(Path(sys.executable).parent / "nats-server")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    if not Path(SERVER).exists():
        pytest.skip("nats-server binary not installed")
    port = _free_port()
    process = subprocess.Popen(
        [SERVER, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"nats://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _wait_for(condition: object, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_follows_session_ended_even_if_the_stream_comes_later(nats_url: str) -> None:
    revocations = RevocationList()
    follower = asyncio.create_task(
        follow_people_events(revocations, nats_url, "gwtest", retry_seconds=0.2)
    )
    try:
        await asyncio.sleep(0.5)  # the stream does not exist yet: the follower keeps retrying
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        await js.add_stream(name=stream_name("gwtest", "people"), subjects=["gwtest.people.>"])
        envelope = {
            "id": "0",
            "type": "people.session.ended",
            "version": 1,
            "occurred_at": "2030-01-01T00:00:00+00:00",
            "payload": {"session_id": "s-1", "account_id": "a-1"},
        }
        await js.publish("gwtest.people.session.ended", orjson.dumps(envelope))
        await _wait_for(lambda: revocations.is_revoked("s-1", None, 0))
        await nc.close()
    finally:
        follower.cancel()
        with pytest.raises(asyncio.CancelledError):
            await follower
