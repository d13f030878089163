#!/usr/bin/env bash
# End-to-end test of the production compose stack (docker-compose.yml), as a
# user and a sibling service would drive it from outside: it builds and
# starts the stack, waits for the certs job to succeed and every container
# to be healthy, checks the images (non-root, small, no secret in a layer or
# the history), copies the development certificates out of the grpc-certs
# volume and proves that gRPC takes mutual TLS only (a plaintext call, a
# call without a client certificate and one with a certificate of another
# CA are refused), registers, logs in, enrolls TOTP with a code from
# oathtool, reads the notice of it that auth mailed to Mailpit (through
# Mailpit's HTTP API), calls the profile over REST, ValidateSession over
# gRPC with the executor's certificate (scripts/grpcprobe) and the executor
# through the published ports, restarts the auth container and then the
# database and checks that the session still validates, runs the certs job
# again and checks that it keeps everything, and finally tears the stack
# down with its volumes, also when a check fails.
#
# Usage: scripts/compose-e2e.sh
# Base images: the ones GO_IMAGE, RUNTIME_IMAGE and POSTGRES_IMAGE name
# when GO_IMAGE is set (a registry or a mirror); otherwise the ones
# scripts/docker-base-images.sh builds from Debian's packages (no registry
# needed). The stack runs as compose project "platform-e2e" on ports
# 18080 (REST), 19090 (gRPC), 18081 (executor) and 18025 (Mailpit's API)
# unless AUTH_HTTP_PORT, AUTH_GRPC_PORT, EXECUTOR_HTTP_PORT and
# MAILPIT_UI_PORT say otherwise, so it does not disturb a stack started from
# the README. Mail goes to the stack's Mailpit whatever SMTP_URL says.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'compose-e2e: %s\n' "$*" >&2; }
fail() {
	say "FAIL: $*"
	exit 1
}
passed=0
pass() {
	passed=$((passed + 1))
	say "ok: $*"
}

command -v docker >/dev/null || fail "docker is not installed"
docker info >/dev/null 2>&1 || fail "the Docker engine does not answer"
scripts/install-deps.sh oathtool openssl

if docker compose version >/dev/null 2>&1; then
	compose=(docker compose)
elif command -v docker-compose >/dev/null; then
	compose=(docker-compose)
else
	fail "neither 'docker compose' nor 'docker-compose' is installed"
fi
compose+=(-p "${E2E_PROJECT:-platform-e2e}" -f docker-compose.yml)

if [ -z "${GO_IMAGE:-}" ]; then
	scripts/docker-base-images.sh >/dev/null
	set -a
	. ./.docker-images.env
	set +a
fi
# BuildKit for RUN --mount, also with docker-compose 1.29.
export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-1} COMPOSE_DOCKER_CLI_BUILD=${COMPOSE_DOCKER_CLI_BUILD:-1}
export AUTH_HTTP_PORT=${AUTH_HTTP_PORT:-18080} AUTH_GRPC_PORT=${AUTH_GRPC_PORT:-19090} EXECUTOR_HTTP_PORT=${EXECUTOR_HTTP_PORT:-18081}
export MAILPIT_UI_PORT=${MAILPIT_UI_PORT:-18025}
# Secrets of this run only: the image checks below prove none of them is
# baked into an image.
TOTP_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)
POSTGRES_PASSWORD=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export TOTP_ENCRYPTION_KEY POSTGRES_PASSWORD
auth=http://127.0.0.1:$AUTH_HTTP_PORT
executor=http://127.0.0.1:$EXECUTOR_HTTP_PORT
grpc=127.0.0.1:$AUTH_GRPC_PORT
mailpit=http://127.0.0.1:$MAILPIT_UI_PORT
# Mail to this stack's Mailpit, links to this stack's REST port.
export SMTP_URL=smtp://mailpit:1025 PUBLIC_URL=$auth

tmp=$(mktemp -d)
jar=$tmp/cookies
cleanup() {
	local status=$?
	trap - EXIT INT TERM
	if [ "$status" -ne 0 ]; then
		say "the stack when it failed:"
		"${compose[@]}" ps >&2 || true
		"${compose[@]}" logs --no-color --tail=60 >&2 || true
	fi
	say "tearing the stack down (down -v)"
	"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || say "WARNING: down -v failed; run: ${compose[*]} down -v"
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_healthy SERVICE [SECONDS]: until Docker reports the container healthy.
wait_healthy() {
	local service=$1 limit=${2:-180} id state
	local deadline=$((SECONDS + limit))
	id=$("${compose[@]}" ps -q "$service")
	[ -n "$id" ] || fail "no container for $service"
	while :; do
		state=$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id")
		[ "$state" = running/healthy ] && return
		[ "$SECONDS" -lt "$deadline" ] || fail "$service is not healthy after ${limit}s ($state)"
		sleep 1
	done
}

# call METHOD URL [JSON]: an HTTP request with the cookie jar; sets code
# and body.
call() {
	local args=(-sS -o "$tmp/body" -w '%{http_code}' -X "$1" -b "$jar" -c "$jar")
	[ $# -lt 3 ] || args+=(-H 'Content-Type: application/json' --data "$3")
	method=$1 url=$2
	code=$(curl "${args[@]}" "$url") || fail "$method $url: no answer"
	body=$(cat "$tmp/body")
}
# expect CODE [TEXT...]: the last answer has that status and contains each TEXT.
expect() {
	local want=$1 text
	shift
	[ "$code" = "$want" ] || fail "$method $url answered $code, want $want: $body"
	for text in "$@"; do
		[[ $body == *"$text"* ]] || fail "$method $url: the answer lacks $text: $body"
	done
}
token() { awk '$6 == "session" || $6 == "__Host-session" {t = $7} END {print t}' "$jar"; }
# The probe's flags for mutual TLS as the executor and as the operator.
certs=$tmp/certs
as_executor=(-cacert "$certs/ca.pem" -cert "$certs/executor.pem" -key "$certs/executor-key.pem")
as_operator=(-cacert "$certs/ca.pem" -cert "$certs/operator.pem" -key "$certs/operator-key.pem")
# probe AAL: ValidateSession of the session, with the executor's certificate.
probe() {
	printf '%s\n' "$(token)" | "$tmp/grpcprobe" -addr "$grpc" "${as_executor[@]}" -email "$email" -aal "$1" >/dev/null
}
# mail_for ADDRESS SUBJECT: prints the newest message to ADDRESS whose
# subject contains SUBJECT, as Mailpit's JSON (GET /api/v1/message/ID:
# Subject, Text, HTML, ...), waiting up to 30 seconds for it to arrive (the
# outbox sends within a second or two, or retries 10 s later). Fails with
# Mailpit's last answer.
mail_for() {
	local to=$1 subject=$2 deadline=$((SECONDS + 30)) list id
	while :; do
		list=$(curl -sS -G --data-urlencode "query=to:$to" "$mailpit/api/v1/search" 2>&1) || list="no answer: $list"
		# One summary a line; the first (newest) whose Subject has SUBJECT.
		id=$(sed 's/{"ID":"/\n&/g' <<<"$list" |
			sed -n 's/^{"ID":"\([^"]*\)".*"Subject":"\(\([^"\\]\|\\.\)*\)".*/\1\t\2/p' |
			awk -F '\t' -v s="$subject" 'index($2, s) {print $1; exit}')
		[ -z "$id" ] || break
		[ "$SECONDS" -lt "$deadline" ] || fail "no mail to $to with '$subject' in its subject after 30s; Mailpit's search answered: $list"
		sleep 1
	done
	curl -sS -f "$mailpit/api/v1/message/$id" || fail "Mailpit did not give message $id"
}
# mail_text JSON: the Text body of mail_for's JSON, still JSON-escaped (\n
# for a new line): enough to look for plain words and links in it.
mail_text() { sed -n 's/.*"Text":"\(\([^"\\]\|\\.\)*\)".*/\1/p' <<<"$1"; }
# mail_link JSON: the first link to PUBLIC_URL in the Text body of
# mail_for's JSON, whole: path, query and fragment (a reset or verification
# token travels as #token=...). A URL ends at a space, a quote, < or >, or
# the next escape (\n); Go's JSON writes & as \u0026. Fails when there is
# none.
mail_link() {
	local prefix link
	prefix=$(sed 's/[]\\$*.^[]/\\&/g' <<<"$PUBLIC_URL")
	link=$(mail_text "$1" | sed 's/\\u0026/\&/g' | grep -o "$prefix[^\\\" <>]*" | sed -n 1p) || true
	[ -n "$link" ] || fail "no link to $PUBLIC_URL in the mail: $(mail_text "$1")"
	printf '%s\n' "$link"
}
# refused WHAT TEXT [FLAGS...]: ValidateSession with these flags fails with
# Unavailable and an error that contains TEXT: the server refused the
# connection (not "connection refused": nothing listening proves nothing).
refused() {
	local what=$1 text=$2 out
	shift 2
	out=$(printf 'not-a-token\n' | "$tmp/grpcprobe" -addr "$grpc" -expect-code Unavailable "$@" 2>&1) ||
		fail "$what was not refused: $out"
	[[ $out == *"$text"* ]] || fail "$what: refused, but not with '$text': $out"
	pass "$what refused: $out"
}

say "building the gRPC probe"
go build -o "$tmp/grpcprobe" ./scripts/grpcprobe

say "starting the stack (${compose[*]}, GO_IMAGE=${GO_IMAGE:-default} RUNTIME_IMAGE=${RUNTIME_IMAGE:-default} POSTGRES_IMAGE=${POSTGRES_IMAGE:-default})"
"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
"${compose[@]}" up --build -d >"$tmp/up.log" 2>&1 || {
	tail -40 "$tmp/up.log" >&2
	fail "compose up failed (output above)"
}
for service in db auth executor mailpit; do
	wait_healthy "$service"
done
pass "db, auth, executor and mailpit are healthy"
certs_id=$("${compose[@]}" ps -a -q certs)
[ -n "$certs_id" ] || fail "no container for certs"
[ "$(docker inspect -f '{{.State.Status}}/{{.State.ExitCode}}' "$certs_id")" = exited/0 ] ||
	fail "the certs job did not exit 0: $(docker logs "$certs_id" 2>&1 | tail -5)"
pass "the certs job made the certificates and exited 0"

# The images: non-root, small, and no secret of this run in them.
max_mb=${E2E_MAX_IMAGE_MB:-40}
for service in auth executor mailpit; do
	image=$(docker inspect -f '{{.Image}}' "$("${compose[@]}" ps -q "$service")")
	user=$(docker image inspect -f '{{.Config.User}}' "$image")
	size=$(docker image inspect -f '{{.Size}}' "$image")
	case ${user%%:*} in '' | 0 | root) fail "the $service image runs as '${user:-root}'" ;; esac
	[ "$size" -lt $((max_mb * 1000 * 1000)) ] || fail "the $service image is $((size / 1000000)) MB, over $max_mb MB"
	if { docker history --no-trunc "$image" && docker image inspect "$image"; } | grep -qF -e "$TOTP_ENCRYPTION_KEY" -e "$POSTGRES_PASSWORD"; then
		fail "a secret of this run is in the $service image"
	fi
	pass "$service image: user $user, $(awk "BEGIN {printf \"%.1f\", $size / 1e6}") MB, no secret in its history or config"
done

# The certificates, out of the grpc-certs volume through the auth
# container (the image has no shell: docker cp reads its mounts).
docker cp "$("${compose[@]}" ps -q auth)":/certs/. "$certs" >/dev/null
for name in ca auth executor operator; do
	[ -s "$certs/$name.pem" ] && [ -s "$certs/$name-key.pem" ] || fail "the volume lacks $name.pem or $name-key.pem"
	[ "$(stat -c %a "$certs/$name-key.pem")" = 600 ] || fail "$name-key.pem is mode $(stat -c %a "$certs/$name-key.pem"), want 600"
done
openssl verify -CAfile "$certs/ca.pem" -purpose sslserver "$certs/auth.pem" >/dev/null ||
	fail "auth.pem is not a server certificate of ca.pem"
openssl verify -CAfile "$certs/ca.pem" -purpose sslclient "$certs/executor.pem" "$certs/operator.pem" >/dev/null ||
	fail "executor.pem or operator.pem is not a client certificate of ca.pem"
pass "certificates copied out of the volume: a CA, auth (server), executor and operator (clients), keys 0600"

# A client certificate with the executor's identity from another CA.
other=$tmp/other
mkdir "$other"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=another CA" \
	-keyout "$other/ca-key.pem" -out "$other/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=executor \
	-keyout "$other/executor-key.pem" -out "$other/executor.csr" 2>/dev/null
printf '%s\n' subjectAltName=URI:spiffe://platform/executor,DNS:executor extendedKeyUsage=clientAuth >"$other/ext"
openssl x509 -req -in "$other/executor.csr" -CA "$other/ca.pem" -CAkey "$other/ca-key.pem" -CAcreateserial \
	-days 1 -extfile "$other/ext" -out "$other/executor.pem" 2>/dev/null || fail "openssl could not make a certificate"

refused "a plaintext gRPC call" "server preface"
refused "a TLS call without a client certificate" "certificate required" -cacert "$certs/ca.pem"
refused "a call with a certificate of another CA" "unknown certificate authority" \
	-cacert "$certs/ca.pem" -cert "$other/executor.pem" -key "$other/executor-key.pem"

email="e2e-$(date +%s)-$RANDOM@example.com"
password="correct horse battery staple"
call POST "$auth/auth/register" "{\"email\":\"$email\",\"password\":\"$password\"}"
expect 201 "\"email\":\"$email\""
rm -f "$jar"
call POST "$auth/auth/login" "{\"email\":\"$email\",\"password\":\"$password\"}"
expect 200
[ -n "$(token)" ] || fail "login set no session cookie"
call GET "$auth/auth/profile"
expect 200 "\"email\":\"$email\"" '"mfa_enabled":false' '"email_verified":false'
pass "registered, logged in, profile over REST"

# The verification link of the registration, read from Mailpit, followed
# as its page does: the token from the URL fragment, posted as JSON.
verify=$(mail_for "$email" "Verify your email address")
link=$(mail_link "$verify")
[[ $link == "$PUBLIC_URL/verify-email#token="* ]] || fail "the verification link is '$link'"
call GET "${link%%#*}"
expect 200 'links.js'
call POST "$auth/auth/email/verify" "{\"token\":\"${link#*#token=}\"}"
expect 204
call POST "$auth/auth/email/verify" "{\"token\":\"${link#*#token=}\"}"
expect 400 invalid_token
call GET "$auth/auth/profile"
expect 200 '"email_verified":true'
pass "the verification link from Mailpit verified $email, once"

call GET "$executor/executor/whoami"
expect 200 "\"email\":\"$email\"" '"aal":"aal1"'
call GET "$executor/executor/admin/whoami"
expect 403 mfa_required
pass "executor: whoami at aal1, the aal2 route refused"

call POST "$auth/auth/totp/generate"
expect 200 '"secret"' otpauth://
secret=$(sed -n 's/.*"secret":"\([A-Z2-7]*\)".*/\1/p' <<<"$body")
[ -n "$secret" ] || fail "totp/generate: no base32 secret in the answer"
call POST "$auth/auth/totp/verify" "{\"code\":\"$(oathtool --totp -b "$secret")\"}"
expect 200 '"aal":"aal2"' '"backup_codes"'
call GET "$auth/auth/profile"
expect 200 '"mfa_enabled":true'
pass "TOTP enrolled with an oathtool code, session at aal2"

# The notice of it, through the outbox and SMTP to Mailpit.
notice=$(mail_for "$email" "Two-factor authentication turned on")
[[ $notice == *'"Subject":"Two-factor authentication turned on"'* ]] || fail "the notice has another subject: $notice"
[[ $(mail_text "$notice") == *"$email"* ]] || fail "the notice's text does not name $email: $notice"
link=$(mail_link "$notice")
[ "$link" = "$PUBLIC_URL" ] || fail "the notice's link is '$link', want $PUBLIC_URL: $(mail_text "$notice")"
pass "the notice 'Two-factor authentication turned on' reached Mailpit, naming $email and linking to $PUBLIC_URL"

probe aal2 || fail "ValidateSession over gRPC ($grpc) refused the session"
pass "ValidateSession over gRPC with mutual TLS (executor certificate): $email at aal2"
call GET "$executor/executor/admin/whoami"
expect 200 "\"email\":\"$email\"" '"aal":"aal2"'
pass "executor: the aal2 route answers"

# A stolen password alone: a password-only session of this MFA user opens
# no executor route (the client package refuses an incomplete session).
stolen=$tmp/stolen
curl -sS -o /dev/null -c "$stolen" -H 'Content-Type: application/json' \
	-d "{\"email\":\"$email\",\"password\":\"$password\"}" "$auth/auth/login"
grep -q session "$stolen" || fail "the second login set no session cookie"
for path in /executor/whoami /executor/admin/whoami; do
	got=$(curl -sS -b "$stolen" -o "$tmp/stolen.body" -w '%{http_code}' "$executor$path")
	[ "$got" = 403 ] && grep -q mfa_required "$tmp/stolen.body" ||
		fail "executor $path with a password-only session of an MFA user: $got $(cat "$tmp/stolen.body"), want 403 mfa_required"
done
pass "executor: a password-only (aal1) session of an MFA user is refused with 403 mfa_required"

# still_valid WHAT: the session validates over gRPC, REST and through the
# executor. Connections broken by the restart may fail a few calls (503,
# Unavailable) before the services reconnect by themselves: each check gets
# 30 seconds.
still_valid() {
	local deadline=$((SECONDS + 30))
	until probe aal2 2>"$tmp/probe.err"; do
		[ "$SECONDS" -lt "$deadline" ] || fail "after $1, ValidateSession refused the session: $(cat "$tmp/probe.err")"
		sleep 1
	done
	for url in "$auth/auth/profile" "$executor/executor/whoami"; do
		while call GET "$url" && [ "$code" = 503 ] && [ "$SECONDS" -lt "$deadline" ]; do
			sleep 1
		done
		expect 200 "\"email\":\"$email\""
	done
	pass "after $1 the session still validates (gRPC, REST, executor)"
}
"${compose[@]}" restart auth >/dev/null 2>&1
wait_healthy auth
still_valid "a restart of auth"
"${compose[@]}" restart db >/dev/null 2>&1
wait_healthy db
wait_healthy auth
still_valid "a restart of the database"

# check_grpc_authorization: the method groups of docs/grpc-trust.md, with
# this stack's GRPC_ALLOW_ADMIN=spiffe://platform/operator. The executor may
# validate but not revoke: its RevokeSession of the live session answers
# PermissionDenied and the session still validates. The operator may
# revoke: NotFound for a random session id.
check_grpc_authorization() {
	local session
	session=$(printf '%s\n' "$(token)" | "$tmp/grpcprobe" -addr "$grpc" "${as_executor[@]}" |
		sed -n 's/.*"session_id":"\([^"]*\)".*/\1/p')
	[ -n "$session" ] || fail "ValidateSession gave no session id"
	printf '%s\n' "$session" | "$tmp/grpcprobe" -addr "$grpc" "${as_executor[@]}" -method RevokeSession \
		-expect-code PermissionDenied >/dev/null || fail "the executor's certificate may revoke sessions"
	probe aal2 || fail "a refused RevokeSession revoked the session"
	cat /proc/sys/kernel/random/uuid | "$tmp/grpcprobe" -addr "$grpc" "${as_operator[@]}" -method RevokeSession \
		-expect-code NotFound >/dev/null || fail "the operator's certificate may not revoke sessions"
	pass "authorization: the executor may validate, not revoke; the operator may revoke"
}
check_grpc_authorization

# The certs job again, as at the next start: it keeps every file.
"${compose[@]}" run --rm -T certs >"$tmp/certs.log" 2>&1 || fail "certs init failed on a second run: $(tail -5 "$tmp/certs.log")"
[ "$(grep -c '^kept /certs/' "$tmp/certs.log")" = 8 ] && ! grep -q '^made ' "$tmp/certs.log" ||
	fail "a second certs init did not keep every file: $(cat "$tmp/certs.log")"
probe aal2 || fail "after a second certs init, ValidateSession refused the session"
pass "a second certs init keeps the CA and every certificate"

# A forgotten password: the reset link from Mailpit sets a new one, once,
# and ends every session; MFA still applies at the next login.
call POST "$auth/auth/password/forgot" "{\"email\":\"$email\"}"
expect 202 '{}'
call POST "$auth/auth/password/forgot" "{\"email\":\"nobody-$RANDOM@example.com\"}"
expect 202 '{}'
reset=$(mail_for "$email" "Reset your password")
link=$(mail_link "$reset")
[[ $link == "$PUBLIC_URL/reset-password#token="* ]] || fail "the reset link is '$link'"
call GET "${link%%#*}"
expect 200 'links.js'
new_password="quiet harbour lantern 7"
call POST "$auth/auth/password/reset" "{\"token\":\"${link#*#token=}\",\"new_password\":\"password1\"}"
expect 400 weak_password
call POST "$auth/auth/password/reset" "{\"token\":\"${link#*#token=}\",\"new_password\":\"$new_password\"}"
expect 204
call POST "$auth/auth/password/reset" "{\"token\":\"${link#*#token=}\",\"new_password\":\"$new_password\"}"
expect 400 invalid_token
! probe aal2 2>/dev/null || fail "a session from before the reset still validates"
call POST "$auth/auth/login" "{\"email\":\"$email\",\"password\":\"$password\"}"
expect 401 invalid_credentials
call POST "$auth/auth/login" "{\"email\":\"$email\",\"password\":\"$new_password\"}"
expect 200 '"mfa_required":true'
mail_for "$email" "Your password was reset" >/dev/null
pass "the reset link from Mailpit set a new password, once; sessions ended, MFA still required, notice mailed"

say "$passed passed, 0 failed"
