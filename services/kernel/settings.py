"""Settings read from the environment (prefix ``SGO_``); nothing secret has a default."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SGO_", extra="ignore")

    # One database per service: the process is told which one is its own.
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    nats_url: str = "nats://127.0.0.1:4222"
    # Root of every subject and stream name; tests give each run its own.
    namespace: str = "sgo"
    data_dir: Path = Path(".sgo")
    demo: bool = False

    # Access tokens: EdDSA. Only people holds the private key.
    jwt_private_key: str | None = None
    jwt_public_key: str | None = None
    access_token_ttl_seconds: int = 900
    # The gateway signs the principal it forwards to subgraphs with this secret.
    internal_secret: str = Field(default="", repr=False)

    # Where the gateway finds the subgraphs.
    people_url: str = "http://127.0.0.1:8101/graphql"
    journal_url: str = "http://127.0.0.1:8102/graphql"
    messaging_url: str = "http://127.0.0.1:8103/graphql"
    reports_url: str = "http://127.0.0.1:8104/graphql"

    relay_batch_size: int = 256
    relay_poll_seconds: float = 0.2
    consumer_max_deliver: int = 5
    # How long a crashed consumer's unacknowledged events wait before redelivery; batches that
    # take longer are kept alive with "in progress" heartbeats (services.kernel.consumer).
    consumer_ack_wait_seconds: float = 5.0
    # A stop signal (SIGTERM, SIGINT) ends any sgo process within this many seconds.
    shutdown_timeout_seconds: float = 10.0

    # Gateway protection (gateway.limits, gateway.app): each limit answers before any fetch.
    gateway_max_tokens: int = 3000
    gateway_max_depth: int = 12
    gateway_max_aliases: int = 30
    gateway_max_cost: int = 10000
    gateway_default_list_size: int = 10  # assumed length of a list without @listSize
    # The people import and homework files send files of up to 10 MB as base64 (4/3 larger).
    gateway_max_body_bytes: int = 14 * 1024 * 1024
    gateway_subgraph_timeout_seconds: float = 10.0
    gateway_request_timeout_seconds: float = 30.0  # the whole request, all fetches included
    gateway_batch_max: int = 0  # JSON-array batches: 0 refuses them, N allows up to N operations
    # Trusted documents: off | allow (manifest ids and any document) | only (manifest only).
    gateway_trusted_documents: str = "off"
    gateway_trusted_manifest: Path | None = None
    # None: introspection follows ``demo``.
    gateway_introspection: bool | None = None
    # Rates at the door (gateway.door), per gateway process: sustained per minute and burst;
    # 0 turns a limit off. Generous by default (a school behind one NAT address, the benchmarks'
    # thirty clients on one token stay far below); login is the strict one.
    gateway_rate_address_per_minute: int = 120000
    gateway_rate_address_burst: int = 10000
    gateway_rate_account_per_minute: int = 60000
    gateway_rate_account_burst: int = 5000
    gateway_rate_login_per_minute: int = 1800
    gateway_rate_login_burst: int = 300
    # Web origins allowed to call the API from a browser, comma-separated; none by default.
    gateway_cors_origins: str = ""
    # Strict-Transport-Security max-age; 0 (default) sends none (TLS ends before the gateway).
    gateway_hsts_seconds: int = 0

    # lessons: homework files. Local files under ``files_dir`` (default ``<data_dir>/files``)
    # unless an S3-compatible endpoint is set; download links live ``files_link_seconds``.
    files_dir: Path | None = None
    files_s3_endpoint: str | None = None
    files_s3_bucket: str = "sgo-files"
    files_s3_region: str = "us-east-1"
    files_s3_access_key: str = Field(default="", repr=False)
    files_s3_secret_key: str = Field(default="", repr=False)
    files_link_seconds: int = 600


@lru_cache
def get_settings() -> Settings:
    return Settings()
