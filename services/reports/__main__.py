"""Run the reports subgraph: ``python -m services.reports``."""

from services.kernel.app import serve

serve("services.reports.app:create", 8104)
