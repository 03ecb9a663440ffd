"""The running sgo system: four service processes and the gateway, with their environments."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from deploy import _os
from deploy.provision import SERVICES
from deploy.supervisor import ChildSpec, Supervisor

HOST = "127.0.0.1"
SERVICE_PORTS: dict[str, int] = {
    "people": 8101,
    "journal": 8102,
    "messaging": 8103,
    "reports": 8104,
}
GATEWAY_PORT = 8000

# Set by us per process; inherited values would point a service at the wrong database.
_MANAGED = ("SGO_DATABASE_URL", "SGO_DATABASE_ADMIN_URL", "SGO_JWT_PRIVATE_KEY")
_REPO_ROOT = Path(__file__).resolve().parent.parent


class System:
    """Starts ``python -m services.<name>`` for each service, then ``python -m gateway``.

    Usable as ``async with System(...) as system:`` or with ``start()`` / ``stop()``.
    ``free_ports=True`` picks unused ports (tests) instead of 8101-8104 and 8000.
    """

    def __init__(
        self,
        *,
        database_urls: Mapping[str, str],
        nats_url: str,
        keys: tuple[str, str, str],
        data_dir: Path,
        namespace: str = "sgo",
        demo: bool = False,
        gateway_port: int = GATEWAY_PORT,
        service_ports: Mapping[str, int] | None = None,
        free_ports: bool = False,
        extra_env: Mapping[str, str] | None = None,
        output: Callable[[str], None] | None = None,
        ready_timeout: float = 60.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.database_urls = dict(database_urls)
        self.nats_url = nats_url
        self.private_key, self.public_key, self.internal_secret = keys
        self.data_dir = Path(data_dir).resolve()
        self.namespace = namespace
        self.demo = demo
        self.services = tuple(s for s in SERVICES if s in self.database_urls)
        if free_ports:
            self.ports = {name: _os.free_port() for name in (*self.services, "gateway")}
        else:
            ports = {**SERVICE_PORTS, **(service_ports or {})}
            self.ports = {name: ports[name] for name in self.services}
            self.ports["gateway"] = gateway_port
        self.extra_env = dict(extra_env or {})
        self.ready_timeout = ready_timeout
        # Restarts of crashed processes, for a node_exporter textfile collector or a person.
        self.metrics_path = self.data_dir / "metrics" / "supervisor.prom"
        self.supervisor = Supervisor(
            output, stop_timeout=stop_timeout, metrics_path=self.metrics_path
        )

    # --- addresses -------------------------------------------------------------------------

    @property
    def gateway_url(self) -> str:
        return f"http://{HOST}:{self.ports['gateway']}"

    @property
    def graphql_url(self) -> str:
        return f"{self.gateway_url}/graphql"

    def service_url(self, name: str) -> str:
        """Base URL of a subgraph process (``/graphql``, ``/healthz`` hang below it)."""
        return f"http://{HOST}:{self.ports[name]}"

    # --- environments ----------------------------------------------------------------------

    def base_env(self) -> dict[str, str]:
        """What every process gets: NATS, namespace, public key, internal secret, subgraph URLs."""
        env = {k: v for k, v in os.environ.items() if k not in _MANAGED}
        # `python -m services.x` must import this checkout even when sgo is not installed.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
        )
        env |= {
            "SGO_NATS_URL": self.nats_url,
            "SGO_NAMESPACE": self.namespace,
            "SGO_DATA_DIR": str(self.data_dir),
            "SGO_DEMO": "true" if self.demo else "false",
            "SGO_JWT_PUBLIC_KEY": self.public_key,
            "SGO_INTERNAL_SECRET": self.internal_secret,
        }
        for name in self.services:
            env[f"SGO_{name.upper()}_URL"] = f"{self.service_url(name)}/graphql"
        env |= self.extra_env
        return env

    def service_env(self, name: str) -> dict[str, str]:
        env = self.base_env() | {
            "SGO_DATABASE_URL": self.database_urls[name],
            "SGO_PORT": str(self.ports[name]),
        }
        if name == "people":  # the only issuer of access tokens
            env["SGO_JWT_PRIVATE_KEY"] = self.private_key
        return env

    def gateway_env(self) -> dict[str, str]:
        return self.base_env() | {"SGO_PORT": str(self.ports["gateway"])}

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the services together, then the gateway (it reads their schemas at startup)."""
        await self.supervisor.start(
            [
                ChildSpec.module(name, f"services.{name}", self.service_env(name), self.ports[name])
                for name in self.services
            ],
            self.ready_timeout,
        )
        await self.supervisor.start(
            [ChildSpec.module("gateway", "gateway", self.gateway_env(), self.ports["gateway"])],
            self.ready_timeout,
        )

    async def stop(self) -> None:
        await self.supervisor.stop()

    async def wait(self) -> str:
        """Block until a process is given up on (it keeps crashing); return its name."""
        return await self.supervisor.wait()

    async def __aenter__(self) -> System:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
