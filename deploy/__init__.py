"""Embedded runner behind ``sgo up``: PostgreSQL, NATS, provisioning and the process supervisor."""
