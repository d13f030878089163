#!/usr/bin/env bash
# Chaos test of the highly available stack (docker-compose.ha.yml): under
# steady mixed load from scripts/chaosload (logins, ValidateSession over
# gRPC with mutual TLS through HAProxy, the profile, the executor, backup
# codes and TOTP codes raced from several clients), it injects one fault
# at a time, with recovery and a quiet spell in between:
#
#   a. kill the Patroni leader (docker kill), wait for the new leader,
#      start the old one again and wait until it is a replica;
#   b. kill one auth replica, start it again after 5 s;
#   c. restart the etcd member the Patroni leader is connected to;
#   d. pause PgBouncer for 5 s (docker pause, unpause).
#
# Then chaosload prints, per fault, the failed requests (first and last
# after the injection, and the window between them), the sessions created
# before it and how many the service no longer knew, the backup codes and
# TOTP steps raced and whether one was accepted twice; and the failures
# outside every fault's period. It fails when a fault's last failure is
# more than 15 s after its injection, a session is lost, a code or step is
# accepted twice, or a request fails outside the faults.
#
# Usage: scripts/chaos-e2e.sh [short|full]
#   short (or CHAOS_SHORT=1): each fault once, 10 s of quiet between them:
#         about 4 minutes with the images built (CI)
#   full (the default): each fault twice, 30 s of quiet between them
# The stack runs as compose project "platform-chaos" on 127.0.0.1 ports
# 38080 (REST), 39090 (gRPC), 38081 (executor), 38404 and 38405 (HAProxy
# statistics), so that it does not disturb one started by scripts/ha-up.sh;
# it is torn down with its volumes at the end, on failure too. Base images
# as in scripts/compose-e2e.sh. CHAOS_KEEP=DIR keeps the events (JSON
# lines), the faults file and the table there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'chaos-e2e: %s %s\n' "$(date +%T)" "$*" >&2; }
fail() {
	say "FAIL: $*"
	exit 1
}

mode=${1:-full}
[ -z "${CHAOS_SHORT:-}" ] || mode=short
case $mode in
short) rounds=1 quiet=10 warmup=10 ;;
full) rounds=2 quiet=30 warmup=30 ;;
*) fail "usage: $0 [short|full]" ;;
esac

command -v docker >/dev/null || fail "docker is not installed"
docker info >/dev/null 2>&1 || fail "the Docker engine does not answer"
if docker compose version >/dev/null 2>&1; then
	compose=(docker compose)
elif command -v docker-compose >/dev/null; then
	compose=(docker-compose)
else
	fail "neither 'docker compose' nor 'docker-compose' is installed"
fi
compose+=(-p "${CHAOS_PROJECT:-platform-chaos}" -f docker-compose.ha.yml)

if [ -z "${GO_IMAGE:-}" ]; then
	scripts/docker-base-images.sh >/dev/null
	set -a
	. ./.docker-images.env
	set +a
fi
export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-1} COMPOSE_DOCKER_CLI_BUILD=${COMPOSE_DOCKER_CLI_BUILD:-1}
export HA_AUTH_HTTP_PORT=${CHAOS_HTTP_PORT:-38080} HA_AUTH_GRPC_PORT=${CHAOS_GRPC_PORT:-39090}
export HA_EXECUTOR_HTTP_PORT=${CHAOS_EXECUTOR_PORT:-38081} HA_LB_STATS_PORT=${CHAOS_LB_STATS_PORT:-38404}
export HA_DB_STATS_PORT=${CHAOS_DB_STATS_PORT:-38405}
# Secrets of this run only.
TOTP_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)
POSTGRES_PASSWORD=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
PATRONI_SUPERUSER_PASSWORD=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
PATRONI_REPLICATION_PASSWORD=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export TOTP_ENCRYPTION_KEY POSTGRES_PASSWORD PATRONI_SUPERUSER_PASSWORD PATRONI_REPLICATION_PASSWORD
# The load races codes from several clients of one address (every request
# reaches auth from HAProxy): the losers' refusals would trip the
# throttles, which are not under test here. Cheaper logins, too: two
# cores run the whole stack.
export THROTTLE_LOGIN_FAILURES=1000000 THROTTLE_SECOND_FACTOR_FAILURES=1000000 THROTTLE_IP_FAILURES=1000000
export THROTTLE_REGISTRATIONS=1000000 THROTTLE_LOCKOUT_FAILURES=1000000 BCRYPT_COST=10
export PUBLIC_URL=http://127.0.0.1:$HA_AUTH_HTTP_PORT SMTP_URL=
stats=http://127.0.0.1:$HA_LB_STATS_PORT

tmp=$(mktemp -d)
load_pid=
cleanup() {
	local status=$?
	trap - EXIT INT TERM
	[ -z "$load_pid" ] || kill "$load_pid" 2>/dev/null || true
	if [ "$status" -ne 0 ]; then
		say "the stack when it failed:"
		"${compose[@]}" ps >&2 || true
		"${compose[@]}" logs --no-color --tail=30 >&2 || true
	fi
	if [ -n "${CHAOS_KEEP:-}" ]; then
		mkdir -p "$CHAOS_KEEP" && cp "$tmp"/events.jsonl "$tmp"/faults.tsv "$tmp"/table.md "$CHAOS_KEEP"/ 2>/dev/null || true
	fi
	say "tearing the stack down (down -v)"
	"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || say "WARNING: down -v failed; run: ${compose[*]} down -v"
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

services=(etcd1 etcd2 etcd3 pg1 pg2 pg3 haproxy-db pgbouncer auth1 auth2 auth3 lb executor)
cid() { "${compose[@]}" ps -q "$1"; }
now() { date +%s%3N; }
# healthy SERVICE...: until Docker reports each container healthy (120 s).
healthy() {
	local service id deadline=$((SECONDS + 120))
	for service in "$@"; do
		id=$(cid "$service")
		until [ "$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id")" = running/healthy ]; do
			[ "$SECONDS" -lt "$deadline" ] || fail "$service is not healthy after 120 s"
			sleep 0.5
		done
	done
}
# members: Patroni's view, one member a line (JSON objects), asked of any
# node that answers.
members() {
	local node
	for node in pg1 pg2 pg3; do
		docker exec "$(cid "$node")" patronictl -c /etc/patroni/patroni.yml list -f json 2>/dev/null | tr '}' '\n' && return
	done
}
leader() { members | grep '"Role": "Leader"' | grep '"State": "running"' | sed -n 's/.*"Member": "\([^"]*\)".*/\1/p'; }
# replica NAME: NAME is a running replica with a known lag.
replica() { members | grep "\"Member\": \"$1\"" | grep '"State": "running"' | grep -v Leader | grep -q '"Lag in MB": [0-9]'; }
# lb_up SERVER: HAProxy counts SERVER ready and live again, for REST and gRPC.
lb_up() { [ "$(curl -sf "$stats/;csv" | awk -F, -v s="$1" '$2 == s && $18 ~ /^UP/' | wc -l)" = 4 ]; }
# until_true SECONDS WHAT COMMAND...: polls COMMAND every half second.
until_true() {
	local limit=$1 what=$2 deadline
	shift 2
	deadline=$((SECONDS + limit))
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || fail "$what: not after ${limit} s"
		sleep 0.5
	done
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b - a) / 1000}'; }
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$tmp/faults.tsv"; }

kill_leader() {
	local old new t0 t_leader
	old=$(leader)
	[ -n "$old" ] || fail "no Patroni leader"
	say "fault: docker kill the Patroni leader $old"
	t0=$(now)
	docker kill "$(cid "$old")" >/dev/null
	until_true 60 "a new leader after $old" new_leader "$old"
	t_leader=$(now)
	new=$(leader)
	docker start "$(cid "$old")" >/dev/null
	healthy "$old"
	until_true 90 "$old back as a replica" replica "$old"
	record "kill Patroni leader" "$t0" "$(now)" "leader $old killed; $new leader at +$(secs "$t0" "$t_leader") s; $old back as a replica"
}
new_leader() { local l; l=$(leader); [ -n "$l" ] && [ "$l" != "$1" ]; }

kill_auth() {
	local victim t0
	victim=auth$((RANDOM % 3 + 1))
	say "fault: docker kill $victim, start it again after 5 s"
	t0=$(now)
	docker kill "$(cid "$victim")" >/dev/null
	sleep 5
	docker start "$(cid "$victim")" >/dev/null
	healthy "$victim"
	until_true 60 "HAProxy sends to $victim again" lb_up "$victim"
	record "kill one auth replica" "$t0" "$(now)" "$victim killed, started again after 5 s"
}

# restart_etcd: the etcd member with the most connections from the Patroni
# leader (read from its /proc/net/tcp: port 2379 is 094B, state 01 is
# established, addresses are little-endian hex).
restart_etcd() {
	local lead member ip hex n best=etcd1 most=-1 t0 after
	lead=$(leader)
	[ -n "$lead" ] || fail "no Patroni leader"
	for member in etcd1 etcd2 etcd3; do
		ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(cid "$member")")
		hex=$(IFS=. read -r a b c d <<<"$ip" && printf '%02X%02X%02X%02X' "$d" "$c" "$b" "$a")
		n=$(docker exec "$(cid "$lead")" cat /proc/net/tcp | awk -v r="$hex:094B" '$3 == r && $4 == "01"' | wc -l)
		if [ "$n" -gt "$most" ]; then
			best=$member most=$n
		fi
	done
	say "fault: docker restart $best ($most connection(s) from the leader $lead)"
	t0=$(now)
	docker restart -t 5 "$(cid "$best")" >/dev/null
	healthy "$best"
	sleep 2
	after=$(leader)
	record "restart leader's etcd member" "$t0" "$(now)" "$best restarted ($most connection(s) from $lead); leader after: ${after:-none}$([ "$after" = "$lead" ] && echo ', unchanged')"
}

pause_pgbouncer() {
	local t0
	say "fault: docker pause pgbouncer for 5 s"
	t0=$(now)
	docker pause "$(cid pgbouncer)" >/dev/null
	sleep 5
	docker unpause "$(cid pgbouncer)" >/dev/null
	healthy pgbouncer
	record "pause PgBouncer 5 s" "$t0" "$(now)" "paused for 5 s"
}

started=$SECONDS
say "building chaosload"
go build -o "$tmp/chaosload" ./scripts/chaosload
say "starting the stack (${compose[*]}, $mode mode)"
"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
"${compose[@]}" up --build -d >"$tmp/up.log" 2>&1 || {
	tail -40 "$tmp/up.log" >&2
	fail "compose up failed (output above)"
}
healthy "${services[@]}"
until_true 60 "a Patroni leader with both replicas" eval '[ -n "$(leader)" ] && [ "$(members | grep -c "\"Lag in MB\": [0-9]")" = 2 ]'
for n in 1 2 3; do until_true 30 "HAProxy sends to auth$n" lb_up "auth$n"; done
say "stack healthy after $((SECONDS - started)) s"

mkdir "$tmp/certs"
docker cp "$(cid auth1)":/certs/. "$tmp/certs" >/dev/null
: >"$tmp/faults.tsv"
"$tmp/chaosload" -http "http://127.0.0.1:$HA_AUTH_HTTP_PORT" -grpc "127.0.0.1:$HA_AUTH_GRPC_PORT" \
	-executor "http://127.0.0.1:$HA_EXECUTOR_HTTP_PORT" -certs "$tmp/certs" \
	-faults "$tmp/faults.tsv" -events "$tmp/events.jsonl" -ready "$tmp/ready" >"$tmp/table.md" &
load_pid=$!
until_true 60 "chaosload set-up" test -e "$tmp/ready"
say "load running; warm-up ${warmup} s"
sleep "$warmup"

for round in $(seq "$rounds"); do
	for fault in kill_leader kill_auth restart_etcd pause_pgbouncer; do
		kill -0 "$load_pid" 2>/dev/null || fail "chaosload stopped"
		"$fault"
		say "recovered; quiet for ${quiet} s"
		sleep "$quiet"
	done
done

say "stopping the load"
kill -INT "$load_pid"
status=0
wait "$load_pid" || status=$?
load_pid=
cat "$tmp/table.md"
say "$mode run took $((SECONDS - started)) s (stack start included)"
[ "$status" = 0 ] || fail "chaosload: a target was missed (table above)"
say "every target met"
