"""Tells the gateway in the reply which sessions and accounts this request revoked.

The events reach every gateway through JetStream within a second; the gateway that serves
the request must refuse the token before its reply leaves, so the reply names them too
(``extensions.revocations``: the envelopes, as the stream carries them). The gateway never
passes a subgraph's extensions on to the client.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension

from services.kernel.graphql import ServiceContext
from services.people.events import AccountBlocked, SessionEnded

REVOKING = frozenset({SessionEnded.type, AccountBlocked.type})
EXTENSION_KEY = "revocations"


class RevocationsInReply(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if not isinstance(context, ServiceContext):
            return {}
        revoked = [
            envelope.model_dump(mode="json", include={"type", "occurred_at", "payload"})
            for envelope in context.committed()
            if envelope.type in REVOKING
        ]
        return {EXTENSION_KEY: revoked} if revoked else {}
