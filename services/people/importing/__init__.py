"""Bulk import of the lists the secretaries hold by 1 September: classes, students, parents, staff.

Files: CSV (UTF-8 with or without BOM, or Windows-1251; «;», «,» or tab between columns — as
Russian Excel saves it) holding one list, or XLSX (read in openpyxl's read-only mode) holding
one list on its first sheet or, as a workbook, one sheet per list named «Классы», «Учащиеся»,
«Родители», «Сотрудники». Files up to 10 MB.

Columns (first row; a title above it is skipped; unknown columns are ignored; ``*`` marks
required ones; each has aliases, see ``parse.COLUMNS``):

- Классы: Класс* («7Б», «7 б», «7-Б»).
- Учащиеся: Фамилия*, Имя*, Отчество (or one column ФИО*), Пол (М/Ж), Дата рождения*,
  Класс* (in this file or already in the school), Дата зачисления (default: the first day
  of the school's latest academic year).
- Родители: Фамилия*, Имя*, Отчество (or ФИО*), Пол (from Родство if empty), Дата рождения,
  Родство* (мать, отец, законный представитель; опекун, попечитель), Ребёнок* (ФИО of a
  student in this file or in the school), Дата рождения ребёнка and Класс ребёнка when two
  students share a name. A parent of two children takes two rows; rows with the same
  ФИО and birth date are one person, and a parent the school already has is linked, not
  registered again.
- Сотрудники: Фамилия*, Имя*, Отчество (or ФИО*), Пол, Дата рождения, Должность*,
  Дата приёма. The position is recorded as written; roles are granted by the administrator.

Classes and enrolments go into the school's latest academic year. A dry run reports every
problem by sheet, row (as Excel numbers it) and column; a real run writes everything in one
transaction, or nothing if there is any problem.
"""

from services.people.importing.load import ImportReport, import_people
from services.people.importing.parse import FileFormat, ImportKind

__all__ = ["FileFormat", "ImportKind", "ImportReport", "import_people"]
