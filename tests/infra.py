"""Servers for a test run when none are given: Docker if asked and answering, else embedded."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from deploy._os import free_port
from tests.support import Infra, remove_dir, scratch_dir


def _docker_answers() -> bool:
    try:
        import docker  # shipped with testcontainers

        docker.from_env().ping()
        return True
    except Exception:
        return False


@contextmanager
def _containers() -> Iterator[Infra]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs
    from testcontainers.postgres import PostgresContainer

    with (
        PostgresContainer("postgres:17", driver="asyncpg") as pg,
        DockerContainer("nats:2.11").with_command("-js").with_exposed_ports(4222) as nats_container,
    ):
        wait_for_logs(nats_container, "Server is ready")
        nats_url = (
            f"nats://{nats_container.get_container_host_ip()}:"
            f"{nats_container.get_exposed_port(4222)}"
        )
        yield Infra(database_url=pg.get_connection_url(), nats_url=nats_url)


@contextmanager
def _embedded() -> Iterator[Infra]:
    from deploy.embedded_nats import EmbeddedNats
    from deploy.embedded_postgres import EmbeddedPostgres

    root = scratch_dir("sgo-test-")
    pg = EmbeddedPostgres(root / "pg", port=free_port(), fast=True)
    nats_server = EmbeddedNats(root / "nats", port=free_port())
    try:
        pg.start()
        nats_server.start()
        yield Infra(database_url=pg.url("postgres"), nats_url=nats_server.url)
    finally:
        nats_server.stop()
        pg.stop()
        remove_dir(root)


@contextmanager
def start_infra() -> Iterator[Infra]:
    if os.environ.get("SGO_TESTCONTAINERS") == "1" and _docker_answers():
        with _containers() as infra:
            yield infra
    else:
        with _embedded() as infra:
            yield infra
