#!/usr/bin/env bash
# Runs every test of the repository against a real PostgreSQL, which it
# starts when needed (scripts/postgres.sh). Extra arguments go to go test,
# e.g. scripts/test.sh -run TestWalkthrough ./services/auth/cmd/
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TEST_DATABASE_URL:-}" ]; then
	# Starts the local server and creates its roles; the tests use the
	# superuser test role on it to create one database per test.
	DATABASE_URL='' scripts/postgres.sh >/dev/null
fi

# oathtool is the independent TOTP implementation the tests check against;
# chromium the headless browser the web app's tests drive; PgBouncer (1.18,
# transaction pooling) what the tests of DATABASE_URL through a pooler run
# against.
scripts/install-deps.sh oathtool chromium pgbouncer

args=("$@")
[ ${#args[@]} -gt 0 ] || args=(./...)
go test -race -count=1 "${args[@]}"
