#!/usr/bin/env bash
# Makes sure a local PostgreSQL answers on 127.0.0.1:5432 with the development
# role and database (auth/auth, database "auth"), then prints its URL.
# Uses a PostgreSQL that already answers DATABASE_URL; otherwise installs (when
# missing) and starts the machine's cluster. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

url_default="postgres://auth:auth@127.0.0.1:5432/auth?sslmode=disable"
url="${DATABASE_URL:-$url_default}"

if pg_isready -q -d "$url" 2>/dev/null && psql -q -d "$url" -c 'select 1' >/dev/null 2>&1; then
	echo "$url"
	exit 0
fi
if [ "$url" != "$url_default" ]; then
	echo "postgres.sh: DATABASE_URL is set but does not answer: fix it or unset it" >&2
	exit 1
fi

scripts/install-deps.sh postgres
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

# The development role creates databases (the tests make one per test) and
# roles (pgtestdb makes one for the test databases); it is not a superuser.
"${as_root[@]}" su postgres -c "psql -q -v ON_ERROR_STOP=1 -p $port" <<'SQL' >/dev/null
SELECT 'CREATE ROLE auth LOGIN PASSWORD ''auth'' CREATEDB CREATEROLE'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'auth')\gexec
SELECT 'CREATE DATABASE auth OWNER auth'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'auth')\gexec
SQL
echo "$url"
