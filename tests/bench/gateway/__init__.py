"""Gateway benchmark: the owning subgraphs, sgo's gateway, Apollo Gateway and Hive Gateway.

All four serve the same demo school from the same running subgraphs; the Node gateways get the
supergraph The Guild's composer builds from the subgraphs' SDL. Run with
``python -m tests.bench gateway``.
"""

from tests.bench.gateway.run import run

__all__ = ["run"]
