"""Runs child processes, prefixes their output, waits for /healthz, and stops them all together."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

from deploy import _os

_COLOURS = ("36", "33", "35", "32", "34", "31", "96", "93")


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
    child exits while we are not stopping it; ``wait()`` returns that child's name.
    """

    def __init__(
        self,
        output: Callable[[str], None] | None = None,
        *,
        colour: bool | None = None,
        stop_timeout: float = 10.0,
    ) -> None:
        self._output = output or _stdout_writer
        self._colour = _use_colour() if colour is None else colour
        self.stop_timeout = stop_timeout
        self._batches: list[list[Child]] = []
        self._width = 0
        self._stopping = False
        self.failed = asyncio.Event()
        self.failures: list[tuple[str, int | None]] = []

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
        self.failures.append((child.spec.name, code))
        self.emit(child.spec.name, f"exited unexpectedly with code {code}")
        self.failed.set()

    async def _wait_healthy(self, client: httpx.AsyncClient, child: Child, within: float) -> None:
        spec = child.spec
        if spec.port is None:
            return
        url = f"http://{spec.host}:{spec.port}{spec.health_path}"
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if child.returncode is not None:
                raise ChildFailed(spec.name, f"exited with code {child.returncode} during startup")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
        raise ChildFailed(spec.name, f"{url} did not answer 200 within {within:.0f}s")

    # --- running and stopping --------------------------------------------------------------

    async def wait(self) -> str:
        """Block until a child dies unexpectedly; return its name."""
        await self.failed.wait()
        return self.failures[0][0]

    async def stop(self) -> None:
        """SIGTERM each batch (last started first); SIGKILL whatever is left after the timeout."""
        self._stopping = True
        for batch in reversed(self._batches):
            await asyncio.gather(*(self._stop_child(c) for c in batch))
        self._batches.clear()

    async def _stop_child(self, child: Child) -> None:
        pid = child.proc.pid
        if child.returncode is None:
            self._signal_group(pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(child.proc.wait(), self.stop_timeout)
            except TimeoutError:
                self.emit(child.spec.name, f"did not stop in {self.stop_timeout:.0f}s; killing")
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
