"""The one rule for rows a caller may not see: the same answer as for a missing row."""

from __future__ import annotations

import pytest

from services.kernel.errors import Forbidden, NotFound
from services.kernel.visibility import refusal, require_visible


def test_a_hidden_row_is_refused_with_the_message_of_a_missing_one() -> None:
    with pytest.raises(NotFound) as hidden:
        require_visible(False, "Урок не найден.")
    assert (hidden.value.extensions, hidden.value.message) == (
        {"code": "NOT_FOUND"},
        "Урок не найден.",
    )
    require_visible(True, "Урок не найден.")  # a visible row goes on


def test_forbidden_only_for_a_row_the_caller_sees() -> None:
    seen = refusal(visible=True, missing="Урок не найден.", forbidden="Вы не ведёте урок.")
    unseen = refusal(visible=False, missing="Урок не найден.", forbidden="Вы не ведёте урок.")
    assert isinstance(seen, Forbidden) and seen.message == "Вы не ведёте урок."
    assert isinstance(unseen, NotFound) and unseen.message == "Урок не найден."
