#!/bin/bash
# Writes PgBouncer's user list (the one application role, its password in
# clear: PgBouncer then speaks SCRAM to both its clients and PostgreSQL)
# into a private directory and runs PgBouncer in the foreground.
set -euo pipefail
: "${POSTGRES_USER:?POSTGRES_USER must be set}"
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
umask 077
printf '"%s" "%s"\n' "${POSTGRES_USER//\"/\"\"}" "${POSTGRES_PASSWORD//\"/\"\"}" >/run/pgbouncer/userlist.txt
exec pgbouncer /etc/pgbouncer/pgbouncer.ini "$@"
