"""Every sgo process stops on SIGTERM within its bound, whatever NATS and PostgreSQL are doing.

Each service and the gateway run as real processes (``python -m …``) and get SIGTERM at random
moments: while NATS is unreachable (a closed port) and they keep trying to connect, and after
NATS (and PostgreSQL) went away mid-run while they reconnect. Every exit must be clean (code
0, no traceback, no forced exit) and within ``SGO_SHUTDOWN_TIMEOUT_SECONDS``.
The soak variant (marked ``slow``) repeats the rounds many times.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import connect as ws_connect

from deploy._os import free_port
from deploy.embedded_nats import EmbeddedNats
from gateway.compose import SubgraphSchema, compose
from gateway.joinspec import print_supergraph
from gateway.schema_contract import subgraph_sdl
from services.kernel.shutdown import FORCED_EXIT_CODE
from tests.support import Infra, asyncpg_dsn

SERVICES = ("people", "journal", "messaging", "reports")
BOUND = 10.0  # the default of SGO_SHUTDOWN_TIMEOUT_SECONDS


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    port: int

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def supergraph_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real supergraph, its subgraphs on closed ports: the gateway serves without them."""
    graph = compose(
        [
            SubgraphSchema(name, f"http://127.0.0.1:{free_port()}/graphql", subgraph_sdl(name))
            for name in SERVICES
        ]
    )
    path = tmp_path_factory.mktemp("supergraph") / "supergraph.graphql"
    path.write_text(print_supergraph(graph), encoding="utf-8")
    return path


class Launcher:
    def __init__(self, infra: Infra, tmp_path: Path, namespace: str) -> None:
        self.infra = infra
        self.tmp_path = tmp_path
        self.namespace = namespace
        self.databases: dict[str, str] = {}
        self.procs: list[Proc] = []

    def _env(self, port: int, nats_url: str) -> dict[str, str]:
        private, public = self.infra.keys
        return {
            **os.environ,
            "SGO_PORT": str(port),
            "SGO_NATS_URL": nats_url,
            "SGO_NAMESPACE": self.namespace,
            "SGO_JWT_PUBLIC_KEY": public,
            "SGO_JWT_PRIVATE_KEY": private,
            "SGO_INTERNAL_SECRET": self.infra.internal_secret,
            "SGO_LOG_LEVEL": "WARNING",
            "SGO_DEMO": "false",
        }

    async def start_service(self, name: str, nats_url: str) -> Proc:
        if name not in self.databases:
            self.databases[name] = await self.infra.fresh_database(name)
        env = self._env(free_port(), nats_url) | {"SGO_DATABASE_URL": self.databases[name]}
        return self._spawn(name, [sys.executable, "-m", f"services.{name}"], env)

    def start_gateway(self, nats_url: str, supergraph: Path | None) -> Proc:
        env = self._env(free_port(), nats_url)
        for name in SERVICES:  # closed ports: composing from them waits (start-up)
            env[f"SGO_{name.upper()}_URL"] = f"http://127.0.0.1:{free_port()}/graphql"
        argv = [sys.executable, "-m", "gateway"]
        if supergraph is not None:
            argv += ["--supergraph", str(supergraph)]
        return self._spawn("gateway", argv, env)

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Proc:
        log = self.tmp_path / f"{name}-{len(self.procs)}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
            )
        proc = Proc(name, popen, log, int(env["SGO_PORT"]))
        self.procs.append(proc)
        return proc

    def kill_all(self) -> None:
        for proc in self.procs:
            if proc.popen.poll() is None:
                proc.popen.kill()
                proc.popen.wait()


@pytest.fixture
async def launcher(infra: Infra, tmp_path: Path, namespace: str) -> AsyncIterator[Launcher]:
    launcher = Launcher(infra, tmp_path, namespace)
    try:
        yield launcher
    finally:
        launcher.kill_all()


async def _stop_and_check(proc: Proc, delay: float) -> None:
    """SIGTERM after ``delay``; the exit must be clean and within the bound."""
    await asyncio.sleep(delay)
    assert proc.popen.poll() is None, f"{proc.name} exited before the signal:\n{proc.output()}"
    serving = await _answers(proc, "/healthz")
    before = len(proc.output())
    proc.popen.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    while proc.popen.poll() is None and time.monotonic() - sent < BOUND + 5:
        await asyncio.sleep(0.05)
    took = time.monotonic() - sent
    code = proc.popen.poll()
    if code is None:
        proc.popen.kill()
    output = proc.output()[before:]  # what the process said while stopping
    context = f"{proc.name} after {delay:.2f}s, stopped in {took:.1f}s (code {code}):\n{output}"
    assert code is not None and took <= BOUND, f"not stopped within the bound: {context}"
    assert code != FORCED_EXIT_CODE, f"stopped only by the watchdog: {context}"
    # A stop on request exits 0; only a signal that comes before Python has its handlers (in
    # its first imports, long before it serves) may end it by the signal's default action.
    assert code == 0 or (code == -signal.SIGTERM and not serving), f"unclean exit: {context}"
    assert "Traceback" not in output, f"unclean exit: {context}"


async def _answers(proc: Proc, path: str) -> bool:
    async with httpx.AsyncClient(timeout=2.0) as http:
        try:
            return (await http.get(f"http://127.0.0.1:{proc.port}{path}")).status_code == 200
        except httpx.HTTPError:
            return False


async def _until(proc: Proc, path: str, timeout: float = 120.0) -> None:
    """Wait for the process to answer 200 (generous: the machine may be loaded)."""
    deadline = time.monotonic() + timeout
    while not await _answers(proc, path):
        assert proc.popen.poll() is None, f"{proc.name} died:\n{proc.output()}"
        assert time.monotonic() < deadline, f"{proc.name}: {path} never 200:\n{proc.output()}"
        await asyncio.sleep(0.1)


async def _round_with_nats_unreachable(launcher: Launcher, supergraph: Path) -> None:
    closed = f"nats://127.0.0.1:{free_port()}"
    procs = [await launcher.start_service(name, closed) for name in SERVICES]
    procs.append(launcher.start_gateway(closed, supergraph))
    procs.append(launcher.start_gateway(closed, None))  # still composing: in start-up
    # Anywhere from start-up (imports, migrations) to serving while NATS keeps refusing.
    await asyncio.gather(*(_stop_and_check(p, random.uniform(0.2, 5.0)) for p in procs))


async def _round_with_nats_and_postgres_going_away(
    launcher: Launcher, supergraph: Path, nats_dir: Path
) -> None:
    server = EmbeddedNats(nats_dir, port=free_port())
    server.start()
    try:
        procs = [await launcher.start_service(name, server.url) for name in SERVICES]
        gateway = launcher.start_gateway(server.url, supergraph)
        await asyncio.gather(*(_until(p, "/readyz") for p in procs), _until(gateway, "/healthz"))
        # A subscription socket stays open at the gateway (no init yet) while it stops.
        async with ws_connect(
            f"ws://127.0.0.1:{gateway.port}/graphql", subprotocols=["graphql-transport-ws"]
        ):
            server.kill()  # NATS crashes: every client enters its reconnect cycle
            await _refuse_connections(launcher, list(launcher.databases.values())[:2])
            await asyncio.gather(
                *(_stop_and_check(p, random.uniform(0.0, 3.0)) for p in [*procs, gateway])
            )
    finally:
        await _refuse_connections(launcher, [], allow=list(launcher.databases.values()))
        server.stop()


async def _refuse_connections(
    launcher: Launcher, refuse: list[str], allow: list[str] | None = None
) -> None:
    """Take databases away as a PostgreSQL restart would (and give them back)."""
    conn = await asyncpg.connect(asyncpg_dsn(launcher.infra.database_url))
    try:
        for url in refuse:
            name = url.rsplit("/", 1)[1]
            await conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
        for url in allow or []:
            name = url.rsplit("/", 1)[1]
            await conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    finally:
        await conn.close()


async def test_every_process_stops_promptly_on_sigterm_while_nats_is_unreachable(
    launcher: Launcher, supergraph_file: Path
) -> None:
    await _round_with_nats_unreachable(launcher, supergraph_file)


async def test_every_process_stops_promptly_on_sigterm_after_nats_and_postgres_went_away(
    launcher: Launcher, supergraph_file: Path, tmp_path: Path
) -> None:
    await _round_with_nats_and_postgres_going_away(launcher, supergraph_file, tmp_path / "nats")


@pytest.mark.slow
async def test_soak_sigterm_at_random_moments_of_the_connect_and_reconnect_cycle(
    launcher: Launcher, supergraph_file: Path, tmp_path: Path
) -> None:
    for n in range(4):
        await _round_with_nats_unreachable(launcher, supergraph_file)
        await _round_with_nats_and_postgres_going_away(
            launcher, supergraph_file, tmp_path / f"nats-{n}"
        )


def _sgo_up(data_dir: Path, log: Path, ports: dict[str, int]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SGO_")}
    env |= {"SGO_LOG_LEVEL": "WARNING", "NO_COLOR": "1"}
    argv = [sys.executable, "-m", "deploy", "up", "--data-dir", str(data_dir)]
    argv += ["--port", str(ports["gateway"]), "--postgres-port", str(ports["postgres"])]
    argv += ["--nats-port", str(ports["nats"])]
    with log.open("ab") as out:
        return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)


def _text(log: Path) -> str:
    return log.read_text(errors="replace")


def _running_under(data_dir: Path) -> list[int]:
    """Processes whose command line names this run's data directory (children, servers)."""
    found = subprocess.run(
        ["pgrep", "-f", str(data_dir)], capture_output=True, text=True, check=False
    )
    return [int(pid) for pid in found.stdout.split()]


async def _sgo_up_stops(popen: subprocess.Popen[bytes], log: Path, data_dir: Path) -> str:
    before = len(_text(log))
    popen.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    while popen.poll() is None and time.monotonic() - sent < BOUND + 5:
        await asyncio.sleep(0.05)
    took = time.monotonic() - sent
    if popen.poll() is None:
        popen.kill()
    said = _text(log)[before:]
    assert popen.returncode == 0 and took <= BOUND, f"stopped in {took:.1f}s:\n{said}"
    assert "Traceback" not in said and "SIGKILL" not in said, said
    # Nothing of it is left running: no child, no embedded server.
    assert _running_under(data_dir) == []
    return said


async def test_sgo_up_stops_everything_in_order_within_the_bound(tmp_path: Path) -> None:
    data_dir, log = tmp_path / "sgo", tmp_path / "sgo-up.log"
    ports = {name: free_port() for name in ("gateway", "postgres", "nats")}
    up = _sgo_up(data_dir, log, ports)
    try:
        deadline = time.monotonic() + 180
        while "ready: GraphQL" not in _text(log):
            assert up.poll() is None, _text(log)
            assert time.monotonic() < deadline, _text(log)
            await asyncio.sleep(0.2)
        # NATS crashes under the running system: every process is reconnecting when stopped.
        os.kill(int((data_dir / "nats" / "nats.pid").read_text()), signal.SIGKILL)
        await asyncio.sleep(random.uniform(0.2, 2.0))
        said = await _sgo_up_stops(up, log, data_dir)
        lines = [
            line
            for line in said.splitlines()
            if "| stopped in" in line and not line.startswith("sgo ")
        ]
        assert lines[0].startswith("gateway"), said  # the door closes first, then the services
        assert len(lines) == 5, said

        # Again, stopped at a random moment of its start (the cluster is reused: no initdb).
        up = _sgo_up(data_dir, log, ports)
        await asyncio.sleep(random.uniform(1.0, 8.0))
        assert up.poll() is None, _text(log)
        await _sgo_up_stops(up, log, data_dir)
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
        for pid in _running_under(data_dir):
            os.kill(pid, signal.SIGKILL)
