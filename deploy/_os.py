"""Small operating-system helpers shared by the embedded servers: ports, users, child lifetime."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

# Unprivileged account the embedded PostgreSQL runs as when we are root (it refuses root).
SERVICE_USER = "sgo-postgres"

_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[[int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    # The running interpreter is linked against libc, so its own symbol table has prctl.
    return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]


# Resolved once here: the pre-exec hook runs between fork and exec, where it must not import.
_prctl = _load_prctl()


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A pre-exec hook so that a child is signalled if we are killed without a chance to stop it.

    Without it a `kill -9` of ``sgo up`` or of a test run leaves servers holding the ports.
    """
    # The signal fires when the *thread* that forked exits, so a child started from a worker
    # thread would die with that thread: only arm it on the main thread.
    if _prctl is None or threading.current_thread() is not threading.main_thread():
        return None
    prctl = _prctl

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, sig)

    return hook


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (tests use it to avoid clashing with `sgo up`)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def wait_for_port(
    host: str, port: int, timeout: float, alive: Callable[[], bool], what: str
) -> None:
    """Block until ``host:port`` accepts a connection; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"{what} exited during startup")
        if port_open(host, port):
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not accept connections on {host}:{port} within {timeout:.0f}s")


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def ensure_system_user(name: str = SERVICE_USER) -> tuple[int, int]:
    """Create a locked system account if missing; return its (uid, gid)."""
    import pwd

    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def ensure_traversable(path: Path) -> None:
    """Give "others" search permission on every ancestor so another user can reach ``path``.

    Only +x (traverse), never +r: directory listings of the ancestors stay private.
    """
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def terminate_stale(pid: int, marker: str, sig: int, timeout: float = 10.0) -> bool:
    """Stop a left-over server from an earlier run if its command line mentions ``marker``."""
    if not pid_alive(pid) or marker not in process_cmdline(pid):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    return True


def stop_process(proc: subprocess.Popen[bytes], sig: int, timeout: float = 10.0) -> None:
    """Signal a child and wait; SIGKILL if it ignores us for ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
