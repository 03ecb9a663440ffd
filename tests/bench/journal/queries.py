"""What the benchmark sends through the gateway, and the same data read and written in SQL."""

from __future__ import annotations

# A parent opens the child's diary for the week.
DIARY = """
query Diary($student: ID!, $from: Date!, $to: Date!) {
  diary(studentId: $student, from: $from, to: $to) {
    date
    lessons { number topic homework subject { name } marks { value weight } attendance { code } }
  }
}
"""

# The demo teacher opens 7Б's algebra journal for a month.
CLASS_JOURNAL = """
query Journal($class: ID!, $subject: ID!, $from: Date!, $to: Date!) {
  classJournal(schoolClassId: $class, subjectId: $subject, from: $from, to: $to) {
    students { id }
    lessons {
      date topic
      marks { value student { id } }
      attendance { code student { id } }
    }
  }
}
"""

RECORD_MARK = """
mutation Record($input: RecordMarkInput!) { recordMark(input: $input) { id } }
"""

# --- raw SQL: the rows the journal service reads for the same answers -------------------------

SQL_DIARY_LESSONS = """
SELECT l.id, l.date, l.number, l.topic, l.homework, s.name
FROM lesson l JOIN subject s ON s.id = l.subject_id
WHERE l.school_class_id IN (SELECT school_class_id FROM enrolment WHERE person_id = $1)
  AND l.date BETWEEN $2 AND $3
ORDER BY l.date, l.number
"""
SQL_STUDENT_MARKS = """
SELECT m.lesson_id, m.value, t.weight
FROM mark m
JOIN assignment a ON a.id = m.assignment_id
JOIN assignment_type t ON t.id = a.assignment_type_id
WHERE m.lesson_id = ANY($1::uuid[]) AND m.student_id = $2
ORDER BY m.created_at
"""
SQL_STUDENT_ATTENDANCE = """
SELECT lesson_id, code FROM attendance WHERE lesson_id = ANY($1::uuid[]) AND student_id = $2
"""
SQL_CLASS_STUDENTS = """
SELECT p.id FROM person p JOIN enrolment e ON e.person_id = p.id
WHERE e.school_class_id = $1
ORDER BY p.last_name, p.first_name, p.middle_name
"""
SQL_CLASS_LESSONS = """
SELECT id, date, number, topic FROM lesson
WHERE school_class_id = $1 AND subject_id = $2 AND date BETWEEN $3 AND $4
ORDER BY date, number
"""
SQL_LESSON_MARKS = """
SELECT m.lesson_id, m.student_id, m.value, t.weight
FROM mark m
JOIN assignment a ON a.id = m.assignment_id
JOIN assignment_type t ON t.id = a.assignment_type_id
WHERE m.lesson_id = ANY($1::uuid[])
ORDER BY m.created_at
"""
SQL_LESSON_ATTENDANCE = """
SELECT lesson_id, student_id, code FROM attendance WHERE lesson_id = ANY($1::uuid[])
"""
SQL_INSERT_MARK = """
INSERT INTO mark (id, school_id, lesson_id, assignment_id, student_id, value, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
SQL_INSERT_OUTBOX = """
INSERT INTO outbox (id, subject, aggregate, envelope) VALUES ($1, $2, $3, $4)
"""
