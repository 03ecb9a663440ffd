"""Alembic environment of the journal database."""

from services.journal.models import Base
from services.kernel.migrations import run_env

run_env(Base.metadata)
