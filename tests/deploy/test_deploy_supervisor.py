"""The supervisor runs children, prefixes their output, waits for /healthz and stops them."""

from __future__ import annotations

import os
import sys

import pytest

from deploy._os import free_port, pid_alive
from deploy.supervisor import ChildFailed, ChildSpec, Supervisor

# A tiny stand-in for a service: answers /healthz on $SGO_PORT, logs to stdout and stderr.
CHILD = """
import http.server, os, sys
port = int(os.environ["SGO_PORT"])
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
print("hello from", os.environ["NAME"])
print("to stderr", file=sys.stderr)
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""


def _spec(name: str, code: str = CHILD) -> ChildSpec:
    port = free_port()
    env = {**os.environ, "SGO_PORT": str(port), "NAME": name}
    return ChildSpec(name=name, argv=[sys.executable, "-c", code], env=env, port=port)


async def test_children_start_prefix_and_stop() -> None:
    lines: list[str] = []
    supervisor = Supervisor(lines.append, colour=False, stop_timeout=5)
    await supervisor.start([_spec("alpha"), _spec("longname")])
    pids = [c.proc.pid for c in supervisor.children.values()]
    assert all(pid_alive(pid) for pid in pids)

    await supervisor.stop()
    assert not any(pid_alive(pid) for pid in pids)
    assert "alpha    | hello from alpha" in lines
    assert "longname | hello from longname" in lines
    assert "alpha    | to stderr" in lines
    assert not supervisor.failed.is_set()  # a requested stop is not a failure


async def test_unexpected_exit_is_reported() -> None:
    lines: list[str] = []
    supervisor = Supervisor(lines.append, colour=False)
    async with supervisor:
        await supervisor.start([_spec("steady"), _spec("fragile")])
        supervisor.children["fragile"].proc.kill()
        assert await supervisor.wait() == "fragile"
    assert any(line.startswith("fragile | exited unexpectedly") for line in lines)


async def test_child_that_dies_at_startup_fails_start() -> None:
    supervisor = Supervisor(lambda line: None, colour=False)
    with pytest.raises(ChildFailed, match="broken"):
        await supervisor.start([_spec("broken", "raise SystemExit(3)")], ready_timeout=10)
