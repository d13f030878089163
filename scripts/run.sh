#!/usr/bin/env bash
# Runs the auth service locally: starts PostgreSQL when none is reachable,
# then builds and runs the service with db/.env (or db/.env.dev when there is
# none). Variables already set in the environment win. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

env_file=db/.env
[ -f "$env_file" ] || env_file=db/.env.dev
load_env "$env_file"

# The local server is only started for the local URL; another DATABASE_URL
# is used as it is.
DATABASE_URL=$(scripts/postgres.sh)
export DATABASE_URL

mkdir -p .bin
go build -o .bin/auth ./services/auth/cmd
echo "auth: REST on ${HTTP_ADDR:-:8080}, gRPC on ${GRPC_ADDR:-:9090} (config from $env_file)" >&2
exec .bin/auth
