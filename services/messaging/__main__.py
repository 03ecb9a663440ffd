"""Run the messaging subgraph: ``python -m services.messaging``."""

from services.kernel.app import serve

serve("services.messaging.app:create", 8103)
