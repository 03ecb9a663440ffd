"""Runs child processes, prefixes their output, waits for /healthz, restarts the ones that crash,
and stops them all together.

A child that dies on its own after it was healthy is started again after a back-off (as
systemd's ``Restart=on-failure``); each restart is logged and counted in a Prometheus text file
(``metrics_path``: ``sgo_child_restarts_total{child="…"}``). A child that keeps crashing
(``crash_limit`` crashes within ``crash_window`` seconds) is given up on: ``wait()`` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy import _os

_COLOURS = ("36", "33", "35", "32", "34", "31", "96", "93")
# Seconds before the 1st, 2nd, … restart within the crash window.
RESTART_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)


@dataclass(frozen=True)
class ChildSpec:
    """How to run one child: its command, its environment and where it answers health checks."""

    name: str
    argv: Sequence[str]
    env: dict[str, str] = field(default_factory=dict)
    port: int | None = None  # None: do not wait for /healthz
    health_path: str = "/healthz"
    host: str = "127.0.0.1"

    @classmethod
    def module(cls, name: str, module: str, env: dict[str, str], port: int | None) -> ChildSpec:
        return cls(name=name, argv=[sys.executable, "-m", module], env=env, port=port)


@dataclass
class Child:
    spec: ChildSpec
    proc: asyncio.subprocess.Process
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    healthy: bool = False  # passed its health check once: from then on a crash is restarted

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode


class ChildFailed(RuntimeError):
    """A child exited on its own, or never became healthy."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


def _use_colour() -> bool:
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def _stdout_writer(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Supervisor:
    """Starts batches of children; stops them in reverse batch order (gateway before services).

    Output lines go to ``output`` as ``"people   | <line>"``. ``failed`` is set as soon as a
    child is given up on (it died during start-up, or keeps crashing); ``wait()`` returns its
    name. ``stop_timeout`` bounds the whole stop: past it, what still runs gets SIGKILL.
    """

    def __init__(
        self,
        output: Callable[[str], None] | None = None,
        *,
        colour: bool | None = None,
        stop_timeout: float = 10.0,
        restart_backoff: Sequence[float] = RESTART_BACKOFF,
        crash_limit: int = 5,
        crash_window: float = 60.0,
        metrics_path: Path | None = None,
    ) -> None:
        self._output = output or _stdout_writer
        self._colour = _use_colour() if colour is None else colour
        self.stop_timeout = stop_timeout
        self.restart_backoff = tuple(restart_backoff)
        self.crash_limit = crash_limit
        self.crash_window = crash_window
        self.metrics_path = metrics_path
        self._batches: list[list[Child]] = []
        self._width = 0
        self._stopping = False
        self._crashes: dict[str, deque[float]] = {}
        self.restarts: dict[str, int] = {}
        self.failed = asyncio.Event()
        self.failures: list[tuple[str, int | None]] = []
        self.given_up: str | None = None

    @property
    def children(self) -> dict[str, Child]:
        return {c.spec.name: c for batch in self._batches for c in batch}

    # --- starting --------------------------------------------------------------------------

    async def start(self, specs: Sequence[ChildSpec], ready_timeout: float = 60.0) -> None:
        """Start ``specs`` together and return once each answers its health check."""
        if not self._batches:
            self._stopping = False
        self._width = max([self._width, *(len(s.name) for s in specs)])
        batch: list[Child] = []
        self._batches.append(batch)
        for spec in specs:
            batch.append(await self._spawn(spec))
            self.restarts.setdefault(spec.name, 0)
        self._write_metrics()
        try:
            async with httpx.AsyncClient(timeout=2.0) as client:
                await asyncio.gather(*(self._wait_healthy(client, c, ready_timeout) for c in batch))
        except BaseException:
            await self.stop()
            raise

    async def _spawn(self, spec: ChildSpec) -> Child:
        env = dict(spec.env)
        # Children are Python: without this their output arrives in 8 KiB blocks, not lines.
        env.setdefault("PYTHONUNBUFFERED", "1")
        proc = await asyncio.create_subprocess_exec(
            *spec.argv,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            # Own process group: a terminal's Ctrl-C reaches only us, and we stop children in
            # order; killpg also reaches anything the child forked (uvicorn workers).
            start_new_session=True,
            preexec_fn=_os.die_with_parent(signal.SIGTERM),
            limit=1 << 20,
        )
        child = Child(spec, proc)
        child.tasks.append(asyncio.create_task(self._pump(child), name=f"pump-{spec.name}"))
        child.tasks.append(asyncio.create_task(self._watch(child), name=f"watch-{spec.name}"))
        return child

    def _prefix(self, name: str) -> str:
        label = name.ljust(self._width)
        if not self._colour:
            return f"{label} |"
        colour = _COLOURS[sum(map(ord, name)) % len(_COLOURS)]
        return f"\x1b[{colour}m{label} |\x1b[0m"

    def emit(self, name: str, line: str) -> None:
        self._output(f"{self._prefix(name)} {line}")

    async def _pump(self, child: Child) -> None:
        stream = child.proc.stdout
        assert stream is not None
        while True:
            try:
                raw = await stream.readline()
            except ValueError:
                # A line longer than the buffer limit: pass on what we have rather than stall.
                raw = await stream.read(1 << 20)
            if not raw:
                return
            self.emit(child.spec.name, raw.decode(errors="replace").rstrip("\r\n"))

    async def _watch(self, child: Child) -> None:
        code = await child.proc.wait()
        if self._stopping:
            return
        name = child.spec.name
        self.failures.append((name, code))
        self.emit(name, f"exited unexpectedly with code {code}")
        if not child.healthy:
            self._give_up(name)  # never came up: restarting would only repeat the failure
            return
        now = time.monotonic()
        crashes = self._crashes.setdefault(name, deque())
        crashes.append(now)
        while crashes and crashes[0] < now - self.crash_window:
            crashes.popleft()
        if len(crashes) >= self.crash_limit:
            self.emit(
                name,
                f"crashed {len(crashes)} times within {self.crash_window:.0f}s; giving up",
            )
            self._give_up(name)
            return
        delay = self.restart_backoff[min(len(crashes), len(self.restart_backoff)) - 1]
        self.emit(name, f"restarting in {delay:g}s")
        await asyncio.sleep(delay)
        if self._stopping:
            return
        await self._restart(child)

    def _give_up(self, name: str) -> None:
        if self.given_up is None:
            self.given_up = name
        self.failed.set()

    async def _restart(self, old: Child) -> None:
        self._signal_group(old.proc.pid, signal.SIGKILL)  # whatever it forked goes with it
        for batch in self._batches:
            if old in batch:
                new = await self._spawn(old.spec)
                new.healthy = True  # it was healthy once; a crash of the new one is restarted
                batch[batch.index(old)] = new
                self.restarts[old.spec.name] = self.restarts.get(old.spec.name, 0) + 1
                self._write_metrics()
                self.emit(old.spec.name, f"restarted (restart {self.restarts[old.spec.name]})")
                return

    def _write_metrics(self) -> None:
        """Restarts per child in Prometheus' text format (a node_exporter textfile works)."""
        if self.metrics_path is None:
            return
        lines = [
            "# HELP sgo_child_restarts_total Restarts of a crashed sgo process by its supervisor.",
            "# TYPE sgo_child_restarts_total counter",
            *(
                f'sgo_child_restarts_total{{child="{name}"}} {count}'
                for name, count in sorted(self.restarts.items())
            ),
        ]
        self.metrics_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.metrics_path.with_suffix(".tmp")
        temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
        temporary.replace(self.metrics_path)

    async def _wait_healthy(self, client: httpx.AsyncClient, child: Child, within: float) -> None:
        spec = child.spec
        if spec.port is None:
            child.healthy = True
            return
        url = f"http://{spec.host}:{spec.port}{spec.health_path}"
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if child.returncode is not None:
                raise ChildFailed(spec.name, f"exited with code {child.returncode} during startup")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    child.healthy = True
                    return
            await asyncio.sleep(0.1)
        raise ChildFailed(spec.name, f"{url} did not answer 200 within {within:.0f}s")

    # --- running and stopping --------------------------------------------------------------

    async def wait(self) -> str:
        """Block until a child is given up on; return its name."""
        await self.failed.wait()
        assert self.given_up is not None
        return self.given_up

    async def stop(self) -> None:
        """SIGTERM each batch (last started first); SIGKILL whatever runs past ``stop_timeout``.

        One deadline for the whole stop, so the supervisor itself stops within the bound.
        """
        self._stopping = True
        deadline = time.monotonic() + self.stop_timeout
        for batch in reversed(self._batches):
            await asyncio.gather(*(self._stop_child(c, deadline) for c in batch))
        self._batches.clear()

    async def _stop_child(self, child: Child, deadline: float) -> None:
        pid = child.proc.pid
        if child.returncode is None:
            self._signal_group(pid, signal.SIGTERM)
            signalled = time.monotonic()
            try:
                await asyncio.wait_for(child.proc.wait(), max(deadline - time.monotonic(), 0.1))
                self.emit(child.spec.name, f"stopped in {time.monotonic() - signalled:.1f}s")
            except TimeoutError:
                self.emit(
                    child.spec.name,
                    f"did not stop within {self.stop_timeout:g}s of SIGTERM; sending SIGKILL",
                )
        # Also reaps grandchildren that outlived their parent in the same group.
        self._signal_group(pid, signal.SIGKILL)
        await child.proc.wait()
        # The pump ends at EOF; give it a moment to flush the last lines, then cancel.
        _, pending = await asyncio.wait(child.tasks, timeout=2.0)
        for task in pending:
            task.cancel()

    @staticmethod
    def _signal_group(pid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)

    async def __aenter__(self) -> Supervisor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
