#!/usr/bin/env bash
# Installs the system packages the project needs, only when missing, from
# Debian's packages. Usage:
# scripts/install-deps.sh [protoc] [postgres] [oathtool] [openssl] [chromium]
# (no argument: all of them). Idempotent: a second run installs nothing.
# chromium is the headless browser of the web app's tests
# (services/auth/cmd/browser_test.go).
set -euo pipefail

want=("$@")
[ ${#want[@]} -gt 0 ] || want=(protoc postgres oathtool openssl chromium)

missing=()
for what in "${want[@]}"; do
	case "$what" in
	protoc) command -v protoc >/dev/null || missing+=(protobuf-compiler) ;;
	postgres) compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql) ;;
	oathtool) command -v oathtool >/dev/null || missing+=(oathtool) ;;
	openssl) command -v openssl >/dev/null || missing+=(openssl) ;;
	pgbouncer) command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer) ;;
	chromium) command -v chromium >/dev/null || missing+=(chromium) ;;
	*) echo "install-deps: unknown dependency $what" >&2; exit 2 ;;
	esac
done
[ ${#missing[@]} -gt 0 ] || exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	as_root=(sudo)
fi
echo "install-deps: installing ${missing[*]}" >&2
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
