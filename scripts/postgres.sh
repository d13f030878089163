#!/usr/bin/env bash
# Makes sure a local PostgreSQL answers on 127.0.0.1:5432 with the development
# roles and database (see below), then prints the service's URL. Installs
# PostgreSQL from Debian's packages when missing and starts the machine's
# cluster when it is down. When DATABASE_URL names another server, only checks
# that it answers. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh postgres
url_default="postgres://auth:auth@127.0.0.1:5432/auth?sslmode=disable"
url="${DATABASE_URL:-$url_default}"

# Another server named by DATABASE_URL: use it as it is.
if [ "$url" != "$url_default" ]; then
	if pg_isready -q -d "$url" 2>/dev/null; then
		echo "$url"
		exit 0
	fi
	echo "postgres.sh: DATABASE_URL is set but does not answer: fix it or unset it" >&2
	exit 1
fi

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
	version=$(basename "$(ls -d /usr/lib/postgresql/*/ | sort -V | tail -1)")
	"${as_root[@]}" pg_createcluster "$version" main >/dev/null
fi
read -r version cluster port status _ < <(pg_lsclusters -h | head -1)
if [ "$status" != online ]; then
	"${as_root[@]}" pg_ctlcluster "$version" "$cluster" start
fi
if [ "$port" != 5432 ]; then
	echo "postgres.sh: cluster $version/$cluster listens on $port, not 5432" >&2
	exit 1
fi
for _ in $(seq 1 50); do
	pg_isready -q -h /var/run/postgresql -p "$port" && break
	sleep 0.2
done

# "auth" is the service's role: it owns its database and nothing more.
# "auth_test" is the tests' administrator: it builds a template database and
# clones one per test (pgtestdb marks templates in pg_database, which takes a
# superuser), and plays the operator in outage tests. Both exist only on this
# local server, which listens on loopback.
(cd / && "${as_root[@]}" su postgres -c "psql -q -v ON_ERROR_STOP=1 -p $port") <<'SQL' >/dev/null
SELECT 'CREATE ROLE auth LOGIN PASSWORD ''auth'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'auth')\gexec
SELECT 'CREATE ROLE auth_test LOGIN SUPERUSER PASSWORD ''auth_test'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'auth_test')\gexec
SELECT 'CREATE DATABASE auth OWNER auth'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'auth')\gexec
SQL
echo "$url"
