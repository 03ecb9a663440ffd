"""The demo journal's days: it is generated around today, so the tests read the same days."""

from __future__ import annotations

from services.journal.domain.demo import current_school_day, demo_days
from services.kernel.demo import demo_today

DAYS = demo_days(demo_today())
# The current school week (Monday to Friday): taught up to today, within the lock period.
WEEK = {"from": DAYS[10].isoformat(), "to": DAYS[14].isoformat()}
# Every day of the demo journal.
ALL_DAYS = {"from": DAYS[0].isoformat(), "to": DAYS[-1].isoformat()}
FIRST_DAY, LAST_DAY = DAYS[0], DAYS[-1]
# The school day the demo stands at the end of (today, or Friday on a weekend).
TODAY = current_school_day(demo_today())
