"""Journal benchmark: the diary and the class journal read through the gateway, and marks
written through it, each against raw asyncpg SQL on the journal's database in the same run.
Run with ``python -m tests.bench journal``.
"""

from tests.bench.journal.run import run

__all__ = ["run"]
