"""Revoked sessions and blocked accounts, learnt from people's events and from the replies that
revoked them (so the serving instance refuses the token before its reply leaves)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from services.kernel.events import stream_name
from services.kernel.nats import log_connection_error
from services.kernel.shutdown import raise_if_cancelled

log = logging.getLogger("sgo.gateway.revocation")

# Access tokens live 15 minutes; a day of memory covers them with a wide margin.
KEEP_SECONDS = 24 * 3600
SESSION_ENDED = "people.session.ended"
# How soon the feed tries NATS again after losing it: a revocation waits at most this long.
RECONNECT_SECONDS = 0.25
ACCOUNT_BLOCKED = "people.account.blocked"


class RevocationList:
    """In-memory, per instance; every instance fills its own from the same event stream."""

    def __init__(self, keep_seconds: float = KEEP_SECONDS) -> None:
        self.keep_seconds = keep_seconds
        self._sessions: dict[str, float] = {}
        self._accounts: dict[str, float] = {}  # account -> revoked at (unix seconds)
        self._listeners: list[Callable[[], None]] = []
        self.following = False  # the NATS feed is subscribed (the gateway's /readyz)

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` after every revocation (open subscriptions re-check their session).

        Returns the function that removes it.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    def revoke_session(self, session_id: str, at: float | None = None) -> None:
        self._sessions[session_id] = at if at is not None else time.time()
        self._prune()
        self._notify()

    def revoke_account(self, account_id: str, at: float) -> None:
        self._accounts[account_id] = max(at, self._accounts.get(account_id, 0.0))
        self._prune()
        self._notify()

    def is_revoked(self, session_id: str | None, account_id: str | None, issued_at: float) -> bool:
        if session_id is not None and session_id in self._sessions:
            return True
        revoked_at = self._accounts.get(account_id) if account_id else None
        # iat has whole seconds: a token from the same second as the block is refused too.
        return revoked_at is not None and issued_at <= int(revoked_at)

    def apply_event(self, subject_type: str, envelope: dict[str, Any]) -> None:
        """Apply one envelope from the people stream (unknown types are ignored)."""
        payload = envelope.get("payload") or {}
        at = _timestamp(envelope.get("occurred_at"))
        if subject_type == SESSION_ENDED and payload.get("session_id"):
            self.revoke_session(str(payload["session_id"]), at)
        elif subject_type == ACCOUNT_BLOCKED and payload.get("account_id"):
            self.revoke_account(str(payload["account_id"]), at)

    def apply_reply(self, envelopes: list[Any]) -> None:
        """Apply what a subgraph's reply says it revoked (envelopes as the stream has them)."""
        for envelope in envelopes:
            if isinstance(envelope, dict) and isinstance(envelope.get("type"), str):
                self.apply_event(envelope["type"], envelope)

    def _prune(self) -> None:
        if (len(self._sessions) + len(self._accounts)) % 256:
            return  # prune now and then, not on every write
        horizon = time.time() - self.keep_seconds
        self._sessions = {k: v for k, v in self._sessions.items() if v >= horizon}
        self._accounts = {k: v for k, v in self._accounts.items() if v >= horizon}


def _timestamp(value: Any) -> float:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return time.time()


async def follow_people_events(
    revocations: RevocationList,
    nats_url: str,
    namespace: str,
    *,
    retry_seconds: float = 1.0,
) -> None:
    """Run forever: replay the last day of session/account events, then follow new ones.

    Tolerates NATS being down and the people stream not existing yet (people may start later):
    both are retried every ``retry_seconds``.
    """
    import nats
    from nats.js.api import ConsumerConfig, DeliverPolicy

    stream = stream_name(namespace, "people")
    subjects = {f"{namespace}.{SESSION_ENDED}": SESSION_ENDED,
                f"{namespace}.{ACCOUNT_BLOCKED}": ACCOUNT_BLOCKED}  # fmt: skip

    async def on_message(msg: Any) -> None:
        try:
            envelope = orjson.loads(msg.data)
            revocations.apply_event(subjects.get(msg.subject, ""), envelope)
        except (orjson.JSONDecodeError, TypeError, ValueError):
            log.warning("unreadable event on %s", msg.subject)

    while True:
        nc = None
        # Closed for good, or back after a disconnect: either way start over, since the
        # ordered consumers do not survive a server restart (they fail with err_code=10094).
        lost = asyncio.Event()

        async def on_lost(lost: asyncio.Event = lost) -> None:
            lost.set()

        try:
            nc = await nats.connect(
                nats_url,
                max_reconnect_attempts=-1,
                reconnect_time_wait=min(retry_seconds, RECONNECT_SECONDS),
                closed_cb=on_lost,
                reconnected_cb=on_lost,
                error_cb=log_connection_error,
            )
            js = nc.jetstream()
            subscriptions = []
            for subject in subjects:
                start = datetime.now(UTC) - timedelta(seconds=revocations.keep_seconds)
                while True:
                    try:
                        subscriptions.append(
                            await js.subscribe(
                                subject,
                                stream=stream,
                                cb=on_message,
                                ordered_consumer=True,
                                config=ConsumerConfig(
                                    deliver_policy=DeliverPolicy.BY_START_TIME,
                                    opt_start_time=start,
                                ),
                            )
                        )
                        break
                    except Exception as exc:  # stream missing, or the server went away
                        log.info("waiting for stream %s: %s", stream, exc)
                        await asyncio.sleep(retry_seconds)
            # Replaying from the start time again is harmless: revocations are idempotent.
            revocations.following = True
            await lost.wait()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info("NATS unavailable (%s); retrying", exc)
        finally:
            revocations.following = False
            if nc is not None and not nc.is_closed:
                with contextlib.suppress(Exception):
                    await nc.close()
        raise_if_cancelled()  # nats-py's close swallows a cancel while it reconnects
        if not lost.is_set():  # a reconnect starts over at once: NATS is back
            await asyncio.sleep(retry_seconds)
