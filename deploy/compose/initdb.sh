#!/bin/sh
# First start of the Compose PostgreSQL: one role and one database per service, as `sgo up`
# provisions them (deploy/provision.py); each role may connect only to its own database.
set -eu
for service in people journal messaging reports; do
    name="sgo_${service}"
    psql -v ON_ERROR_STOP=1 --username postgres --dbname postgres <<SQL
CREATE ROLE ${name} LOGIN PASSWORD '${DB_PASSWORD}';
CREATE DATABASE ${name} OWNER ${name} ENCODING 'UTF8';
REVOKE CONNECT, TEMPORARY ON DATABASE ${name} FROM PUBLIC;
SQL
done
