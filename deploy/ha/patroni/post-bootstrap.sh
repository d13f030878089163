#!/bin/bash
# Patroni runs this once, on the node that initialises the cluster, with a
# superuser connection URL as $1: it creates the application's role and
# database (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB), which reach the
# replicas by streaming replication.
set -euo pipefail
: "${POSTGRES_USER:?}" "${POSTGRES_PASSWORD:?}"
db=${POSTGRES_DB:-$POSTGRES_USER}
psql "$1" -q -v ON_ERROR_STOP=1 --set user="$POSTGRES_USER" --set password="$POSTGRES_PASSWORD" --set db="$db" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user";
SQL
