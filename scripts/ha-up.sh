#!/usr/bin/env bash
# Starts the highly available stack (docker-compose.ha.yml) as compose
# project "platform-ha": first the base images from Debian's packages
# (scripts/docker-base-images.sh, seconds when they exist), then
# `up --build -d`, then waits until every container is healthy and prints
# the Patroni cluster and the published ports.
#
# Usage: scripts/ha-up.sh          start (or update) the stack
#        scripts/ha-up.sh down     stop it and delete its volumes
# HA_PROJECT names another compose project; GO_IMAGE set (a registry or a
# mirror) skips the local base images.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'ha-up: %s\n' "$*" >&2; }
fail() {
	say "FAIL: $*"
	exit 1
}

if docker compose version >/dev/null 2>&1; then
	compose=(docker compose)
elif command -v docker-compose >/dev/null; then
	compose=(docker-compose)
else
	fail "neither 'docker compose' nor 'docker-compose' is installed"
fi
compose+=(-p "${HA_PROJECT:-platform-ha}" -f docker-compose.ha.yml)

if [ "${1:-}" = down ]; then
	"${compose[@]}" down -v --remove-orphans
	exit
fi

if [ -z "${GO_IMAGE:-}" ]; then
	scripts/docker-base-images.sh >/dev/null
	set -a
	. ./.docker-images.env
	set +a
fi
export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-1} COMPOSE_DOCKER_CLI_BUILD=${COMPOSE_DOCKER_CLI_BUILD:-1}

say "building and starting (${compose[*]})"
"${compose[@]}" up --build -d

services=(etcd1 etcd2 etcd3 pg1 pg2 pg3 haproxy-db pgbouncer auth1 auth2 auth3 lb executor)
deadline=$((SECONDS + ${HA_UP_TIMEOUT:-300}))
for service in "${services[@]}"; do
	id=$("${compose[@]}" ps -q "$service")
	[ -n "$id" ] || fail "no container for $service"
	until [ "$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id")" = running/healthy ]; do
		[ "$SECONDS" -lt "$deadline" ] || fail "$service is not healthy; ${compose[*]} logs $service"
		sleep 1
	done
done
say "every container is healthy"
"${compose[@]}" exec -T pg1 patronictl -c /etc/patroni/patroni.yml list >&2
cat >&2 <<EOT
ha-up: on 127.0.0.1: auth REST ${HA_AUTH_HTTP_PORT:-28080}, auth gRPC ${HA_AUTH_GRPC_PORT:-29090} (mutual TLS),
ha-up: executor ${HA_EXECUTOR_HTTP_PORT:-28081}, HAProxy statistics ${HA_LB_STATS_PORT:-28404} (auth) and ${HA_DB_STATS_PORT:-28405} (PostgreSQL)
ha-up: stop with: scripts/ha-up.sh down
EOT
