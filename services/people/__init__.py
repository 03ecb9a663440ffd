"""People: schools, classes, persons, roles, consents, accounts and sessions."""
