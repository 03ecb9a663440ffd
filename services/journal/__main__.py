"""Run the journal subgraph: ``python -m services.journal``."""

from services.kernel.app import serve

serve("services.journal.app:create", 8102)
