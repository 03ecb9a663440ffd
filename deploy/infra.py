"""PostgreSQL and NATS for a run: embedded under the data dir, or external ones from the env."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.embedded_nats import EmbeddedNats
from deploy.embedded_postgres import EmbeddedPostgres
from deploy.provision import SERVICES, ensure_keys, provision
from deploy.system import System

log = logging.getLogger("sgo.deploy")

DEFAULT_POSTGRES_PORT = 55432
DEFAULT_NATS_PORT = 54222


def _prepare_dir(data_dir: Path) -> Path:
    path = Path(data_dir).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Infrastructure:
    """What the services need to run: database URLs, a NATS URL and the keys."""

    data_dir: Path
    admin_dsn: str
    database_urls: dict[str, str]
    nats_url: str
    keys: tuple[str, str, str]
    postgres: EmbeddedPostgres | None = None
    nats: EmbeddedNats | None = None

    @classmethod
    async def start(
        cls,
        data_dir: Path,
        *,
        postgres_port: int = DEFAULT_POSTGRES_PORT,
        nats_port: int = DEFAULT_NATS_PORT,
        fast: bool = False,
        admin_url: str | None = None,
        nats_url: str | None = None,
        services: Iterable[str] = SERVICES,
        prefix: str = "sgo",
    ) -> Infrastructure:
        """Start embedded servers (unless both external URLs are given), provision, make keys.

        The embedded servers start synchronously on the calling thread: call this from the
        main thread so they are stopped by the kernel if this process is killed.
        """
        data_dir = _prepare_dir(data_dir)
        postgres: EmbeddedPostgres | None = None
        nats: EmbeddedNats | None = None
        try:
            if admin_url and nats_url:
                log.info("using external PostgreSQL and NATS from the environment")
            elif admin_url or nats_url:
                # Half-external setups are refused rather than guessed at.
                raise ValueError("set both SGO_DATABASE_ADMIN_URL and SGO_NATS_URL, or neither")
            else:
                postgres = EmbeddedPostgres(data_dir / "postgres", postgres_port, fast=fast)
                postgres.start()
                nats = EmbeddedNats(data_dir / "nats", nats_port)
                nats.start()
                admin_url, nats_url = postgres.admin_dsn, nats.url
            urls = await provision(admin_url, data_dir, services, prefix=prefix)
            keys = ensure_keys(data_dir)
        except BaseException:
            if nats is not None:
                nats.stop()
            if postgres is not None:
                postgres.stop()
            raise
        return cls(data_dir, admin_url, urls, nats_url, keys, postgres, nats)

    @classmethod
    async def from_env(cls, data_dir: Path, **kwargs: Any) -> Infrastructure:
        """External servers when ``SGO_DATABASE_ADMIN_URL`` and ``SGO_NATS_URL`` are set."""
        admin_url = os.environ.get("SGO_DATABASE_ADMIN_URL")
        nats_url = os.environ.get("SGO_NATS_URL")
        if not (admin_url and nats_url):
            admin_url = nats_url = None
        return await cls.start(data_dir, admin_url=admin_url, nats_url=nats_url, **kwargs)

    def system(self, **kwargs: Any) -> System:
        """A `System` wired to this infrastructure; keyword arguments go to `System`."""
        kwargs.setdefault("namespace", os.environ.get("SGO_NAMESPACE", "sgo"))
        return System(
            database_urls=self.database_urls,
            nats_url=self.nats_url,
            keys=self.keys,
            data_dir=self.data_dir,
            **kwargs,
        )

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the embedded servers (NATS first: services talk to it last). External: no-op.

        Within ``timeout`` seconds in all: past it a server is killed (both recover on start).
        """
        deadline = time.monotonic() + timeout
        if self.nats is not None:
            self.nats.stop(timeout=timeout / 2)
        if self.postgres is not None:
            self.postgres.stop(timeout=max(deadline - time.monotonic(), 0.5))
