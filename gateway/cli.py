"""``sgo gateway``: run the gateway with uvicorn, or print its schemas."""

from __future__ import annotations

import argparse
import asyncio
import os


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sgo gateway", description="Run the sgo gateway.")
    # The runner passes the address in the environment, like every service's.
    parser.add_argument("--host", default=os.environ.get("SGO_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SGO_PORT", "8000")))
    parser.add_argument(
        "--supergraph",
        metavar="FILE",
        help="serve this Federation v2 supergraph (join-spec SDL, ours or a standard composer's)",
    )
    parser.add_argument(
        "--print",
        choices=("supergraph", "api"),
        dest="print_schema",
        help="compose from the subgraphs, print the join-spec or API SDL, and exit",
    )
    return parser


async def _print(kind: str, supergraph_file: str | None) -> str:
    from gateway.bootstrap import (
        compose_from_subgraphs,
        load_supergraph_file,
        subgraph_urls_from_settings,
    )
    from gateway.joinspec import print_supergraph
    from gateway.schema_contract import print_public_schema
    from gateway.subgraph_client import SubgraphClient, default_http_client
    from services.kernel.settings import get_settings

    settings = get_settings()
    if supergraph_file:
        graph = load_supergraph_file(supergraph_file)
    else:
        async with default_http_client() as http:
            client = SubgraphClient(http, subgraph_urls_from_settings(settings))
            graph = await compose_from_subgraphs(client, settings.internal_secret)
    if kind == "supergraph":
        return print_supergraph(graph)
    # As committed in gateway/schema/public.graphql (sorted by name); print() ends the line.
    return print_public_schema(graph.api_schema).rstrip("\n")


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.print_schema:
        print(asyncio.run(_print(args.print_schema, args.supergraph)))
        return
    import logging
    import os
    import sys

    from gateway.app import create_app
    from gateway.observability import request_log
    from services.kernel import shutdown
    from services.kernel.settings import get_settings

    # One JSON line per request on stdout (gateway.observability builds the line).
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    request_log.addHandler(handler)
    # Requests log at INFO: SGO_LOG_LEVEL=WARNING (tests, benchmarks) keeps only failures.
    request_log.setLevel(os.environ.get("SGO_LOG_LEVEL", "INFO").upper())
    request_log.propagate = False

    app = create_app(supergraph_file=args.supergraph)
    bound = get_settings().shutdown_timeout_seconds
    shutdown.run(
        app, host=args.host, port=args.port, bound=bound, log_level="warning", access_log=False
    )
