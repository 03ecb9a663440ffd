"""The demo school's calendar and timetable rules: which days it shows, when the bells ring,
how a class's week is planned without putting a teacher in two places, and the term mark the
rules propose from a weighted average. Pure functions (no I/O)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

WEEKS_AROUND = 2  # the demo shows the current school week and two before and after it
MAX_WEEK_HOURS = 27  # a teacher's week in the timetable, below the 30 slots of a class
LAST_LESSON = 7
FIRST_BELL = time(8, 30)
LESSON_MINUTES = 45
# Breaks after lessons 1..7: two long ones (20 min) for breakfast and lunch, the rest 10 min.
BREAKS = (10, 20, 20, 10, 10, 10, 10)


def current_school_day(today: date) -> date:
    """The school day the demo stands at the end of: today, or Friday on a weekend."""
    return today - timedelta(days=max(0, today.weekday() - 4))


def demo_days(today: date, weeks_around: int = WEEKS_AROUND) -> list[date]:
    """Monday to Friday of the current week (Monday..Sunday holding today) and the weeks
    around it."""
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks_around)
    return [
        monday + timedelta(weeks=w, days=d) for w in range(2 * weeks_around + 1) for d in range(5)
    ]


def bell_schedule(lessons: int = len(BREAKS) + 1) -> list[tuple[int, time, time]]:
    """(number, starts, ends): the first bell at 8:30, 45-minute lessons, 10–20-minute breaks."""
    bells, minute = [], FIRST_BELL.hour * 60 + FIRST_BELL.minute
    for number in range(1, lessons + 1):
        end = minute + LESSON_MINUTES
        bells.append((number, time(minute // 60, minute % 60), time(end // 60, end % 60)))
        minute = end + (BREAKS[number - 1] if number <= len(BREAKS) else 10)
    return bells


def weighted_average(marks: list[tuple[int, int]]) -> Decimal | None:
    """The average of (value, weight) pairs to two decimals; None without marks."""
    total = sum(weight for _, weight in marks)
    if not total:
        return None
    value = Decimal(sum(v * w for v, w in marks)) / Decimal(total)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def term_mark(
    average: Decimal,
    threshold_5: Decimal = Decimal("4.65"),
    threshold_4: Decimal = Decimal("3.65"),
    threshold_3: Decimal = Decimal("2.65"),
) -> int:
    """The mark the school's thresholds propose for a weighted average."""
    if average >= threshold_5:
        return 5
    if average >= threshold_4:
        return 4
    if average >= threshold_3:
        return 3
    return 2


# --- a class's week (the timetable) ---------------------------------------------------------


def fit(
    person: UUID, subject: str, hours: int, week_hours: Counter[UUID], taught: dict[UUID, set[str]]
) -> tuple[int, int]:
    """Prefer a teacher of the same subject with room in their week, then the least loaded."""
    specialist = subject in taught[person] and week_hours[person] + hours <= MAX_WEEK_HOURS
    return (0 if specialist else 1, week_hours[person])


def _make_room(
    plan: dict[tuple[int, int], str],
    slots: list[tuple[int, int]],
    teacher: UUID,
    teacher_of: dict[str, UUID],
    busy: set[tuple[int, int, UUID]],
) -> tuple[int, int] | None:
    """Free a slot for ``teacher`` by moving the lesson in it to a slot its own teacher has free."""
    for slot, other in list(plan.items()):
        if (*slot, teacher) in busy:
            continue
        other_teacher = teacher_of[other]
        target = next((f for f in slots if f not in plan and (*f, other_teacher) not in busy), None)
        if target is not None:
            del plan[slot]
            busy.discard((*slot, other_teacher))
            plan[target] = other
            busy.add((*target, other_teacher))
            return slot
    return None


def gaps(plan: dict[tuple[int, int], str]) -> int:
    """Empty periods before a day's last lesson."""
    last: Counter[int] = Counter()
    for d, n in plan:
        last[d] = max(last[d], n)
    return sum(last.values()) - len(plan)


def week_plan(
    hours: dict[str, int],
    teacher_of: dict[str, UUID],
    busy: set[tuple[int, int, UUID]],
    rng: random.Random,
    attempts: int = 30,
) -> dict[tuple[int, int], str]:
    """(weekday 0..4, number) -> subject for one class: 5–6 lessons a day from the first, no
    teacher double-booked (``busy`` holds the other classes' (weekday, number, teacher) and
    grows). Tries a few orders and keeps the first without a dropped hour or a gap."""
    wanted = min(30, sum(hours.values()))
    best: tuple[tuple[int, int], dict[tuple[int, int], str], set[tuple[int, int, UUID]]] | None
    best = None
    for _ in range(attempts):
        trial = set(busy)
        candidate = _plan_once(hours, teacher_of, trial, rng)
        score = (wanted - len(candidate), gaps(candidate))
        if best is None or score < best[0]:
            best = (score, candidate, trial)
        if score == (0, 0):
            break
    assert best is not None
    busy.update(best[2])
    return best[1]


def _plan_once(
    hours: dict[str, int],
    teacher_of: dict[str, UUID],
    busy: set[tuple[int, int, UUID]],
    rng: random.Random,
) -> dict[tuple[int, int], str]:
    items = [name for name, n in hours.items() for _ in range(n)]
    rng.shuffle(items)
    items = items[:30]
    per_day = [len(items) // 5 + (1 if d < len(items) % 5 else 0) for d in range(5)]
    slots = [(d, n) for d in range(5) for n in range(1, per_day[d] + 1)]
    # Later lessons on the shortest days, for an hour whose teacher is busy in every free slot.
    reserve = sorted(
        ((d, n) for d in range(5) for n in range(per_day[d] + 1, LAST_LESSON + 1)),
        key=lambda slot: (slot[1], slot[0]),
    )
    plan: dict[tuple[int, int], str] = {}
    for subject in items:
        teacher = teacher_of[subject]
        same_day = {d for (d, _), s in plan.items() if s == subject}
        free = [
            slot for slot in slots if slot not in plan and (slot[0], slot[1], teacher) not in busy
        ]
        # Prefer a day without this subject yet; take any free slot when the week is tight;
        # failing that, move a placed lesson out of the way, or teach it later in a day.
        choice = next((x for x in free if x[0] not in same_day), None) or (
            free[0] if free else None
        )
        if choice is None:
            choice = _make_room(plan, slots, teacher, teacher_of, busy)
        if choice is None:
            choice = next((r for r in reserve if r not in plan and (*r, teacher) not in busy), None)
        if choice is None:
            continue  # never put a teacher in two classes at once
        plan[choice] = subject
        busy.add((choice[0], choice[1], teacher))
    _close_gaps(plan, teacher_of, busy)
    return plan


def _close_gaps(
    plan: dict[tuple[int, int], str],
    teacher_of: dict[str, UUID],
    busy: set[tuple[int, int, UUID]],
) -> None:
    """A class has no empty period between lessons: move a day's last lesson of any day into
    a gap whenever its teacher is free then."""
    for _ in range(len(plan)):
        gaps = [
            (d, n)
            for d in range(5)
            for n in range(1, max((m for e, m in plan if e == d), default=0))
            if (d, n) not in plan
        ]
        if not gaps:
            return
        moved = False
        for gap in gaps:
            lasts = [(d, max(m for e, m in plan if e == d)) for d in {e for e, _ in plan}]
            for last in sorted(lasts, key=lambda slot: -slot[1]):
                teacher = teacher_of[plan[last]]
                if last[1] > gap[1] and (*gap, teacher) not in busy:
                    plan[gap] = plan.pop(last)
                    busy.discard((*last, teacher))
                    busy.add((*gap, teacher))
                    moved = True
                    break
            if moved:
                break
        if not moved:
            return
