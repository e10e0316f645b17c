#!/bin/sh
# First start of the TimescaleDB container (docker-entrypoint-initdb.d): the read-only login of Grafana's
# PostgreSQL datasource (provisioning/datasources/openbess.yaml). pg_read_all_data (PostgreSQL >= 14) reads every
# table, including those the collector's migrations create later; every session is read-only.
# Needs OPENBESS_GRAFANA_DB_PASSWORD; POSTGRES_USER / POSTGRES_DB come from the image's entrypoint.
set -eu
: "${OPENBESS_GRAFANA_DB_PASSWORD:?set OPENBESS_GRAFANA_DB_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  -v reader_password="$OPENBESS_GRAFANA_DB_PASSWORD" -v reader_role="${OPENBESS_GRAFANA_DB_USER:-grafana_reader}" <<'SQL'
CREATE ROLE :"reader_role" LOGIN PASSWORD :'reader_password';
GRANT pg_read_all_data TO :"reader_role";
ALTER ROLE :"reader_role" SET default_transaction_read_only = on;
SQL
