"""The `sgo` command: `sgo up`, `sgo service NAME`, `sgo gateway ...`, `sgo backup|restore DIR`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import importlib
import json
import logging
import os
import runpy
import signal
import sys
import time
from pathlib import Path

from deploy.infra import DEFAULT_NATS_PORT, DEFAULT_POSTGRES_PORT, Infrastructure
from deploy.provision import SERVICES
from deploy.system import GATEWAY_PORT, System
from services.kernel.demo import DEMO_LOGINS
from services.kernel.settings import get_settings

log = logging.getLogger("sgo")
# Shares of the stop bound: the children first, then the embedded servers, then our own exit.
CHILDREN_SHARE = 0.6
SERVERS_UNTIL = 0.9


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sgo", description="Сетевой город. Образование")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run the whole system on this machine")
    up.add_argument("--demo", action="store_true", help="load a demo school once started")
    up.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("SGO_DATA_DIR", ".sgo")),
        help="where databases, streams and keys live (default: $SGO_DATA_DIR or ./.sgo)",
    )
    up.add_argument("--port", type=int, default=GATEWAY_PORT, help="gateway port")
    up.add_argument("--postgres-port", type=int, default=DEFAULT_POSTGRES_PORT)
    up.add_argument("--nats-port", type=int, default=DEFAULT_NATS_PORT)

    service = sub.add_parser("service", help="run one service in the foreground")
    service.add_argument("name", choices=SERVICES)

    sub.add_parser("gateway", help="gateway commands", add_help=False)

    region = sub.add_parser("regional-admin", help="the installation's regional administrators")
    region_sub = region.add_subparsers(dest="action", required=True)
    create = region_sub.add_parser(
        "create", help="create one and print a one-time password (changed at the first login)"
    )
    create.add_argument("--login", required=True)
    create.add_argument("--last-name", required=True)
    create.add_argument("--first-name", required=True)
    create.add_argument("--middle-name")
    create.add_argument(
        "--database-url",
        default=os.environ.get("SGO_DATABASE_URL"),
        help="people's database (default: $SGO_DATABASE_URL, else the one `sgo up` made in "
        "--data-dir, with its PostgreSQL running)",
    )
    create.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("SGO_DATA_DIR", ".sgo"))
    )
    create.add_argument("--postgres-port", type=int, default=DEFAULT_POSTGRES_PORT)

    for command, text in (
        ("backup", "dump every service database into DIR (see deploy/backup.py)"),
        ("restore", "replace every service database with the backup in DIR (services stopped)"),
    ):
        store = sub.add_parser(command, help=text)
        store.add_argument("dir", type=Path)
        store.add_argument(
            "--admin-url",
            default=os.environ.get("SGO_DATABASE_ADMIN_URL"),
            help="PostgreSQL superuser URL (default: $SGO_DATABASE_ADMIN_URL, else the embedded "
            "server in --data-dir, started for the while if `sgo up` is not running)",
        )
        store.add_argument(
            "--data-dir", type=Path, default=Path(os.environ.get("SGO_DATA_DIR", ".sgo"))
        )
        store.add_argument("--postgres-port", type=int, default=DEFAULT_POSTGRES_PORT)
        store.add_argument("--prefix", default="sgo", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after `gateway` belongs to the gateway's own parser, --help included.
    if argv and argv[0] == "gateway":
        gateway_cli = importlib.import_module("gateway.cli")
        return int(gateway_cli.main(argv[1:]) or 0)
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="sgo       | %(message)s")
    # httpx logs every health probe at INFO; those lines are noise here.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.command == "service":
        return _run_service(args.name)
    if args.command == "regional-admin":
        return asyncio.run(_create_regional_admin(args))
    if args.command in ("backup", "restore"):
        return _backup_or_restore(args)
    return asyncio.run(_up(args))


def _people_database_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return str(args.database_url)
    secrets = args.data_dir / "secrets.json"  # written by `sgo up` (deploy.provision)
    stored = json.loads(secrets.read_text()) if secrets.exists() else {}
    passwords = stored.get("database_passwords", {})
    password = passwords.get("sgo_people")
    if password is None:
        raise SystemExit(f"no people database in {args.data_dir}: give --database-url")
    return f"postgresql+asyncpg://sgo_people:{password}@127.0.0.1:{args.postgres_port}/sgo_people"


async def _create_regional_admin(args: argparse.Namespace) -> int:
    """Only on the server: no school's API can make someone the region's administrator."""
    from services.kernel import migrations
    from services.kernel.db import Database
    from services.kernel.errors import SgoError
    from services.people.region import create_regional_administrator

    url = _people_database_url(args)
    # A fresh installation: people may not have run yet.
    await migrations.upgrade(url, Path(__file__).parent.parent / "services/people/migrations")
    db = Database.connect(url)
    try:
        made = await create_regional_administrator(
            db,
            login=args.login,
            last_name=args.last_name,
            first_name=args.first_name,
            middle_name=args.middle_name,
        )
    except SgoError as exc:
        log.error("%s", exc.message)
        return 1
    finally:
        await db.dispose()
    print(f"login: {made.login}")
    print(f"one-time password: {made.password}")
    return 0


def _backup_or_restore(args: argparse.Namespace) -> int:
    from deploy import backup
    from deploy._os import port_open
    from deploy.embedded_postgres import HOST, EmbeddedPostgres

    server: EmbeddedPostgres | None = None
    server_started = False
    admin_url = args.admin_url
    if not admin_url:
        server = EmbeddedPostgres(args.data_dir.resolve() / "postgres", args.postgres_port)
        if not port_open(HOST, args.postgres_port):  # else `sgo up` runs it: only connect
            server.start()
            server_started = True
        admin_url = server.admin_dsn
    started = time.monotonic()
    try:
        if args.command == "backup":
            manifest = asyncio.run(backup.backup(admin_url, args.dir, prefix=args.prefix))
            for service, item in manifest["databases"].items():  # type: ignore[attr-defined]
                log.info("%s: %s bytes", service, item["bytes"])
        else:
            wait = backup.settle_seconds(backup.read_manifest(args.dir), _utcnow())
            if wait > 0:  # re-sent events must not fall in JetStream's duplicate window
                log.info("backup finished moments ago: waiting %.0fs before restoring", wait)
                time.sleep(wait)
            restored = asyncio.run(
                backup.restore(admin_url, args.dir, args.data_dir, prefix=args.prefix)
            )
            for item in restored:
                log.info(
                    "%s: restored; %d events to send again, %d not yet sent",
                    item.service,
                    item.republished,
                    item.unpublished,
                )
    except (ValueError, RuntimeError, OSError) as exc:
        log.error("%s", exc)
        return 1
    finally:
        if server is not None and server_started:
            server.stop()
    log.info("%s done in %.1fs", args.command, time.monotonic() - started)
    return 0


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _run_service(name: str) -> int:
    """Production images run one process per container: the module reads SGO_* itself."""
    sys.argv = [f"services.{name}"]
    runpy.run_module(f"services.{name}", run_name="__main__", alter_sys=True)
    return 0


def _announce_demo(system: System) -> None:
    """Each service loads its own part of the demo school; tell the person how to get in."""
    password = os.environ.get("SGO_DEMO_PASSWORD")
    path = system.data_dir / "demo-password"
    if not password and path.exists():
        password = path.read_text(encoding="utf-8").strip()
    log.info("demo school «Перспектива»: logins %s", ", ".join(DEMO_LOGINS))
    log.info("demo password: %s", password or f"(see {path} once people has started)")


async def _up(args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    try:
        infra = await Infrastructure.from_env(
            args.data_dir, postgres_port=args.postgres_port, nats_port=args.nats_port
        )
    except Exception as exc:
        log.error("could not start PostgreSQL/NATS: %s", exc)
        return 1
    # `sgo up` stops within the bound of every sgo process (SGO_SHUTDOWN_TIMEOUT_SECONDS): its
    # children get most of it, the embedded PostgreSQL and NATS what is left.
    bound = get_settings().shutdown_timeout_seconds
    embedded = infra.postgres is not None or infra.nats is not None
    system = infra.system(
        demo=args.demo,
        gateway_port=args.port,
        stop_timeout=bound * CHILDREN_SHARE if embedded else bound,
    )
    code = 0
    try:
        starting = asyncio.create_task(system.start())
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({starting, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            return 0
        starting.result()  # re-raises a child that failed to come up
        if args.demo:
            _announce_demo(system)
        log.info("ready: GraphQL at %s (Ctrl-C stops everything)", system.graphql_url)
        log.info("restarts of crashed processes are counted in %s", system.metrics_path)
        failed = asyncio.create_task(system.wait())
        await asyncio.wait({failed, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if failed.done():
            log.error("%s keeps crashing; shutting everything down", failed.result())
            code = 1
        failed.cancel()
    except Exception as exc:
        log.error("%s", exc)
        code = 1
    finally:
        log.info("stopping")
        started = time.monotonic()
        await system.stop()
        infra.stop(timeout=max(started + bound * SERVERS_UNTIL - time.monotonic(), 1.0))
        log.info("stopped in %.1fs", time.monotonic() - started)
    return code
