"""A row the caller may not see answers exactly as a row that does not exist.

The one rule every service follows, so that an id is never an oracle ("this child exists in
another family", "this mark exists in another class"):

- **Fields and mutations that name one row** (``studentHealth(studentId)``, ``changeMark``):
  a row the caller may not see — another school's, another family's child, a mark of a
  journal the caller does not read — is refused with the same ``NOT_FOUND`` and the same
  message as a row that is not there (``require_visible``). Same code, same message, same
  shape of ``data``.
- **Lists** (``lessons``, ``markHistory``, ``debts``, ``consents``): a list answers the rows
  the caller may read among those its arguments select. A filter naming a row that is
  missing, hidden or whose rows the caller does not read gives an empty list — never
  ``FORBIDDEN``, never ``NOT_FOUND``: the use case returns ``[]`` before anything else is
  said about the row.
- **FORBIDDEN stays honest where the caller sees the row** but may not do this with it: a
  teacher sees every lesson of the school in the timetable but fills in only those they
  teach; the staff see every student of the school but read a student's health only as the
  medical worker, the director or the class teacher (``refusal``). What "sees" means is
  decided per field from what the caller can read elsewhere in the API: a field must not
  reveal a row the caller could not have listed.
- A role the caller lacks altogether is ``FORBIDDEN`` for every id alike (the gateway refuses
  the field before any row is read), which reveals nothing about rows.
"""

from __future__ import annotations

from services.kernel.errors import Forbidden, NotFound, SgoError


def require_visible(visible: bool, missing: str) -> None:
    """Refuse a row the caller may not see with ``missing``, the message of an absent row."""
    if not visible:
        raise NotFound(missing)


def refusal(*, visible: bool, missing: str, forbidden: str) -> SgoError:
    """The error for a row the caller may not use: FORBIDDEN only when they can see it."""
    return Forbidden(forbidden) if visible else NotFound(missing)
