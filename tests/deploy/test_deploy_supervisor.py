"""The supervisor runs children, prefixes their output, waits for /healthz and stops them."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest

from deploy._os import free_port, pid_alive
from deploy.supervisor import ChildFailed, ChildSpec, Supervisor
from tests.support import eventually

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


async def _answers(spec: ChildSpec) -> bool:
    async with httpx.AsyncClient(timeout=1.0) as http:
        try:
            return (await http.get(f"http://127.0.0.1:{spec.port}/healthz")).status_code == 200
        except httpx.HTTPError:
            return False


async def test_a_crashed_child_is_restarted_counted_and_answers_again(tmp_path: Path) -> None:
    lines: list[str] = []
    metrics = tmp_path / "metrics" / "supervisor.prom"
    supervisor = Supervisor(lines.append, colour=False, metrics_path=metrics)
    async with supervisor:
        await supervisor.start([_spec("steady"), _spec("fragile")])
        fragile = supervisor.children["fragile"]
        steady_pid = supervisor.children["steady"].proc.pid
        for restarts in (1, 2):
            old_pid = supervisor.children["fragile"].proc.pid
            os.kill(old_pid, signal.SIGKILL)
            await eventually(lambda old=old_pid: _restarted(supervisor, "fragile", old))
            await eventually(lambda: _answers(fragile.spec))
            assert f'sgo_child_restarts_total{{child="fragile"}} {restarts}' in metrics.read_text()
        assert supervisor.children["steady"].proc.pid == steady_pid  # the others keep running
        assert 'sgo_child_restarts_total{child="steady"} 0' in metrics.read_text()
        assert not supervisor.failed.is_set()
    assert any(line.startswith("fragile | exited unexpectedly with code -9") for line in lines)
    assert "fragile | restarted (restart 2)" in lines


async def _restarted(supervisor: Supervisor, name: str, old_pid: int) -> bool:
    return supervisor.children[name].proc.pid != old_pid


async def test_a_child_that_keeps_crashing_is_given_up_on() -> None:
    lines: list[str] = []
    supervisor = Supervisor(
        lines.append, colour=False, restart_backoff=(0.1,), crash_limit=3, crash_window=60
    )
    async with supervisor:
        await supervisor.start([_spec("steady"), _spec("fragile")])
        for _ in range(3):
            old_pid = supervisor.children["fragile"].proc.pid
            os.kill(old_pid, signal.SIGKILL)
            if _ < 2:
                await eventually(lambda old=old_pid: _restarted(supervisor, "fragile", old))
        assert await asyncio.wait_for(supervisor.wait(), 10) == "fragile"
        assert supervisor.restarts["fragile"] == 2
    assert "fragile | crashed 3 times within 60s; giving up" in lines


# Ignores SIGTERM: the supervisor must escalate, and say who did not stop.
STUBBORN = CHILD.replace(
    "import http.server, os, sys",
    "import http.server, os, signal, sys\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)",
)


async def test_stop_goes_in_reverse_order_and_kills_only_after_the_bound() -> None:
    lines: list[str] = []
    supervisor = Supervisor(lines.append, colour=False, stop_timeout=2)
    await supervisor.start([_spec("service")])
    await supervisor.start([_spec("gateway", STUBBORN)])
    service = supervisor.children["service"].proc
    gateway = supervisor.children["gateway"].proc
    await supervisor.stop()
    assert gateway.returncode == -signal.SIGKILL and service.returncode == -signal.SIGTERM
    assert "gateway | did not stop within 2s of SIGTERM; sending SIGKILL" in lines
    assert not any(line.startswith("service | did not stop") for line in lines)


async def test_child_that_dies_at_startup_fails_start() -> None:
    supervisor = Supervisor(lambda line: None, colour=False)
    with pytest.raises(ChildFailed, match="broken"):
        await supervisor.start([_spec("broken", "raise SystemExit(3)")], ready_timeout=10)
