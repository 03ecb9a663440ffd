"""The embedded NATS runs JetStream on a file store that survives a crash and restart."""

from __future__ import annotations

from pathlib import Path

import nats

from deploy._os import free_port, port_open
from deploy.embedded_nats import EmbeddedNats


async def _stored(url: str) -> bytes:
    nc = await nats.connect(url)
    try:
        msg = await nc.jetstream().get_msg("DEPLOY", seq=1)
        return bytes(msg.data or b"")
    finally:
        await nc.close()


async def test_jetstream_survives_restart(tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path / "nats", port=free_port())
    server.start()
    try:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await js.add_stream(name="DEPLOY", subjects=["deploy.>"])
        ack = await js.publish("deploy.test", b"hello")
        assert ack.seq == 1
        await nc.close()
        assert await _stored(server.url) == b"hello"

        server.kill()  # a crash, not a clean shutdown
        assert not port_open("127.0.0.1", server.port)
        server.restart()
        assert await _stored(server.url) == b"hello"
    finally:
        server.stop()
    assert not port_open("127.0.0.1", server.port)
