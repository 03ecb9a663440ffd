"""Run the people subgraph: ``python -m services.people``."""

from services.kernel.app import serve

serve("services.people.app:create", 8101)
