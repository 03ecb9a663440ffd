"""The electronic class journal: subjects, teaching load, lessons, marks and attendance."""
