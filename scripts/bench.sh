#!/usr/bin/env bash
# Runs the benchmarks (without the race detector, which distorts timings)
# against a real PostgreSQL, started when needed. Extra arguments go to
# go test, e.g. scripts/bench.sh -bench ValidateSession -benchtime 2000x
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${TEST_DATABASE_URL:-}" ] || DATABASE_URL='' scripts/postgres.sh >/dev/null
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-bench . -benchtime 2s)
go test -run '^$' "${args[@]}" ./services/auth/cmd/
