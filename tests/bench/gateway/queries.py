"""The two operations of the benchmark, as a client sends them and as the subgraphs answer them."""

from __future__ import annotations

# A parent at 8 a.m.: who am I, and my child's lessons, marks and absences today.
LIGHT = """
query Light($student: ID!, $day: Date!) {
  me { person { fullName } }
  diary(studentId: $student, from: $day, to: $day) {
    date
    lessons { number topic homework subject { name } marks { value weight } attendance { code } }
  }
}
"""

# A teacher's class journal for a month: students' names from people, the rest from journal.
HEAVY = """
query Heavy($class: ID!, $subject: ID!, $from: Date!, $to: Date!) {
  classJournal(schoolClassId: $class, subjectId: $subject, from: $from, to: $to) {
    schoolClass { name }
    students { id fullName }
    lessons {
      date number topic homework
      marks { value weight student { id } }
      attendance { code student { id } }
    }
  }
}
"""

# (a) The same data straight from the owning subgraphs, as a client without a gateway would get it.
LIGHT_PEOPLE = "{ me { person { fullName } } }"
LIGHT_JOURNAL = """
query($student: ID!, $day: Date!) {
  diary(studentId: $student, from: $day, to: $day) {
    date
    lessons { number topic homework subject { name } marks { value weight } attendance { code } }
  }
}
"""
HEAVY_JOURNAL = """
query($class: ID!, $subject: ID!, $from: Date!, $to: Date!) {
  classJournal(schoolClassId: $class, subjectId: $subject, from: $from, to: $to) {
    schoolClass { id }
    students { id }
    lessons {
      date number topic homework
      marks { value weight student { id } }
      attendance { code student { id } }
    }
  }
}
"""
HEAVY_PEOPLE = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Student { id fullName }
    ... on SchoolClass { name }
  }
}
"""
