from services.kernel.migrations import run_env
from services.reports import archive_models  # noqa: F401  (its tables join the metadata)
from services.reports.models import Base

run_env(Base.metadata)
