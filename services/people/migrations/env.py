from services.kernel.migrations import run_env
from services.people.models import Base

run_env(Base.metadata)
